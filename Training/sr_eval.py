"""Quality and work measurement on Set5 (PSNR_Y / SSIM_Y as in
shared/design/SMSR-MODEL.md, executed/dense MACs with hard masks)."""
from __future__ import annotations

import os
import time

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("SMSR_SHARED", os.path.normpath(os.path.join(HERE, "..", "..", "shared")))
SET5 = os.path.join(SHARED, "datasets", "Set5")
SET5_NAMES = ["baby", "bird", "butterfly", "head", "woman"]


def load_rgb(path: str) -> np.ndarray:
    """HxWx3 uint8."""
    return np.asarray(Image.open(path).convert("RGB"))


def to_tensor(img: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1))).float().unsqueeze(0)


def quantize(sr: torch.Tensor) -> torch.Tensor:
    """clamp to [0,255], round half to even (torch.round)."""
    return sr.clamp(0, 255).round()


def psnr_y(sr_q: torch.Tensor, hr: torch.Tensor, shave: int) -> float:
    d = (sr_q.double() - hr.double()) / 255.0
    w = torch.tensor([65.738, 129.057, 25.064], dtype=torch.float64).view(1, 3, 1, 1) / 256.0
    dy = (d * w).sum(1)
    if shave > 0:
        dy = dy[..., shave:-shave, shave:-shave]
    mse = dy.pow(2).mean().item()
    return float("inf") if mse == 0 else -10.0 * np.log10(mse)


def ssim_y(sr_q: torch.Tensor, hr: torch.Tensor, shave: int) -> float:
    w = torch.tensor([65.738, 129.057, 25.064], dtype=torch.float64).view(1, 3, 1, 1) / 255.0
    a = (sr_q.double() * w).sum(1, keepdim=True) + 16
    b = (hr.double() * w).sum(1, keepdim=True) + 16
    if shave > 0:
        a = a[..., shave:-shave, shave:-shave]
        b = b[..., shave:-shave, shave:-shave]
    x = torch.arange(11, dtype=torch.float64) - 5
    g = torch.exp(-x * x / (2 * 1.5 ** 2))
    g = g / g.sum()
    k = (g[:, None] * g[None, :]).view(1, 1, 11, 11)
    f = lambda t: torch.nn.functional.conv2d(t, k)
    C1, C2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mu1, mu2 = f(a), f(b)
    s11 = f(a * a) - mu1 ** 2
    s22 = f(b * b) - mu2 ** 2
    s12 = f(a * b) - mu1 * mu2
    m = ((2 * mu1 * mu2 + C1) * (2 * s12 + C2)) / ((mu1 ** 2 + mu2 ** 2 + C1) * (s11 + s22 + C2))
    return float(m.mean().item())


def set5_pairs(scale: int):
    """[(name, lr uint8 HxWx3, hr uint8 cropped to scale*lr)], as `smsr eval` pairs them: the LR cropped to
    even height and width (x4's woman is 57 pixels wide), the HR's top-left to scale times that."""
    out = []
    for n in SET5_NAMES:
        lr = load_rgb(os.path.join(SET5, "LR_bicubic", f"X{scale}", f"{n}.png"))
        lr = lr[: lr.shape[0] // 2 * 2, : lr.shape[1] // 2 * 2]
        hr = load_rgb(os.path.join(SET5, "HR", f"{n}.png"))
        hr = hr[: lr.shape[0] * scale, : lr.shape[1] * scale]
        out.append((n, lr, hr))
    return out


def evaluate_set5(model, scale: int, with_ssim: bool = False, verbose: bool = False):
    """Returns dict(psnr, ssim, flops_ratio, per_image, seconds).
    flops_ratio = sum(executed MACs) / sum(dense MACs) over Set5."""
    model.eval()
    t0 = time.time()
    per = []
    ex_sum = de_sum = 0
    for name, lr, hr in set5_pairs(scale):
        sr, st = model.infer(to_tensor(lr), stats=True)
        q = quantize(sr)
        hr_t = to_tensor(hr)
        p = psnr_y(q, hr_t, scale)
        s = ssim_y(q, hr_t, scale) if with_ssim else None
        ex_sum += st.macs_exec
        de_sum += st.macs_dense
        per.append(dict(name=name, psnr=p, ssim=s, mask_ratio=[n / (st.H * st.W) for n in st.mask_ones],
                        flops_ratio=st.macs_exec / st.macs_dense))
        if verbose:
            print(f"  {name:10s} PSNR_Y {p:.3f}" + (f"  SSIM {s:.5f}" if s is not None else "") +
                  f"  exec/dense {st.macs_exec / st.macs_dense:.3f}")
    res = dict(psnr=float(np.mean([r["psnr"] for r in per])),
               ssim=float(np.mean([r["ssim"] for r in per])) if with_ssim else None,
               flops_ratio=ex_sum / de_sum, per_image=per, seconds=time.time() - t0)
    return res
