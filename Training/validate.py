"""Validate a checkpoint or exported model on Set5 with the exact inference
forward: PSNR_Y, SSIM_Y (per image and mean) and the executed/dense MAC
ratio summed over Set5 with hard masks.

    python3 Training/validate.py Training/runs/x2/best.pt
    python3 Training/validate.py smsr_x2.safetensors
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from smsr_model import load_model  # noqa: E402
from sr_eval import evaluate_set5  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", help=".safetensors, best.pt, snapshots/step_N.pt or ckpt_last.pt")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    m = load_model(a.model)
    res = evaluate_set5(m, m.scale, with_ssim=True, verbose=True)
    print(f"Set5 x{m.scale}: PSNR_Y {res['psnr']:.3f}  SSIM_Y {res['ssim']:.5f}  "
          f"executed/dense MACs {res['flops_ratio']:.4f}  [{res['seconds']:.1f}s]")


if __name__ == "__main__":
    main()
