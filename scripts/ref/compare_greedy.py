#!/usr/bin/env python3
"""Greedy continuations and the logits at positions 0, 1 and the prompt's last of any GGUF file: llamaswift (through
its C library) against llama.cpp (llama-cpp-python), side by side. A check for files
the committed fixtures do not cover (other quantizations, shaped models); prints, writes
nothing.

  out/ref/venv/bin/python scripts/ref/compare_greedy.py MODEL.gguf [N_TOKENS]

Needs `make build` (for .build/release/libllamaswift.so) and the reference venv
(scripts/ref/setup-venv.sh). Both engines run 2 threads, F16 KV cache, context 512.
"""
import ctypes
import os
import sys

import numpy as np
import llama_cpp

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "examples", "python"))
os.environ.setdefault("LLAMASWIFT_LIB", os.path.join(ROOT, ".build", "release", "libllamaswift.so"))
import llamaswift as ls  # noqa: E402

PROMPTS = [
    "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n",
    "Once upon a time, in a small village at the edge of a great forest, there lived",
    "def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n",
]

decode = ls._fn("llamaswift_session_decode", ctypes.c_int, ls.vp, ctypes.POINTER(ctypes.c_int32), ctypes.c_size_t)
logits = ls._fn("llamaswift_session_logits", ctypes.POINTER(ctypes.c_float), ls.vp, check=False)


def ours(model, session, tokens, n_gen, n_vocab):
    rows = []
    for part in (tokens[:1], tokens[1:2], tokens[2:]):  # positions 0, 1, then the rest
        arr = (ctypes.c_int32 * len(part))(*part)
        decode(session._h, arr, len(part))
        rows.append(np.ctypeslib.as_array(logits(session._h), shape=(n_vocab,)).copy())
    out = []
    for _ in range(n_gen):
        t = int(np.argmax(np.ctypeslib.as_array(logits(session._h), shape=(n_vocab,))))
        out.append(t)
        one = (ctypes.c_int32 * 1)(t)
        decode(session._h, one, 1)
    return rows, out


def theirs(llm, tokens, n_gen):
    llm.reset()
    llm.eval(tokens)
    rows = [np.array(llm.scores[i], dtype=np.float32) for i in (0, 1, len(tokens) - 1)]
    out = []
    for _ in range(n_gen):
        t = int(np.argmax(llm.scores[llm.n_tokens - 1]))
        out.append(t)
        llm.eval([t])
    return rows, out


def main():
    path = sys.argv[1]
    n_gen = int(sys.argv[2]) if len(sys.argv) > 2 else 32
    llm = llama_cpp.Llama(model_path=path, n_ctx=512, n_threads=2, n_threads_batch=2, logits_all=True, verbose=False)
    n_vocab = llm.n_vocab()
    with ls.Model(path) as model:
        for text in PROMPTS:
            special = text.startswith("<|")
            tokens = llm.tokenize(text.encode(), add_bos=True, special=special)
            with ls.Session(model, n_ctx=512, n_threads=2) as s:
                a_first, a = ours(model, s, tokens, n_gen, n_vocab)
            b_first, b = theirs(llm, tokens, n_gen)
            same = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), len(a))
            cells = []
            for name, x, y in zip(("0", "1", f"{len(tokens) - 1}"), a_first, b_first):
                bits = np.array_equal(x.view(np.uint32), y.view(np.uint32))
                cells.append(f"pos {name}: " + ("bit-identical" if bits else f"max |diff| {float(np.max(np.abs(x - y))):.3g}"))
            print(f"{text[:30]!r}: {'; '.join(cells)}; greedy tokens equal for {same} of {n_gen}")


if __name__ == "__main__":
    main()
