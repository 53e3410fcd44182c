"""Build the training HR pool and the validation set from Debian packages.

    python3 Training/build_data.py --install          # apt-get the packages and tools both lists need
    python3 Training/build_data.py                    # -> Training/data/pool/ and Training/data/val/
    python3 Training/build_data.py --pick-crops       # (once) choose the validation crops, rewrite valset.tsv

Training/sources.tsv lists the training sources (class, package, file or glob, how to render it, license);
Training/valset.tsv the validation crops. The pool holds one HR image a file (uint8 HxWx3 .npy, memory-mapped
by HRPool while training; LR crops are computed on the fly for any scale), index.json (class, source,
license of each) and LICENSES.tsv. The build is incremental: an image already in the pool with the same
source and options is kept.

Neither list holds an image of a super-resolution benchmark or training set; `check_disjoint` refuses a
validation file that the training list also names, and a file named like a Set5/Set14 image.
"""
from __future__ import annotations

import argparse
import csv
import glob
import json
import os
import re
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from render import downscale, parse_opts, render  # noqa: E402

SOURCES = os.path.join(HERE, "sources.tsv")
VALSET = os.path.join(HERE, "valset.tsv")
TOOLS = ["librsvg2-bin", "poppler-utils", "fonts-dejavu-core", "fonts-freefont-ttf"]
MAX_PIXELS = 3_000_000  # larger HR images are reduced to this (antialiased), keeping the pool's size in check
CROP = 192  # validation HR crop side: a multiple of 2, 3 and 4, LR even at every scale
BENCHMARK_STEMS = {"baby", "bird", "butterfly", "head", "woman", "baboon", "barbara", "coastguard", "comic",
                   "face", "flowers", "foreman", "lenna", "man", "monarch", "pepper", "ppt3", "zebra"}


def read_tsv(path):
    with open(path, newline="") as f:
        lines = [ln for ln in f if not ln.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def write_valset(rows, path=VALSET):
    head = [ln for ln in open(path) if ln.startswith("#")]
    with open(path, "w", newline="") as f:
        f.writelines(head)
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()), delimiter="\t", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def packages():
    pk = {r["package"] for r in read_tsv(SOURCES) + read_tsv(VALSET)} - {"-"}
    return sorted(pk)


def install():
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", *TOOLS, *packages()], check=True, env=env)


def expand(row, val_paths):
    """The training items of one sources.tsv row: dicts with the concrete file and render options."""
    opts = parse_opts(row["opts"])
    base = {k: row[k] for k in ("class", "package", "render", "license", "note")}
    if row["render"] == "synth":
        n, s0 = int(opts.pop("count")), int(opts.pop("seed"))
        return [dict(base, path=row["path"], opts=dict(opts, kind=row["path"], seed=str(s0 + i))) for i in range(n)]
    files = sorted(glob.glob(row["path"], recursive=True))
    if not files:
        print(f"WARNING no file matches {row['path']} ({row['package']})", file=sys.stderr)
    every = int(opts.pop("every", 1))
    files = files[::every]
    if opts.pop("skip", None) == "valset":
        files = [f for f in files if f not in val_paths]
    skipre = opts.pop("skipre", None)
    if skipre:
        files = [f for f in files if not re.search(skipre, f)]
    out = []
    for f in files:
        if "pages" in opts:
            a, _, k = opts["pages"].partition(":")
            lo, _, hi = a.partition("-")
            o = {k2: v for k2, v in opts.items() if k2 != "pages"}
            from render import pdf_pages
            last = min(int(hi), pdf_pages(f))
            out += [dict(base, path=f, opts=dict(o, page=str(p))) for p in range(int(lo), last + 1, int(k or 1))]
        else:
            out.append(dict(base, path=f, opts=dict(opts)))
    return out


def key(item):
    return item["path"] + "|" + ",".join(f"{k}={v}" for k, v in sorted(item["opts"].items()))


def check_disjoint(train_items, val_rows):
    train_keys = {(i["path"], i["opts"].get("page")) for i in train_items}
    bad = [r["name"] for r in val_rows if (r["path"], parse_opts(r["opts"]).get("page")) in train_keys]
    if bad:
        raise SystemExit(f"validation files also in the training list: {bad}")
    # A file named like a Set5/Set14 image is looked at by a person once (lxqt-themes' butterfly.png and
    # flowers.png are wallpapers, not the benchmark images): listed, not refused.
    named = sorted({p for p in [i["path"] for i in train_items] + [r["path"] for r in val_rows]
                    if os.path.splitext(os.path.basename(p))[0].lower() in BENCHMARK_STEMS})
    if named:
        print("note: files named like benchmark images (checked by eye, not benchmark images):", " ".join(named))


def cap(img):
    h, w = img.shape[:2]
    if h * w > MAX_PIXELS:
        img = downscale(img, (MAX_PIXELS / (h * w)) ** 0.5)
    return img


def build_pool(out, limit=0):
    val_rows = read_tsv(VALSET)
    items = []
    for row in read_tsv(SOURCES):
        items += expand(row, {r["path"] for r in val_rows})
    check_disjoint(items, val_rows)
    if limit:
        items = items[:limit]
    os.makedirs(out, exist_ok=True)
    idx_path = os.path.join(out, "index.json")
    old = {}
    if os.path.exists(idx_path):
        old = {e["key"]: e for e in json.load(open(idx_path))["entries"]}
    entries, t0 = [], time.time()
    used = {e["id"] for e in old.values()}
    next_id = 0
    for n, it in enumerate(items):
        k = key(it)
        if k in old and os.path.exists(os.path.join(out, old[k]["id"] + ".npy")):
            entries.append(old[k])
            continue
        while f"{next_id:05d}" in used:
            next_id += 1
        eid = f"{next_id:05d}"
        used.add(eid)
        try:
            img = cap(render(it["render"], it["path"], it["opts"]))
        except Exception as e:  # a broken source file costs that file only
            print(f"SKIP {k}: {e}", file=sys.stderr)
            continue
        if min(img.shape[:2]) < 64:
            print(f"SKIP {k}: too small {img.shape}", file=sys.stderr)
            continue
        np.save(os.path.join(out, eid + ".npy"), np.ascontiguousarray(img))
        entries.append(dict(id=eid, key=k, cls=it["class"], package=it["package"], path=it["path"],
                            render=it["render"], opts=it["opts"], license=it["license"], note=it["note"],
                            shape=list(img.shape)))
        print(f"{n + 1}/{len(items)} {eid} {it['class']:12s} {img.shape[1]}x{img.shape[0]} {k}  "
              f"[{time.time() - t0:.0f}s]", flush=True)
        if len(entries) % 25 == 0:  # progress survives an interruption
            json.dump(dict(format="hr-pool", entries=entries), open(idx_path, "w"), indent=0)
    json.dump(dict(format="hr-pool", entries=entries), open(idx_path, "w"), indent=0)
    with open(os.path.join(out, "LICENSES.tsv"), "w", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(["id", "class", "package", "source", "options", "license", "note"])
        for e in entries:
            w.writerow([e["id"], e["cls"], e["package"], e["path"], ",".join(f"{a}={b}" for a, b in e["opts"].items()),
                        e["license"], e["note"]])
    by = {}
    for e in entries:
        c = by.setdefault(e["cls"], [0, 0])
        c[0] += 1
        c[1] += e["shape"][0] * e["shape"][1]
    print("pool:", ", ".join(f"{c} {v[0]} images {v[1] / 1e6:.0f} MP" for c, v in sorted(by.items())))


def detail_crop(img, side=CROP, stride=24):
    """(x, y) of the side x side window with the most gradient energy (luma)."""
    y = img.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    g = np.abs(np.diff(y, axis=0))[:, :-1] + np.abs(np.diff(y, axis=1))[:-1, :]
    ii = np.pad(g.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    best, at = -1.0, (0, 0)
    H, W = g.shape
    for yy in range(0, max(1, H - side + 1), stride):
        for xx in range(0, max(1, W - side + 1), stride):
            s = ii[yy + side, xx + side] - ii[yy, xx + side] - ii[yy + side, xx] + ii[yy, xx]
            if s > best:
                best, at = s, (xx, yy)
    return at


def build_val(out, pick=False):
    from PIL import Image
    rows = read_tsv(VALSET)
    os.makedirs(out, exist_ok=True)
    meta = []
    for r in rows:
        img = cap(render(r["render"], r["path"], parse_opts(r["opts"])))
        if pick or r["crop"] in ("", "-"):
            x, y = detail_crop(img)
            r["crop"] = f"{x},{y},{CROP},{CROP}"
        x, y, w, h = (int(v) for v in r["crop"].split(","))
        crop = img[y:y + h, x:x + w]
        assert crop.shape[:2] == (h, w), f"{r['name']}: crop {r['crop']} outside {img.shape}"
        Image.fromarray(crop).save(os.path.join(out, r["name"] + ".png"))
        meta.append(dict(name=r["name"], cls=r["class"], package=r["package"], path=r["path"], license=r["license"]))
        print(f"val {r['name']:28s} {r['class']:12s} crop {r['crop']} of {img.shape[1]}x{img.shape[0]}", flush=True)
    json.dump(dict(images=meta), open(os.path.join(out, "index.json"), "w"), indent=1)
    if pick:
        write_valset(rows)
    print(f"{len(meta)} validation images in {out}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--install", action="store_true", help="apt-get install the packages (root) and stop")
    ap.add_argument("--pick-crops", action="store_true", help="choose every validation crop anew, rewrite valset.tsv")
    ap.add_argument("--val-only", action="store_true")
    ap.add_argument("--pool", default=os.path.join(HERE, "data", "pool"))
    ap.add_argument("--val", default=os.path.join(HERE, "data", "val"))
    ap.add_argument("--limit", type=int, default=0, help="build only the first N training items (tests)")
    a = ap.parse_args(argv)
    if a.install:
        install()
        return 0
    build_val(a.val, pick=a.pick_crops)
    if not a.val_only:
        build_pool(a.pool, a.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
