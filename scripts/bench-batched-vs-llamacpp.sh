#!/usr/bin/env bash
# Batched decode of llamaswift (`llamaswift bench -npl`) against llama.cpp's
# `llama-batched-bench` on one GGUF file: N parallel sequences each evaluate NPP prompt
# tokens (all N in shared passes) and then generate NTG tokens each, one token per
# sequence per pass. Prints one markdown table of medians: S_PP and S_TG (aggregate tokens
# per second over the N sequences) of both engines and their ratios. Not part of CI.
#
#   scripts/bench-batched-vs-llamacpp.sh [MODEL.gguf]  (default models/SmolLM2-135M-Instruct.Q4_1.gguf)
#
# Environment [defaults]:
#   NPL ["1,2,4,8,16"]  parallel sequence counts
#   NPP [128] NTG [128] prompt / generated tokens per sequence (llama-batched-bench's defaults)
#   R [3]               rounds; each round runs llama-batched-bench once and llamaswift once
#                       (-r 1), interleaved, so machine noise hits both alike
#   THREADS [2]
#   LLAMACPP_BIN [out/ref/llamacpp-src/build-native/bin]  where llama-batched-bench is
#                       (built from the llama-cpp-python 0.3.36 sdist with -march=native:
#                       `cmake --build <build-native> --target llama-batched-bench`)
#   LLAMASWIFT [.build/release/llamaswift]
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-models/SmolLM2-135M-Instruct.Q4_1.gguf}
NPL=${NPL:-1,2,4,8,16}
NPP=${NPP:-128}
NTG=${NTG:-128}
R=${R:-3}
THREADS=${THREADS:-2}
LLAMACPP_BIN=${LLAMACPP_BIN:-out/ref/llamacpp-src/build-native/bin}
LLAMASWIFT=${LLAMASWIFT:-.build/release/llamaswift}
out=out/bench-batched
mkdir -p "$out"
maxn=$(echo "$NPL" | tr , '\n' | sort -n | tail -1)
ctx=$(( (NPP + NTG) * maxn ))
rm -f "$out"/lcpp.jsonl "$out"/ours.md
for r in $(seq "$R"); do
    "$LLAMACPP_BIN/llama-batched-bench" -m "$model" -c "$ctx" -b 2048 -ub 512 -npp "$NPP" -ntg "$NTG" \
        -npl "$NPL" -t "$THREADS" -tb "$THREADS" --output-format jsonl 2>/dev/null | grep '^{' >> "$out"/lcpp.jsonl
    "$LLAMASWIFT" bench -m "$model" -npl "$NPL" -npp "$NPP" -ntg "$NTG" -r 1 -t "$THREADS" 2>/dev/null \
        | grep -E '^\| +[0-9]' >> "$out"/ours.md
done
python3 - "$out" "$model" "$THREADS" "$R" <<'PY'
import json, statistics, sys
out, model, threads, rounds = sys.argv[1:]
lc, us = {}, {}
for line in open(f"{out}/lcpp.jsonl"):
    j = json.loads(line)
    lc.setdefault(j["pl"], []).append((j["speed_pp"], j["speed_tg"]))
for line in open(f"{out}/ours.md"):
    f = [c.strip() for c in line.strip().strip("|").split("|")]
    us.setdefault(int(f[2]), []).append((float(f[5]), float(f[7])))
med = lambda v, i: statistics.median(x[i] for x in v)
print(f"model: {model.split('/')[-1]}  threads: {threads}  rounds: {rounds} (medians)")
own_pp = max(med(v, 0) for v in us.values())
print(f"own prefill (the best llamaswift S_PP above): {own_pp:.1f} t/s")
print("|    N | llama.cpp S_PP | llamaswift S_PP | ratio | llama.cpp S_TG | llamaswift S_TG | ratio | S_TG / own prefill |")
print("|-----:|---------------:|----------------:|------:|---------------:|----------------:|------:|-------------------:|")
for n in sorted(us):
    lpp, ltg = med(lc.get(n, [(float("nan"),) * 2]), 0), med(lc.get(n, [(float("nan"),) * 2]), 1)
    upp, utg = med(us[n], 0), med(us[n], 1)
    print(f"| {n:4} | {lpp:14.1f} | {upp:15.1f} | {upp / lpp:5.2f} | {ltg:14.1f} | {utg:15.1f} | {utg / ltg:5.2f} | {utg / own_pp:18.2f} |")
PY
