"""Verify the inference forward against the official reference data.

Loads the official x2 weights (test use only: never copied, never used to
initialise or supervise training), runs `SMSR.infer` on the golden crops and
on Set5, and compares with shared/reference/manifest.json.

    python3 Training/verify_official.py
"""
from __future__ import annotations

import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from smsr_model import load_model  # noqa: E402
from sr_eval import SHARED, evaluate_set5, load_rgb, to_tensor  # noqa: E402


def main():
    torch.set_num_threads(2)
    ref = os.path.join(SHARED, "reference")
    man = json.load(open(os.path.join(ref, "manifest.json")))
    model = load_model(os.path.join(SHARED, "models", "smsr_x2_official.safetensors"))
    ok = True
    for crop in man["golden_crops"]:
        files = crop["files"]
        lr = load_rgb(os.path.join(ref, files["lr_png"]["file"]))
        want = np.fromfile(os.path.join(ref, files["sr_f32"]["file"]), dtype="<f4").reshape(files["sr_f32"]["shape"])
        masks = np.fromfile(os.path.join(ref, files["masks_u8"]["file"]), dtype=np.uint8).reshape(files["masks_u8"]["shape"])
        sr, st = model.infer(to_tensor(lr), stats=True)
        diff = float(np.abs(sr[0].numpy() - want).max())
        ones_ok = st.mask_ones == [int(v) for v in masks.reshape(5, -1).sum(1)]
        macs_ok = (st.macs_dense == crop["macs_dense"], st.macs_exec == crop["macs_sparse"])
        print(f"{crop['id']}: max|diff| {diff:.3e}  mask ones match {ones_ok}  "
              f"MACs dense/exec match {macs_ok} ({st.macs_exec}/{st.macs_dense} = {st.macs_exec / st.macs_dense:.4f})")
        ok &= diff <= 1e-3 and ones_ok and all(macs_ok)
    res = evaluate_set5(model, 2, with_ssim=True, verbose=True)
    want_psnr = man["set5_x2"]["mean_psnr_y"]
    print(f"Set5 x2: PSNR_Y {res['psnr']:.3f} (official {want_psnr:.3f})  SSIM_Y {res['ssim']:.5f} "
          f"(official {man['set5_x2']['mean_ssim_y']:.5f})  exec/dense MACs {res['flops_ratio']:.4f}  "
          f"[{res['seconds']:.1f}s]")
    ok &= abs(res["psnr"] - want_psnr) < 0.005
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
