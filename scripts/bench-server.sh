#!/usr/bin/env bash
# llamaswift-server against llama-server on one model: 1 client, then CLIENTS concurrent
# clients (REQS chat requests each, temperature 0, max_tokens MAXT), both servers with
# -np SLOTS and the same per-slot context, on 127.0.0.1; rounds interleaved (llama-server,
# llamaswift-server, again). Prints scripts/bench-server.py's JSON lines. Not part of CI.
#
#   scripts/bench-server.sh [MODEL.gguf]
# Environment [defaults]: SLOTS [8] CLIENTS [8] REQS [4] MAXT [128] CTX [1024 per slot]
#   THREADS [2] R [2] LLAMACPP_BIN [out/ref/llamacpp-src/build-native/bin]
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-models/SmolLM2-135M-Instruct.Q4_1.gguf}
SLOTS=${SLOTS:-8}; CLIENTS=${CLIENTS:-8}; REQS=${REQS:-4}; MAXT=${MAXT:-128}; CTX=${CTX:-1024}
THREADS=${THREADS:-2}; R=${R:-2}
LLAMACPP_BIN=${LLAMACPP_BIN:-out/ref/llamacpp-src/build-native/bin}
port_ours=18181; port_theirs=18182
wait_up() { for _ in $(seq 300); do curl -sf "http://127.0.0.1:$1/health" >/dev/null && return 0; sleep 0.2; done; return 1; }
for r in $(seq "$R"); do
    "$LLAMACPP_BIN/llama-server" -m "$model" --host 127.0.0.1 --port $port_theirs -np "$SLOTS" \
        -c $((CTX * SLOTS)) -t "$THREADS" -tb "$THREADS" --log-disable >/dev/null 2>&1 &
    pid=$!; wait_up $port_theirs
    for c in 1 "$CLIENTS"; do echo "llama-server round $r: $(python3 scripts/bench-server.py $port_theirs "$c" "$REQS" "$MAXT")"; done
    kill $pid; wait $pid 2>/dev/null || true
    .build/release/llamaswift-server -m "$model" --port $port_ours -np "$SLOTS" -c "$CTX" -t "$THREADS" 2>/dev/null &
    pid=$!; wait_up $port_ours
    for c in 1 "$CLIENTS"; do echo "llamaswift-server round $r: $(python3 scripts/bench-server.py $port_ours "$c" "$REQS" "$MAXT")"; done
    kill $pid; wait $pid 2>/dev/null || true
done
