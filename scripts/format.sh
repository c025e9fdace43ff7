#!/bin/sh
# Formats the Swift sources with the repo's .swift-format (swift format ships with the
# toolchain). Usage: scripts/format.sh [--check] [paths...]
#   default  rewrites the files in place
#   --check  changes nothing; lists each file that differs from its formatted form and
#            exits 1 when there is one
# Paths default to Sources, Tests and Package.swift. Q32TileShapes.swift is generated
# (scripts/gen-tiles.py) and left as generated.
set -eu
cd "$(dirname "$0")/.."
check=0
if [ "${1:-}" = "--check" ]; then check=1; shift; fi
[ $# -gt 0 ] || set -- Sources Tests Package.swift
files=$(find "$@" -name '*.swift' ! -name Q32TileShapes.swift ! -path '*/.build/*' -type f | sort)
[ -n "$files" ] || exit 0
if [ $check -eq 0 ]; then
    # shellcheck disable=SC2086
    swift format format --configuration .swift-format --parallel --in-place $files
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in $files; do mkdir -p "$tmp/$(dirname "$f")" && cp "$f" "$tmp/$f"; done
cp .swift-format "$tmp/"
# shellcheck disable=SC2086
(cd "$tmp" && swift format format --configuration .swift-format --parallel --in-place $files)
status=0
for f in $files; do
    if ! cmp -s "$f" "$tmp/$f"; then
        echo "$f: $(diff "$f" "$tmp/$f" | grep -c '^[<>]') lines differ"
        status=1
    fi
done
exit $status
