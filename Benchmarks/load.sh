#!/usr/bin/env bash
# Load benchmark of `smsr serve` on loopback: requests/s and latency percentiles for /healthz and for
# POST /v1/upscale of a 128x128 PNG at 2 workers, RSS before and after N upscale requests, and /healthz
# latency while 1,000 idle keep-alive connections are held open. Then the same service over cleartext
# HTTP/2 (h2load, prior knowledge) beside HTTP/1.1 from the same tool: /healthz over one connection and over
# 16 connections with 100 streams each, upscale over 4 connections and over one connection with 4 streams,
# and RSS before and after N h2 upscale requests. Prints figures and one JSON line.
#
#   Benchmarks/load.sh [--model FILE] [--requests N] [--rss-size PX] [--binary PATH]
#
# --rss-size: the side of the square crop uploaded in the two N-request RSS runs (default 128, the size of
# the throughput rows); a small one makes N = 10,000 quick on a busy machine, and RSS is about the server.
#
# Needs wrk and h2load (Debian: wrk, nghttp2-client) and python3 with Pillow; builds the release binary
# unless --binary is given. Traffic goes to 127.0.0.1 only, and every step is bounded in time or count.
set -euo pipefail
cd "$(dirname "$0")/.."

model_args=()
requests=10000
rss_size=128
binary=""
while (($#)); do
    case "$1" in
        --model) model_args=(--model "$2"); shift 2 ;;
        --requests) requests="$2"; shift 2 ;;
        --rss-size) rss_size="$2"; shift 2 ;;
        --binary) binary="$2"; shift 2 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
for tool in wrk h2load python3 curl; do
    command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install wrk nghttp2-client curl python3)" >&2; exit 1; }
done
if [[ -z "$binary" ]]; then swift build -c release >/dev/null; binary=.build/release/smsr; fi

work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
ulimit -n 8192
cleanup() { [[ -n "${server:-}" ]] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# A 128x128 photograph crop (Set5 baby, LR) as the upload, and an rss-size crop for the RSS runs.
python3 - "$work/input.png" "$work/rss.png" "$rss_size" <<'PY'
import sys
from PIL import Image
baby = Image.open("../shared/datasets/Set5/LR_bicubic/X2/baby.png").convert("RGB")
baby.crop((64, 64, 192, 192)).save(sys.argv[1])
n = int(sys.argv[3])
baby.crop((64, 64, 64 + n, 64 + n)).save(sys.argv[2])
PY

"$binary" serve "${model_args[@]}" --port "$port" --workers 2 --threads-per-job 1 --queue-capacity 64 \
    --log-level warning >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 600); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")" == 200 ]] && break
    sleep 0.2
done
base="http://127.0.0.1:$port"
rss() { awk '/VmRSS/ {print $2 * 1024}' "/proc/$server/status"; }

cat >"$work/upload.lua" <<LUA
local f = io.open("$work/input.png", "rb")
wrk.method = "POST"
wrk.body = f:read("*all")
f:close()
wrk.headers["Content-Type"] = "image/png"
LUA

# wrk prints "50%  1.23ms" lines under --latency; this turns them into milliseconds.
percentile() { awk -v p="$1" '$1 == p { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 } print v }' "$2"; }
rate() { awk '/Requests\/sec/ {print $2}' "$1"; }

echo "== /healthz, 50 connections, 10 s"
wrk -t2 -c50 -d10s --latency "$base/healthz" | tee "$work/healthz.txt"
echo "== POST /v1/upscale 128x128 PNG, 2 workers, 4 connections, 30 s"
wrk -t2 -c4 -d30s --latency -s "$work/upload.lua" "$base/v1/upscale" | tee "$work/upscale.txt"

rss_before=$(rss)
echo "== $requests upscale requests of ${rss_size}x${rss_size} (RSS before: $rss_before bytes)"
h2load --h1 -n "$requests" -c 4 -d "$work/rss.png" -H 'Content-Type: image/png' "$base/v1/upscale" | tee "$work/many.txt"
rss_after=$(rss)
failed=$(awk '/^requests:/ {for (i = 1; i <= NF; i++) if ($(i+1) == "failed,") print $i}' "$work/many.txt")

# HTTP/2 beside HTTP/1.1, both from h2load. Its summary lines: "finished in 1.2s, 345.6 req/s, ..." and
# "time for request: min max mean sd +/-sd".
h2rate() { awk '/^finished in/ {print $4}' "$1"; }
h2mean() { awk '/^time for request:/ { v = $6; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 } print v }' "$1"; }
h2failed() { awk '/^requests:/ {for (i = 1; i <= NF; i++) if ($(i+1) == "failed,") print $i}' "$1"; }
upload=(-d "$work/input.png" -H 'Content-Type: image/png')

echo "== /healthz over h2c: 1 connection, 100 streams"
h2load -n 100000 -c 1 -m 100 "$base/healthz" | tee "$work/h2-healthz-1.txt"
echo "== /healthz over h2c: 16 connections, 100 streams each"
h2load -n 200000 -c 16 -m 100 -t 2 "$base/healthz" | tee "$work/h2-healthz-16.txt"
echo "== /healthz over HTTP/1.1 from h2load: 16 connections"
h2load --h1 -n 200000 -c 16 -t 2 "$base/healthz" | tee "$work/h1-healthz-16.txt"
echo "== POST /v1/upscale over h2c: 4 connections, 1 stream each"
h2load -n 120 -c 4 -m 1 "${upload[@]}" "$base/v1/upscale" | tee "$work/h2-upscale-4.txt"
echo "== POST /v1/upscale over h2c: 1 connection, 4 streams"
h2load -n 120 -c 1 -m 4 "${upload[@]}" "$base/v1/upscale" | tee "$work/h2-upscale-1x4.txt"
echo "== POST /v1/upscale over HTTP/1.1 from h2load: 4 connections"
h2load --h1 -n 120 -c 4 "${upload[@]}" "$base/v1/upscale" | tee "$work/h1-upscale-4.txt"

h2_rss_before=$(rss)
echo "== $requests h2 upscale requests of ${rss_size}x${rss_size}, 1 connection with 4 streams (RSS before: $h2_rss_before bytes)"
h2load -n "$requests" -c 1 -m 4 -d "$work/rss.png" -H 'Content-Type: image/png' "$base/v1/upscale" | tee "$work/h2-many.txt"
h2_rss_after=$(rss)
h2_streams_open=$(curl -s "$base/metrics" | awk '/^smsr_http2_streams_open / {print $2}')

echo "== /healthz while 1,000 idle keep-alive connections are open"
python3 - "$port" 1000 >"$work/idle.txt" 2>&1 <<'PY' &
import socket, sys, time
port, count = int(sys.argv[1]), int(sys.argv[2])
held = []
for _ in range(count):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n")
    s.recv(4096)  # the response; the connection then stays idle and open
    held.append(s)
print(f"holding {len(held)} idle keep-alive connections", flush=True)
time.sleep(25)
PY
idle=$!
for _ in $(seq 1 200); do grep -q holding "$work/idle.txt" 2>/dev/null && break; sleep 0.1; done
cat "$work/idle.txt"
open=$(curl -s "$base/metrics" | awk '/^smsr_connections_open / {print $2}')
wrk -t2 -c10 -d10s --latency "$base/healthz" | tee "$work/idle-healthz.txt"
kill "$idle" 2>/dev/null || true

python3 - <<PY
import json
before, after = $rss_before, $rss_after
print(json.dumps({
    "healthz": {"rps": float("$(rate "$work/healthz.txt")"), "p50_ms": float("$(percentile 50% "$work/healthz.txt")"), "p99_ms": float("$(percentile 99% "$work/healthz.txt")")},
    "upscale_128": {"rps": float("$(rate "$work/upscale.txt")"), "p50_ms": float("$(percentile 50% "$work/upscale.txt")"), "p99_ms": float("$(percentile 99% "$work/upscale.txt")"), "workers": 2},
    "rss": {"requests": $requests, "image": $rss_size, "failed": int("${failed:-0}"), "before_bytes": before, "after_bytes": after, "growth": round(after / before - 1, 4)},
    "idle_keepalive": {"connections_open": float("${open:-0}"), "healthz_p99_ms": float("$(percentile 99% "$work/idle-healthz.txt")")},
    "h2": {
        "healthz_1conn_100streams": {"rps": float("$(h2rate "$work/h2-healthz-1.txt")"), "mean_ms": float("$(h2mean "$work/h2-healthz-1.txt")"), "failed": int("$(h2failed "$work/h2-healthz-1.txt")")},
        "healthz_16conn_100streams": {"rps": float("$(h2rate "$work/h2-healthz-16.txt")"), "mean_ms": float("$(h2mean "$work/h2-healthz-16.txt")"), "failed": int("$(h2failed "$work/h2-healthz-16.txt")")},
        "h1_healthz_16conn": {"rps": float("$(h2rate "$work/h1-healthz-16.txt")"), "mean_ms": float("$(h2mean "$work/h1-healthz-16.txt")"), "failed": int("$(h2failed "$work/h1-healthz-16.txt")")},
        "upscale_128_4conn": {"rps": float("$(h2rate "$work/h2-upscale-4.txt")"), "mean_ms": float("$(h2mean "$work/h2-upscale-4.txt")"), "failed": int("$(h2failed "$work/h2-upscale-4.txt")")},
        "upscale_128_1conn_4streams": {"rps": float("$(h2rate "$work/h2-upscale-1x4.txt")"), "mean_ms": float("$(h2mean "$work/h2-upscale-1x4.txt")"), "failed": int("$(h2failed "$work/h2-upscale-1x4.txt")")},
        "h1_upscale_128_4conn": {"rps": float("$(h2rate "$work/h1-upscale-4.txt")"), "mean_ms": float("$(h2mean "$work/h1-upscale-4.txt")"), "failed": int("$(h2failed "$work/h1-upscale-4.txt")")},
        "rss": {"requests": $requests, "image": $rss_size, "failed": int("$(h2failed "$work/h2-many.txt")"), "before_bytes": $h2_rss_before, "after_bytes": $h2_rss_after, "growth": round($h2_rss_after / $h2_rss_before - 1, 4), "streams_open_after": float("${h2_streams_open:-0}")},
    },
}, sort_keys=True))
PY
