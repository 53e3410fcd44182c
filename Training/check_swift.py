"""Compare the Swift engine with the PyTorch inference forward.

Crops a Set5 LR image, runs `SMSR.infer` on it (writes <out-dir>/torch.f32),
runs the Swift binary

    smsr upscale --model M.safetensors --raw-output OUT.f32 IN.png OUT.png

and compares the two float32 CHW outputs (before clamping).  Pass: max abs
difference <= --tol (1e-3).

    python3 Training/check_swift.py --model smsr_x2.safetensors
    python3 Training/check_swift.py --model M.safetensors --binary .build/release/smsr \
        --image butterfly --crop 40,24,48,40

Exit status: 0 pass, 1 mismatch, 2 the Swift binary is missing or failed.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from smsr_model import load_model  # noqa: E402
from sr_eval import SET5, load_rgb, to_tensor  # noqa: E402

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="exported .safetensors")
    ap.add_argument("--binary", default=os.path.join(REPO, ".build", "release", "smsr"))
    ap.add_argument("--image", default="butterfly", help="Set5 name, or a path to an LR PNG")
    ap.add_argument("--crop", default="0,0,64,64", help="x,y,w,h of the LR crop ('full' for the whole image)")
    ap.add_argument("--out-dir", default=None, help="where to keep the inputs/outputs (default: a temp dir)")
    ap.add_argument("--tol", type=float, default=1e-3)
    a = ap.parse_args(argv)
    torch.set_num_threads(2)

    model = load_model(a.model)
    s = model.scale
    path = a.image if os.path.exists(a.image) else os.path.join(SET5, "LR_bicubic", f"X{s}", f"{a.image}.png")
    img = load_rgb(path)
    if a.crop != "full":
        x, y, w, h = (int(v) for v in a.crop.split(","))
        img = np.ascontiguousarray(img[y:y + h, x:x + w])
    out_dir = a.out_dir or tempfile.mkdtemp(prefix="smsr_check_")
    os.makedirs(out_dir, exist_ok=True)
    in_png = os.path.join(out_dir, "input.png")
    Image.fromarray(img).save(in_png)

    sr, st = model.infer(to_tensor(img), stats=True)
    ref = sr[0].numpy().astype("<f4")
    ref.tofile(os.path.join(out_dir, "torch.f32"))
    H, W = img.shape[:2]
    print(f"input {path} crop {a.crop} -> {W}x{H}; torch output (3,{s * H},{s * W}) written to "
          f"{os.path.join(out_dir, 'torch.f32')}")
    print(f"mask ones per block {st.mask_ones}; min |logit1-logit0| per block "
          f"{[f'{m:.2e}' for m in st.min_margin]} (tiny margins may flip a mask position legitimately)")

    if not (os.path.isfile(a.binary) and os.access(a.binary, os.X_OK)):
        print(f"SWIFT BINARY NOT FOUND: {a.binary} (build it with `swift build -c release`); comparison not run")
        return 2
    sw_f32 = os.path.join(out_dir, "swift.f32")
    cmd = [a.binary, "upscale", "--model", a.model, "--raw-output", sw_f32, in_png, os.path.join(out_dir, "swift.png")]
    print("running:", " ".join(cmd))
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        print(f"SWIFT BINARY FAILED (exit {r.returncode}):\n{r.stdout}\n{r.stderr}")
        return 2
    got = np.fromfile(sw_f32, dtype="<f4")
    if got.size != ref.size:
        print(f"FAIL: swift output has {got.size} floats, expected {ref.size} (3x{s * H}x{s * W})")
        return 1
    got = got.reshape(ref.shape)
    d = np.abs(got.astype(np.float64) - ref.astype(np.float64))
    worst = np.unravel_index(int(d.argmax()), d.shape)
    print(f"max |swift - torch| = {d.max():.3e} at (c,y,x)={tuple(int(v) for v in worst)}; mean {d.mean():.3e}; "
          f"elements > tol: {int((d > a.tol).sum())}")
    ok = d.max() <= a.tol
    print("PASS" if ok else f"FAIL (tolerance {a.tol})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
