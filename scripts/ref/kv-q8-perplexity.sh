#!/usr/bin/env bash
# Perplexity cost of the Q8_0 K/V cache (docs/performance.md, "Long contexts"): the same
# text scored at -c 4096 with an F16 cache and with a Q8_0 K+V cache, by `llamaswift
# perplexity` and, when it is built (scripts/ref/build-llamacpp-tools.sh), by
# llama.cpp's `llama-perplexity -fa on` with -ctk/-ctv f16 and q8_0.
#
# The text: README.md then docs/*.md (C-locale order) as they were at commit $REV
# (default cf699ea, so the text does not move as the docs do), cut to the first $BYTES
# bytes (default 40000: about 13,700 SmolLM2 tokens, 3 chunks of 4096).
#
#   scripts/ref/kv-q8-perplexity.sh [MODEL.gguf]      (THREADS=2, CTX=4096 by default)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
model=${1:-$root/models/SmolLM2-135M-Instruct.Q4_1.gguf}
rev=${REV:-cf699ea}
bytes=${BYTES:-40000}
threads=${THREADS:-2}
ctx=${CTX:-4096}
cli=$root/.build/release/llamaswift-cli
lcpp=$root/out/ref/llamacpp-src/build-native/bin/llama-perplexity
out=$root/out/kvq8
mkdir -p "$out"
text=$out/ppl-text-$rev.txt
{
    git -C "$root" show "$rev:README.md"
    for f in $(git -C "$root" ls-tree --name-only "$rev" docs/ | LC_ALL=C sort); do
        case $f in *.md) git -C "$root" show "$rev:$f" ;; esac
    done
} >"$text.all"
head -c "$bytes" "$text.all" >"$text"
rm -f "$text.all"
echo "text: $text ($(wc -c <"$text") bytes; README.md + docs/*.md at $rev, first $bytes bytes)"

for t in f16 q8_0; do
    echo "== llamaswift perplexity -c $ctx -t $threads -ctk $t -ctv $t"
    "$cli" perplexity -m "$model" -f "$text" -c "$ctx" -t "$threads" -ctk "$t" -ctv "$t" 2>&1 | tail -n 3
done
if [ -x "$lcpp" ]; then
    for t in f16 q8_0; do
        echo "== llama-perplexity -c $ctx -t $threads -fa on -ctk $t -ctv $t"
        "$lcpp" -m "$model" -f "$text" -c "$ctx" -b "$ctx" -t "$threads" -fa on -ctk "$t" -ctv "$t" 2>&1 |
            grep -E "Final estimate|^\[[0-9]|KV self size|llama_kv_cache.*size" || true
    done
else
    echo "($lcpp is not built: llama.cpp's figures skipped)"
fi
