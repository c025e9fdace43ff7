#!/usr/bin/env bash
# Runs the README's C build commands as they are written: each ```sh block after a
# "<!-- test: Tests/capi/test-readme-c.sh ... -->" line, from the top of the repository,
# with HOME a scratch folder (the install block installs into $HOME/.local). Every
# ./generate run in a block must answer "Paris". Cleans up what the blocks made.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"; rm -f "$root/generate"' EXIT
# Extract the blocks into block1.sh, block2.sh, ...
awk -v dir="$scratch" '
    /^<!-- test: Tests\/capi\/test-readme-c.sh/ { want = 1; next }
    want && /^```sh$/ { n++; inblock = 1; want = 0; next }
    inblock && /^```$/ { inblock = 0; next }
    inblock { print > (dir "/block" n ".sh") }
' README.md
passed=0 failed=0
for block in "$scratch"/block*.sh; do
    [ -f "$block" ] || { echo "test-readme-c: no tested blocks found in README.md"; exit 1; }
    runs=$(grep -c '^\(LD_LIBRARY_PATH=[^ ]* \)\?\./generate ' "$block" || true)
    home=$scratch/home-$(basename "$block" .sh)
    mkdir -p "$home"
    # Run as a user would, in a fresh shell; make's own output is not the point.
    out=$(env HOME="$home" MAKEFLAGS=--no-print-directory bash -euo pipefail "$block" 2>"$scratch/err") || {
        echo "test-readme-c: $(basename "$block") failed:"; cat "$block"; cat "$scratch/err"; failed=$((failed + 1)); continue; }
    answers=$(grep -o Paris <<<"$out" | wc -l)
    if [ "$runs" -gt 0 ] && [ "$answers" = "$runs" ]; then
        passed=$((passed + 1))
    else
        echo "test-readme-c: $(basename "$block"): $answers of $runs runs answered Paris:"; echo "$out"; failed=$((failed + 1))
    fi
    # The install block put files under the scratch HOME: uninstall them as a check.
    if [ -d "$home/.local" ]; then
        make -s --no-print-directory uninstall PREFIX="$home/.local" >/dev/null
        left=$(find "$home/.local" -type f -o -type l | wc -l)
        [ "$left" = 0 ] || { echo "test-readme-c: uninstall left $left files"; failed=$((failed + 1)); }
    fi
done
echo "test-readme-c: $passed passed, $failed failed"
[ "$failed" = 0 ]
