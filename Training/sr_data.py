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


def dihedral(lr: np.ndarray, hr: np.ndarray, t: int):
    """The pair under one of the eight flips and transposes, chosen by the bits of `t` (0-7)."""
    if t & 1:
        lr, hr = lr[:, ::-1], hr[:, ::-1]
    if t & 2:
        lr, hr = lr[::-1], hr[::-1]
    if t & 4:
        lr, hr = lr.transpose(1, 0, 2), hr.transpose(1, 0, 2)
    return lr, hr


class PairBatches:
    """Batches of a sampler's `_one()` (an (lr, hr) pair of HWC uint8 arrays)."""

    def batch(self, n: int):
        """(lr, hr) uint8 arrays of shape (n, 3, p, p) / (n, 3, s*p, s*p)."""
        pairs = [self._one() for _ in range(n)]
        lr = np.stack([a.transpose(2, 0, 1) for a, _ in pairs])
        hr = np.stack([b.transpose(2, 0, 1) for _, b in pairs])
        return np.ascontiguousarray(lr), np.ascontiguousarray(hr)


class PatchSampler(PairBatches):
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
        return dihedral(lr, hr, int(self.rng.integers(8)))


DEFAULT_CLASS_WEIGHTS = {"photo": 0.25, "architecture": 0.2, "lineart": 0.2, "text": 0.2, "texture": 0.15}


def lr_window(hr: np.ndarray, y: int, x: int, p: int, s: int, margin: int = 3) -> np.ndarray:
    """The p x p LR crop at LR position (y, x) of imresize(hr, 1/s) (hr's sides multiples of s), computed
    from the HR window with `margin` LR pixels around it: the antialiased cubic reaches 2 LR pixels, so
    every output kept is the one the whole image's LR has (the window's own mirrored borders fall in the
    margin). Needs margin <= y, x and y + p + margin <= H/s (same for x)."""
    m = margin
    win = np.asarray(hr[(y - m) * s:(y + p + m) * s, (x - m) * s:(x + p + m) * s])
    return imresize(win, 1.0 / s)[m:m + p, m:m + p]


class HRPool(PairBatches):
    """Random aligned (LR, HR) crops from build_data.py's HR pool, for any scale: the LR crop is made on
    the fly from the HR window (lr_window), equal to slicing the whole image's LR. A class is drawn by
    its weight, then an image of it with probability proportional to its area (capped at 1.5 MP, so
    that a few large files do not crowd out the rest); crops whose LR standard deviation is below
    flat_std are mostly skipped (sky, blank paper)."""

    MARGIN = 3

    def __init__(self, pool_dir: str, scale: int, patch: int, rng: np.random.Generator,
                 class_weights: dict | None = None, flat_keep: float = 0.3, flat_std: float = 4.0):
        meta = json.load(open(os.path.join(pool_dir, "index.json")))
        assert meta.get("format") == "hr-pool", f"{pool_dir} is not an HR pool"
        self.scale, self.patch, self.rng = scale, patch, rng
        self.flat_keep, self.flat_std = flat_keep, flat_std
        need = (patch + 2 * self.MARGIN) * scale
        ents = [e for e in meta["entries"] if min(e["shape"][:2]) >= need]
        self.hr = [np.load(os.path.join(pool_dir, e["id"] + ".npy"), mmap_mode="r") for e in ents]
        self.cls = [e["cls"] for e in ents]
        cw = dict(class_weights or DEFAULT_CLASS_WEIGHTS)
        self.classes = sorted(c for c in set(self.cls) if cw.get(c, 0) > 0)
        pc = np.array([cw[c] for c in self.classes], np.float64)
        self.p_class = pc / pc.sum()
        self.members, self.p_member = [], []
        for c in self.classes:
            ids = [i for i, k in enumerate(self.cls) if k == c]
            a = np.array([min(ents[i]["shape"][0] * ents[i]["shape"][1], 1_500_000) for i in ids], np.float64)
            self.members.append(np.array(ids))
            self.p_member.append(a / a.sum())
        self.meta = meta

    def summary(self) -> str:
        return ", ".join(f"{c} {len(m)} images p={p:.2f}" for c, m, p in zip(self.classes, self.members, self.p_class))

    def _one(self):
        p, s, m = self.patch, self.scale, self.MARGIN
        for attempt in range(4):
            ci = int(self.rng.choice(len(self.classes), p=self.p_class))
            k = int(self.rng.choice(self.members[ci], p=self.p_member[ci]))
            img = self.hr[k]
            Hl, Wl = img.shape[0] // s, img.shape[1] // s
            y = int(self.rng.integers(m, Hl - p - m + 1))
            x = int(self.rng.integers(m, Wl - p - m + 1))
            lr = lr_window(img, y, x, p, s, m)
            if attempt < 3 and lr.std() < self.flat_std and self.rng.random() > self.flat_keep:
                continue
            break
        hr = np.asarray(img[y * s:(y + p) * s, x * s:(x + p) * s])
        return dihedral(lr, hr, int(self.rng.integers(8)))


def open_sampler(data_dir: str, scale: int, patch: int, rng, class_weights=None):
    """HRPool for build_data.py's pool, PatchSampler for a `prepare` directory."""
    meta = json.load(open(os.path.join(data_dir, "index.json")))
    if meta.get("format") == "hr-pool":
        return HRPool(data_dir, scale, patch, rng, class_weights)
    return PatchSampler(data_dir, patch, rng)


def build_pool(data_dirs: dict, out: str, n_tiles: int, tile: int = 384, min_std: float = 6.0, seed: int = 0):
    """Cut `n_tiles` textured HR tiles (side `tile`, at multiples of every
    scale) and the matching LR tiles of each prepared data dir {scale: dir},
    each stored as lossless WebP bytes in one .npz: a compact patch pool to
    carry to an accelerator instead of the photos.  The LR tiles are slices of
    the whole image's LR, so they equal what PatchSampler reads there."""
    from io import BytesIO
    rng = np.random.default_rng(seed)
    scales = sorted(data_dirs)
    step = int(np.lcm.reduce(scales))
    assert tile % step == 0
    metas = {s: json.load(open(os.path.join(d, "index.json"))) for s, d in data_dirs.items()}
    keys = [(e["photo"], e["hr_scale"]) for e in metas[scales[0]]["entries"]]
    by_key = {s: {(e["photo"], e["hr_scale"]): e for e in m["entries"]} for s, m in metas.items()}
    hr = [np.load(os.path.join(data_dirs[scales[0]], f"{by_key[scales[0]][k]['id']}_hr.npy"), mmap_mode="r")
          for k in keys]
    lr = {s: [np.load(os.path.join(data_dirs[s], f"{by_key[s][k]['id']}_lr.npy"), mmap_mode="r") for k in keys]
          for s in scales}
    t0 = time.time()
    # every tile position on a non-overlapping grid, drawn with equal chance
    # per position (so large photos give more tiles), textured ones only
    cands = []
    for i, h in enumerate(hr):
        H = min(lr[s][i].shape[0] * s for s in scales)
        W = min(lr[s][i].shape[1] * s for s in scales)
        for y in range(0, H - tile + 1, tile):
            for x in range(0, W - tile + 1, tile):
                cands.append((i, y, x))
    order = rng.permutation(len(cands))
    arrays, tiles = {}, []
    for j in order:
        if len(tiles) == n_tiles:
            break
        i, y, x = cands[j]
        t = np.array(hr[i][y:y + tile, x:x + tile])
        if t.std() < min_std:
            continue
        n = len(tiles)
        for name, img in [("hr", t)] + [(f"lr{s}", np.asarray(lr[s][i][y // s:(y + tile) // s, x // s:(x + tile) // s]))
                                        for s in scales]:
            bio = BytesIO()
            Image.fromarray(img).save(bio, "WEBP", lossless=True, quality=100, method=4)
            arrays[f"{name}_{n:04d}"] = np.frombuffer(bio.getvalue(), np.uint8)
        tiles.append(dict(photo=keys[i][0], hr_scale=keys[i][1], y=y, x=x))
        if len(tiles) % 25 == 0:
            print(f"{len(tiles)} tiles [{time.time() - t0:.0f}s]", flush=True)
    meta = dict(tile=tile, scales=scales, tiles=tiles, candidates=len(cands), min_std=min_std, seed=seed,
                lr_method=metas[scales[0]]["lr_method"])
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    np.savez(out, **arrays)
    print(f"{len(tiles)} tiles of {tile}x{tile} (of {len(cands)} positions) -> {out} "
          f"({os.path.getsize(out) / 2**20:.1f} MiB)")


def load_pool(path: str, scale: int):
    """(hr, lr) uint8 arrays (N, T, T, 3) and (N, T/s, T/s, 3) from build_pool's file."""
    from io import BytesIO
    z = np.load(path)
    meta = json.loads(z["meta"].tobytes())
    n = len(meta["tiles"])

    def decode(key):
        try:
            return np.asarray(Image.open(BytesIO(z[key].tobytes())).convert("RGB"))
        except OSError:  # a Pillow built without WebP: OpenCV reads it too
            import cv2
            return cv2.imdecode(z[key], cv2.IMREAD_COLOR)[..., ::-1].copy()

    hr = np.stack([decode(f"hr_{i:04d}") for i in range(n)])
    lr = np.stack([decode(f"lr{scale}_{i:04d}") for i in range(n)])
    return hr, lr, meta


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare", help="decode photos and store HR/LR pairs")
    p.add_argument("--photos", default=os.path.join(HERE, "data", "photos"))
    p.add_argument("--scale", type=int, required=True)
    p.add_argument("--out", default=None, help="default Training/data/x<scale>")
    p.add_argument("--hr-scales", default="1.0,0.5",
                   help="resize factors applied to each photo to make HR images (default 1.0,0.5)")
    q = sub.add_parser("pool", help="cut a compact tile pool (WebP) from prepared dirs, for an accelerator")
    q.add_argument("--scales", default="2,4")
    q.add_argument("--tiles", type=int, default=300)
    q.add_argument("--tile", type=int, default=384)
    q.add_argument("--out", default=os.path.join(HERE, "data", "pool.npz"))
    args = ap.parse_args()
    if args.cmd == "pool":
        scales = [int(v) for v in args.scales.split(",")]
        build_pool({s: os.path.join(HERE, "data", f"x{s}") for s in scales}, args.out, args.tiles, args.tile)
        return
    out = args.out or os.path.join(HERE, "data", f"x{args.scale}")
    prepare(args.photos, out, args.scale, tuple(float(v) for v in args.hr_scales.split(",")))


if __name__ == "__main__":
    main()
