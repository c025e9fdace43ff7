#!/usr/bin/env bash
# Sanitizer runs (not part of `make test`: slow):
#   asan      the Swift test suite under AddressSanitizer       (scratch .build-asan)
#   tsan      the concurrency tests under ThreadSanitizer        (scratch .build-tsan)
#   valgrind  the C tests and C examples under valgrind memcheck against the release
#             library (.build/release/libllamaswift.so, built by `make build`)
#
#   scripts/sanitize.sh [asan] [tsan] [valgrind]     (default: all three)
#   TSAN_FILTER='ConcurrencyTests|FuzzRegressionTests|threadAndBatchInvariance'  (the default)
#
# Only real findings fail: ASan errors, TSan reports, valgrind invalid accesses and
# definitely/indirectly lost blocks. "Possibly lost" and "still reachable" blocks (the
# Swift runtime's caches and the worker threads' stacks) are not errors.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
SWIFT=${SWIFT:-swift}
CC=${CC:-cc}
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(asan tsan valgrind)
out=out/sanitize
mkdir -p "$out"
declare -A result seconds
failed=0
# Swift's own crash backtracer would otherwise take the signals the sanitizers handle.
export SWIFT_BACKTRACE=enable=no

run_asan() {
    # LeakSanitizer checks at exit. (Beware if it ever reports a direct leak of an array
    # inside GGUFValue/GGUFArray held by a live model: LSan cannot follow pointers that
    # carry a multi-payload enum's case tag in their spare high bits; Tests/Fuzz works
    # around that for its long-lived models.)
    # --disable-xctest: the suite is Swift Testing only, and XCTest's runner itself leaks
    # 368 bytes of its (empty) suite objects, which LSan reports.
    ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 nice -n 10 "$SWIFT" test -c release --disable-xctest \
        -Xswiftc -enable-testing --sanitize=address --scratch-path .build-asan 2>&1 | tee "$out/asan.log" \
        | grep -E '^(✔|✘) Test run|(Address|Leak)Sanitizer|error:' || true
    ! grep -qE 'ERROR: (Address|Leak)Sanitizer' "$out/asan.log" && grep -q '^✔ Test run' "$out/asan.log"
}

run_tsan() {
    local filter=${TSAN_FILTER:-ConcurrencyTests|FuzzRegressionTests|threadAndBatchInvariance}
    TSAN_OPTIONS=halt_on_error=0:exitcode=66 nice -n 10 "$SWIFT" test -c release --disable-xctest \
        -Xswiftc -enable-testing --sanitize=thread --scratch-path .build-tsan --filter "$filter" 2>&1 | tee "$out/tsan.log" \
        | grep -E '^(✔|✘) (Test run|Suite)|ThreadSanitizer|error:' || true
    ! grep -q 'WARNING: ThreadSanitizer' "$out/tsan.log" && grep -q '^✔ Test run' "$out/tsan.log"
}

run_valgrind() {
    local lib=$root/.build/release model=$root/models/SmolLM2-135M-Instruct.Q4_1.gguf
    local vocab=$root/testdata/vocab/ggml-vocab-gpt-2.gguf bin=$out/valgrind
    [ -f "$lib/libllamaswift.so" ] || { echo "valgrind: $lib/libllamaswift.so missing (make build)"; return 1; }
    command -v valgrind >/dev/null || { echo "valgrind: not installed (make deps)"; return 1; }
    mkdir -p "$bin/lib"
    # A copy without debug sections: valgrind 3.19's DWARF reader stops at the DWARF 5
    # forms the Swift toolchain writes ("unhandled dwarf2 abbrev form", then "request
    # for range exceeds valid image size") and runs nothing. Symbols stay for the stacks.
    strip --strip-debug -o "$bin/lib/libllamaswift.so" "$lib/libllamaswift.so"
    ln -sf libllamaswift.so "$bin/lib/libllamaswift.so.0"
    lib=$bin/lib
    local cflags="-std=c99 -O1 -g -Wall -Wextra -Werror -I$root/include" ok=0 p
    for p in Tests/capi/test_model Tests/capi/test_session examples/c/generate examples/c/chat; do
        $CC $cflags -o "$bin/$(basename $p)" "$p.c" -L"$lib" -lllamaswift -Wl,-rpath,"$lib"
    done
    vg() {  # name, then the command; stdin is passed on
        local name=$1; shift
        local log=$bin/$name.valgrind.log
        local rc=0
        nice -n 10 valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite,indirect \
            --show-leak-kinds=definite,indirect --error-exitcode=99 --fair-sched=yes --log-file="$log" \
            "$@" >"$bin/$name.out" 2>&1 || rc=$?
        local errors definite indirect
        errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$log" | tail -1)
        definite=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tail -1)
        indirect=$(sed -n 's/.*indirectly lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tail -1)
        printf '  %-14s exit %-3s errors %-4s definitely lost %-8s indirectly lost %-8s (%s)\n' \
            "$name" "$rc" "${errors:-?}" "${definite:-0} B" "${indirect:-0} B" "$log"
        [ "$rc" = 0 ] || ok=1
    }
    vg test_model "$bin/test_model" "$model" "$vocab"
    vg test_session "$bin/test_session" "$model" "$vocab"
    vg generate "$bin/generate" "$model" "What is the capital of France?"
    grep -q Paris "$bin/generate.out" || { echo "  generate did not answer Paris"; ok=1; }
    printf 'What is the capital of France?\nAnd of Italy?\n' | vg chat "$bin/chat" "$model"
    grep -q Rome "$bin/chat.out" || { echo "  chat did not answer Rome"; ok=1; }
    return $ok
}

for p in "${parts[@]}"; do
    case $p in asan|tsan|valgrind) ;; *) echo "sanitize: unknown part '$p' (asan tsan valgrind)" >&2; exit 2 ;; esac
    echo "== sanitize: $p"
    start=$(date +%s)
    if "run_$p"; then result[$p]=passed; else result[$p]=FAILED; failed=1; fi
    seconds[$p]=$(( $(date +%s) - start ))
done
echo "== sanitize summary (logs in $out)"
for p in "${parts[@]}"; do printf '  %-9s %-7s %5ss\n' "$p" "${result[$p]}" "${seconds[$p]}"; done
exit $failed
