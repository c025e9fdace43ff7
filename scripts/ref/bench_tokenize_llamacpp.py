"""llama.cpp's tokenizer throughput on a file, for comparison with
`llamaswift bench-tokenize -m MODEL -f FILE` (run both on the same machine, same file).
usage: out/ref/venv/bin/python scripts/ref/bench_tokenize_llamacpp.py MODEL FILE [REPS]"""
import sys
import time

import llama_cpp

model, path = sys.argv[1], sys.argv[2]
reps = int(sys.argv[3]) if len(sys.argv) > 3 else 3
m = llama_cpp.Llama(model, vocab_only=True, verbose=False)
data = open(path, "rb").read()
speeds = []
for _ in range(reps):
    t = time.perf_counter()
    n = len(m.tokenize(data, add_bos=False, special=False))
    speeds.append(len(data) / 1e6 / (time.perf_counter() - t))
speeds.sort()
print(f"{len(data)} bytes -> {n} tokens; median {speeds[len(speeds) // 2]:.2f} MB/s over {reps} runs (llama.cpp)")
