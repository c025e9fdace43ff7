#!/usr/bin/env python3
"""Context-shift reference for SmolLM2 from llama.cpp (llama-cpp-python 0.3.36).

A context of N_CTX evaluates the first PREFILL tokens of Tests/Fixtures/ppl-text.txt in
one call, then shifts as llama.cpp's context shift does (llama_memory_seq_rm of the
DISCARD tokens after the first KEEP, llama_memory_seq_add of -DISCARD to the rest), then
evaluates the text's next STEPS tokens one call each; for every step it records the
top-20 logits, the top-2 margin. Written as plain text that the C test reads
(Tests/capi/test_shift.c):

  settings <n_ctx> <keep> <discard> <prefill> <steps>
  tokens <n> <id> ...                      (prefill + steps text tokens)
  step <i> <margin> <id> <logit> ... (20 pairs)

  out/ref/venv/bin/python scripts/ref/make_shift_refs.py
"""
import os

import numpy as np
import llama_cpp

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODEL = os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")
TEXT = os.path.join(ROOT, "Tests", "Fixtures", "ppl-text.txt")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "smollm2-shift.txt")

N_CTX, KEEP, DISCARD, PREFILL, STEPS, TOP = 128, 4, 40, 96, 24, 20


def main():
    llm = llama_cpp.Llama(model_path=MODEL, n_ctx=N_CTX, n_batch=N_CTX, n_ubatch=N_CTX,
                          n_threads=2, n_threads_batch=2, logits_all=True, verbose=False)
    text = open(TEXT, "rb").read()
    toks = llm.tokenize(text, add_bos=True, special=False)[:PREFILL + STEPS]
    llm.reset()
    llm.eval(toks[:PREFILL])
    mem = llama_cpp.llama_get_memory(llm._ctx.ctx)
    assert llama_cpp.llama_memory_seq_rm(mem, 0, KEEP, KEEP + DISCARD)
    llama_cpp.llama_memory_seq_add(mem, 0, KEEP + DISCARD, -1, -DISCARD)
    n = llm.n_tokens
    llm.input_ids[KEEP:n - DISCARD] = llm.input_ids[KEEP + DISCARD:n]
    llm.n_tokens = n - DISCARD
    lines = [f"settings {N_CTX} {KEEP} {DISCARD} {PREFILL} {STEPS}",
             "tokens " + " ".join(str(t) for t in [len(toks)] + list(toks))]
    for i in range(STEPS):
        llm.eval([toks[PREFILL + i]])
        row = np.array(llm.scores[llm.n_tokens - 1], dtype=np.float32)
        order = np.argsort(-row, kind="stable")[:TOP]
        margin = float(row[order[0]] - row[order[1]])
        pairs = " ".join(f"{int(t)} {float(row[t]):.6f}" for t in order)
        lines.append(f"step {i} {margin:.6f} {pairs}")
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote", OUT, "positions after shift:", llm.n_tokens)


if __name__ == "__main__":
    main()
