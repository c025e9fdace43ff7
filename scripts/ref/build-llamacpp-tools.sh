#!/usr/bin/env bash
# Build llama.cpp's command-line tools (llama-quantize, llama-perplexity, llama-bench)
# from the llama-cpp-python 0.3.36 source package, outside the repo. They are not part
# of `pip install llama-cpp-python`. Used only to make reference fixtures; not by CI.
#
#   scripts/ref/build-llamacpp-tools.sh [SRC_DIR]    (default out/ref/llamacpp-src)
# Result: $SRC_DIR/build/bin/llama-{quantize,perplexity,bench}
# GGML_NATIVE=OFF: the same CPU feature set (AVX2/FMA/F16C, no AVX-512) as the
# llama-cpp-python build in setup-venv.sh, so tool and binding give the same numbers.
#
#   NATIVE=1 scripts/ref/build-llamacpp-tools.sh [SRC_DIR]
# Result: $SRC_DIR/build-native/bin/llama-{bench,batched-bench,perplexity,server,simple}, built with llama.cpp's default
# GGML_NATIVE=ON (-march=native: AVX-512 and VNNI where the CPU has them) — what a user
# building llama.cpp on this machine gets, and what scripts/bench-vs-llamacpp.sh compares
# against (and scripts/bench-batched-vs-llamacpp.sh, scripts/bench-server.sh). TARGETS
# overrides the list of targets, e.g. TARGETS=llama-bench.
# Needs cmake (the reference venv has one: scripts/ref/setup-venv.sh) and g++.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
src=${1:-$root/out/ref/llamacpp-src}
venv=${REFVENV:-$root/out/ref/venv}
[ -x "$venv/bin/cmake" ] && export PATH="$venv/bin:$PATH"
mkdir -p "$src"
cd "$src"
if [ ! -d llama_cpp_python-0.3.36 ]; then
    python3 -m pip download --no-deps --no-binary llama-cpp-python -d "$src" llama-cpp-python==0.3.36
    tar xzf llama_cpp_python-0.3.36.tar.gz
fi
if [ "${NATIVE:-0}" = 1 ]; then
    cmake -S llama_cpp_python-0.3.36/vendor/llama.cpp -B build-native -G Ninja \
        -DCMAKE_BUILD_TYPE=Release -DLLAMA_BUILD_TESTS=OFF -DLLAMA_CURL=OFF \
        -DLLAMA_BUILD_SERVER=ON -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=ON
    # shellcheck disable=SC2086
    cmake --build build-native -j2 --target ${TARGETS:-llama-bench llama-batched-bench llama-perplexity llama-server llama-simple}
    ls -la build-native/bin/
    exit 0
fi
cmake -S llama_cpp_python-0.3.36/vendor/llama.cpp -B build -G Ninja \
    -DCMAKE_BUILD_TYPE=Release -DLLAMA_BUILD_TESTS=OFF -DLLAMA_CURL=OFF \
    -DLLAMA_BUILD_SERVER=OFF -DBUILD_SHARED_LIBS=OFF \
    -DGGML_NATIVE=OFF -DGGML_SSE42=ON -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_BMI2=ON -DGGML_FMA=ON -DGGML_F16C=ON
cmake --build build -j2 --target llama-quantize llama-perplexity llama-bench
ls -la build/bin/
