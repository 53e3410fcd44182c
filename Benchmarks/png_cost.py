#!/usr/bin/env python3
"""What PNG output costs: time and size of the service's own PNG writer under zlib levels, strategies and row
filters, on what the service actually writes (its x2 outputs of photographs and of line art, at 256x256 and
1024x1024 and beside them the inference that made each), so the writer's settings are chosen by measurement.

    python3 Benchmarks/png_cost.py --binary .build/release/smsr [--runs 5] [--json results.json]

Builds Benchmarks/png_cost.c against Sources/CCodecs (the very encoder the service runs), makes the images with
Pillow and `smsr upscale`, and prints, per setting and output size, the median encode time over the images, the
total size against libpng's defaults (level 6, filtered, all filters), and the encode time as a share of the
inference time `smsr upscale --json` reported for the same images. Timings on a shared machine are noisy: each
encode is repeated --runs times and the minimum taken; compare settings within one run of this script.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

from PIL import Image, ImageDraw

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")


def line_art(size):
    """A diagram: flat fills, hard edges, thin and thick lines, text; what screenshots and drawings hold."""
    image = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(image)
    step = max(8, size // 16)
    for x in range(0, size, step):
        draw.line([(x, 0), (x, size)], fill=(210, 215, 225), width=1)
        draw.line([(0, x), (size, x)], fill=(210, 215, 225), width=1)
    palette = [(230, 25, 75), (60, 180, 75), (0, 130, 200), (245, 130, 48), (145, 30, 180)]
    for i, colour in enumerate(palette):
        x0 = (i * size) // 6 + step // 2
        y0 = size // 8 + (i % 2) * size // 6
        draw.rectangle([x0, y0, x0 + size // 8, y0 + size // 5], fill=colour, outline="black", width=2)
        draw.ellipse([x0, size // 2 + (i % 3) * step, x0 + size // 7, size // 2 + size // 7 + (i % 3) * step],
                     outline=colour, width=3)
    for i in range(12):
        draw.line([(0, size - 1 - i * size // 12), (size - 1, i * size // 16)], fill="black", width=1 + i % 3)
    for row in range(size // 24):
        draw.text((step // 2, size * 3 // 4 + row * 12), "smsr-serve line art 0123456789"[: 4 + row * 5],
                  fill="black")
    return image


def photo(name, box):
    return Image.open(os.path.join(SHARED, name)).convert("RGB").crop(box)


def inputs():
    """(name, low-resolution image): outputs are twice these sides."""
    return [
        ("photo baby 256", photo("datasets/Set5/HR/baby.png", (192, 192, 320, 320))),
        ("photo butterfly 256", photo("datasets/Set5/HR/butterfly.png", (64, 64, 192, 192))),
        ("line art 256", line_art(128)),
        ("photo baby 1024", photo("datasets/Set5/HR/baby.png", (0, 0, 512, 512))),
        ("photo street 1024", photo("reference/bench_640x360_lr.png", (64, 0, 576, 360))),
        ("line art 1024", line_art(512)),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/smsr"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", help="also write every measurement to this file")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="png-cost-")
    program = os.path.join(work, "png_cost")
    codecs = os.path.join(ROOT, "Sources/CCodecs")
    subprocess.run(["cc", "-O2", "-o", program, os.path.join(ROOT, "Benchmarks/png_cost.c"),
                    os.path.join(codecs, "png_codec.c"), os.path.join(codecs, "cc_error.c"),
                    "-I", os.path.join(codecs, "include"), "-lpng16"], check=True)

    rows = []
    for name, image in inputs():
        source = os.path.join(work, "in.png")
        image.save(source)
        output = os.path.join(work, "out.png")
        run = subprocess.run([args.binary, "upscale", "--json", source, output], capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit(f"smsr upscale failed on {name}: {run.stderr}")
        report = json.loads(run.stdout)
        infer_ms = report["timings_ms"]["infer"]
        upscaled = Image.open(output).convert("RGB")
        raw = os.path.join(work, "out.rgb")
        with open(raw, "wb") as f:
            f.write(upscaled.tobytes())
        result = subprocess.run([program, raw, str(upscaled.width), str(upscaled.height), "3", str(args.runs)],
                                capture_output=True, text=True, check=True)
        for line in result.stdout.splitlines():
            row = json.loads(line)
            row.update(image=name, width=upscaled.width, height=upscaled.height, infer_ms=infer_ms)
            rows.append(row)
        print(f"{name}: {upscaled.width}x{upscaled.height}, inference {infer_ms:.0f} ms", file=sys.stderr)

    def key(row):
        return (row["level"], row["strategy"], row["filters"])

    baseline = (6, "filtered", "all")
    print(f"{'level':>5} {'strategy':>8} {'filters':>7} | {'256: ms':>8} {'% infer':>7} {'size':>6} |"
          f" {'1024: ms':>8} {'% infer':>7} {'size':>6} | photo size  line-art size")
    settings = sorted({key(r) for r in rows})
    for setting in settings:
        cells = []
        for side in (256, 1024):
            group = [r for r in rows if key(r) == setting and r["width"] >= side and r["width"] < 2 * side]
            base = [r for r in rows if key(r) == baseline and r["width"] >= side and r["width"] < 2 * side]
            ms = statistics.median(r["min_ms"] for r in group)
            share = max(100 * r["min_ms"] / r["infer_ms"] for r in group)
            size = sum(r["bytes"] for r in group) / sum(r["bytes"] for r in base)
            cells.append(f"{ms:8.1f} {share:6.1f}% {size:6.3f}")
        kinds = []
        for kind in ("photo", "line art"):
            group = [r for r in rows if key(r) == setting and r["image"].startswith(kind)]
            base = [r for r in rows if key(r) == baseline and r["image"].startswith(kind)]
            kinds.append(sum(r["bytes"] for r in group) / sum(r["bytes"] for r in base))
        print(f"{setting[0]:5d} {setting[1]:>8} {setting[2]:>7} | {cells[0]} | {cells[1]} |"
              f" {kinds[0]:10.3f} {kinds[1]:13.3f}")
    print("ms: median over the images of the fastest of --runs encodes; % infer: the largest encode/inference ratio "
          "among the images; size: total bytes over libpng's defaults (level 6, filtered, all filters)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"runs": args.runs, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
