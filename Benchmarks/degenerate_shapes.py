#!/usr/bin/env python3
"""The degenerate shapes of issue 21 against a live `smsr serve`: each must be answered 4xx within a second, or
served with work proportional to its pixels, never 5xx.

    python3 Benchmarks/degenerate_shapes.py --binary .build/release/smsr [--json results.json]

Writes each image as an 8-bit gray PNG with Pillow (whose writer has no side limit), posts it to /v1/upscale and
prints the status, the problem type and the client's wall time (request sent to answer read).

With --analyze, also posts the thin shapes that nothing refuses when nothing is encoded (1x3,000,000 and
3,000,000x1 to /v1/analyze, noise so the masks select every pixel) and prints their infer time and dense
multiply-adds against the whole image's (each shape's own count at one tile), so the tiling's overhead shows.
"""
import argparse
import http.client
import io
import json
import os
import time

from PIL import Image

from live_server import serving

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = [(1, 3_000_000, ""), (1, 4_000_000, ""), (3_000_000, 1, ""), (40_000, 2, "?format=jpeg")]
ANALYZED = [(1, 3_000_000), (3_000_000, 1)]
# Dense multiply-adds per pixel of the official x2 network run whole (19,362,562,560 for 1x20000).
DENSE_PER_PIXEL = 19_362_562_560 / 20_000


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/smsr"))
    parser.add_argument("--json")
    parser.add_argument("--analyze", action="store_true", help="also time the thin shapes on /v1/analyze")
    args = parser.parse_args()
    Image.MAX_IMAGE_PIXELS = None
    bodies = []
    for width, height, query in CASES:
        buffer = io.BytesIO()
        Image.new("L", (width, height), 128).save(buffer, format="PNG")
        bodies.append(buffer.getvalue())

    rows = []
    with serving(args.binary) as port:
        for (width, height, query), body in zip(CASES, bodies):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
            start = time.perf_counter()
            connection.request("POST", "/v1/upscale" + query, body=body, headers={"Content-Type": "image/png"})
            response = connection.getresponse()
            answer = response.read()
            wall_ms = (time.perf_counter() - start) * 1e3
            kind = json.loads(answer).get("type", "").rsplit("/", 1)[-1] if response.status >= 400 else ""
            detail = json.loads(answer).get("detail", "") if response.status >= 400 else ""
            rows.append(dict(width=width, height=height, query=query, body_bytes=len(body), status=response.status,
                             type=kind, detail=detail, wall_ms=round(wall_ms, 1)))
            print(f"{width}x{height}{query}: {response.status} {kind} in {wall_ms:.1f} ms ({len(body)} bytes)  {detail}")
        for width, height in ANALYZED if args.analyze else []:
            buffer = io.BytesIO()
            Image.frombytes("L", (width, height), os.urandom(width * height)).save(buffer, format="PNG")
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
            start = time.perf_counter()
            connection.request("POST", "/v1/analyze", body=buffer.getvalue(), headers={"Content-Type": "image/png"})
            response = connection.getresponse()
            answer = response.read()
            wall_ms = (time.perf_counter() - start) * 1e3
            report = json.loads(answer) if response.status == 200 else {}
            dense = report.get("flops_dense", 0)
            ratio = dense / (DENSE_PER_PIXEL * width * height)
            infer = report.get("timings_ms", {}).get("infer", 0)
            rows.append(dict(width=width, height=height, query="analyze", status=response.status, wall_ms=round(wall_ms, 1),
                             infer_ms=infer, flops_dense=dense, dense_over_whole=round(ratio, 4)))
            print(f"{width}x{height} /v1/analyze: {response.status} in {wall_ms / 1e3:.1f} s, infer {infer / 1e3:.1f} s,"
                  f" dense multiply-adds {ratio:.3f} times the whole image's")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
