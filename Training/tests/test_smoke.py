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


def test_bf16_autocast_keeps_fp32_ends_and_stays_close():
    torch.manual_seed(0)
    m = SMSR(2).eval()
    x = torch.rand(2, 3, 16, 16) * 255
    with torch.no_grad():
        a, sa = m.forward_train(x, 1.0, hard=True)
        b, sb = m.forward_train(x, 1.0, hard=True, autocast=torch.bfloat16)
    assert b.dtype == torch.float32 and sb.dtype == torch.float32
    assert not torch.equal(a, b)  # the body did run in bf16
    # The mean shifts and bicubic skip are fp32: the difference is the body's rounding alone.
    assert (a - b).abs().mean().item() < 0.05
    assert abs(sa.item() - sb.item()) < 1e-3


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


def test_device_crops_stay_aligned_under_flips():
    """Every flip/transposition cuts the same place from LR and HR: with HR a
    nearest-neighbour enlargement of LR, HR's top-left sample of each s x s
    cell must equal the LR pixel after any of the 8 transforms."""
    from train_accel import DeviceCrops
    s, t = 4, 24
    lr = np.random.default_rng(0).integers(0, 256, (3, t, t, 3), dtype=np.uint8)
    hr = lr.repeat(s, axis=1).repeat(s, axis=2)
    gen = torch.Generator().manual_seed(0)
    crops = DeviceCrops(hr, lr, s, 8, torch.device("cpu"), gen)
    seen = set()
    for _ in range(8):
        lr_b, hr_b = crops.batch(16)
        assert lr_b.shape == (16, 3, 8, 8) and hr_b.shape == (16, 3, 32, 32)
        assert torch.equal(hr_b[..., ::s, ::s], lr_b)
        for i in range(16):  # which of the 8 transforms of some source crop it is
            seen.add(tuple(lr_b[i, 0, 0, :2].tolist()))
    assert len(seen) > 16


def test_pool_and_timed_training(photos, tmp_path):
    """pool -> train_accel on the CPU for a few seconds -> a checkpoint that
    export.py and train.py's resume read."""
    from sr_data import build_pool, load_pool
    from train_accel import main as accel_main
    dirs = {}
    for s in (2, 4):
        dirs[s] = str(tmp_path / f"x{s}")
        prepare(photos, dirs[s], s, hr_scales=(1.0,), min_side=16)
    pool = str(tmp_path / "pool.npz")
    build_pool(dirs, pool, n_tiles=4, tile=64)
    hr, lr, meta = load_pool(pool, 4)
    assert hr.shape == (4, 64, 64, 3) and lr.shape == (4, 16, 16, 3) and len(meta["tiles"]) == 4
    import json
    ids = {e["photo"]: e["id"] for e in json.load(open(os.path.join(dirs[4], "index.json")))["entries"]}
    for i, tl in enumerate(meta["tiles"]):  # LR tiles are slices of the whole image's LR
        full = np.load(os.path.join(dirs[4], f"{ids[tl['photo']]}_lr.npy"))
        assert np.array_equal(lr[i], full[tl["y"] // 4:tl["y"] // 4 + 16, tl["x"] // 4:tl["x"] // 4 + 16])
    run = str(tmp_path / "accel")
    steps = accel_main(["--scale", "4", "--pool", pool, "--run", run, "--seconds", "3", "--batch", "2",
                        "--patch", "8", "--log-every", "1", "--device", "cpu"])
    assert steps >= 1
    out = str(tmp_path / "m4.safetensors")
    assert export_main(["--ckpt", os.path.join(run, "ckpt_last.pt"), "--out", out, "--data", dirs[4],
                        "--no-validate"]) == 0
    assert check_file(out, 4) == []
    # continuing it (as the x2 run continues the CPU checkpoint)
    run2 = str(tmp_path / "accel2")
    more = accel_main(["--scale", "4", "--pool", pool, "--run", run2, "--init", os.path.join(run, "ckpt_last.pt"),
                       "--seconds", "2", "--batch", "2", "--patch", "8", "--device", "cpu"])
    assert more > steps


def test_init_from_other_scale(photos, tmp_path):
    """x4 starts from x2 weights: all tensors but the tail are copied."""
    data = {}
    for s in (2, 4):
        data[s] = str(tmp_path / f"x{s}")
        prepare(photos, data[s], s, hr_scales=(1.0,), min_side=16)
    run2, run4 = str(tmp_path / "r2"), str(tmp_path / "r4")
    common = ["--patch", "16", "--batch", "2", "--total-steps", "1", "--no-val", "--lr", "0"]
    train_main(["--scale", "2", "--data", data[2], "--run", run2] + common)
    src = torch.load(os.path.join(run2, "ckpt_last.pt"), weights_only=False)["model"]
    train_main(["--scale", "4", "--data", data[4], "--run", run4,
                "--init-from", os.path.join(run2, "ckpt_last.pt")] + common)
    got = torch.load(os.path.join(run4, "ckpt_last.pt"), weights_only=False)["model"]
    assert "fresh: tail.0.bias, tail.0.weight" in open(os.path.join(run4, "train.log")).read()
    same = [k for k in got if got[k].shape == src[k].shape and torch.equal(got[k], src[k])]
    assert sorted(set(got) - set(same)) == ["tail.0.bias", "tail.0.weight"]
