"""MATLAB-style bicubic resizing with antialiasing (as `imresize(I, 1/s,
'bicubic')` does it), implemented in numpy.

For a downscale factor f < 1 the cubic kernel (a = -0.5) is widened by 1/f
and scaled by f, so each output pixel averages 4/f input pixels; weights
are normalised to sum 1; out-of-range taps mirror the border (symmetric
padding, edge sample repeated); the height is resized first, then the width;
uint8 results are rounded half away from zero and clipped, after each pass
(MATLAB's resize kernel returns the input's class for each dimension).

    python3 Training/imresize.py          # verify against Set5 LR_bicubic
"""
from __future__ import annotations

import math
import os
import sys

import numpy as np


def _cubic(x: np.ndarray) -> np.ndarray:
    ax = np.abs(x)
    ax2, ax3 = ax * ax, ax * ax * ax
    return ((1.5 * ax3 - 2.5 * ax2 + 1.0) * (ax <= 1) +
            (-0.5 * ax3 + 2.5 * ax2 - 4.0 * ax + 2.0) * ((ax > 1) & (ax <= 2)))


def _weights(in_len: int, out_len: int, scale: float):
    """(weights (out, P), indices (out, P)) for one dimension."""
    width = 4.0
    if scale < 1:
        width = width / scale
    x = np.arange(1, out_len + 1, dtype=np.float64)
    u = x / scale + 0.5 * (1.0 - 1.0 / scale)          # 1-based source coordinate
    left = np.floor(u - width / 2.0)
    P = int(math.ceil(width)) + 2
    idx = left[:, None] + np.arange(P)[None, :]          # 1-based
    dist = u[:, None] - idx
    w = scale * _cubic(dist * scale) if scale < 1 else _cubic(dist)
    w = w / w.sum(axis=1, keepdims=True)
    # symmetric border handling (MATLAB: aux = [1:n, n:-1:1])
    aux = np.concatenate([np.arange(in_len), np.arange(in_len - 1, -1, -1)])
    idx0 = aux[np.mod(idx.astype(np.int64) - 1, aux.size)]
    keep = np.any(w != 0, axis=0)
    return w[:, keep], idx0[:, keep]


def _resize_dim(a: np.ndarray, axis: int, out_len: int, scale: float, round_u8: bool) -> np.ndarray:
    w, idx = _weights(a.shape[axis], out_len, scale)
    a = np.moveaxis(a, axis, 0).astype(np.float64)
    out = np.einsum("op,op...->o...", w, a[idx])
    out = np.moveaxis(out, 0, axis)
    if round_u8:
        out = np.clip(np.floor(out + 0.5), 0, 255)  # half away from zero for non-negatives
    return out


def imresize(img: np.ndarray, scale: float, round_intermediate: bool = True) -> np.ndarray:
    """Resize HxW[xC] by `scale` (output size ceil(scale*size), as MATLAB).
    uint8 in -> uint8 out; float in -> float64 out."""
    is_u8 = img.dtype == np.uint8
    H, W = img.shape[:2]
    oh, ow = int(math.ceil(H * scale)), int(math.ceil(W * scale))
    a = img
    a = _resize_dim(a, 0, oh, scale, is_u8 and round_intermediate)
    a = _resize_dim(a, 1, ow, scale, is_u8)
    return a.astype(np.uint8) if is_u8 else a


def downscale_u8(hr: np.ndarray, s: int) -> np.ndarray:
    """LR for an HR uint8 image whose sides are multiples of s."""
    assert hr.shape[0] % s == 0 and hr.shape[1] % s == 0
    return imresize(hr, 1.0 / s)


def _verify():
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from sr_eval import SET5, SET5_NAMES, load_rgb
    ok = True
    for s in (2, 3, 4):
        for rnd in (True, False):
            worst, ps, exact = 0, [], 0
            for n in SET5_NAMES:
                hr = load_rgb(os.path.join(SET5, "HR", f"{n}.png"))
                ref = load_rgb(os.path.join(SET5, "LR_bicubic", f"X{s}", f"{n}.png"))
                hr = hr[: ref.shape[0] * s, : ref.shape[1] * s]
                lr = imresize(hr, 1.0 / s, round_intermediate=rnd)
                d = lr.astype(np.int32) - ref.astype(np.int32)
                worst = max(worst, int(np.abs(d).max()))
                mse = float((d.astype(np.float64) ** 2).mean())
                ps.append(float("inf") if mse == 0 else 10 * np.log10(255 ** 2 / mse))
                exact += int((d == 0).all())
            mean_p = np.mean([p for p in ps if np.isfinite(p)]) if any(np.isfinite(ps)) else float("inf")
            print(f"x{s} round_intermediate={rnd}: max |diff| {worst}  identical images {exact}/5  "
                  f"PSNR(RGB) vs reference: {', '.join('inf' if not np.isfinite(p) else f'{p:.2f}' for p in ps)}"
                  f" (mean of finite {mean_p:.2f})")
            if rnd and s == 2:
                ok &= worst <= 1
    print("x2 bit-exactness check: " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(_verify())
