"""Training data: HR/LR image pairs stored as uint8 .npy, random aligned
crops with the 8 flips/rotations.

`prepare` (python3 Training/sr_data.py prepare ...) decodes every photo once,
optionally adds a downscaled copy (fewer JPEG artefacts, sharper detail per
pixel), crops HR to a multiple of the scale, makes LR with MATLAB-style
antialiased bicubic (imresize.py) and stores both arrays.  Training then
cuts crops by slicing memory-mapped arrays: no JPEG decoding per step.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from imresize import imresize  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
IMG_EXT = (".jpg", ".jpeg", ".png")


def prepare(photos: str, out: str, scale: int, hr_scales=(1.0, 0.5), min_side: int = 96):
    os.makedirs(out, exist_ok=True)
    names = sorted(n for n in os.listdir(photos) if n.lower().endswith(IMG_EXT))
    entries = []
    t0 = time.time()
    for n in names:
        with Image.open(os.path.join(photos, n)) as im:
            im = im.convert("RGB")  # grayscale JPEGs and RGBA PNGs -> RGB
            base = np.asarray(im)
        for hs in hr_scales:
            hr = base if hs == 1.0 else imresize(base, hs)
            H, W = (hr.shape[0] // scale) * scale, (hr.shape[1] // scale) * scale
            if min(H, W) < min_side * scale // 2:
                continue
            hr = np.ascontiguousarray(hr[:H, :W])
            lr = imresize(hr, 1.0 / scale)
            stem = f"{len(entries):03d}"
            np.save(os.path.join(out, f"{stem}_hr.npy"), hr)
            np.save(os.path.join(out, f"{stem}_lr.npy"), lr)
            entries.append(dict(id=stem, photo=n, hr_scale=hs, hr_shape=list(hr.shape), lr_shape=list(lr.shape)))
            print(f"{stem} {n} x{hs}: HR {hr.shape[1]}x{hr.shape[0]}  [{time.time() - t0:.0f}s]", flush=True)
    meta = dict(scale=scale, hr_scales=list(hr_scales), photos_dir=os.path.abspath(photos),
                lr_method="MATLAB-style bicubic with antialiasing (Training/imresize.py)", entries=entries)
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(f"{len(entries)} pairs in {out}")


class PatchSampler:
    """Random aligned (LR, HR) crops from a prepared directory."""

    def __init__(self, data_dir: str, patch: int, rng: np.random.Generator, flat_keep: float = 0.3,
                 flat_std: float = 4.0):
        meta = json.load(open(os.path.join(data_dir, "index.json")))
        self.scale = meta["scale"]
        self.patch = patch
        self.rng = rng
        self.flat_keep = flat_keep
        self.flat_std = flat_std
        self.lr = [np.load(os.path.join(data_dir, f"{e['id']}_lr.npy"), mmap_mode="r") for e in meta["entries"]]
        self.hr = [np.load(os.path.join(data_dir, f"{e['id']}_hr.npy"), mmap_mode="r") for e in meta["entries"]]
        self.meta = meta

    def _one(self):
        p, s = self.patch, self.scale
        for attempt in range(4):
            k = int(self.rng.integers(len(self.lr)))
            lr_img = self.lr[k]
            y = int(self.rng.integers(lr_img.shape[0] - p + 1))
            x = int(self.rng.integers(lr_img.shape[1] - p + 1))
            lr = np.asarray(lr_img[y:y + p, x:x + p])
            # mostly skip flat crops (sky, bokeh): little to learn there
            if attempt < 3 and lr.std() < self.flat_std and self.rng.random() > self.flat_keep:
                continue
            break
        hr = np.asarray(self.hr[k][y * s:(y + p) * s, x * s:(x + p) * s])
        t = int(self.rng.integers(8))
        if t & 1:
            lr, hr = lr[:, ::-1], hr[:, ::-1]
        if t & 2:
            lr, hr = lr[::-1], hr[::-1]
        if t & 4:
            lr, hr = lr.transpose(1, 0, 2), hr.transpose(1, 0, 2)
        return lr, hr

    def batch(self, n: int):
        """(lr, hr) uint8 arrays of shape (n, 3, p, p) / (n, 3, s*p, s*p)."""
        pairs = [self._one() for _ in range(n)]
        lr = np.stack([a.transpose(2, 0, 1) for a, _ in pairs])
        hr = np.stack([b.transpose(2, 0, 1) for _, b in pairs])
        return np.ascontiguousarray(lr), np.ascontiguousarray(hr)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare", help="decode photos and store HR/LR pairs")
    p.add_argument("--photos", default=os.path.join(HERE, "data", "photos"))
    p.add_argument("--scale", type=int, required=True)
    p.add_argument("--out", default=None, help="default Training/data/x<scale>")
    p.add_argument("--hr-scales", default="1.0,0.5",
                   help="resize factors applied to each photo to make HR images (default 1.0,0.5)")
    args = ap.parse_args()
    out = args.out or os.path.join(HERE, "data", f"x{args.scale}")
    prepare(args.photos, out, args.scale, tuple(float(v) for v in args.hr_scales.split(",")))


if __name__ == "__main__":
    main()
