"""Synthetic HR images with the regular structure that photos from Debian packages lack
(training only; deterministic from the seed).

  facade  rows and columns of framed windows with mullions and sills, brick or panel walls,
          floor bands and signboards with lettering, several buildings side by side under a sky,
          mildly warped in perspective; drawn at 3x and reduced (antialiased edges)
  ui      a screen: windows with title bars, menus, buttons, tables with grid lines and text
          in DejaVu / FreeFont faces at 9-18 px, drawn at 1x as a screen shows it

    python3 Training/synth.py facade 3 /tmp/f.png    # look at one
"""
from __future__ import annotations

import os
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT_DIRS = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/freefont"]
WORDS = ("open close save file edit view help tools window settings network server request image scale "
         "model queue worker status error ready upload download preview print export import search "
         "hotel bank pharmacy cafe market station office street avenue museum library bakery exit "
         "entrance parking north south east west floor total price date name size time value mode").split()


def fonts():
    out = []
    for d in FONT_DIRS:
        if os.path.isdir(d):
            out += sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".ttf") and "Math" not in f)
    if not out:
        raise RuntimeError("no TrueType fonts: install fonts-dejavu-core fonts-freefont-ttf")
    return out


def _color(rng, lo=0, hi=255):
    return tuple(int(v) for v in rng.integers(lo, hi + 1, 3))


def _text(rng, n):
    return " ".join(WORDS[int(i)] for i in rng.integers(len(WORDS), size=n))


def facade(seed: int, W: int, H: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    k = 3
    Wk, Hk = W * k, H * k
    sky_top, sky_bot = _color(rng, 120, 220), _color(rng, 170, 250)
    im = Image.new("RGB", (Wk, Hk), sky_bot)
    d = ImageDraw.Draw(im)
    for y in range(0, Hk, 4):
        t = y / Hk
        d.rectangle([0, y, Wk, y + 4], fill=tuple(int(a + (b - a) * t) for a, b in zip(sky_top, sky_bot)))
    ff = fonts()
    x = -int(rng.integers(0, 60 * k))
    while x < Wk:
        bw = int(rng.integers(W // 4, W // 2 + 1)) * k
        top = int(rng.integers(0, H // 3 + 1)) * k
        wall = _color(rng, 60, 230)
        d.rectangle([x, top, x + bw, Hk], fill=wall)
        if rng.random() < 0.4:  # brick courses
            bh = int(rng.integers(4, 9)) * k
            bl = bh * int(rng.integers(2, 4))
            mortar = tuple(min(255, c + 40) for c in wall)
            for j, yy in enumerate(range(top, Hk, bh)):
                d.line([x, yy, x + bw, yy], fill=mortar, width=k)
                off = (j % 2) * bl // 2
                for xx in range(x - off, x + bw, bl):
                    d.line([xx, yy, xx, yy + bh], fill=mortar, width=k)
        elif rng.random() < 0.5:  # panels
            ph = int(rng.integers(20, 60)) * k
            for yy in range(top, Hk, ph):
                d.line([x, yy, x + bw, yy], fill=tuple(max(0, c - 35) for c in wall), width=2 * k)
        fh = int(rng.integers(28, 70)) * k  # floor height
        cols = int(rng.integers(2, 9))
        cw = bw // cols
        win_w = int(cw * rng.uniform(0.35, 0.75))
        win_h = int(fh * rng.uniform(0.4, 0.75))
        frame = _color(rng, 0, 255)
        glass = _color(rng, 20, 120)
        fw = max(k, int(rng.integers(1, 4)) * k)
        mull = int(rng.integers(0, 3))
        band = rng.random() < 0.5
        for r, yy in enumerate(range(top + fh // 3, Hk - fh // 2, fh)):
            if band:
                d.rectangle([x, yy - fh // 5, x + bw, yy - fh // 5 + 2 * k], fill=tuple(max(0, c - 50) for c in wall))
            for c in range(cols):
                wx = x + c * cw + (cw - win_w) // 2
                g = tuple(int(np.clip(v + rng.integers(-25, 26), 0, 255)) for v in glass)
                d.rectangle([wx, yy, wx + win_w, yy + win_h], fill=frame)
                d.rectangle([wx + fw, yy + fw, wx + win_w - fw, yy + win_h - fw], fill=g)
                if mull >= 1:
                    d.line([wx + win_w // 2, yy, wx + win_w // 2, yy + win_h], fill=frame, width=fw)
                if mull == 2:
                    d.line([wx, yy + win_h // 2, wx + win_w, yy + win_h // 2], fill=frame, width=fw)
                d.rectangle([wx - fw, yy + win_h, wx + win_w + fw, yy + win_h + 2 * fw],
                            fill=tuple(max(0, v - 60) for v in wall))
        if rng.random() < 0.6:  # a signboard
            sh = int(rng.integers(12, 30)) * k
            sy = Hk - int(rng.integers(1, 4)) * fh
            board = _color(rng)
            d.rectangle([x + bw // 10, sy, x + bw - bw // 10, sy + sh], fill=board)
            font = ImageFont.truetype(ff[int(rng.integers(len(ff)))], int(sh * 0.7))
            ink = tuple(255 - c for c in board)
            d.text((x + bw // 10 + 3 * k, sy + sh // 10), _text(rng, 2).upper(), fill=ink, font=font)
        x += bw + int(rng.integers(0, 20)) * k
    # mild perspective: move the corners by up to 6% of the size
    m = 0.06
    q = [(rng.uniform(0, m) * Wk, rng.uniform(0, m) * Hk), (rng.uniform(0, m) * Wk, Hk - rng.uniform(0, m) * Hk),
         (Wk - rng.uniform(0, m) * Wk, Hk - rng.uniform(0, m) * Hk), (Wk - rng.uniform(0, m) * Wk, rng.uniform(0, m) * Hk)]
    im = im.transform((Wk, Hk), Image.QUAD, [v for p in q for v in p], Image.BICUBIC)
    im = im.resize((W, H), Image.LANCZOS)
    a = np.asarray(im).astype(np.float32) + rng.normal(0, 1.5, (H, W, 1)).astype(np.float32)
    return np.clip(a + 0.5, 0, 255).astype(np.uint8)


def ui(seed: int, W: int, H: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    ff = fonts()
    bg = _color(rng, 30, 250)
    im = Image.new("RGB", (W, H), bg)
    d = ImageDraw.Draw(im)
    for _ in range(int(rng.integers(2, 5))):
        x0, y0 = int(rng.integers(-40, W - 200)), int(rng.integers(-20, H - 150))
        ww, wh = int(rng.integers(300, W)), int(rng.integers(200, H))
        dark = rng.random() < 0.35
        face = _color(rng, 20, 60) if dark else _color(rng, 225, 255)
        ink = _color(rng, 200, 255) if dark else _color(rng, 0, 60)
        accent = _color(rng)
        d.rectangle([x0, y0, x0 + ww, y0 + wh], fill=face, outline=_color(rng, 80, 160))
        tb = int(rng.integers(20, 34))
        d.rectangle([x0, y0, x0 + ww, y0 + tb], fill=accent)
        size = int(rng.integers(9, 19))
        font = ImageFont.truetype(ff[int(rng.integers(len(ff)))], size)
        d.text((x0 + 8, y0 + (tb - size) // 2), _text(rng, 3).title(), fill=tuple(255 - c for c in accent), font=font)
        y = y0 + tb + 6
        if rng.random() < 0.5:  # menu bar
            d.text((x0 + 6, y), "   ".join(w.title() for w in _text(rng, 5).split()), fill=ink, font=font)
            y += size + 8
            d.line([x0, y, x0 + ww, y], fill=_color(rng, 100, 200))
            y += 4
        kind = rng.random()
        if kind < 0.4:  # table
            cols = int(rng.integers(2, 6))
            cwid = ww // cols
            rh = size + 8
            grid = _color(rng, 100, 200)
            for r in range(int((wh - (y - y0)) // rh)):
                if r % 2 and rng.random() < 0.7:
                    d.rectangle([x0 + 1, y, x0 + ww - 1, y + rh], fill=tuple(int(c * 0.93) for c in face))
                for c in range(cols):
                    cell = _text(rng, 1) if c == 0 else f"{rng.integers(0, 100000) / 100:.2f}"
                    d.text((x0 + c * cwid + 5, y + 3), cell, fill=ink, font=font)
                    d.line([x0 + c * cwid, y, x0 + c * cwid, y + rh], fill=grid)
                d.line([x0, y + rh, x0 + ww, y + rh], fill=grid)
                y += rh
        elif kind < 0.75:  # paragraphs
            while y < y0 + wh - size:
                n = int(rng.integers(3, 14))
                d.text((x0 + 10, y), _text(rng, n), fill=ink, font=font)
                y += int(size * rng.uniform(1.2, 1.6))
        else:  # form: labels, fields, buttons, check boxes
            while y < y0 + wh - 2 * size:
                d.text((x0 + 10, y + 4), _text(rng, 1).title() + ":", fill=ink, font=font)
                fx = x0 + 10 + 8 * size
                d.rectangle([fx, y, fx + int(rng.integers(80, 260)), y + size + 8], fill=_color(rng, 235, 255),
                            outline=_color(rng, 90, 170))
                d.text((fx + 4, y + 4), _text(rng, 2), fill=(20, 20, 20), font=font)
                bx = fx + 280
                d.rounded_rectangle([bx, y, bx + 90, y + size + 8], radius=4, fill=accent, outline=_color(rng, 0, 90))
                d.text((bx + 10, y + 4), _text(rng, 1).title(), fill=tuple(255 - c for c in accent), font=font)
                d.rectangle([bx + 110, y + 3, bx + 110 + size, y + 3 + size], outline=ink, width=1)
                if rng.random() < 0.5:
                    d.line([bx + 112, y + 4 + size // 2, bx + 108 + size // 2, y + size, bx + 108 + size, y + 5],
                           fill=ink, width=2)
                y += size + 16
    return np.asarray(im)


def synth(kind: str, seed: int, W: int = 1200, H: int = 900) -> np.ndarray:
    if kind == "facade":
        return facade(seed, W, H)
    if kind == "ui":
        return ui(seed, W, H)
    raise ValueError(kind)


if __name__ == "__main__":
    Image.fromarray(synth(sys.argv[1], int(sys.argv[2]))).save(sys.argv[3])
