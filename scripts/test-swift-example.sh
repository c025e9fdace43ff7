#!/usr/bin/env bash
# examples/swift as a user's package would use llamaswift: by git URL and version.
#
#   VERSION=0.6.0 scripts/test-swift-example.sh [MODEL.gguf]
#
# Makes a git repository of the current tree (tracked and untracked, not ignored files) in
# out/swift-example/src/llamaswift, tagged VERSION; copies examples/swift next to it
# and builds it with LLAMASWIFT_GIT_URL=file://… (SwiftPM resolves `from:` against the
# tag, and refuses the dependency if a target its product reaches has unsafe flags).
# Then checks that the dependency resolved at that version and that the program streams
# an answer naming Paris, and a second turn. Offline: llamaswift's own dependencies
# (swift-argument-parser, hummingbird and theirs) resolve from the machine's package copies
# like the main package's do; none of them is built.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
SWIFT=${SWIFT:-swift}
version=${VERSION:?set VERSION (the Makefile passes it)}
model=$(realpath "${1:-models/SmolLM2-135M-Instruct.Q4_1.gguf}")
work=$root/out/swift-example
# The folder name is the package identity SwiftPM derives from the URL: "llamaswift".
repo=$work/src/llamaswift
rm -rf "$repo" "$work/example" "$work/cache"
mkdir -p "$repo" "$work/example"

# The tree as it is now (uncommitted edits included), as a fresh repository with one tag.
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
    if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
done | tar -cf - --null -T - | tar -xf - -C "$repo"
git -C "$repo" init -q
git -C "$repo" add -A
git -C "$repo" -c user.name=test -c user.email=test@localhost commit -q -m "llamaswift $version (test copy)"
git -C "$repo" tag "$version"

cp -R examples/swift/. "$work/example/"
rm -rf "$work/example/.build" "$work/example/Package.resolved"
export LLAMASWIFT_GIT_URL="file://$repo"
# A cache of our own: the shared one may hold an earlier copy under the same URL and tag.
spm=(--package-path "$work/example" --scratch-path "$work/example/.build" --cache-path "$work/cache")
echo "swift example: resolving llamaswift $version from $LLAMASWIFT_GIT_URL" >&2
nice -n 10 "$SWIFT" package "${spm[@]}" resolve >&2
deps=$("$SWIFT" package "${spm[@]}" show-dependencies --format text)
grep -E -q "^.── llamaswift<(file://)?$repo@$version>" <<<"$deps" ||
    { echo "$deps" >&2; echo "swift example: llamaswift did not resolve at version $version" >&2; exit 1; }
echo "swift example: $(grep -E -o "llamaswift<[^>]*>" <<<"$deps" | head -1) resolved" >&2
echo "swift example: building (release)" >&2
nice -n 10 "$SWIFT" build "${spm[@]}" -c release >&2
out=$(nice -n 10 "$work/example/.build/release/chat" "$model" "What is the capital of France?" --turns 2)
echo "$out"
first=$(sed -n '1,/^> /p' <<<"$out")
grep -q Paris <<<"$first" || { echo "swift example: the first answer does not name Paris" >&2; exit 1; }
grep -q '^> And what is it famous for' <<<"$out" || { echo "swift example: no second turn" >&2; exit 1; }
[ "$(sed -n '/^> /,$p' <<<"$out" | wc -w)" -gt 8 ] || { echo "swift example: the second answer is empty" >&2; exit 1; }
echo "examples/swift: 1 passed, 0 failed"
