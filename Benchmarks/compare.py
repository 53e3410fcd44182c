#!/usr/bin/env python3
"""Interleaved comparison of two or more `smsr` binaries on one input.

On a shared machine whose speed drifts between minutes, back-to-back benchmarks of two builds mostly measure
the drift. This alternates the binaries round by round (`smsr bench --runs N --json` each) and prints, per
binary, the minimum and the median of the run times, the block stage's minimum, and two ratios taken within
each run, which do not depend on the machine's speed: the whole run and the block stage (`smb`) over the head
and collect stages (dense convolutions that most engine changes leave alone).

With `--against-dense`, each round runs every binary on the sparse network and then on the plain dense network
(`--dense`), and prints per binary the two minimums, the speed-up of the sparse network and that speed-up as a
share of the FLOPs ratio (the dense network's executed multiply-adds over the sparse network's): the issue's
sparse-against-dense figure, with both sides measured in the same minutes.

    python3 Benchmarks/compare.py OLD_BINARY NEW_BINARY [--threads 2] [--rounds 5] [--runs 3] [--dense]
    python3 Benchmarks/compare.py BINARY --against-dense [--threads 2] [--rounds 5] [--input IMAGE]
"""
import argparse
import json
import os
import statistics
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(os.path.dirname(os.path.dirname(HERE)), "shared")


def bench(binary, args, dense):
    command = [binary, "bench", "--model", args.model, "--input", args.input, "--runs", str(args.runs),
               "--threads", str(args.threads), "--json"]
    if args.kernels:
        command += ["--kernels", args.kernels]
    if dense:
        command.append("--dense")
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binaries", nargs="+")
    parser.add_argument("--model", default=os.path.join(SHARED, "models", "smsr_x2_official.safetensors"))
    parser.add_argument("--input", default=os.path.join(SHARED, "reference", "bench_640x360_lr.png"))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--kernels", default=None)
    parser.add_argument("--dense", action="store_true")
    parser.add_argument("--against-dense", action="store_true")
    args = parser.parse_args()
    if args.against_dense:
        return against_dense(args)
    rows = {b: [] for b in args.binaries}
    for _ in range(args.rounds):
        for binary in args.binaries:
            d = bench(binary, args, args.dense)
            stages = d["stages_ms"]
            dense_stages = stages["head"] + stages["collect"]
            rows[binary].append((d["min_ms"], d["median_ms"], stages["smb"], d["median_ms"] / dense_stages,
                                 stages["smb"] / dense_stages))
    print(f"{'binary':40s} {'min ms':>8s} {'median ms':>10s} {'smb min':>8s} {'run/(head+collect)':>19s} {'smb/(head+collect)':>19s}")
    for binary, v in rows.items():
        print(f"{binary:40s} {min(x[0] for x in v):8.1f} {statistics.median(x[1] for x in v):10.1f} "
              f"{min(x[2] for x in v):8.1f} {statistics.median(x[3] for x in v):19.2f} {statistics.median(x[4] for x in v):19.2f}")


def against_dense(args):
    rows = {b: {"sparse": [], "dense": []} for b in args.binaries}
    for _ in range(args.rounds):
        for binary in args.binaries:
            for mode in ("sparse", "dense"):
                rows[binary][mode].append(bench(binary, args, mode == "dense"))
    print(f"{'binary':40s} {'sparse min':>10s} {'dense min':>10s} {'speed-up':>9s} {'FLOPs ratio':>12s} {'of ratio':>9s}")
    for binary, v in rows.items():
        sparse = min(d["min_ms"] for d in v["sparse"])
        dense = min(d["min_ms"] for d in v["dense"])
        ratio = v["dense"][0]["flops_executed"] / v["sparse"][0]["flops_executed"]
        print(f"{binary:40s} {sparse:10.1f} {dense:10.1f} {dense / sparse:9.2f} {ratio:12.2f} {100 * dense / sparse / ratio:8.1f}%")


if __name__ == "__main__":
    main()
