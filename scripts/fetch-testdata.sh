#!/usr/bin/env bash
# Fetch llama.cpp's tokenizer test vocabularies (ggml-vocab-*.gguf with their .inp/.out
# vectors) into testdata/vocab/. They ship unchanged in the llama-cpp-python 0.3.36
# source package on PyPI, under vendor/llama.cpp/models/. Does nothing if present.
set -euo pipefail
cd "$(dirname "$0")/.."
names="llama-spm phi-3 llama-bpe gpt-2 qwen2"
dest=testdata/vocab
ok=1
for n in $names; do
    for ext in gguf gguf.inp gguf.out; do
        [ -f "$dest/ggml-vocab-$n.$ext" ] || ok=0
    done
done
[ "$ok" = 1 ] && exit 0
mkdir -p "$dest"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "fetching llama-cpp-python==0.3.36 source package from PyPI..." >&2
python3 -m pip download --quiet --no-deps --no-binary llama-cpp-python -d "$tmp" llama-cpp-python==0.3.36
python3 - "$tmp" "$dest" $names <<'PY'
import glob, sys, tarfile, os
sdist = glob.glob(sys.argv[1] + "/llama_cpp_python-*.tar.gz")[0]
dest, names = sys.argv[2], sys.argv[3:]
wanted = {f"ggml-vocab-{n}.{e}" for n in names for e in ("gguf", "gguf.inp", "gguf.out")}
with tarfile.open(sdist) as t:
    for m in t.getmembers():
        base = os.path.basename(m.name)
        if "/vendor/llama.cpp/models/" in m.name and base in wanted:
            with t.extractfile(m) as src, open(os.path.join(dest, base), "wb") as dst:
                dst.write(src.read())
            wanted.discard(base)
if wanted:
    sys.exit("fetch-testdata: missing in sdist: " + ", ".join(sorted(wanted)))
PY
echo "fetched vocabularies into $dest" >&2
