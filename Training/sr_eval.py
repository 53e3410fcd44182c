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


VAL_DIR = os.path.join(HERE, "data", "val")
CLASSES = ["photo", "architecture", "lineart", "text", "texture"]


def valset_pairs(scale: int, val_dir: str = VAL_DIR):
    """[(name, class, lr, hr)] of our validation set (build_data.py): each HR crop (192x192) and its LR made
    with imresize as the training LR is, borders included (as benchmark LR images are made)."""
    import json
    from imresize import imresize
    meta = json.load(open(os.path.join(val_dir, "index.json")))
    out = []
    for m in meta["images"]:
        hr = load_rgb(os.path.join(val_dir, m["name"] + ".png"))
        hr = hr[: hr.shape[0] // (2 * scale) * 2 * scale, : hr.shape[1] // (2 * scale) * 2 * scale]
        out.append((m["name"], m["cls"], imresize(hr, 1.0 / scale), hr))
    return out


def bicubic_up(lr: np.ndarray, scale: int) -> torch.Tensor:
    """MATLAB-style bicubic upscaling (the baseline every SR table quotes)."""
    from imresize import imresize
    return to_tensor(imresize(lr, float(scale)))


def evaluate_valset(model, scale: int, val_dir: str = VAL_DIR, with_ssim: bool = True, bicubic: bool = False):
    """Per class and overall PSNR_Y / SSIM_Y (mean over the class's images; `overall` is the mean of the
    class means, so each class counts alike) and executed/dense MACs (sums over the class's images).
    model=None with bicubic=True gives the bicubic baseline."""
    if model is not None:
        model.eval()
    t0 = time.time()
    per = []
    for name, cls, lr, hr in valset_pairs(scale, val_dir):
        if bicubic:
            q, ex, de = quantize(bicubic_up(lr, scale)), float("nan"), 1
        else:
            sr, st = model.infer(to_tensor(lr), stats=True)
            q, ex, de = quantize(sr), st.macs_exec, st.macs_dense
        hr_t = to_tensor(hr)
        per.append(dict(name=name, cls=cls, psnr=psnr_y(q, hr_t, scale),
                        ssim=ssim_y(q, hr_t, scale) if with_ssim else float("nan"), ex=ex, de=de))
    classes = {}
    for c in CLASSES + sorted({r["cls"] for r in per} - set(CLASSES)):
        rs = [r for r in per if r["cls"] == c]
        if rs:
            classes[c] = dict(n=len(rs), psnr=float(np.mean([r["psnr"] for r in rs])),
                              ssim=float(np.mean([r["ssim"] for r in rs])),
                              flops_ratio=sum(r["ex"] for r in rs) / sum(r["de"] for r in rs))
    overall = dict(n=len(per), psnr=float(np.mean([v["psnr"] for v in classes.values()])),
                   ssim=float(np.mean([v["ssim"] for v in classes.values()])),
                   flops_ratio=sum(r["ex"] for r in per) / sum(r["de"] for r in per))
    return dict(classes=classes, overall=overall, per_image=per, seconds=time.time() - t0)


def format_valset(res, label: str = "") -> str:
    """A markdown table row block: class, n, PSNR_Y, SSIM_Y, executed/dense."""
    lines = [f"| {label} | class | n | PSNR_Y dB | SSIM_Y | executed/dense |", "|---|---|---|---|---|---|"]
    for c, v in list(res["classes"].items()) + [("overall", res["overall"])]:
        fr = "-" if v["flops_ratio"] != v["flops_ratio"] else f"{v['flops_ratio']:.3f}"
        lines.append(f"| {label} | {c} | {v['n']} | {v['psnr']:.3f} | {v['ssim']:.4f} | {fr} |")
    return "\n".join(lines)
