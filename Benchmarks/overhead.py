#!/usr/bin/env python3
"""What the service adds to inference: decode, encode and HTTP (upload, queue, answer) against the network's own
time, for PNG inputs of 256x256 and 1024x1024 upscaled x2 to PNG, through a live `smsr serve`.

    python3 Benchmarks/overhead.py --binary .build/release/smsr [--runs 5] [--json results.json]

Starts `smsr serve` (every embedded model, one worker using every core), sends each input --runs times over one
keep-alive connection, the sizes interleaved, and prints per size the medians of: the client's wall time (request
sent to answer read), the stages from `Server-Timing` (queue, decode, infer, encode, total), and the overhead =
wall - infer, as a share of infer. Inputs: a 256x256 crop of Set5's baby, and a 1024x1024 photograph made by this
binary upscaling the whole 512x512 baby (so both are photographs, not synthetic).

The development machine is shared and noisy: every figure is a median over --runs, sizes alternate so a busy
minute hits both, and the share is taken per request (wall and infer of the same request) before the median.
"""
import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from PIL import Image

from live_server import free_port, wait_until_ready

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")


def server_timing(header):
    stages = {}
    for part in header.split(","):
        name, _, duration = part.strip().partition(";dur=")
        stages[name] = float(duration)
    return stages


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/smsr"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--json", help="also write every request's figures to this file")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="overhead-")
    baby = os.path.join(SHARED, "datasets/Set5/HR/baby.png")
    small = os.path.join(work, "in256.png")
    Image.open(baby).convert("RGB").crop((128, 128, 384, 384)).save(small)
    large = os.path.join(work, "in1024.png")
    subprocess.run([args.binary, "upscale", baby, large], check=True, capture_output=True)
    inputs = {"256x256": open(small, "rb").read(), "1024x1024": open(large, "rb").read()}

    port = free_port()
    server = subprocess.Popen([args.binary, "serve", "--port", str(port), "--workers", "1",
                               "--threads-per-job", str(args.threads), "--log-level", "warning"],
                              stderr=subprocess.DEVNULL)
    try:
        wait_until_ready(port)

        rows = []
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        for run in range(args.runs + 1):  # the first round warms the feature storage up; not counted
            for size, body in inputs.items():
                start = time.perf_counter()
                connection.request("POST", "/v1/upscale", body=body, headers={"Content-Type": "image/png"})
                response = connection.getresponse()
                answer = response.read()
                wall = (time.perf_counter() - start) * 1e3
                if response.status != 200:
                    sys.exit(f"{size}: {response.status} {answer[:300]!r}")
                stages = server_timing(response.getheader("Server-Timing"))
                if run > 0:
                    rows.append(dict(size=size, wall_ms=wall, input_bytes=len(body), output_bytes=len(answer), **stages))
                print(f"{size} run {run}: wall {wall:.0f} ms, infer {stages['infer']:.0f} ms", file=sys.stderr)
    finally:
        server.terminate()
        server.wait()

    print(f"{'input':>10} {'in KB':>7} {'out KB':>7} {'wall':>9} {'queue':>7} {'decode':>7} {'infer':>9} {'encode':>7}"
          f" {'total':>9} {'overhead':>9} {'share':>6}")
    for size in inputs:
        group = [r for r in rows if r["size"] == size]
        median = lambda key: statistics.median(r[key] for r in group)
        share = statistics.median(100 * (r["wall_ms"] - r["infer"]) / r["infer"] for r in group)
        print(f"{size:>10} {median('input_bytes') / 1024:7.0f} {median('output_bytes') / 1024:7.0f}"
              f" {median('wall_ms'):9.1f} {median('queue'):7.2f} {median('decode'):7.1f} {median('infer'):9.1f}"
              f" {median('encode'):7.1f} {median('total'):9.1f} {median('wall_ms') - median('infer'):9.1f} {share:5.1f}%")
    print(f"medians of {args.runs} requests a size (ms); overhead = client wall time - infer, share = overhead / infer"
          f" per request; one worker, {args.threads} threads")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"runs": args.runs, "threads": args.threads, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
