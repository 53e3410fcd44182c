"""Validate a checkpoint or exported model with the exact inference forward (hard masks):
our validation set per class (PSNR_Y, SSIM_Y, executed/dense MACs; it picks snapshots and decides what
ships) and Set5 beside it (the paper's reference; it picks nothing).

    python3 Training/validate.py Models/smsr_x2.safetensors
    python3 Training/validate.py Training/runs/x3/snapshots/step_0001000.pt --json out.json
    python3 Training/validate.py --bicubic --scale 3            # the bicubic baseline
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from smsr_model import load_model  # noqa: E402
from sr_eval import VAL_DIR, evaluate_set5, evaluate_valset, format_valset  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", nargs="?", help=".safetensors, best.pt, snapshots/step_N.pt or ckpt_last.pt")
    ap.add_argument("--bicubic", action="store_true", help="bicubic upscaling instead of a model (needs --scale)")
    ap.add_argument("--scale", type=int, default=None)
    ap.add_argument("--val", default=VAL_DIR, help="validation set directory (build_data.py)")
    ap.add_argument("--no-set5", action="store_true")
    ap.add_argument("--label", default=None, help="first column of the table (default: the file name)")
    ap.add_argument("--json", default=None, help="write all figures (per image too) here")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    if a.bicubic:
        m, scale, label = None, a.scale, a.label or f"bicubic x{a.scale}"
    else:
        m = load_model(a.model)
        scale, label = m.scale, a.label or os.path.basename(a.model)
    res = evaluate_valset(m, scale, a.val, bicubic=a.bicubic)
    print(f"validation set x{scale} ({res['overall']['n']} images, {res['seconds']:.0f}s; overall = mean of the class means)")
    print(format_valset(res, label))
    out = dict(model=a.model, scale=scale, valset=res)
    if not a.no_set5 and not a.bicubic:
        s5 = evaluate_set5(m, scale, with_ssim=True)
        print(f"Set5 x{scale}: PSNR_Y {s5['psnr']:.3f}  SSIM_Y {s5['ssim']:.5f}  executed/dense {s5['flops_ratio']:.4f}  "
              + " ".join(f"{r['name']}={r['psnr']:.2f}" for r in s5["per_image"]))
        out["set5"] = dict(psnr=s5["psnr"], ssim=s5["ssim"], flops_ratio=s5["flops_ratio"],
                           per_image={r["name"]: r["psnr"] for r in s5["per_image"]})
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
