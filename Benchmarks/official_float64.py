#!/usr/bin/env python3
"""How far the official code's own float32 arithmetic is from the same network in float64, on the golden crops: the
scale against which the engine's differences from the golden files (`GoldenCropTests`, limit 1e-3 on block outputs)
can be read. A measurement, not a test: it reads ../shared and a checkout of the official code.

For each crop in ../shared/reference: the official module (github.com/LongguangWang/SMSR, `model/smsr.py`, eval mode
as its test script runs it, on ../shared/models/smsr_x2_official.pt) in float32 and in float64; prints, per block, the
largest and the root-mean-square difference of the five block outputs (each block's output after channel attention
and the residual), whether the masks agree, and the output's largest difference; also the golden files against
float64. With `--ours CROP=FILE` (raw little-endian float32 block outputs in the golden files' layout, e.g. written from
`InferenceResult.trace.blockOutputs`), the same figures for them.

    Benchmarks/.venv/bin/python Benchmarks/official_float64.py --official DIR [--ours crop_baby_64x64=FILE ...]

Needs torch, numpy and pillow (the training venv has them); the official code imports matplotlib, stubbed here.
"""
import argparse
import os
import sys
import types

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(os.path.dirname(os.path.dirname(HERE)), "shared")
CROPS = ["crop_baby_64x64", "crop_butterfly_48x40"]


def official_network(torch, directory, dtype):
    """The official module on the official checkpoint, in `dtype`, prepared as its test loop prepares it."""
    for name in ("matplotlib", "matplotlib.pyplot"):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.path.insert(0, directory)
    from model import smsr
    net = smsr.make_model(argparse.Namespace(n_colors=3, n_feats=64, scale=[2], rgb_range=255))
    state = torch.load(os.path.join(SHARED, "models", "smsr_x2_official.pt"), map_location="cpu")
    net.load_state_dict(state.get("state_dict", state) if "state_dict" in state else state)
    net = net.to(dtype).eval()
    for module in net.modules():
        if hasattr(module, "_prepare"):
            module._prepare()
    return net


def run(torch, net, crop, dtype):
    """Block outputs (5, 64, H, W), masks (5, H, W) and output (3, 2H, 2W), as float64 arrays."""
    from PIL import Image
    image = np.asarray(Image.open(os.path.join(SHARED, "reference", f"{crop}_lr.png")).convert("RGB"))
    x = torch.from_numpy(image.astype(np.float64).transpose(2, 0, 1)[None].copy()).to(dtype)
    blocks, masks = [], []
    hooks = [block.register_forward_hook(lambda m, i, o: blocks.append(o.detach().double().numpy()[0]))
             for block in net.body]
    hooks += [block.spa_mask.register_forward_hook(lambda m, i, o: masks.append((o[:, 1:] > o[:, :1]).numpy()[0, 0]))
              for block in net.body]
    with torch.no_grad():
        y = net(x).double().numpy()[0]
    for hook in hooks:
        hook.remove()
    return np.stack(blocks), np.stack(masks), y


def row(name, blocks, truth):
    error = np.abs(blocks - truth).reshape(len(truth), -1)
    largest = " ".join(f"{v:.1e}" for v in error.max(1))
    rms = " ".join(f"{v:.1e}" for v in np.sqrt((error ** 2).mean(1)))
    print(f"  {name:22s} max per block {largest}   rms per block {rms}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--official", required=True, help="a checkout of the official SMSR code")
    parser.add_argument("--ours", action="append", default=[], help="CROP=FILE: raw float32 block outputs to compare")
    args = parser.parse_args()
    import torch
    torch.set_num_threads(1)
    ours = dict(item.split("=", 1) for item in args.ours)
    single = official_network(torch, args.official, torch.float32)
    double = official_network(torch, args.official, torch.float64)
    for crop in CROPS:
        blocks32, masks32, y32 = run(torch, single, crop, torch.float32)
        blocks64, masks64, y64 = run(torch, double, crop, torch.float64)
        golden = np.fromfile(os.path.join(SHARED, "reference", f"{crop}_block_out.f32"), dtype="<f4")
        golden = golden.reshape(blocks64.shape).astype(np.float64)
        print(f"{crop}: masks float32 == float64: {bool((masks32 == masks64).all())}; "
              f"output max difference {np.abs(y32 - y64).max():.1e}; block outputs against float64:")
        row("official float32", blocks32, blocks64)
        row("golden files", golden, blocks64)
        if crop in ours:
            mine = np.fromfile(ours[crop], dtype="<f4").reshape(blocks64.shape).astype(np.float64)
            row(os.path.basename(ours[crop]), mine, blocks64)


if __name__ == "__main__":
    main()
