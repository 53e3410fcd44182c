"""Average the weights of several snapshots of one run (uniform weight averaging over the end of a schedule), into
a checkpoint that `validate.py` and `export.py` read like any snapshot.

    python3 Training/average.py Training/runs/x3/snapshots/step_0007600.pt ... --out /tmp/x3_avg.pt

Floating-point tensors are averaged; anything else (integer buffers) is taken from the last snapshot. The channel
masks' logits are averaged like every other weight, so the channel splits, and with them the executed work, may
differ from every snapshot's: validate the result, never assume it.
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export import load_ckpt  # noqa: E402


def average(paths):
    states = [load_ckpt(path) for path in paths]  # (state dict, the checkpoint around it)
    base, last = states[-1]
    out = {}
    for key, value in base.items():
        if torch.is_floating_point(value):
            total = torch.zeros_like(value, dtype=torch.float64)
            for sd, _ in states:
                if sd[key].shape != value.shape:
                    raise SystemExit(f"{key}: shapes differ between snapshots")
                total += sd[key].to(torch.float64)
            out[key] = (total / len(states)).to(value.dtype)
        else:
            out[key] = value.clone()
    result = dict(last)
    result["model"] = out
    result["averaged_from"] = [os.path.basename(p) for p in paths]
    return result


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("snapshots", nargs="+", help="snapshots of one run (same scale and shapes)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    if len(a.snapshots) < 2:
        sys.exit("give two or more snapshots")
    torch.save(average(a.snapshots), a.out)
    print(f"{a.out}: the mean of {len(a.snapshots)} snapshots")


if __name__ == "__main__":
    main()
