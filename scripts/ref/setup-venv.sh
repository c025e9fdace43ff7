#!/usr/bin/env bash
# Create the reference-tools venv (outside the repo) used by scripts/ref/*.py.
# Not used by CI: the committed fixtures under Tests/Fixtures/ are what tests read.
# Compiling llama-cpp-python builds llama.cpp from source (~10 min on 2 cores).
#
#   scripts/ref/setup-venv.sh [VENV_DIR]     (default out/ref/venv)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
venv=${1:-$root/out/ref/venv}
python3 -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip
# torch: the CPU-only wheel (no multi-GB CUDA dependencies).
"$venv/bin/pip" install \
    torch==2.13.0+cpu \
    numpy==2.4.6 \
    gguf==0.19.0 \
    transformers==5.24.0 \
    safetensors==0.8.0 \
    cmake==4.4.5 \
    ninja==1.13.2
# llama.cpp through its Python binding (compiled during install).
CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2} CMAKE_ARGS="-DGGML_NATIVE=OFF" \
    "$venv/bin/pip" install llama-cpp-python==0.3.36
"$venv/bin/python" -c 'import llama_cpp, torch, transformers, gguf; print("llama_cpp", llama_cpp.__version__, "torch", torch.__version__, "transformers", transformers.__version__)'
