#!/usr/bin/env bash
# Builds and runs the C-ABI tests against the release library: the model test program
# (header + -lllamaswift, as a user compiles), the libffi harness, the export check.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
lib=$root/.build/release
out=$root/out/capi
mkdir -p "$out"
model=$root/models/SmolLM2-135M-Instruct.Q4_1.gguf
vocab=$root/testdata/vocab/ggml-vocab-gpt-2.gguf
CC=${CC:-cc}
CFLAGS="-std=c99 -O1 -g -Wall -Wextra -Werror -I$root/include"

# The header must also compile as C++.
echo '#include "llamaswift.h"' | ${CXX:-c++} -x c++ -std=c++11 -Wall -Werror -I"$root/include" -fsyntax-only -

fail=0
for t in test_model test_session test_abi test_callbacks; do
    $CC $CFLAGS -o "$out/$t" "$root/Tests/capi/$t.c" -L"$lib" -lllamaswift -Wl,-rpath,"$lib"
    "$out/$t" "$model" "$vocab" "$root/Tests/Fixtures/hf/qwen2" || fail=1
done
$CC $CFLAGS -pthread -o "$out/test_batch" "$root/Tests/capi/test_batch.c" -L"$lib" -lllamaswift -Wl,-rpath,"$lib"
"$out/test_batch" "$model" || fail=1
$CC $CFLAGS -o "$out/test_shift" "$root/Tests/capi/test_shift.c" -L"$lib" -lllamaswift -lm -Wl,-rpath,"$lib"
"$out/test_shift" "$model" "$vocab" "$root/Tests/Fixtures/smollm2-shift.txt" || fail=1
$CC $CFLAGS -o "$out/test_kv_q8" "$root/Tests/capi/test_kv_q8.c" -L"$lib" -lllamaswift -lm -Wl,-rpath,"$lib"
"$out/test_kv_q8" "$model" || fail=1
$CC $CFLAGS -o "$out/test_grammar" "$root/Tests/capi/test_grammar.c" -L"$lib" -lllamaswift -Wl,-rpath,"$lib"
"$out/test_grammar" "$model" || fail=1
$CC $CFLAGS -o "$out/test_logprobs" "$root/Tests/capi/test_logprobs.c" -L"$lib" -lllamaswift -lm -Wl,-rpath,"$lib"
"$out/test_logprobs" "$model" || fail=1
$CC $CFLAGS -o "$out/test_grammar_bias" "$root/Tests/capi/test_grammar_bias.c" -L"$lib" -lllamaswift -lm -Wl,-rpath,"$lib"
"$out/test_grammar_bias" "$model" || fail=1
$CC $CFLAGS -pthread -o "$out/test_hardening" "$root/Tests/capi/test_hardening.c" -L"$lib" -lllamaswift -Wl,-rpath,"$lib"
"$out/test_hardening" "$model" || fail=1
# The C example, built as a user builds it, must answer.
$CC $CFLAGS -o "$out/generate" "$root/examples/c/generate.c" -L"$lib" -lllamaswift -Wl,-rpath,"$lib"
answer=$("$out/generate" "$model" "What is the capital of France?")
echo "examples/c/generate: $answer"
case "$answer" in *Paris*) echo "examples/c generate: 1 passed, 0 failed" ;; *) echo "examples/c generate: 0 passed, 1 failed"; fail=1 ;; esac
$CC $CFLAGS -o "$out/chat" "$root/examples/c/chat.c" -L"$lib" -lllamaswift -Wl,-rpath,"$lib"
turns=$(printf 'What is the capital of France?\nAnd of Italy?\n' | "$out/chat" "$model" 2>&1)
echo "$turns"
case "$turns" in *Paris*Rome*"new prompt tokens"*) echo "examples/c chat: 1 passed, 0 failed" ;; *) echo "examples/c chat: 0 passed, 1 failed"; fail=1 ;; esac

$CC -std=c11 -O1 -g -Wall -Wextra -I"$root/include" -I"$root/Tests/capi" $(pkg-config --cflags libffi 2>/dev/null) \
    -o "$out/ffi_harness" "$root/Tests/capi/ffi_harness.c" $(pkg-config --libs libffi 2>/dev/null || echo -lffi) -ldl
# The harness's table must list exactly the header's functions.
if ! diff <(bash "$root/Tests/capi/header-functions.sh") <("$out/ffi_harness" --list | sort); then
    echo "ffi_harness: its table and the header differ (lines above)"; fail=1
fi
"$out/ffi_harness" "$lib/libllamaswift.so" "$model" || fail=1
$CC $CFLAGS -D_DEFAULT_SOURCE -o "$out/test_mutations" "$root/Tests/capi/test_mutations.c" -L"$lib" -lllamaswift -Wl,-rpath,"$lib"
"$out/test_mutations" "$model" 1785664 ${MUTATIONS:-1000} "$out/mutant.gguf" || fail=1
bash "$root/Tests/capi/check-exports.sh" "$lib/libllamaswift.so" || fail=1
# ABI: no recorded symbol may disappear (new ones are added to the list on purpose).
gone=$(comm -23 "$root/Tests/capi/abi-symbols.txt" <(nm -D --defined-only "$lib/libllamaswift.so" | awk '$2 ~ /^[A-Z]$/ && $2 != "A" {print $3}' | sed 's/@.*//' | sort -u))
if [ -n "$gone" ]; then echo "abi: symbols removed: $gone"; echo "abi-symbols: 0 passed, 1 failed"; fail=1; else echo "abi-symbols: 1 passed, 0 failed"; fi
# Only the C/C++ runtime may be needed at run time.
deps=$(ldd "$lib/libllamaswift.so" | awk '{print $1}' | grep -vE '^(linux-vdso|/lib64/ld-linux|libc\.so|libm\.so|libstdc\+\+\.so|libgcc_s\.so)' || true)
if [ -n "$deps" ]; then echo "unexpected runtime dependencies: $deps"; fail=1; fi
soname=$(readelf -d "$lib/libllamaswift.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = libllamaswift.so.0 ] || { echo "soname is '$soname'"; fail=1; }
bash "$root/Tests/capi/test-install.sh" || fail=1
# The README's compile/link/run commands, as they are written.
bash "$root/Tests/capi/test-readme-c.sh" || fail=1
exit $fail
