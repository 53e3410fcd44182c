"""Weight averaging of snapshots (`average.py`):

    Training/.venv/bin/python -m pytest Training/tests/test_average.py -q
"""
import os
import sys

import pytest
import torch

TRAINING = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TRAINING)

from average import average, main as average_main  # noqa: E402
from smsr_model import SMSR  # noqa: E402


def snapshot(path, seed, step):
    torch.manual_seed(seed)
    model = SMSR(3)
    sd = model.state_dict()
    sd["counter"] = torch.tensor([step], dtype=torch.int64)  # a non-float entry
    torch.save(dict(model=sd, scale=3, val=dict(step=step)), path)
    return sd


def test_mean_of_snapshots_is_elementwise_mean_and_keeps_the_last_metadata(tmp_path):
    paths = [str(tmp_path / f"s{i}.pt") for i in range(3)]
    states = [snapshot(p, seed=i, step=100 * (i + 1)) for i, p in enumerate(paths)]
    result = average(paths)
    assert result["averaged_from"] == ["s0.pt", "s1.pt", "s2.pt"]
    assert result["val"]["step"] == 300
    for key, value in states[0].items():
        if torch.is_floating_point(value):
            expected = (states[0][key].double() + states[1][key].double() + states[2][key].double()) / 3
            assert torch.allclose(result["model"][key].double(), expected, atol=1e-6), key
        else:
            assert torch.equal(result["model"][key], states[2][key]), key
    # The mean loads into the model as any snapshot does.
    model = SMSR(3)
    del result["model"]["counter"]
    model.load_state_dict(result["model"], strict=True)


def test_mismatched_shapes_and_a_single_snapshot_are_refused(tmp_path):
    a, b = str(tmp_path / "a.pt"), str(tmp_path / "b.pt")
    snapshot(a, seed=0, step=1)
    torch.manual_seed(0)
    other = SMSR(2).state_dict()  # the tail's shape differs from x3's
    other["counter"] = torch.tensor([2])
    torch.save(dict(model=other), b)
    with pytest.raises(SystemExit):
        average([a, b])
    with pytest.raises(SystemExit):
        average_main([a, "--out", str(tmp_path / "out.pt")])
