#!/usr/bin/env python3
"""Whether the memory of a large job goes back: the resident set of a live `smsr serve` when warm and idle, and
5 s after one 2000x2000 upscale.

    python3 Benchmarks/rss_after_job.py --binary .build/release/smsr [--json results.json]

Starts `smsr serve` (defaults: every embedded model, one worker with the CPU budget's threads), waits for /readyz,
sends one 256x256 upscale (the usual small job), waits --settle seconds and reads VmRSS from /proc/<pid>/status:
the warm idle figure. Then it posts one 2000x2000 PNG (Set5's baby enlarged with Lanczos: a photograph) and reads
VmRSS as the answer arrives, and again --settle seconds later, with VmHWM (the peak). Prints the figures in MB
(10^6 bytes) and the difference 5 s after the job over the warm idle figure.
"""
import argparse
import http.client
import io
import json
import os
import platform
import subprocess
import sys
import time

from PIL import Image

from live_server import free_port, wait_until_ready

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")


def status_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def png(image):
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/smsr"))
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--settle", type=float, default=5.0, help="seconds between a job's answer and the reading")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    baby = Image.open(os.path.join(SHARED, "datasets/Set5/HR/baby.png")).convert("RGB")
    small = png(baby.crop((128, 128, 384, 384)))
    large = png(baby.resize((args.size, args.size), Image.LANCZOS))

    port = free_port()
    command = [args.binary, "serve", "--port", str(port), "--log-level", "warning"]
    # No compute limit in the way on a slow, shared machine (builds before the limit lack the flag).
    help_text = subprocess.run([args.binary, "serve", "--help"], capture_output=True, text=True).stdout
    if "--max-compute-seconds" in help_text:
        command += ["--max-compute-seconds", "3600"]
    server = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    try:
        wait_until_ready(port)
        ready_kb = status_kb(server.pid, "VmRSS")

        def upscale(body):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
            start = time.perf_counter()
            connection.request("POST", "/v1/upscale", body=body, headers={"Content-Type": "image/png"})
            response = connection.getresponse()
            answer = response.read()
            wall = time.perf_counter() - start
            if response.status != 200:
                sys.exit(f"upscale: {response.status} {answer[:300]!r}")
            connection.close()
            return wall, response.getheader("Server-Timing")

        upscale(small)
        time.sleep(args.settle)
        idle_kb = status_kb(server.pid, "VmRSS")
        wall, timing = upscale(large)
        answered_kb = status_kb(server.pid, "VmRSS")
        time.sleep(args.settle)
        after_kb = status_kb(server.pid, "VmRSS")
        peak_kb = status_kb(server.pid, "VmHWM")
    finally:
        server.terminate()
        server.wait()

    mb = lambda kb: kb * 1024 / 1e6
    figures = {
        "binary": args.binary, "cpu": cpu_model(), "cores": os.cpu_count(), "size": args.size,
        "settle_s": args.settle, "ready_mb": round(mb(ready_kb), 1), "warm_idle_mb": round(mb(idle_kb), 1),
        "answered_mb": round(mb(answered_kb), 1), "after_mb": round(mb(after_kb), 1), "peak_mb": round(mb(peak_kb), 1),
        "after_minus_idle_mb": round(mb(after_kb - idle_kb), 1), "job_wall_s": round(wall, 2), "server_timing": timing,
    }
    print(f"ready {figures['ready_mb']} MB, warm idle {figures['warm_idle_mb']} MB; {args.size}x{args.size} upscale "
          f"{figures['job_wall_s']} s: at the answer {figures['answered_mb']} MB, {args.settle:g} s later "
          f"{figures['after_mb']} MB (+{figures['after_minus_idle_mb']} MB over warm idle), peak {figures['peak_mb']} MB")
    print(f"({figures['cpu']}, {figures['cores']} cores)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=1)


if __name__ == "__main__":
    main()
