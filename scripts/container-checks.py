#!/usr/bin/env python3
"""Checks that scripts/container-test.sh runs against the container from outside it (standard library only).

  container-checks.py answer HEAD BODY FORMAT WIDTH HEIGHT
      curl's -D HEAD and -o BODY of one POST /v1/upscale: 200, the Content-Type of FORMAT (png, jpeg), a
      FORMAT file of WIDTH x HEIGHT, and SMSR-FLOPs-Dense/-Executed/-Saved that agree. Prints the FLOPs
      executed (the caller adds them up for /metrics).
  container-checks.py models URL SCALE...
      GET URL (/v1/models) lists a model for every SCALE, each compiled into the binary (no file).
  container-checks.py metrics URL FLOPS UPSCALES
      GET URL (/metrics): Prometheus text with smsr_flops_executed_total >= FLOPS and at least UPSCALES
      answered POST /v1/upscale requests counted.
  container-checks.py drain --port P --container NAME --drain-timeout S --busy IMAGE --partial IMAGE
                             [--stop-command COMMAND]
      `podman stop` (SIGTERM to PID 1), or COMMAND, with two uploads in flight; see drain() below.
"""

import argparse
import json
import shlex
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg"}


def fail(message):
    print(message)
    sys.exit(1)


def image_size(data):
    """(format, width, height) of a PNG or JPEG file, read from its header alone."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return "png", width, height
    if data[:3] == b"\xff\xd8\xff":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
                i += 2 if marker != 0xFF else 1
                continue
            length = struct.unpack(">H", data[i + 2:i + 4])[0]
            # Start of frame: baseline, extended, progressive, lossless (not DHT 0xC4, JPG 0xC8, DAC 0xCC).
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5:i + 9])
                return "jpeg", width, height
            i += 2 + length
    return None, 0, 0


def parse_head(text):
    """The last response head of curl -D (after any 100 Continue): status line and lower-cased headers."""
    blocks = [b for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]
    lines = blocks[-1].strip().split("\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return lines[0], headers


def flops(headers):
    values = {}
    for part in ("dense", "executed", "saved"):
        raw = headers.get("smsr-flops-" + part)
        if raw is None:
            fail(f"no SMSR-FLOPs-{part.capitalize()} header")
        values[part] = float(raw)
    if not 0 < values["executed"] <= values["dense"]:
        fail(f"FLOPs executed {values['executed']} not in (0, dense {values['dense']}]")
    return values


def answer(args):
    with open(args.head, encoding="latin-1") as f:
        status, headers = parse_head(f.read())
    with open(args.body, "rb") as f:
        body = f.read()
    if status.split()[1:2] != ["200"]:
        fail(f"{status}\n{body[:600].decode('utf-8', 'replace')}")
    if headers.get("content-type", "").split(";")[0] != CONTENT_TYPES[args.format]:
        fail(f"Content-Type {headers.get('content-type')!r}, wanted {CONTENT_TYPES[args.format]}")
    kind, width, height = image_size(body)
    if (kind, width, height) != (args.format, args.width, args.height):
        fail(f"body is {kind} {width}x{height}, wanted {args.format} {args.width}x{args.height}")
    values = flops(headers)
    saved = values["saved"]
    ratio = values["executed"] / values["dense"]
    if "server-timing" not in headers:
        fail("no Server-Timing header")
    print(f"{status.split()[0]} 200 {kind} {width}x{height}, FLOPs executed/dense {ratio:.3f} (saved {saved:g})",
          file=sys.stderr)
    print(int(values["executed"]))


def get(url, timeout=30):
    request = urllib.request.Request(url)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=timeout) as response:
        return response.status, response.read().decode("utf-8")


def models(args):
    status, text = get(args.url)
    if status != 200:
        fail(f"{args.url}: {status}")
    document = json.loads(text)
    entries = document.get("models", document) if isinstance(document, dict) else document
    print(json.dumps(entries))
    for scale in args.scales:
        matching = [m for m in entries if int(m.get("scale", 0)) == scale]
        if not matching:
            fail(f"no model for x{scale}")
        source = json.dumps(matching[0].get("source", "")).lower()
        if "embedded" not in source and "default" not in source and "built" not in source:
            fail(f"the x{scale} model does not come from the binary: source {source}")


def metric_values(text, name):
    """Every sample of NAME in Prometheus text: [(labels, value)]."""
    samples = []
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        rest = line[len(name):]
        if rest[:1] not in ("{", " "):
            continue
        labels = rest[1:rest.index("}")] if rest.startswith("{") else ""
        samples.append((labels, float(line.split()[-1])))
    return samples


def metrics(args):
    status, text = get(args.url)
    if status != 200:
        fail(f"{args.url}: {status}")
    executed = sum(v for _, v in metric_values(text, "smsr_flops_executed_total"))
    if executed < args.flops:
        fail(f"smsr_flops_executed_total {executed:g} < {args.flops} executed by the upscales")
    upscales = sum(v for labels, v in metric_values(text, "smsr_http_requests_total")
                   if 'route="/v1/upscale"' in labels and 'status="200"' in labels and 'method="POST"' in labels)
    if upscales < args.upscales:
        fail(f'smsr_http_requests_total{{method="POST",route="/v1/upscale",status="200"}} = {upscales:g} < {args.upscales}')
    print(f"smsr_flops_executed_total {executed:g}, upscales answered {upscales:g}")


# --- SIGTERM with uploads in flight -------------------------------------------------------------------------

class Upload:
    """One POST /v1/upscale over its own socket, its answer read by a thread as it arrives."""

    def __init__(self, port, body):
        self.body = body
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=300)
        self.head = (f"POST /v1/upscale HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: image/png\r\n"
                     f"Content-Length: {len(body)}\r\n\r\n").encode()
        self.answer = b""
        self.answered_at = None
        self.error = None
        self.reader = threading.Thread(target=self.read, daemon=True)

    def send(self, data):
        self.sock.sendall(data)

    def read(self):
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                self.answer += chunk
                if self.complete():
                    break
        except OSError as error:
            self.error = error
        self.answered_at = time.monotonic()
        self.sock.close()

    def complete(self):
        head, sep, body = self.answer.partition(b"\r\n\r\n")
        if not sep:
            return False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                return len(body) >= int(value)
        return False

    def result(self):
        self.reader.join(timeout=300)
        head, _, body = self.answer.partition(b"\r\n\r\n")
        status = head.split(b"\r\n")[0].decode("latin-1") if head else f"no answer ({self.error})"
        return status, body


def readyz_status(port):
    """/readyz's status, or the error a new connection gets (refused, reset) once the listener is closed."""
    try:
        status, _ = get(f"http://127.0.0.1:{port}/readyz", timeout=5)
        return status
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, urllib.error.URLError) as error:
        return type(getattr(error, "reason", error)).__name__


def workers_busy(port):
    _, text = get(f"http://127.0.0.1:{port}/metrics")
    return sum(v for _, v in metric_values(text, "smsr_workers_busy"))


def podman(*arguments):
    return subprocess.run(["podman", *arguments], capture_output=True, text=True)


def drain(args):
    """1. `busy`: a whole upload, sent first, whose inference takes seconds; waits for /metrics to show a
    worker busy. 2. `partial`: a request head and half its body. 3. `podman stop` (SIGTERM to PID 1).
    4. waits until /readyz stops answering 200 (the service is draining). 5. the rest of the partial body.
    (--stop-command replaces `podman stop` in step 3, e.g. podman-compose's stop.)
    Both must be answered 200 with the upscaled PNG, and the container must exit 0 within the drain timeout."""
    with open(args.busy, "rb") as f:
        busy_body = f.read()
    with open(args.partial, "rb") as f:
        partial_body = f.read()
    _, busy_w, busy_h = image_size(busy_body)
    _, partial_w, partial_h = image_size(partial_body)

    busy = Upload(args.port, busy_body)
    busy.reader.start()
    busy.send(busy.head + busy_body)
    deadline = time.monotonic() + 60
    while workers_busy(args.port) < 1:
        if busy.answered_at is not None or time.monotonic() > deadline:
            fail("the busy upload never showed as a busy worker in /metrics")
        time.sleep(0.05)

    partial = Upload(args.port, partial_body)
    partial.reader.start()
    half = len(partial_body) // 2
    partial.send(partial.head + partial_body[:half])

    command = shlex.split(args.stop_command) if args.stop_command else \
        ["podman", "stop", "-t", str(args.drain_timeout + 15), args.container]
    stopper = " ".join(word for word in command if word in ("podman", "podman-compose", "stop"))
    stop = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sigterm_at = time.monotonic()
    deadline = sigterm_at + 30
    while (seen := readyz_status(args.port)) == 200:
        if time.monotonic() > deadline:
            stop.kill()
            fail(f"/readyz still answered 200 30 s after {stopper}")
        time.sleep(0.05)
    draining_at = time.monotonic()
    print(f"draining {draining_at - sigterm_at:.2f} s after {stopper} (/readyz: {seen})")
    if partial.answered_at is not None:
        fail(f"the half-sent upload was answered before its body was complete: {partial.result()[0]}")
    partial.send(partial_body[half:])

    failures = []
    for name, upload, width, height in (("busy", busy, busy_w * 2, busy_h * 2),
                                       ("half-sent", partial, partial_w * 2, partial_h * 2)):
        status, body = upload.result()
        kind, w, h = image_size(body)
        when = (upload.answered_at or time.monotonic()) - sigterm_at
        verdict = "in flight at SIGTERM" if when > 0 else "answered before SIGTERM"
        print(f"{name} upload: {status}, {kind} {w}x{h}, {when:+.2f} s after {stopper} ({verdict})")
        if not status.endswith("200 OK") and " 200 " not in status + " ":
            failures.append(f"{name} upload: {status}")
        elif (kind, w, h) != ("png", width, height):
            failures.append(f"{name} upload: body {kind} {w}x{h}, wanted png {width}x{height}")
    if partial.answered_at is not None and partial.answered_at < draining_at:
        failures.append("the half-sent upload was answered before the drain began")

    output, _ = stop.communicate(timeout=args.drain_timeout + 60)
    stopped_at = time.monotonic()
    inspect = podman("inspect", "--format", "{{.State.ExitCode}} {{.State.Status}}", args.container)
    exit_code, state = (inspect.stdout.split() + ["?", "?"])[:2]
    print(f"{stopper} returned after {stopped_at - sigterm_at:.2f} s (drain timeout "
          f"{args.drain_timeout} s); container {state}, exit code {exit_code}")
    if stop.returncode != 0:
        failures.append(f"{shlex.join(command)} failed: {output.strip()}")
    if exit_code != "0":
        failures.append(f"exit code {exit_code}, wanted 0")
    if stopped_at - sigterm_at >= args.drain_timeout:
        failures.append(f"stopped after {stopped_at - sigterm_at:.1f} s, not within the drain timeout")
    if failures:
        fail("\n".join(failures))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("answer")
    p.add_argument("head")
    p.add_argument("body")
    p.add_argument("format", choices=sorted(CONTENT_TYPES))
    p.add_argument("width", type=int)
    p.add_argument("height", type=int)
    p.set_defaults(run=answer)
    p = commands.add_parser("models")
    p.add_argument("url")
    p.add_argument("scales", type=int, nargs="+")
    p.set_defaults(run=models)
    p = commands.add_parser("metrics")
    p.add_argument("url")
    p.add_argument("flops", type=int)
    p.add_argument("upscales", type=int)
    p.set_defaults(run=metrics)
    p = commands.add_parser("drain")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--container", required=True)
    p.add_argument("--drain-timeout", type=int, required=True)
    p.add_argument("--busy", required=True)
    p.add_argument("--partial", required=True)
    p.add_argument("--stop-command", help="what stops the container (default: podman stop -t DRAIN+15 NAME)")
    p.set_defaults(run=drain)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
