#!/usr/bin/env bash
# Fuzzes a live `smsr serve` against its own /openapi.json with schemathesis (PyPI, installed by
# scripts/install-deps.sh): every answer must be one the document describes (status, content type,
# headers, body schema), methods it does not document must get 405 with Allow, and nothing may answer 5xx.
# Real small images are sent besides random bytes (scripts/schemathesis_hooks.py), so the 200s are checked too.
#
#   scripts/schemathesis.sh [SMSR_BINARY]     (default: the debug build, as `swift test` leaves it)
#
# Run by `make test` after `swift test`. Bounded: 25 examples an operation, a 10-minute budget.
set -euo pipefail
cd "$(dirname "$0")/.."

binary=${1:-$(swift build --show-bin-path)/smsr}
[[ -x $binary ]] || swift build --product smsr
work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# Every embedded model, one worker: the service as `make run` starts it.
"$binary" serve --host 127.0.0.1 --port "$port" --workers 1 --log-level warning >"$work/serve.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$work"' EXIT

for _ in $(seq 240); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
    kill -0 "$server" 2>/dev/null || { cat "$work/serve.log"; echo "smsr serve exited before it was ready" >&2; exit 1; }
    sleep 0.5
done
curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$work/serve.log"; echo "smsr serve not ready after 120 s" >&2; exit 1; }

status=0
PYTHONPATH=scripts SCHEMATHESIS_HOOKS=schemathesis_hooks timeout 600 schemathesis --config-file scripts/schemathesis.toml \
    run "http://127.0.0.1:$port/openapi.json" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,unsupported_method \
    --workers 1 --max-examples 25 --no-color || status=$?
if ((status != 0)); then
    echo "--- smsr serve's log"
    cat "$work/serve.log"
fi
exit "$status"
