#!/usr/bin/env python3
"""The drain race under load: uploads begun before SIGTERM whose bodies arrive after it.

Each round starts `smsr serve` (JSON logs, port 0), opens --clients connections and has each send a
prefix of a PNG upload cut at a random point (one byte, inside the head, inside the body, or all of
it); a few more connect during the signal. SIGTERM comes while those prefixes are still being
written; once the server logs `shutting down`, every client sends the rest and reads its answer.

A request whose prefix was fully written before SIGTERM was sent counts as accepted and must be answered with
a whole HTTP response (200, or 503 with Retry-After when the queue was full); a client that had
sent nothing may be closed unanswered. Prints, per round and in total, how many were accepted,
answered, lost (closed or reset unanswered) and stalled (no answer within --patience seconds), and
whether the process exited 0. Exit status 1 if any accepted request was lost or stalled.

    python3 Benchmarks/drain_race.py --binary .build/release/smsr [--rounds 20] [--clients 48] [--seed 1]
"""
import argparse
import json
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib


def tiny_png(width, height, seed):
    rng = random.Random(seed)
    raw = b"".join(b"\x00" + bytes(rng.randrange(256) for _ in range(width * 3)) for _ in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


class Server:
    def __init__(self, binary, workers, drain_timeout):
        self.process = subprocess.Popen(
            [binary, "serve", "--port", "0", "--log-format", "json", "--workers", str(workers),
             "--drain-timeout", str(drain_timeout)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        listening = self.wait(lambda l: l.get("msg") == "listening" and "metrics_address" in l, 60)
        self.port = int(listening["address"].rsplit(":", 1)[1])
        self.wait(lambda l: l.get("msg") == "ready", 120)

    def _read(self):
        for line in self.process.stderr:
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            with self.cond:
                self.lines.append(obj)
                self.cond.notify_all()
        with self.cond:
            self.lines.append({"msg": "<eof>"})
            self.cond.notify_all()

    def wait(self, predicate, timeout):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for line in self.lines:
                    if predicate(line):
                        return line
                    if line.get("msg") == "<eof>":
                        raise RuntimeError("smsr serve ended early")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError("timed out waiting for a log line")
                self.cond.wait(left)


class Client:
    """One upload: `before` bytes written before SIGTERM (maybe none), the rest after."""

    def __init__(self, port, request, cut, patience):
        self.request = request
        self.cut = cut
        self.sent_before = 0
        self.sent_at = None
        self.outcome = None
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.settimeout(patience)

    def send_before(self):
        try:
            if self.cut:
                self.sock.sendall(self.request[:self.cut])
                self.sent_before = self.cut
                self.sent_at = time.monotonic()
        except OSError:
            self.outcome = "lost"

    def finish(self):
        if self.outcome:
            return
        try:
            self.sock.sendall(self.request[self.sent_before:])
        except OSError:
            pass  # the answer (or its absence) decides
        data = b""
        try:
            while True:
                more = self.sock.recv(65536)
                if not more:
                    break
                data += more
        except socket.timeout:
            self.outcome = "stalled"
            return
        except OSError:
            pass
        head = data.split(b"\r\n\r\n", 1)[0]
        if head.startswith(b"HTTP/1.1 200"):
            self.outcome = "200"
        elif head.startswith(b"HTTP/1.1 503") and b"Retry-After" in head:
            self.outcome = "503"
        elif head.startswith(b"HTTP/1.1"):
            self.outcome = head.split(b"\r\n")[0].decode()
        else:
            self.outcome = "lost"
        self.sock.close()


def one_round(args, rng, request, head_length):
    server = Server(args.binary, args.workers, args.drain_timeout)
    cuts = []
    for _ in range(args.clients):
        kind = rng.randrange(5)
        cuts.append([0, 1, rng.randrange(2, head_length), rng.randrange(head_length, len(request)), len(request)][kind])
    clients = [Client(server.port, request, cut, args.patience) for cut in cuts]
    # Prefixes are written from threads that are still running when SIGTERM is sent.
    writers = [threading.Thread(target=c.send_before) for c in clients]
    for w in writers:
        w.start()
    late = []

    def connect_late():
        for _ in range(args.clients // 8):
            try:
                c = Client(server.port, request, 0, args.patience)
            except OSError:
                return
            late.append(c)

    latecomer = threading.Thread(target=connect_late)
    latecomer.start()
    signalled_at = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    for w in writers:
        w.join()
    latecomer.join()
    server.wait(lambda l: l.get("msg") == "shutting down", 30)
    finishers = [threading.Thread(target=c.finish) for c in clients + late]
    for f in finishers:
        f.start()
    for f in finishers:
        f.join()
    code = server.process.wait(timeout=args.drain_timeout + 30)
    # Accepted: its prefix was written before the signal was sent. A prefix still being written then
    # may reach a server that has already closed the connection as idle, like any request sent late.
    accepted = [c for c in clients if c.sent_at is not None and c.sent_at < signalled_at]
    tally = {"accepted": len(accepted), "200": 0, "503": 0, "lost": 0, "stalled": 0, "other": 0,
             "idle_closed": sum(1 for c in clients + late if c.sent_before == 0),
             "late_writers": sum(1 for c in clients if c.sent_at is not None and c.sent_at >= signalled_at), "exit": code}
    for c in accepted:
        key = c.outcome if c.outcome in ("200", "503", "lost", "stalled") else "other"
        tally[key] += 1
    return tally


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=".build/release/smsr")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--clients", type=int, default=48)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--drain-timeout", type=int, default=60)
    parser.add_argument("--patience", type=float, default=20, help="seconds a client waits for its answer")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    image = tiny_png(32, 32, args.seed)
    head = (f"POST /v1/upscale HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
            f"Content-Length: {len(image)}\r\n\r\n").encode()
    request = head + image
    totals = {}
    rounds = []
    print(f"{'round':>5} {'accepted':>8} {'200':>5} {'503':>5} {'lost':>5} {'stalled':>7} {'other':>5} {'idle':>5} {'exit':>4}")
    for r in range(args.rounds):
        t = one_round(args, rng, request, len(head))
        rounds.append(t)
        for k, v in t.items():
            if k != "exit":
                totals[k] = totals.get(k, 0) + v
        print(f"{r + 1:>5} {t['accepted']:>8} {t['200']:>5} {t['503']:>5} {t['lost']:>5} {t['stalled']:>7} "
              f"{t['other']:>5} {t['idle_closed']:>5} {t['exit']:>4}", flush=True)
    bad_exits = sum(1 for t in rounds if t["exit"] != 0)
    print(f"total: {totals['accepted']} accepted, {totals['200']} answered 200, {totals['503']} answered 503, "
          f"{totals['lost']} lost, {totals['stalled']} stalled, {totals['other']} other; "
          f"{totals['idle_closed']} idle connections closed; {bad_exits} rounds with a non-zero exit")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"binary": args.binary, "rounds": rounds, "totals": totals, "args": vars(args)}, f, indent=1)
    sys.exit(1 if totals["lost"] or totals["stalled"] or totals["other"] or bad_exits else 0)


if __name__ == "__main__":
    main()
