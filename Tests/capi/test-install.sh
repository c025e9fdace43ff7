#!/usr/bin/env bash
# Installs into a scratch prefix, builds the C example with pkg-config as a user of the
# installed library would, runs it and the installed program, then uninstalls and checks
# that nothing is left behind.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
prefix=$root/out/prefix
rm -rf "$prefix"
make -C "$root" --no-print-directory install PREFIX="$prefix" >/dev/null
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
cc -o "$root/out/generate-installed" "$root/examples/c/generate.c" $(pkg-config --cflags --libs llamaswift) -Wl,-rpath,"$prefix/lib"
fail=0
"$root/out/generate-installed" "$root/models/SmolLM2-135M-Instruct.Q4_1.gguf" "What is the capital of France?" 2>/dev/null | grep -q Paris || fail=1
"$prefix/bin/llamaswift" info -m "$root/models/SmolLM2-135M-Instruct.Q4_1.gguf" 2>/dev/null | grep -q "layers         30" || fail=1
[ "$(readlink "$prefix/lib/libllamaswift.so")" = libllamaswift.so.0 ] || fail=1
[ "$(readlink "$prefix/lib/libllamaswift.so.0")" = libllamaswift.so.0.2.0 ] || fail=1
make -C "$root" --no-print-directory uninstall PREFIX="$prefix" >/dev/null
left=$(find "$prefix" -type f -o -type l | wc -l)
[ "$left" = 0 ] || { echo "uninstall left $left files"; fail=1; }
if [ $fail = 0 ]; then echo "test-install: 1 passed, 0 failed"; else echo "test-install: 0 passed, 1 failed"; fi
exit $fail
