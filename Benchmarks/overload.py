#!/usr/bin/env python3
"""Overload and soak of a live `smsr serve` on loopback (a benchmark: it prints figures, asserts nothing).

For --seconds (600 for the published figure; --short is 60) it keeps up, all at once:
- 10x --queue-capacity uploaders (`POST /v1/upscale` of a 64x64 PNG, new connection each), of which a tenth
  send their body in ten pieces 50 ms apart (slow senders) and a tenth read the answer 1 KiB every 20 ms
  through a 4 KiB receive buffer (slow readers). A 503 is checked for Retry-After, and the uploader waits
  min(Retry-After, 0.2 s) with jitter before trying again, as a client that honours it would;
- 1,000 idle connections that send nothing (reopened when the server closes them at its idle timeout);
- 50 slowloris connections sending a header line every second and never ending the head (reopened when
  the server answers 408 and closes);
- a /healthz probe every 100 ms on a fresh connection (latency from connect to the last byte), from a process
  of its own so that the uploaders' Python threads do not delay it;
- the server's RSS from /proc every second.
Then SIGTERM with all of that still running: every upload that had sent a byte by then must be answered
(200, or 503 with Retry-After), and the process must exit 0.

    python3 Benchmarks/overload.py --binary .build/release/smsr [--seconds 600 | --short] [--queue-capacity 16]
        [--workers N] [--json Benchmarks/results/DATE-overload.json]
"""
import argparse
import json
import os
import random
import resource
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib


def png(width, height, seed):
    rng = random.Random(seed)
    raw = b"".join(b"\x00" + bytes(rng.randrange(256) for _ in range(width * 3)) for _ in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}

    def add(self, key, n=1):
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + n


def received(sock, slow, where):
    """The next bytes of a response (a slow reader takes 1 KiB, then waits 20 ms); raises when the server closed
    `where` (before the head, inside the body)."""
    more = sock.recv(1024 if slow else 65536)
    if not more:
        raise ConnectionError("closed " + where)
    if slow:
        time.sleep(0.02)
    return more


def read_response(sock, slow=False):
    """Reads one response; returns (status, headers dict, body length) or raises OSError."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += received(sock, slow, "before the head")
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        rest += received(sock, slow, "inside the body")
    return status, headers, len(rest)


class Uploader(threading.Thread):
    def __init__(self, run, index):
        super().__init__(daemon=True)
        self.run_ = run
        self.kind = "slow-sender" if index % 10 == 0 else "slow-reader" if index % 10 == 1 else "plain"
        self.rng = random.Random(index)

    def run(self):
        r = self.run_
        while not r.stop_uploads.is_set():
            self.one()

    def one(self):
        r = self.run_
        try:
            sock = socket.create_connection(("127.0.0.1", r.port), timeout=120)
        except OSError:
            r.stats.add("connect-refused" if r.terminated.is_set() else "connect-error")
            time.sleep(0.1)
            return
        began_before_term = None
        try:
            if self.kind == "slow-reader":
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            request = r.request
            # Accepted = a byte written before SIGTERM was sent (`terminated` is set just before it).
            if self.kind == "slow-sender":
                step = len(request) // 10 + 1
                for i in range(0, len(request), step):
                    sock.sendall(request[i:i + step])
                    if began_before_term is None:
                        began_before_term = not r.terminated.is_set()
                    time.sleep(0.05)
            else:
                sock.sendall(request)
                began_before_term = not r.terminated.is_set()
            status, headers, _ = read_response(sock, slow=self.kind == "slow-reader")
            key = f"{status}"
            if status == 503:
                if "retry-after" in headers:
                    key = "503+retry-after"
                    wait = min(float(headers["retry-after"]), 0.2)
                else:
                    wait = 0.2
            r.stats.add(key)
            r.stats.add(f"{self.kind} {key}")
            if r.terminated.is_set() and began_before_term:
                r.stats.add(f"at-sigterm {key}")
            if status == 503:
                time.sleep(wait * (0.5 + self.rng.random()))
        except (OSError, ValueError, IndexError) as e:
            r.stats.add("error " + type(e).__name__)
            if r.terminated.is_set() and began_before_term:
                r.stats.add("at-sigterm lost")
        finally:
            sock.close()


class Run:
    def __init__(self, args):
        self.args = args
        self.stats = Stats()
        self.stop_uploads = threading.Event()
        self.stop_background = threading.Event()
        self.terminated = threading.Event()
        image = png(64, 64, 7)
        self.request = (f"POST /v1/upscale HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
                        f"Content-Length: {len(image)}\r\nConnection: close\r\n\r\n").encode() + image
        self.health = []      # (t, ms or None)
        self.rss = []         # (t, MiB)
        self.idle_reopened = 0
        self.slowloris_408 = 0
        self.lines = []

    def start_server(self):
        a = self.args
        command = [a.binary, "serve", "--port", "0", "--log-format", "json", "--queue-capacity", str(a.queue_capacity),
                   "--drain-timeout", "60"]
        if a.workers:
            command += ["--workers", str(a.workers)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        ready = threading.Event()

        def read():
            for line in self.process.stderr:
                try:
                    obj = json.loads(line)
                except ValueError:
                    continue
                if obj.get("msg") == "listening" and "metrics_address" in obj:
                    self.port = int(obj["address"].rsplit(":", 1)[1])
                if obj.get("msg") == "ready":
                    ready.set()
                if obj.get("msg") not in ("request",):
                    self.lines.append(obj)

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(120):
            sys.exit("smsr serve did not get ready")

    def sample_rss(self):
        t0 = time.monotonic()
        while not self.stop_background.is_set():
            try:
                with open(f"/proc/{self.process.pid}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            self.rss.append((round(time.monotonic() - t0, 1), int(line.split()[1]) / 1024))
            except OSError:
                return
            self.stop_background.wait(1)

    def probe_health(self):
        """Runs the probe in a process of its own, so the uploaders' threads (and Python's lock) add
        nothing to the latency it measures; it prints `t ms` lines until told to stop."""
        probe = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--probe", str(self.port)],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.probe_process = probe
        for line in probe.stdout:
            t, ms = line.split()
            if not self.terminated.is_set():
                self.health.append((float(t), None if ms == "-" else float(ms)))

    def hold_idle(self, count):
        sockets = []
        while not self.stop_background.is_set() and not self.terminated.is_set():
            alive = []
            for s in sockets:
                try:
                    s.setblocking(False)
                    gone = s.recv(1) == b""
                except BlockingIOError:
                    gone = False
                except OSError:
                    gone = True
                if gone:
                    s.close()
                    self.idle_reopened += 1
                else:
                    alive.append(s)
            sockets = alive
            while len(sockets) < count and not self.terminated.is_set():
                try:
                    sockets.append(socket.create_connection(("127.0.0.1", self.port), timeout=5))
                except OSError:
                    break
            self.idle_open = len(sockets)
            self.stop_background.wait(1)
        for s in sockets:
            s.close()

    def slowloris(self, index):
        while not self.stop_background.is_set() and not self.terminated.is_set():
            try:
                s = socket.create_connection(("127.0.0.1", self.port), timeout=30)
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
                n = 0
                while not self.stop_background.is_set() and not self.terminated.is_set():
                    s.sendall(f"X-Slow-{n}: {index}\r\n".encode())
                    n += 1
                    s.setblocking(False)
                    try:
                        data = s.recv(4096)
                        if data.startswith(b"HTTP/1.1 408"):
                            self.slowloris_408 += 1
                        break
                    except BlockingIOError:
                        pass
                    s.setblocking(True)
                    self.stop_background.wait(1)
                s.close()
            except OSError:
                self.stop_background.wait(0.5)

    def go(self):
        a = self.args
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
        self.start_server()
        print(f"smsr serve pid {self.process.pid} port {self.port}; {10 * a.queue_capacity} uploaders, "
              f"{a.idle} idle, {a.slowloris} slowloris, {a.seconds} s", flush=True)
        self.probe_process = None
        background = [threading.Thread(target=self.sample_rss, daemon=True),
                      threading.Thread(target=self.probe_health, daemon=True),
                      threading.Thread(target=self.hold_idle, args=(a.idle,), daemon=True)]
        background += [threading.Thread(target=self.slowloris, args=(i,), daemon=True) for i in range(a.slowloris)]
        for t in background:
            t.start()
        uploaders = [Uploader(self, i) for i in range(10 * a.queue_capacity)]
        for u in uploaders:
            u.start()
        t0 = time.monotonic()
        next_report = 60
        while time.monotonic() - t0 < a.seconds:
            time.sleep(1)
            elapsed = time.monotonic() - t0
            if elapsed >= next_report:
                next_report += 60
                self.report_progress(elapsed)
        # SIGTERM with everything still running; uploaders stop starting new requests.
        self.stop_uploads.set()
        self.terminated.set()
        self.probe_process.stdin.close()
        self.process.send_signal(signal.SIGTERM)
        term_at = time.monotonic()
        for u in uploaders:
            u.join(timeout=180)
        exit_code = self.process.wait(timeout=120)
        drained_s = time.monotonic() - term_at
        self.stop_background.set()
        for t in background:
            t.join(timeout=5)
        return self.summary(exit_code, drained_s)

    def report_progress(self, elapsed):
        recent = [ms for t, ms in self.health if t > elapsed - 60 and ms is not None]
        rss = self.rss[-1][1] if self.rss else 0
        counts = dict(self.stats.counts)
        print(f"{elapsed:6.0f} s: rss {rss:.0f} MiB, healthz p99 {percentile(recent, 99) or 0:.1f} ms "
              f"(max {max(recent) if recent else 0:.1f}), 200s {counts.get('200', 0)}, "
              f"503s {counts.get('503+retry-after', 0)}, idle open {getattr(self, 'idle_open', 0)}, "
              f"slowloris 408s {self.slowloris_408}", flush=True)

    def summary(self, exit_code, drained_s):
        a = self.args
        ok = [ms for _, ms in self.health if ms is not None]
        failed_probes = sum(1 for _, ms in self.health if ms is None)
        windows = []
        for start in range(0, int(a.seconds), 60):
            w = [ms for t, ms in self.health if start <= t < start + 60 and ms is not None]
            if w:
                windows.append({"from_s": start, "p50_ms": round(percentile(w, 50), 2),
                                "p99_ms": round(percentile(w, 99), 2), "max_ms": round(max(w), 2), "probes": len(w)})
        rss_values = [m for _, m in self.rss]
        first_minute = [m for t, m in self.rss if t < 60]
        last_minute = [m for t, m in self.rss if t >= a.seconds - 60]
        counts = dict(sorted(self.stats.counts.items()))
        cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "")
        result = {
            "benchmark": "overload", "cpu": cpu, "cores": os.cpu_count(), "seconds": a.seconds,
            "queue_capacity": a.queue_capacity, "uploaders": 10 * a.queue_capacity, "idle_connections": a.idle,
            "slowloris_connections": a.slowloris, "workers": a.workers or "default",
            "healthz": {"probes": len(ok), "failed": failed_probes, "p50_ms": percentile(ok, 50), "p99_ms": percentile(ok, 99),
                        "max_ms": max(ok) if ok else None, "per_minute": windows},
            "rss_mib": {"min": min(rss_values), "max": max(rss_values), "first_minute_max": max(first_minute or [0]),
                        "last_minute_max": max(last_minute or [0]), "final": rss_values[-1]},
            "responses": counts,
            "idle_reopened": self.idle_reopened, "slowloris_408": self.slowloris_408,
            "sigterm": {"exit_code": exit_code, "drain_seconds": round(drained_s, 2),
                        "in_flight_answered": sum(v for k, v in counts.items() if k.startswith("at-sigterm ") and k != "at-sigterm lost"),
                        "in_flight_lost": counts.get("at-sigterm lost", 0)},
        }
        print(json.dumps(result, indent=1))
        if a.json:
            with open(a.json, "w") as f:
                json.dump(result, f, indent=1)
        return result


def probe(port):
    """`GET /healthz` on a fresh connection every 100 ms until stdin closes; prints `t ms` (or `t -`)."""
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    t0 = time.monotonic()
    while not stop.is_set():
        start = time.monotonic()
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            status, _, _ = read_response(s)
            s.close()
            ms = f"{(time.monotonic() - start) * 1000:.3f}" if status == 200 else "-"
        except OSError:
            ms = "-"
        print(f"{start - t0:.2f} {ms}", flush=True)
        stop.wait(max(0, 0.1 - (time.monotonic() - start)))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--probe":
        return probe(int(sys.argv[2]))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=".build/release/smsr")
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--short", action="store_true", help="60 s instead of --seconds")
    parser.add_argument("--queue-capacity", type=int, default=16)
    parser.add_argument("--workers", type=int, default=0, help="0: the service's default")
    parser.add_argument("--idle", type=int, default=1000)
    parser.add_argument("--slowloris", type=int, default=50)
    parser.add_argument("--json")
    args = parser.parse_args()
    if args.short:
        args.seconds = 60
    Run(args).go()


if __name__ == "__main__":
    main()
