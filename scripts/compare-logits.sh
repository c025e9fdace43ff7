#!/usr/bin/env bash
# Bit-for-bit comparison of two builds of libllamaswift.so (for refactors that must not
# change a single logit): every position's logits of a fixed token sequence, prefill in
# one chunk and in chunks of 7 then token by token (scripts/logits-dump.c), for the real
# models in models/ and every fixture model under Tests/Fixtures/, with each kernel build
# this CPU runs, with and without repacking, with the F16 and the F32 KV cache.
#
#   scripts/compare-logits.sh BEFORE_LIBDIR AFTER_LIBDIR
#
# Models either build refuses as UNSUPPORTED are skipped (named on stderr, once per run).
# Each LIBDIR holds a libllamaswift.so (and its .so.0 link), e.g. a copy of
# .build/release from each commit. Prints one SAME/DIFF line per setting; exits 1 on a DIFF.
set -euo pipefail
cd "$(dirname "$0")/.."
before=$1 after=$2
out=${TMPDIR:-/tmp}/llamaswift-compare-logits
mkdir -p "$out"
cc -O2 -Iinclude scripts/logits-dump.c -L"$after" -lllamaswift -o "$out/dump"
models=$(ls models/*.gguf Tests/Fixtures/tiny/*.gguf Tests/Fixtures/arch/*.gguf 2>/dev/null | grep -v longrope)
levels="x86-64"
grep -q avx2 /proc/cpuinfo && levels="$levels x86-64-v3"
grep -q avx512_vnni /proc/cpuinfo && levels="$levels x86-64-v4"
status=0
for level in $levels; do
    forced=$([ "$level" = x86-64-v4 ] || echo "$level")
    for repack in 1 0; do
        for kv in 2 1; do
            run() { KV=$kv LLAMASWIFT_REPACK=$repack LLAMASWIFT_KERNELS=$forced LD_LIBRARY_PATH=$1 "$out/dump" $models 2>"$out/skipped" | md5sum; }
            b=$(run "$before") a=$(run "$after")
            verdict=SAME
            [ "$a" = "$b" ] || { verdict=DIFF; status=1; }
            echo "$level repack=$repack kv=$([ $kv = 2 ] && echo f16 || echo f32): $verdict (${a%% *})"
        done
    done
done
echo "skipped: $(grep -c skipped "$out/skipped" || true) model(s) (see $out/skipped)"
exit $status
