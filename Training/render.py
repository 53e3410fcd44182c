"""Turn a source file from a Debian package into a clean HR image (HxWx3 uint8).

Kinds (the `render` column of sources.tsv / valset.tsv):
  image   a raster file (JPEG, PNG, WebP). opts: hr=<factor> downscales it (antialiased,
          PIL bicubic) - JPEG files are used at hr<=0.55 so that their 8x8 blocking and
          soft detail shrink below a pixel; lossless files may stay at hr=1.
  svg     rsvg-convert at long=<pixels> on a white background (exact HR: a vector source).
  pdf     one page (opts: page=<n>) through pdftoppm at dpi=<d> (antialiased text and lines).
  synth   a synthetic image from synth.py (opts: kind=<facade|ui>, seed=<n>).

Alpha is composited onto white; palette and gray images become RGB.
"""
from __future__ import annotations

import os
import subprocess
import tempfile

import numpy as np
from PIL import Image


def parse_opts(s: str) -> dict:
    out = {}
    for part in (s or "").split(","):
        part = part.strip()
        if part and part != "-":
            k, _, v = part.partition("=")
            out[k] = v
    return out


def to_rgb(im: Image.Image) -> np.ndarray:
    if im.mode in ("RGBA", "LA", "P", "PA") or "transparency" in im.info:
        im = im.convert("RGBA")
        bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(bg, im)
    return np.asarray(im.convert("RGB"))


def downscale(img: np.ndarray, f: float) -> np.ndarray:
    if f >= 1.0:
        return img
    h, w = img.shape[:2]
    im = Image.fromarray(img).resize((max(1, round(w * f)), max(1, round(h * f))), Image.BICUBIC)
    return np.asarray(im)


def render_image(path: str, opts: dict) -> np.ndarray:
    with Image.open(path) as im:
        im.load()
        img = to_rgb(im)
    return downscale(img, float(opts.get("hr", 1.0)))


def render_svg(path: str, opts: dict) -> np.ndarray:
    long = int(opts.get("long", 1600))
    with tempfile.TemporaryDirectory() as d:
        probe = subprocess.run(["rsvg-convert", path], capture_output=True, check=True).stdout
        with Image.open(__import__("io").BytesIO(probe)) as im:
            w, h = im.size
        arg = ["-w", str(long)] if w >= h else ["-h", str(long)]
        out = os.path.join(d, "o.png")
        subprocess.run(["rsvg-convert", *arg, "-b", "white", path, "-o", out], check=True, capture_output=True)
        with Image.open(out) as im:
            return to_rgb(im)


def render_pdf(path: str, opts: dict) -> np.ndarray:
    page = int(opts.get("page", 1))
    dpi = int(opts.get("dpi", 150))
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", path,
                        os.path.join(d, "p")], check=True, capture_output=True)
        (name,) = os.listdir(d)
        with Image.open(os.path.join(d, name)) as im:
            return to_rgb(im)


def pdf_pages(path: str) -> int:
    out = subprocess.run(["pdfinfo", path], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    raise ValueError(f"no page count for {path}")


def render(kind: str, path: str, opts: dict) -> np.ndarray:
    if kind == "image":
        return render_image(path, opts)
    if kind == "svg":
        return render_svg(path, opts)
    if kind == "pdf":
        return render_pdf(path, opts)
    if kind == "synth":
        from synth import synth
        return synth(opts["kind"], int(opts["seed"]), int(opts.get("w", 1200)), int(opts.get("h", 900)))
    raise ValueError(f"unknown render kind {kind}")
