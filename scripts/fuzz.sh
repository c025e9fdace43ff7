#!/usr/bin/env bash
# libFuzzer targets of the engine (Tests/Fuzz/), built with AddressSanitizer.
#
#   scripts/fuzz.sh [target ...]      targets: gguf tokenize-spm tokenize-bpe chat decode checkpoint
#   FUZZ_SECONDS=60                   run time of each target
#
# SwiftPM builds the engine modules (LlamaSwiftEngine, its kernels, the CPU-level kernel
# builds of LlamaSwiftKernelLevels and CLlamaSwiftCPU) with
# coverage and ASan (-sanitize=fuzzer,address) into .build-fuzz; each target file is then compiled with
# Tests/Fuzz/FuzzSupport.swift and linked against those objects by swiftc (libFuzzer
# supplies main). Each target runs on a working corpus out/fuzz/corpus/<target>, seeded
# from the committed Tests/Fuzz/corpus/<target> (never written). Crashes are saved as
# out/fuzz/artifacts/<target>/crash-*; reproduce one with
#   out/fuzz/bin/fuzz-<target> out/fuzz/artifacts/<target>/crash-...
# Exit status: 0 when every target ran its time without a finding.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
SWIFT=${SWIFT:-swift}
SWIFTC=${SWIFTC:-swiftc}
seconds=${FUZZ_SECONDS:-60}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(gguf tokenize-spm tokenize-bpe chat decode checkpoint)
scratch=.build-fuzz
build=$scratch/release
out=out/fuzz
declare -A source=(
    [gguf]=FuzzGGUF.swift [tokenize-spm]=FuzzTokenizeSPM.swift [tokenize-bpe]=FuzzTokenizeBPE.swift
    [chat]=FuzzChatTemplate.swift [decode]=FuzzDecode.swift [checkpoint]=FuzzCheckpoint.swift)
for t in "${targets[@]}"; do
    [ -n "${source[$t]:-}" ] || { echo "fuzz: unknown target '$t' (${!source[*]})" >&2; exit 2; }
done

echo "fuzz: building the engine with -sanitize=fuzzer,address into $scratch" >&2
# One -sanitize=fuzzer,address: SwiftPM's `--sanitize=fuzzer --sanitize=address` passes two
# -sanitize= flags to swiftc, and the last one wins (the engine was built without coverage).
nice -n 10 "$SWIFT" build -c release --scratch-path "$scratch" -Xswiftc -sanitize=fuzzer,address \
    -Xcc -fsanitize=fuzzer-no-link,address --target LlamaSwiftEngine >&2
nice -n 10 "$SWIFT" build -c release --scratch-path "$scratch" -Xswiftc -sanitize=fuzzer,address \
    -Xcc -fsanitize=fuzzer-no-link,address --target LlamaSwiftKernelLevels >&2
# The objects and C module maps of LlamaSwiftEngine, LlamaSwiftKernelLevels and their dependencies: only they were built
# in this scratch path (the other targets' folders hold no objects).
objects=() modulemaps=()
for d in "$build"/*.build; do
    case $(basename "$d") in llamaswift.build | llamaswift_cli.build | *Tests*) continue ;; esac
    for o in "$d"/*.o; do [ -f "$o" ] && objects+=("$o"); done
    [ -f "$d/module.modulemap" ] && modulemaps+=(-Xcc "-fmodule-map-file=$d/module.modulemap")
done
mkdir -p "$out/bin"
for t in "${targets[@]}"; do
    nice -n 10 "$SWIFTC" -O -parse-as-library -sanitize=fuzzer,address -use-ld=lld -module-name "Fuzz_${t//-/_}" \
        -I "$build/Modules" "${modulemaps[@]}" \
        "Tests/Fuzz/${source[$t]}" Tests/Fuzz/FuzzSupport.swift "${objects[@]}" -o "$out/bin/fuzz-$t"
done

declare -A execs result
failed=0
for t in "${targets[@]}"; do
    work=$out/corpus/$t
    arts=$out/artifacts/$t
    mkdir -p "$work" "$arts"
    cp -n Tests/Fuzz/corpus/"$t"/* "$work"/ 2>/dev/null || true
    extra=()
    [ -f "Tests/Fuzz/$t.dict" ] && extra+=("-dict=Tests/Fuzz/$t.dict")
    log=$out/$t.log
    echo "fuzz: $t for ${seconds}s (log $log)" >&2
    set +e
    SWIFT_BACKTRACE=enable=no LLAMASWIFT_ROOT=$root nice -n 10 "$out/bin/fuzz-$t" -max_total_time="$seconds" -print_final_stats=1 \
        -timeout=30 -rss_limit_mb=4096 -artifact_prefix="$arts/" "${extra[@]}" "$work" >"$log" 2>&1
    rc=$?
    set -e
    execs[$t]=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    if [ $rc -eq 0 ]; then
        result[$t]=ok
    else
        result[$t]="FAILED (exit $rc; see $log and $arts)"
        failed=1
        grep -E '^(==[0-9]+==ERROR|SUMMARY|Fatal error|.*Crash|artifact_prefix|Test unit written)' "$log" | head -8 >&2 || true
    fi
done
printf '%-14s %12s  %s\n' target executions result
for t in "${targets[@]}"; do
    printf '%-14s %12s  %s\n' "$t" "${execs[$t]:-?}" "${result[$t]}"
done
exit $failed
