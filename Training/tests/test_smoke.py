"""Smoke tests for the training pipeline (CPU, about a minute):

    Training/.venv/bin/python -m pytest Training/tests -q

one training step on a tiny batch (x2 and x4), export, reload, key/shape
check against the official layout, inference shape checks, training-path vs
inference-path agreement with hard masks, the x2 bicubic LR check, and the
Swift round trip when the release binary exists.
"""
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

TRAINING = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TRAINING)

from export import check_file, main as export_main  # noqa: E402
from imresize import imresize  # noqa: E402
from smsr_model import SMSR, dense_macs, load_model  # noqa: E402
from sr_data import prepare  # noqa: E402
from sr_eval import SET5, SHARED, load_rgb, to_tensor  # noqa: E402
from train import main as train_main  # noqa: E402

SWIFT_BIN = os.path.join(TRAINING, "..", ".build", "release", "smsr")


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    d = tmp_path_factory.mktemp("photos")
    from PIL import Image
    for n in ("baby", "butterfly"):
        Image.open(os.path.join(SET5, "HR", f"{n}.png")).save(d / f"{n}.png")
    return str(d)


@pytest.mark.parametrize("scale", [2, 4])
def test_train_step_export_reload(photos, tmp_path, scale):
    torch.set_num_threads(2)
    data = str(tmp_path / f"x{scale}")
    prepare(photos, data, scale, hr_scales=(1.0,), min_side=16)
    run = str(tmp_path / "run")
    step = train_main(["--scale", str(scale), "--data", data, "--run", run, "--patch", "16", "--batch", "2",
                       "--total-steps", "1", "--no-val", "--log-every", "1"])
    assert step == 1
    assert os.path.exists(os.path.join(run, "ckpt_last.pt"))
    log = open(os.path.join(run, "train.log")).read()
    assert "step 1 loss" in log
    # resume is a no-op at total-steps
    assert train_main(["--scale", str(scale), "--data", data, "--run", run, "--patch", "16", "--batch", "2",
                       "--total-steps", "1", "--no-val"]) == 1
    out = str(tmp_path / f"m{scale}.safetensors")
    assert export_main(["--ckpt", os.path.join(run, "ckpt_last.pt"), "--out", out, "--data", data,
                        "--no-validate"]) == 0
    assert check_file(out, scale) == []
    m = load_model(out)
    assert m.scale == scale
    for h, w in ((20, 24), (17, 31)):
        y, st = m.infer(torch.rand(1, 3, h, w) * 255, stats=True)
        assert y.shape == (1, 3, scale * h, scale * w)
        assert st.macs_dense == dense_macs(h, w, scale)
        assert 0 < st.macs_exec <= st.macs_dense
    if os.path.exists(SWIFT_BIN):
        r = subprocess.run([sys.executable, os.path.join(TRAINING, "check_swift.py"), "--model", out,
                            "--binary", SWIFT_BIN, "--crop", "0,0,32,24"], capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr


def test_train_path_equals_inference_with_hard_masks():
    torch.manual_seed(0)
    m = SMSR(2).eval()
    with torch.no_grad():
        for smm in m.body:  # make the split mixed
            smm.body.ch_mask.normal_(0, 2)
    x = torch.rand(1, 3, 24, 20) * 255
    with torch.no_grad():
        a, _ = m.forward_train(x, 1.0, hard=True)
    b = m.infer(x)
    assert (a - b).abs().max().item() < 1e-3


def test_official_golden_crop():
    ref = os.path.join(SHARED, "reference")
    m = load_model(os.path.join(SHARED, "models", "smsr_x2_official.safetensors"))
    y = m.infer(to_tensor(load_rgb(os.path.join(ref, "crop_baby_64x64_lr.png"))))
    want = np.fromfile(os.path.join(ref, "crop_baby_64x64_sr.f32"), dtype="<f4").reshape(3, 128, 128)
    assert np.abs(y[0].numpy() - want).max() <= 1e-3


def test_bicubic_x2_matches_set5():
    hr = load_rgb(os.path.join(SET5, "HR", "bird.png"))
    ref = load_rgb(os.path.join(SET5, "LR_bicubic", "X2", "bird.png"))
    lr = imresize(hr, 0.5)
    assert lr.shape == ref.shape
    assert np.abs(lr.astype(int) - ref.astype(int)).max() <= 1
