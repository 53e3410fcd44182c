"""One markdown table from validate.py --json files: a row per class (and overall, and Set5), a column per
file: PSNR_Y dB / SSIM_Y / executed-over-dense.

    python3 Training/valtable.py Training/logs/valset/bicubic_x2.json Training/logs/valset/shipped_x2.json
"""
import json
import os
import sys


def cell(v):
    fr = v.get("flops_ratio")
    fr = "-" if fr is None or fr != fr or fr == 0 else f"{fr:.3f}"
    return f"{v['psnr']:.3f} / {v['ssim']:.4f} / {fr}"


def main(paths):
    runs = [json.load(open(p)) for p in paths]
    names = [os.path.splitext(os.path.basename(p))[0] for p in paths]
    classes = []
    for r in runs:
        classes += [c for c in r["valset"]["classes"] if c not in classes]
    print("| class (n) | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for c in classes + ["overall"]:
        vs = [r["valset"]["overall"] if c == "overall" else r["valset"]["classes"].get(c) for r in runs]
        n = next(v["n"] for v in vs if v)
        label = f"**{c}** ({n})" if c == "overall" else f"{c} ({n})"
        print(f"| {label} | " + " | ".join(cell(v) if v else "" for v in vs) + " |")
    if any("set5" in r for r in runs):
        print("| Set5 (5) | " + " | ".join(cell(dict(r["set5"], ssim=r["set5"]["ssim"])) if "set5" in r else "-"
                                         for r in runs) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
