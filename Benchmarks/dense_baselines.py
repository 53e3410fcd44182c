#!/usr/bin/env python3
"""The engine beside the dense baselines, in one interleaved run: `smsr bench` (the SMSR network and its own dense
network) against the official weights' dense network in PyTorch and, exported from it, in ONNX Runtime; the FMA peak
measured in the same run. A benchmark, not a test: it reads ../shared and prints figures (and JSON).

The dense network is SMSR with every mask one (every sparse channel computed everywhere, no mask generators): the
network `smsr bench --dense` runs. Its PyTorch form here is written from ../shared/design/SMSR-MODEL.md.

Needs Python with torch, onnx, onnxruntime, numpy, safetensors and pillow (Benchmarks/.venv, see the README), and a
release `smsr`. Each round runs every engine once, in turn (after one warm-up each), so a drift of the shared machine's
speed reaches all of them; the figures are medians over the rounds.

    Benchmarks/.venv/bin/python Benchmarks/dense_baselines.py --binary .build/release/smsr [--rounds 5] [--threads 2]
        [--json OUT.json] [--official DIR]

`--official DIR`: a checkout of the official SMSR code (github.com/LongguangWang/SMSR; its `model/` is what is
imported, and it wants matplotlib), timed in eval mode as its test script runs it; left out when not given.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
MODEL = os.path.join(SHARED, "models", "smsr_x2_official.safetensors")
IMAGE = os.path.join(SHARED, "reference", "bench_640x360_lr.png")


def dense_module(torch, weights):
    """SMSR with every mask one, from the official state dict's names (SMSR-MODEL.md)."""
    F = torch.nn.functional
    w = {k: torch.from_numpy(v) for k, v in weights.items()}
    blocks = sorted({int(k.split(".")[1]) for k in w if k.startswith("body.")})
    scale = int(round((w["tail.0.weight"].shape[0] // 3) ** 0.5))

    class Dense(torch.nn.Module):
        def forward(self, x):
            x0 = F.conv2d(x, w["sub_mean.weight"], w["sub_mean.bias"])
            h = F.conv2d(F.relu(F.conv2d(x0, w["head.0.weight"], w["head.0.bias"], padding=1)),
                         w["head.2.weight"], w["head.2.bias"], padding=1)
            f, outputs = h, []
            for b in blocks:
                p = f"body.{b}"
                layers, u = [], f
                for i in range(4):
                    u = F.relu(F.conv2d(u, w[f"{p}.body.body.{i}.weight"], padding=1))
                    layers.append(u)
                u = F.conv2d(torch.cat(layers, 1), w[f"{p}.body.collect.weight"], w[f"{p}.body.collect.bias"])
                a = F.adaptive_avg_pool2d(u, 1)
                a = F.relu(F.conv2d(a, w[f"{p}.ca.conv_du.0.weight"], w[f"{p}.ca.conv_du.0.bias"]))
                a = torch.sigmoid(F.conv2d(a, w[f"{p}.ca.conv_du.2.weight"], w[f"{p}.ca.conv_du.2.bias"]))
                f = u * a + f
                outputs.append(f)
            g = F.relu(F.conv2d(torch.cat(outputs, 1), w["collect.0.weight"], w["collect.0.bias"]))
            g = F.conv2d(g, w["collect.2.weight"], w["collect.2.bias"], padding=1) + h
            y = F.pixel_shuffle(F.conv2d(g, w["tail.0.weight"], w["tail.0.bias"], padding=1), scale)
            y = y + F.interpolate(x0, scale_factor=scale, mode="bicubic", align_corners=False)
            return F.conv2d(y, w["add_mean.weight"], w["add_mean.bias"])

    return Dense().eval()


def official_module(torch, directory):
    """The official code's network (its `model/smsr.py`, imported from a checkout, run in eval mode as its test script
    runs it) on the official checkpoint."""
    sys.path.insert(0, directory)
    from model import smsr
    net = smsr.make_model(argparse.Namespace(n_colors=3, n_feats=64, scale=[2], rgb_range=255))
    state = torch.load(os.path.join(SHARED, "models", "smsr_x2_official.pt"), map_location="cpu")
    net.load_state_dict(state.get("state_dict", state) if "state_dict" in state else state)
    net.eval()
    # As its test loop does before the first image: each sparse mask block splits its weights by the channel masks.
    for m in net.modules():
        if hasattr(m, "_prepare"):
            m._prepare()
    return net


def fma_peak(threads, scratch):
    """The probe's MAC/s on `threads` threads, best of its rounds (Benchmarks/fma_peak.c, AVX2 or AVX-512 build)."""
    flags = open("/proc/cpuinfo").read()
    wide = " avx512f " in flags
    probe = os.path.join(scratch, "fma_peak")
    if not os.path.exists(probe):
        extra = ["-mavx512f", "-mfma"] if wide else ["-mavx2", "-mfma", "-DWIDTH=8"]
        subprocess.run(["cc", "-O3", *extra, "-pthread", os.path.join(HERE, "fma_peak.c"), "-o", probe], check=True)
    out = json.loads(subprocess.run([probe, str(threads), "7"], capture_output=True, text=True, check=True).stdout)
    return out["macs_per_second"]


def smsr_bench(binary, threads, dense):
    args = [binary, "bench", "--model", MODEL, "--input", IMAGE, "--runs", "1", "--threads", str(threads), "--json"]
    if dense:
        args.append("--dense")
    return json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)


def cpu_name():
    """The model name with family, model and AVX-512: virtual machines often read only "AMD EPYC", which names no
    generation, and the kernels' speed depends on which."""
    fields = {}
    for line in open("/proc/cpuinfo"):
        if not line.strip():
            break  # the first processor's block describes them all
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    name = fields.get("model name") or platform.processor()
    if "cpu family" in fields:
        name += f" (family {fields['cpu family']}, model {fields.get('model', '?')})"
    avx512 = "avx512f" in fields.get("flags", "").split()
    return name + (", AVX-512" if avx512 else ", no AVX-512")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "smsr"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--json", help="write every figure here")
    parser.add_argument("--official", help="a checkout of the official SMSR code, to time it too")
    args = parser.parse_args()

    import onnxruntime
    import torch
    from PIL import Image
    from safetensors.numpy import load_file

    torch.set_num_threads(args.threads)
    weights = load_file(MODEL)
    pixels = np.asarray(Image.open(IMAGE).convert("RGB"), dtype=np.float32)
    x = torch.from_numpy(np.ascontiguousarray(pixels.transpose(2, 0, 1)[None]))
    dense = dense_module(torch, weights)
    scratch = tempfile.mkdtemp(prefix="dense-baselines-")
    onnx_path = os.path.join(scratch, "smsr_x2_dense.onnx")
    with torch.no_grad():
        torch.onnx.export(dense, (x,), onnx_path, input_names=["lr"], output_names=["sr"], opset_version=17, dynamo=False)
        expected = dense(x).numpy()
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = onnxruntime.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
    feed = {"lr": x.numpy()}
    ort_out = session.run(None, feed)[0]
    agreement = float(np.abs(ort_out - expected).max())

    engines = {
        "onnxruntime dense": lambda: session.run(None, feed),
        "pytorch dense": lambda: dense(x),
    }
    if args.official:
        official = official_module(torch, args.official)
        engines["official code"] = lambda: official(x)

    times = {name: [] for name in ["smsr", "smsr dense", *engines]}
    peaks, last = [], {}
    with torch.no_grad():
        for name, run in engines.items():
            run()  # warm-up
        for r in range(args.rounds):
            peaks.append(fma_peak(args.threads, scratch))
            for dense_flag, name in ((False, "smsr"), (True, "smsr dense")):
                result = smsr_bench(args.binary, args.threads, dense_flag)
                times[name].append(result["median_ms"])
                last[name] = result
            for name, run in engines.items():
                start = time.perf_counter()
                run()
                times[name].append((time.perf_counter() - start) * 1e3)
            print(f"round {r + 1}/{args.rounds}: " + ", ".join(f"{n} {t[-1]:.0f} ms" for n, t in times.items()), file=sys.stderr)
        peaks.append(fma_peak(args.threads, scratch))

    medians = {name: statistics.median(t) for name, t in times.items()}
    peak = max(peaks)
    sparse = last["smsr"]
    executed_rate = sparse["flops_executed"] / (medians["smsr"] / 1e3)
    multiplied_rate = sparse["multiply_adds"] / (medians["smsr"] / 1e3)
    dense_rate = last["smsr dense"]["flops_executed"] / (medians["smsr dense"] / 1e3)
    print(f"{cpu_name()}, {os.cpu_count()} CPUs, {args.threads} thread(s), {sparse['kernels']} kernels, "
          f"{args.rounds} interleaved rounds, 640x360 -> 1280x720 x2 (official weights)")
    print(f"FMA peak (probe, best of {len(peaks)} readings): {peak / 1e9:.1f} G/s")
    print(f"ONNX Runtime {onnxruntime.__version__} against PyTorch {torch.__version__} on the dense network: "
          f"max |difference| {agreement:.2e}")
    print(f"{'engine':<20} {'median ms':>10} {'min ms':>9} {'smsr is x faster':>17}")
    for name, t in times.items():
        print(f"{name:<20} {medians[name]:>10.1f} {min(t):>9.1f} {medians[name] / medians['smsr']:>17.2f}")
    print(f"smsr executed (paper's count) {sparse['flops_executed'] / 1e9:.1f} G at {executed_rate / 1e9:.1f} G/s = "
          f"{100 * executed_rate / peak:.1f}% of the peak; multiplied {sparse['multiply_adds'] / 1e9:.1f} G at "
          f"{100 * multiplied_rate / peak:.1f}%; smsr dense {100 * dense_rate / peak:.1f}% of the peak")
    print(f"smsr against ONNX Runtime dense: {medians['onnxruntime dense'] / medians['smsr']:.2f}x; "
          f"against its own dense network: {medians['smsr dense'] / medians['smsr']:.2f}x")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"cpu": cpu_name(), "cpus": os.cpu_count(), "threads": args.threads, "rounds": args.rounds,
                       "kernels": sparse["kernels"], "onnxruntime": onnxruntime.__version__, "torch": torch.__version__,
                       "peak_macs_per_second": peak, "peaks": peaks, "times_ms": times, "medians_ms": medians,
                       "executed_macs": sparse["flops_executed"], "multiply_adds": sparse["multiply_adds"],
                       "executed_of_peak": executed_rate / peak, "multiplied_of_peak": multiplied_rate / peak,
                       "ratio_vs_onnxruntime": medians["onnxruntime dense"] / medians["smsr"],
                       "ratio_vs_own_dense": medians["smsr dense"] / medians["smsr"], "ort_torch_agreement": agreement,
                       # `peak_rss_bytes` in these two is not smsr's own: Linux keeps a process's peak RSS across
                       # fork and exec, so it starts from this Python process's.
                       "smsr": sparse, "smsr_dense": last["smsr dense"]}, f, indent=1)


if __name__ == "__main__":
    main()
