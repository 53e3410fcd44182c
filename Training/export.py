"""Export trained weights to safetensors (float32, official key names).

    python3 Training/export.py --ckpt Training/runs/x2/best.pt --out smsr_x2.safetensors

The file holds exactly the official state-dict keys (99 tensors: sub_mean /
add_mean, head, body.N.spa_mask.{0,3,5}, body.N.body.ch_mask,
body.N.body.body.{0..3}, body.N.body.collect, body.N.ca.conv_du.{0,2},
collect.{0,2}, tail.0) and a __metadata__ block (format, scale, training
data, iterations, Set5 validation PSNR_Y / SSIM_Y, executed/dense MAC ratio,
date).  After writing, the file is reloaded and checked: key set and shapes
against shared/models/smsr_x2_official.json (tail shapes follow the scale),
dtype float32, bit-equal tensors, identical inference output.
"""
from __future__ import annotations

import argparse
from collections import Counter
import datetime
import json
import os
import sys

import torch
from safetensors.torch import load_file, save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from smsr_model import SMSR, scale_from_state  # noqa: E402
from sr_eval import SHARED, evaluate_set5  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OFFICIAL_KEYS = os.path.join(SHARED, "models", "smsr_x2_official.json")


def expected_shapes(scale: int) -> dict:
    spec = json.load(open(OFFICIAL_KEYS))
    shapes = {t["key"]: list(t["shape"]) for t in spec["tensors"]}
    shapes["tail.0.weight"] = [3 * scale * scale, 64, 3, 3]
    shapes["tail.0.bias"] = [3 * scale * scale]
    return shapes


def check_file(path: str, scale: int | None = None) -> list[str]:
    """Problems found in an exported file (empty list = OK)."""
    sd = load_file(path)
    scale = scale or scale_from_state(sd)
    want = expected_shapes(scale)
    errs = []
    if set(sd) != set(want):
        errs.append(f"key set differs: missing {sorted(set(want) - set(sd))}, extra {sorted(set(sd) - set(want))}")
    for k, v in sd.items():
        if k in want and list(v.shape) != want[k]:
            errs.append(f"{k}: shape {list(v.shape)} != {want[k]}")
        if v.dtype != torch.float32:
            errs.append(f"{k}: dtype {v.dtype}")
    return errs


def load_ckpt(path: str):
    obj = torch.load(path, map_location="cpu", weights_only=False)
    if isinstance(obj, dict) and "model" in obj:
        return obj["model"], obj
    return obj, {}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", required=True, help="best.pt, snapshots/step_N.pt or ckpt_last.pt")
    ap.add_argument("--out", required=True)
    ap.add_argument("--data", default=None, help="prepared data dir, for the metadata (default Training/data/x<scale>)")
    ap.add_argument("--no-validate", action="store_true", help="skip the Set5 evaluation (metadata says so)")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)

    sd, meta_src = load_ckpt(a.ckpt)
    scale = scale_from_state(sd)
    model = SMSR(scale)
    model.load_state_dict(sd, strict=True)
    model.eval()
    step = meta_src.get("step", meta_src.get("val", {}).get("step"))

    md = {"format": "pt", "model": "SMSR", "scale": str(scale), "date": datetime.date.today().isoformat(),
          "iterations": str(step) if step is not None else "unknown", "source_checkpoint": os.path.basename(a.ckpt)}
    if meta_src.get("averaged_from"):
        # average.py: the weights are the mean of these snapshots; "iterations" is the last one's step.
        md["averaged_from"] = ", ".join(meta_src["averaged_from"])
    init_from = (meta_src.get("args") or {}).get("init_from")
    origin = ("trained from scratch" if not init_from else
              f"initialised from this project's own weights of another scale ({os.path.basename(init_from)}, "
              f"trained from scratch), then trained at x{scale}")
    run_data = (meta_src.get("args") or {}).get("data")
    data_dir = a.data or run_data or os.path.join(HERE, "data", f"x{scale}")
    idx = os.path.join(data_dir, "index.json")
    index = json.load(open(idx)) if os.path.exists(idx) else None
    if index is not None and index.get("format") == "hr-pool":
        # The HR pool (build_data.py): images of every class from Debian packages, licenses per file.
        classes = Counter(e["cls"] for e in index["entries"])
        packages = len({e["package"] for e in index["entries"]})
        md["training_data"] = (f"{len(index['entries'])} HR images from {packages} Debian packages ("
                               + ", ".join(f"{n} {c}" for c, n in sorted(classes.items()))
                               + "; listed in Training/sources.tsv, licenses in Training/data/pool/LICENSES.tsv), "
                               f"LR by MATLAB-style antialiased bicubic x{scale}; {origin}")
    elif index is not None:
        photos = sorted({e["photo"] for e in index["entries"]})
        md["training_data"] = (f"{len(photos)} photographs from Debian packages listed in shared/training/photos.tsv "
                               f"(licenses in Training/data/photos/LICENSES.tsv), HR resize factors "
                               f"{index['hr_scales']}, LR by MATLAB-style antialiased bicubic x{scale}; {origin}")
    else:
        md["training_data"] = f"photographs listed in shared/training/photos.tsv; {origin}"
    args_src = meta_src.get("args")
    if args_src:
        md["training_config"] = json.dumps({k: args_src[k] for k in (
            "patch", "batch", "total_steps", "lr", "lr_milestones", "lr_gamma", "sparsity_weight",
            "sparsity_warmup", "tau_start", "tau_end", "tau_steps", "init_from") if k in args_src})
    if not a.no_validate:
        res = evaluate_set5(model, scale, with_ssim=True, verbose=True)
        md["val_set5_psnr_y"] = f"{res['psnr']:.4f}"
        md["val_set5_ssim_y"] = f"{res['ssim']:.5f}"
        md["flops_ratio_set5"] = f"{res['flops_ratio']:.4f}"
        md["flops_note"] = "executed/dense multiply-accumulates summed over Set5 LR inputs, hard masks"
    else:
        md["val_set5_psnr_y"] = "not measured"

    tensors = {k: v.detach().to(torch.float32).contiguous().clone() for k, v in model.state_dict().items()}
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    save_file(tensors, a.out, metadata=md)

    # reload and check
    errs = check_file(a.out, scale)
    back = load_file(a.out)
    for k, v in tensors.items():
        if k in back and not torch.equal(back[k], v):
            errs.append(f"{k}: values differ after reload")
    m2 = SMSR(scale)
    m2.load_state_dict(back, strict=True)
    x = torch.rand(1, 3, 24, 20) * 255
    if not torch.equal(model.infer(x), m2.infer(x)):
        errs.append("reloaded model gives a different output")
    print(json.dumps(md, indent=1))
    print(f"wrote {a.out}: {len(back)} tensors, {sum(v.numel() for v in back.values())} parameters")
    if errs:
        print("CHECK FAILED:\n  " + "\n  ".join(errs))
        return 1
    print("check: key set and shapes match the official layout (scale %d), reload bit-exact: OK" % scale)
    return 0


if __name__ == "__main__":
    sys.exit(main())
