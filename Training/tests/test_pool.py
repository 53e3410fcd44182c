"""The HR pool, on-the-fly LR, our validation-set evaluation and the compact resume state:

    Training/.venv/bin/python -m pytest Training/tests -q
"""
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from PIL import Image

TRAINING = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TRAINING)

import resume_state  # noqa: E402
from imresize import imresize  # noqa: E402
from sr_data import HRPool, lr_window  # noqa: E402
from sr_eval import SET5, evaluate_valset  # noqa: E402
from synth import synth  # noqa: E402
from train import main as train_main  # noqa: E402


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_lr_window_equals_whole_image_lr(scale):
    rng = np.random.default_rng(scale)
    hr = rng.integers(0, 256, (scale * 41, scale * 37, 3), dtype=np.uint8)
    full = imresize(hr, 1.0 / scale)
    for y, x in [(3, 3), (9, 14), (41 - 12 - 3, 37 - 12 - 3)]:
        assert np.array_equal(lr_window(hr, y, x, 12, scale), full[y:y + 12, x:x + 12])
    # without the margin the window's mirrored border shows: the margin is what makes it exact
    win = imresize(np.ascontiguousarray(hr[:12 * scale, :12 * scale]), 1.0 / scale)
    assert not np.array_equal(win, full[:12, :12])


@pytest.fixture
def pool(tmp_path):
    """Three Set5 images as a two-class pool (texture drawn with weight 0)."""
    d = tmp_path / "pool"
    d.mkdir()
    ents = []
    for i, (n, c) in enumerate([("baby", "photo"), ("bird", "photo"), ("butterfly", "texture")]):
        a = np.asarray(Image.open(os.path.join(SET5, "HR", f"{n}.png")).convert("RGB"))
        np.save(d / f"{i:05d}.npy", a)
        ents.append(dict(id=f"{i:05d}", cls=c, shape=list(a.shape)))
    (d / "index.json").write_text(json.dumps(dict(format="hr-pool", entries=ents)))
    return str(d)


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_pool_crops_aligned_and_weighted(pool, scale):
    s = HRPool(pool, scale, 8, np.random.default_rng(0), {"photo": 1.0, "texture": 0.0})
    assert s.classes == ["photo"]
    lr, hr = s.batch(6)
    assert lr.shape == (6, 3, 8, 8) and hr.shape == (6, 3, 8 * scale, 8 * scale) and lr.dtype == np.uint8
    # every LR crop is the bicubic reduction of its HR crop up to the (few) border-dependent pixels:
    # compare interiors, which depend only on the HR crop
    for i in range(6):
        h = hr[i].transpose(1, 2, 0)
        mine = imresize(np.ascontiguousarray(h), 1.0 / scale)[2:-2, 2:-2].astype(int)
        assert np.abs(mine - lr[i].transpose(1, 2, 0)[2:-2, 2:-2].astype(int)).max() <= 1


def test_synth_is_deterministic():
    for kind in ("facade", "ui"):
        a, b = synth(kind, 7, 320, 240), synth(kind, 7, 320, 240)
        assert a.shape == (240, 320, 3) and np.array_equal(a, b)
        assert not np.array_equal(a, synth(kind, 8, 320, 240))
        assert a.std() > 10


def test_valset_classes_and_bicubic(tmp_path):
    d = tmp_path / "val"
    d.mkdir()
    imgs = []
    for n, c in [("baby", "photo"), ("bird", "photo"), ("head", "text")]:
        Image.open(os.path.join(SET5, "HR", f"{n}.png")).convert("RGB").crop((0, 0, 96, 96)).save(d / f"{n}.png")
        imgs.append(dict(name=n, cls=c))
    (d / "index.json").write_text(json.dumps(dict(images=imgs)))
    r = evaluate_valset(None, 2, str(d), bicubic=True)
    assert list(r["classes"]) == ["photo", "text"]
    assert r["classes"]["photo"]["n"] == 2
    assert r["overall"]["psnr"] == pytest.approx((r["classes"]["photo"]["psnr"] + r["classes"]["text"]["psnr"]) / 2)
    assert 20 < r["classes"]["text"]["psnr"] < 45


def test_resume_state_round_trip_and_pause(pool, tmp_path):
    """A run paused with SIGTERM writes the compact file; a new run directory resumes from it exactly
    where it stopped (weights bit-equal, moments to bf16 precision)."""
    run, state = str(tmp_path / "run"), str(tmp_path / "state" / "x2.pt.xz")
    args = [sys.executable, os.path.join(TRAINING, "train.py"), "--scale", "2", "--data", pool, "--run", run,
            "--patch", "8", "--batch", "2", "--total-steps", "100000", "--no-val", "--log-every", "1",
            "--threads", "1", "--state", state]
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in p.stdout:  # paused once it has trained
        if " step 2 loss" in line:
            p.send_signal(signal.SIGTERM)
            break
    out = p.communicate(timeout=300)[0]
    assert p.returncode == 0, out
    assert "PAUSE step" in out
    ck = torch.load(os.path.join(run, "ckpt_last.pt"), weights_only=False)
    st = resume_state.read(state)
    assert st["step"] == ck["step"] >= 2
    for k, v in ck["model"].items():
        assert torch.equal(v, st["model"][k])
    for k, v in ck["optimizer"]["state"].items():
        m, m2 = v["exp_avg"], st["optimizer"]["state"][k]["exp_avg"]
        assert m2.dtype == torch.float32 and torch.allclose(m, m2, rtol=1e-2, atol=1e-12)
    run2 = str(tmp_path / "run2")
    steps = train_main(["--scale", "2", "--data", pool, "--run", run2, "--patch", "8", "--batch", "2",
                        "--total-steps", str(st["step"] + 1), "--no-val", "--threads", "1", "--state", state])
    assert steps == st["step"] + 1
    assert f"RESUME step {st['step']} " in open(os.path.join(run2, "train.log")).read()
