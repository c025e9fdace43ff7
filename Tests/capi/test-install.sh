#!/usr/bin/env bash
# Installs into a scratch prefix, builds the C example with pkg-config as a user of the
# installed library would, runs it and the installed programs, then uninstalls and checks
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
"$prefix/bin/llamaswift-server" --help | grep -q "POST /v1/chat/completions" || { echo "test-install: llamaswift-server --help"; fail=1; }
[ "$(readlink "$prefix/lib/libllamaswift.so")" = libllamaswift.so.0 ] || fail=1
# The Rust example, linked through llamaswift-sys's pkg-config lookup (no
# LLAMASWIFT_LIB_DIR), run with the prefix on LD_LIBRARY_PATH as a user of that prefix would.
if command -v cargo >/dev/null; then
    rust_out=$(env -u LLAMASWIFT_LIB_DIR CARGO_TARGET_DIR="$root/out/rust-installed" \
        cargo build --offline -q --release --manifest-path "$root/examples/rust/Cargo.toml" 2>&1) || { echo "$rust_out"; fail=1; }
    LD_LIBRARY_PATH="$prefix/lib" "$root/out/rust-installed/release/llamaswift-chat" \
        "$root/models/SmolLM2-135M-Instruct.Q4_1.gguf" "What is the capital of France?" 2>/dev/null | grep -q Paris || {
        echo "test-install: the Rust example built through pkg-config did not answer"; fail=1; }
    if readelf -d "$root/out/rust-installed/release/llamaswift-chat" | grep -E 'R(UN)?PATH' | grep -q "$root/.build"; then
        echo "test-install: the Rust example linked the build tree, not the installed library"; fail=1
    fi
fi
[ "$(readlink "$prefix/lib/libllamaswift.so.0")" = libllamaswift.so.0.6.0 ] || fail=1
make -C "$root" --no-print-directory uninstall PREFIX="$prefix" >/dev/null
left=$(find "$prefix" -type f -o -type l | wc -l)
[ "$left" = 0 ] || { echo "uninstall left $left files"; fail=1; }
if [ $fail = 0 ]; then echo "test-install: 1 passed, 0 failed"; else echo "test-install: 0 passed, 1 failed"; fi
exit $fail
