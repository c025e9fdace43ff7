#!/usr/bin/env bash
# Side-by-side speed of llama.cpp (`llama-bench`) and llamaswift (`llamaswift bench`) on
# one GGUF file, printed as one markdown table. Not part of CI or `make test`.
#
#   scripts/bench-vs-llamacpp.sh [MODEL.gguf]   (default models/SmolLM2-135M-Instruct.Q4_1.gguf)
#
# Environment (defaults in brackets):
#   PP [512] TG [128]   prompt / generation lengths; 0 skips that test
#   R [3]               repetitions: one process call per repetition, the two engines
#                       interleaved (llama.cpp pp, llamaswift pp, llama.cpp tg, llamaswift tg,
#                       then again) so that machine noise hits both alike
#   THREADS ["1 2"]     thread counts
#   DEPTHS ["0 4096"]   tokens already in the cache when each test starts (llama-bench's
#                       -d; `llamaswift bench -d`); llama.cpp runs with flash attention on
#                       (-fa 1, its fastest at depth) and llamaswift with its F16 cache
#   KERNELS ["auto x86-64-v3"]  llamaswift kernel levels: auto = the best this CPU runs;
#                       x86-64-v3 = the AVX2 build forced with LLAMASWIFT_KERNELS (skipped
#                       when the CPU lacks AVX2), compared with llama.cpp's AVX2 build
#                       (LLAMACPP_BUILD_V3), so an AVX-512 machine measures both levels
#   LLAMACPP_BUILD_V3 [build]  the llama.cpp build folder paired with x86-64-v3 (the
#                       AVX2-only build scripts/ref/build-llamacpp-tools.sh makes by default)
#   RSS [1]             also peak RSS and load time of a 128-token generation (0: skip)
#   LLAMACPP_SRC [out/ref/llamacpp-src]   where scripts/ref/build-llamacpp-tools.sh builds
#                       llama-bench (from the llama-cpp-python 0.3.36 sdist) with llama.cpp's
#                       default -march=native (NATIVE=1: AVX-512/VNNI on CPUs that have
#                       them, as llamaswift uses them); built once, skipped when
#                       $LLAMACPP_SRC/build-native/bin/llama-bench exists
#   LLAMACPP_BUILD [build-native]  another build folder under LLAMACPP_SRC, e.g. `build`
#                       (the AVX2-only build the reference fixtures were made with)
#   LLAMASWIFT          an existing llamaswift binary to use; unset: `make build`
#                       (incremental) and .build/release/llamaswift
#   REFVENV [out/ref/venv]  venv with llama-cpp-python (scripts/ref/setup-venv.sh), used
#                       for the llama.cpp RSS run when no llama-simple binary was built
#
# Both engines measure the same thing: pp = a batch of PP random tokens into an empty
# cache, tg = TG single-token decodes after one token, each after one untimed warm-up
# pass (llama-bench's, and `llamaswift bench`'s own).
set -euo pipefail
cd "$(dirname "$0")/.."

model=${1:-models/SmolLM2-135M-Instruct.Q4_1.gguf}
PP=${PP:-512}
TG=${TG:-128}
R=${R:-3}
THREADS=${THREADS:-"1 2"}
DEPTHS=${DEPTHS:-"0 4096"}
KERNELS=${KERNELS:-"auto x86-64-v3"}
LLAMACPP_BUILD_V3=${LLAMACPP_BUILD_V3:-build}
RSS=${RSS:-1}
LLAMACPP_SRC=${LLAMACPP_SRC:-out/ref/llamacpp-src}
REFVENV=${REFVENV:-out/ref/venv}
LLAMACPP_BUILD=${LLAMACPP_BUILD:-build-native}
bin=$LLAMACPP_SRC/$LLAMACPP_BUILD/bin

[ -f "$model" ] || { echo "no model file '$model' (make model fetches the default)" >&2; exit 1; }

# --- the two programs -------------------------------------------------------------
if [ ! -x "$bin/llama-bench" ]; then
    echo "building llama-bench under $LLAMACPP_SRC (once, ~10 min on 2 cores)" >&2
    if [ "$LLAMACPP_BUILD" = build-native ]; then
        NATIVE=1 TARGETS=llama-bench bash scripts/ref/build-llamacpp-tools.sh "$LLAMACPP_SRC" >&2
    else
        bash scripts/ref/build-llamacpp-tools.sh "$LLAMACPP_SRC" >&2
    fi
fi
if [ -n "${LLAMASWIFT:-}" ]; then
    ls=$LLAMASWIFT
else
    make build >&2
    ls=.build/release/llamaswift
fi

# --- one measurement per call: prints tokens/s ------------------------------------
# $1 = pp|tg, $2 = threads, $3 = depth, $4 = kernel level (auto|x86-64-v3)
llamacpp_once() {
    local p=0 n=0 b=$bin
    if [ "$1" = pp ]; then p=$PP; else n=$TG; fi
    [ "$4" = auto ] || b=$LLAMACPP_SRC/$LLAMACPP_BUILD_V3/bin
    "$b/llama-bench" -m "$model" -p "$p" -n "$n" -d "$3" -fa 1 -r 1 -t "$2" -o json 2>/dev/null |
        python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["avg_ts"])'
}
# `llamaswift bench` always runs both tests (each >= 1 token); the other one is 1 token.
llamaswift_once() {
    local p=1 n=1
    if [ "$1" = pp ]; then p=$PP; else n=$TG; fi
    if [ "$4" = auto ]; then
        "$ls" bench -m "$model" --pp "$p" --tg "$n" -d "$3" -r 1 -t "$2"
    else
        LLAMASWIFT_KERNELS=$4 "$ls" bench -m "$model" --pp "$p" --tg "$n" -d "$3" -r 1 -t "$2"
    fi | awk -v want="$1" '$1 ~ "^" want "[0-9]" && /median/ { for (i = 1; i <= NF; i++) if ($i == "median") print $(i+1); found = 1 } END { exit !found }'
}

results=$(mktemp)
trap 'rm -f "$results"' EXIT
tests=()
[ "$PP" -gt 0 ] && tests+=(pp)
[ "$TG" -gt 0 ] && tests+=(tg)
levels=()
for k in $KERNELS; do
    if [ "$k" = x86-64-v3 ]; then
        grep -qw avx2 /proc/cpuinfo || { echo "no AVX2: x86-64-v3 skipped" >&2; continue; }
        [ -x "$LLAMACPP_SRC/$LLAMACPP_BUILD_V3/bin/llama-bench" ] || {
            echo "no $LLAMACPP_SRC/$LLAMACPP_BUILD_V3/bin/llama-bench (scripts/ref/build-llamacpp-tools.sh): x86-64-v3 skipped" >&2
            continue
        }
    fi
    levels+=("$k")
done

echo "model $model; PP=$PP TG=$TG R=$R THREADS='$THREADS' DEPTHS='$DEPTHS' KERNELS='${levels[*]}'; llamaswift $ls; llama.cpp $bin/llama-bench" >&2
for k in "${levels[@]}"; do
    for d in $DEPTHS; do
        for t in $THREADS; do
            for ((rep = 1; rep <= R; rep++)); do
                for test in "${tests[@]}"; do
                    a=$(llamacpp_once "$test" "$t" "$d" "$k")
                    b=$(llamaswift_once "$test" "$t" "$d" "$k")
                    echo "  $k depth $d threads $t rep $rep $test: llama.cpp $a, llamaswift $b t/s" >&2
                    echo "$k $d $test $t $a $b" >>"$results"
                done
            done
        done
    done
done

# --- the table --------------------------------------------------------------------
python3 - "$results" "$(basename "$model")" "$PP" "$TG" "$LLAMACPP_BUILD" "$LLAMACPP_BUILD_V3" <<'EOF'
import statistics, sys
path, model, pp, tg, native, v3 = sys.argv[1:]
rows = {}
for line in open(path):
    level, depth, test, threads, a, b = line.split()
    key = (level, int(depth), int(threads), test)
    rows.setdefault(key, ([], []))
    rows[key][0].append(float(a))
    rows[key][1].append(float(b))
print("| model | kernels (llama.cpp build) | test | depth | threads | llama.cpp t/s (median) | llamaswift t/s (median) | ratio | llama.cpp min–max | llamaswift min–max |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for (level, depth, threads, test), (a, b) in sorted(rows.items()):
    name = f"pp{pp}" if test == "pp" else f"tg{tg}"
    which = f"best ({native})" if level == "auto" else f"{level} ({v3})"
    ma, mb = statistics.median(a), statistics.median(b)
    print(f"| {model} | {which} | {name} | {depth} | {threads} | {ma:.2f} | {mb:.2f} | {mb / ma:.2f} "
          f"| {min(a):.2f}–{max(a):.2f} | {min(b):.2f}–{max(b):.2f} |")
print(f"\nratio = llamaswift / llama.cpp (flash attention on); {len(a)} repetition(s), one process each, interleaved.")
EOF

# --- peak RSS and load time of a 128-token generation -----------------------------
[ "$RSS" = 1 ] || exit 0
t=$(echo "$THREADS" | awk '{print $NF}')
# llama-simple sizes its cache to prompt + 128 tokens; ours gets about the same (a 4–5-token
# prompt), so the K/V cache does not decide the comparison.
ctx=136
prompt="Once upon a time"
peak() { awk '/Maximum resident set size/ { printf "%.1f", $NF / 1024 }' "$1"; }
tmp=$(mktemp -d)
trap 'rm -f "$results"; rm -rf "$tmp"' EXIT

/usr/bin/time -v "$ls" run -m "$model" --raw -p "$prompt" -n 128 -c $ctx -t "$t" --temp 0 \
    >/dev/null 2>"$tmp/ls"
ls_load=$(awk '/^loaded / { print $(NF-3) }' "$tmp/ls")
ls_gen=$(awk '/^prompt / { for (i = 1; i <= NF; i++) if ($i == "generated") print $(i+1) }' "$tmp/ls")
ls_what="llamaswift run -n 128 -c $ctx, greedy: $ls_gen tokens (it stops at end of generation)"

if [ -x "$bin/llama-simple" ]; then
    /usr/bin/time -v "$bin/llama-simple" -m "$model" -n 128 "$prompt" >/dev/null 2>"$tmp/cpp"
    cpp_load=$(awk '/load time *=/ { print $(NF-1); exit }' "$tmp/cpp")
    cpp_what="llama-simple -n 128"
else
    # No llama.cpp generation program is built (build-llamacpp-tools.sh makes only
    # llama-bench/quantize/perplexity): the llama-cpp-python binding, 128 greedy tokens
    # regardless of end of generation. Its RSS includes the Python interpreter and numpy.
    # A venv without llama_cpp fails here: the row then says so instead of the script
    # stopping before the table.
    /usr/bin/time -v "$REFVENV/bin/python" - "$model" "$ctx" "$t" "$prompt" >"$tmp/cpp.out" 2>"$tmp/cpp" <<'EOF' || true
import sys, time, llama_cpp
path, ctx, threads, prompt = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
t0 = time.monotonic()
m = llama_cpp.Llama(model_path=path, n_ctx=ctx, n_threads=threads, verbose=False)
load_ms = (time.monotonic() - t0) * 1000
n = 0
for _ in m.generate(m.tokenize(prompt.encode()), temp=0.0):
    n += 1
    if n == 128:
        break
print(f"{load_ms:.1f} {n}")
EOF
    cpp_load=$(awk '{ print $1 }' "$tmp/cpp.out")
    cpp_what="llama-cpp-python 0.3.36, 128 tokens, n_ctx $ctx (RSS includes Python + numpy, ~40 MB)"
    [ -s "$tmp/cpp.out" ] || cpp_what="not measured: no $bin/llama-simple and no llama_cpp in $REFVENV (scripts/ref/setup-venv.sh)"
fi
# llama.cpp's own C++ process, with no Python: llama-bench generating 128 tokens.
/usr/bin/time -v "$bin/llama-bench" -m "$model" -p 0 -n 128 -r 1 -t "$t" >/dev/null 2>"$tmp/bench"
echo
echo "| engine | peak RSS MiB | load ms | what ran ($t threads) |"
echo "| --- | --- | --- | --- |"
echo "| llama.cpp | $(peak "$tmp/cpp") | ${cpp_load:-?} | $cpp_what |"
echo "| llama.cpp | $(peak "$tmp/bench") | – | llama-bench -p 0 -n 128 -r 1 (n_ctx 128) |"
echo "| llamaswift | $(peak "$tmp/ls") | ${ls_load:-?} | $ls_what |"
