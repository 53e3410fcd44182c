#!/usr/bin/env python3
"""Measures the engine against this machine's FMA peak, and the sparse network against the dense one.

Builds the release `smsr` and the FMA probe (fma_peak.c), then for each kernel build and thread count:
measures the FMA peak, runs `smsr bench --json` sparse and dense on the benchmark input and on Set5, and
prints executed MAC/s as a fraction of the peak measured just before (and the multiply-adds the kernels did,
with what Winograd's forms leave out taken away, as a fraction of it: `mult of peak`), and the sparse-vs-dense
speed-up next to the FLOPs ratio. Then, unless --skip-kernels, `smsr bench-kernels` times each convolution shape
of the network alone against the same peak (rows with "kind": "kernel" in the JSON). Every JSON row names the host's
CPU (`host`), since the peak per cycle differs between processors. See README.md.
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.join(os.path.dirname(ROOT), "shared")


def sh(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw).stdout


def build(scratch):
    sh(["swift", "build", "-c", "release", "--product", "smsr", "--scratch-path", scratch], cwd=ROOT)
    binary = os.path.join(sh(["swift", "build", "-c", "release", "--show-bin-path", "--scratch-path", scratch], cwd=ROOT).strip(), "smsr")
    probes = {}
    for name, flags in [("avx512", ["-mavx512f", "-mfma"]), ("avx2", ["-mavx2", "-mfma", "-DWIDTH=8"])]:
        out = os.path.join(scratch if os.path.isabs(scratch) else os.path.join(ROOT, scratch), f"fma_peak_{name}")
        sh(["cc", "-O3", *flags, "-pthread", os.path.join(HERE, "fma_peak.c"), "-o", out])
        probes[name] = out
    return binary, probes


def peak(probe, threads, rounds=7):
    out = json.loads(sh([probe, str(threads), str(rounds)]))
    return out["macs_per_second"], out["macs_per_cpu_second"]


def bench(binary, model, image, kernels, threads, runs, dense, tile=None):
    args = [binary, "bench", "--model", model, "--input", image, "--runs", str(runs), "--threads", str(threads),
            "--kernels", kernels, "--json"]
    if dense:
        args.append("--dense")
    if tile:
        args += ["--tile", str(tile)]
    return json.loads(sh(args))


def load():
    return os.getloadavg()[0]


def host():
    """The CPU the figures come from: the peak per cycle differs between processors of one instruction set (a Zen 4
    core runs a 512-bit FMA as two halves), so results of different hosts compare only through their probe readings."""
    info = {"cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key, value = key.strip(), value.strip()
                if not line.strip():
                    break  # the first processor's block describes them all
                if key in ("model name", "vendor_id", "cpu family", "model"):
                    info[key.replace(" ", "_")] = value
    except OSError:
        pass
    return info


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=os.path.join(SHARED, "models", "smsr_x2_official.safetensors"))
    parser.add_argument("--input", default=os.path.join(SHARED, "reference", "bench_640x360_lr.png"))
    parser.add_argument("--set5", default=os.path.join(SHARED, "datasets", "Set5", "LR_bicubic", "X2"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--kernels", default="avx512,avx2")
    parser.add_argument("--scratch", default=".build-bench-release")
    parser.add_argument("--skip-set5", action="store_true")
    parser.add_argument("--skip-kernels", action="store_true", help="leave out the per-shape kernel table")
    parser.add_argument("--json", help="also write every measurement to this file")
    opts = parser.parse_args()

    binary, probes = build(opts.scratch)
    images = [("bench", opts.input)]
    if not opts.skip_set5:
        images += [(os.path.splitext(n)[0], os.path.join(opts.set5, n)) for n in sorted(os.listdir(opts.set5)) if n.endswith(".png")]
    rows = []
    machine = host()
    print("host: " + ", ".join(f"{k} {v}" for k, v in machine.items()))
    print(f"{'input':<10} {'kernels':<7} {'thr':>3} {'peak G/s':>9} {'sparse ms':>10} {'min ms':>8} {'exec G/s':>9} "
          f"{'of peak':>8} {'mult of peak':>13} {'dense ms':>9} {'speed-up':>9} {'FLOPs ratio':>12} {'of ratio':>9} {'load':>5} "
          f"{'cpu:of peak':>12} {'cpu:of ratio':>13}")
    for kernels in opts.kernels.split(","):
        for threads in [int(t) for t in opts.threads.split(",")]:
            for name, image in images:
                # The peak is measured right before each pair, so both see the same machine load.
                p, pc = peak(probes[kernels], threads)
                sparse = bench(binary, opts.model, image, kernels, threads, opts.runs, dense=False)
                dense = bench(binary, opts.model, image, kernels, threads, opts.runs, dense=True)
                p2, pc2 = peak(probes[kernels], threads)
                p, pc = max(p, p2), max(pc, pc2)
                rate = sparse["macs_per_second"]
                # Per CPU-second, both sides: the engine's efficiency with other processes' time taken out.
                cpu_rate = sparse["macs_per_cpu_second"]
                cpu_speedup = dense["cpu_ms_median"] / sparse["cpu_ms_median"]
                speedup = dense["median_ms"] / sparse["median_ms"]
                ratio = dense["flops_executed"] / sparse["flops_executed"]
                row = dict(input=name, kernels=kernels, threads=threads, host=machine, peak_macs_per_second=p, sparse=sparse,
                           dense=dense, fraction_of_peak=rate / p, speedup=speedup, flops_ratio=ratio,
                           fraction_of_peak_multiplied=sparse["multiply_adds_per_second"] / p,
                           speedup_of_ratio=speedup / ratio, load=load(), peak_macs_per_cpu_second=pc,
                           fraction_of_peak_cpu=cpu_rate / pc, cpu_speedup=cpu_speedup)
                rows.append(row)
                print(f"{name:<10} {kernels:<7} {threads:>3} {p / 1e9:>9.1f} {sparse['median_ms']:>10.1f} {sparse['min_ms']:>8.1f} "
                      f"{rate / 1e9:>9.1f} {100 * rate / p:>7.1f}% {100 * row['fraction_of_peak_multiplied']:>12.1f}% "
                      f"{dense['median_ms']:>9.1f} {speedup:>9.2f} {ratio:>12.2f} "
                      f"{100 * speedup / ratio:>8.1f}% {row['load']:>5.1f} {100 * cpu_rate / pc:>11.1f}% "
                      f"{100 * cpu_speedup / ratio:>12.1f}%", flush=True)
    if not opts.skip_kernels:
        print(f"\n{'kernel shape (alone, 360x640)':<32} {'kernels':<7} {'thr':>3} {'peak G/s':>9} {'best ms':>9} "
              f"{'G/s':>7} {'of peak':>8}")
        for kernels in opts.kernels.split(","):
            for threads in [int(t) for t in opts.threads.split(",")]:
                p = peak(probes[kernels], threads)[0]
                shapes = json.loads(sh([binary, "bench-kernels", "--kernels", kernels, "--threads", str(threads),
                                        "--runs", str(opts.runs), "--json"]))["shapes"]
                p = max(p, peak(probes[kernels], threads)[0])
                for shape in shapes:
                    rate = shape["macs_per_second"]
                    rows.append(dict(kind="kernel", input=shape["shape"], kernels=kernels, threads=threads, host=machine,
                                     peak_macs_per_second=p, kernel=shape, fraction_of_peak=rate / p, load=load()))
                    print(f"{shape['shape']:<32} {kernels:<7} {threads:>3} {p / 1e9:>9.1f} {shape['best_ms']:>9.2f} "
                          f"{rate / 1e9:>7.1f} {100 * rate / p:>7.1f}%", flush=True)
    if opts.json:
        with open(opts.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
