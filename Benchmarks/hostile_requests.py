#!/usr/bin/env python3
"""The framing inputs of issue 21 and a client that leaves mid-job, against a live `smsr serve`.

    python3 Benchmarks/hostile_requests.py --binary .build/release/smsr [--json results.json]

Each framing case is written on a raw socket: the bytes before the fault first, then (timed from here) the bytes
that break the framing, with nothing after them, so an answer can come only from the server seeing the fault, not
from a timeout or the end of the stream. Prints the status, the time from the faulty bytes to the answer, and
whether the server closed the connection after it.

Then the client that leaves: with one worker, a large upscale (default 2000x2000 noise, many tiles) is sent and
its connection closed a few seconds into the job; a small upscale sent right after shows when the worker is free
again (its wall time, against the large job's own time when left to finish).
"""
import argparse
import io
import json
import os
import random
import socket
import time
import http.client

from PIL import Image

from live_server import serving

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHUNKED = (b"POST /v1/upscale HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
           b"Transfer-Encoding: chunked\r\n\r\n")
# (name, bytes before the fault, the faulty bytes)
CASES = [
    ("chunk size with text after it: `2 xyz`", CHUNKED, b"2 xyz\r\n"),
    ("chunk extension with no name: `2;`", CHUNKED, b"2;\r\n"),
    ("chunk extension with no name before `=`: `2;=x`", CHUNKED, b"2;=x\r\n"),
    ("unknown major version `HTTP/5.6`, no CRLF yet", b"", b"GET /healthz HTTP/5.6"),
    ("version that cannot be one: `HTTP/x`", b"", b"GET /healthz HTTP/x"),
    ("header block starting with whitespace", b"GET /healthz HTTP/1.1\r\n", b" Host: x"),
    ("obs-fold in the header block", b"GET /healthz HTTP/1.1\r\nHost: x\r\n", b"\tfolded"),
]


def framing_case(port, before, fault):
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        if before:
            s.sendall(before)
            time.sleep(0.05)  # lets the server read the valid part first, so the fault arrives alone
        start = time.perf_counter()
        s.sendall(fault)
        answer = b""
        while b"\r\n\r\n" not in answer:
            data = s.recv(65536)
            if not data:
                break
            answer += data
        elapsed_ms = (time.perf_counter() - start) * 1e3
        head, _, body = answer.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(body) < length:
            data = s.recv(65536)
            if not data:
                break
            body += data
        # After the answer, the server closes: recv sees the end of the stream (or a reset).
        try:
            closed = s.recv(1) == b""
        except (ConnectionResetError, socket.timeout):
            closed = True
    status = int(head.split(b" ")[1]) if head.startswith(b"HTTP/1.1 ") else 0
    kind = json.loads(body).get("type", "").rsplit("/", 1)[-1] if body.startswith(b"{") else ""
    return status, kind, elapsed_ms, closed


def png(width, height, noise):
    image = Image.frombytes("RGB", (width, height), random.Random(7).randbytes(width * height * 3)) if noise \
        else Image.new("RGB", (width, height), (90, 120, 150))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def upscale(port, body, timeout=3600):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    start = time.perf_counter()
    connection.request("POST", "/v1/upscale", body=body, headers={"Content-Type": "image/png"})
    response = connection.getresponse()
    response.read()
    return response.status, (time.perf_counter() - start) * 1e3


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/smsr"))
    parser.add_argument("--size", type=int, default=2000, help="edge of the large image the leaving client sends")
    parser.add_argument("--leave-after", type=float, default=3.0, help="seconds after sending before it leaves")
    parser.add_argument("--json")
    args = parser.parse_args()
    rows = []
    with serving(args.binary, "--workers", "1") as port:
        for name, before, fault in CASES:
            status, kind, elapsed_ms, closed = framing_case(port, before, fault)
            rows.append(dict(case=name, status=status, type=kind, ms=round(elapsed_ms, 2), closed=closed))
            print(f"{name}: {status} {kind} in {elapsed_ms:.2f} ms, connection {'closed' if closed else 'left open'}")

        large, small = png(args.size, args.size, noise=True), png(64, 64, noise=False)
        upscale(port, small)  # warm
        _, small_alone_ms = upscale(port, small)
        status, whole_ms = upscale(port, large)
        print(f"{args.size}x{args.size} left to finish: {status} in {whole_ms / 1e3:.1f} s; 64x64 alone {small_alone_ms:.0f} ms")
        head = (f"POST /v1/upscale HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
                f"Content-Length: {len(large)}\r\n\r\n").encode()
        leaving = socket.create_connection(("127.0.0.1", port))
        leaving.sendall(head + large)
        time.sleep(args.leave_after)
        leaving.close()
        status_after, after_ms = upscale(port, small)
        print(f"client left {args.leave_after:.0f} s into the {args.size}x{args.size} job; the next 64x64 answered"
              f" {status_after} in {after_ms / 1e3:.2f} s (the large job alone takes {whole_ms / 1e3:.1f} s)")
        rows.append(dict(case="client leaves mid-job", size=args.size, leave_after_s=args.leave_after,
                         large_alone_ms=round(whole_ms, 1), small_alone_ms=round(small_alone_ms, 1),
                         next_small_status=status_after, next_small_ms=round(after_ms, 1)))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
