#!/usr/bin/env python3
"""Logit and greedy-decoding reference for SmolLM2 from llama.cpp (llama-cpp-python).

Writes Tests/Fixtures/smollm2-logits.json (format: Tests/Fixtures/README.md).

  out/ref/venv/bin/python scripts/ref/make_logits_refs.py
"""
import os
import sys

import numpy as np
import llama_cpp

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODEL = os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "smollm2-logits.json")

N_CTX = 512
N_GEN = 40
TOP = 20

PROMPTS = [
    ("chat-capital", "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n", True),
    ("chat-system", "<|im_start|>system\nYou are a helpful assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
                    "<|im_start|>user\nWrite a haiku about the sea.<|im_end|>\n<|im_start|>assistant\n", True),
    ("plain-story", "Once upon a time, in a small village at the edge of a great forest, there lived", False),
    ("plain-code", "def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n", False),
]


def main():
    llm = llama_cpp.Llama(model_path=MODEL, n_ctx=N_CTX, n_batch=N_CTX, n_ubatch=N_CTX,
                          n_threads=2, n_threads_batch=2, logits_all=True, verbose=False)
    vocab = llama_cpp.llama_model_get_vocab(llm.model)
    n_vocab = llm.n_vocab()
    fixed_ids = [0, 1, 2] + [int(x) for x in np.linspace(3, n_vocab - 1, 29).round().astype(int)]
    out_prompts = []
    for name, text, parse_special in PROMPTS:
        toks = llm.tokenize(text.encode(), add_bos=True, special=parse_special)
        llm.reset()
        llm.eval(toks)  # one call, one batch: the prompt's logits
        scores = np.array(llm.scores[:len(toks)], dtype=np.float32)
        n = len(toks)
        positions = sorted(set([0, 1, n // 2, n - 1]))
        pos_entries = []
        for p in positions:
            row = scores[p]
            order = np.argsort(-row, kind="stable")[:TOP]
            pos_entries.append({
                "pos": p,
                "top": [[int(i), float(row[i])] for i in order],
                "fixed": [float(row[i]) for i in fixed_ids],
            })
        # greedy continuation, one token per eval call
        gen, margins = [], []
        last = scores[n - 1]
        for _ in range(N_GEN):
            order = np.argsort(-last, kind="stable")[:2]
            tok = int(order[0])
            gen.append(tok)
            margins.append(float(last[order[0]] - last[order[1]]))
            llm.eval([tok])
            last = np.array(llm.scores[llm.n_tokens - 1], dtype=np.float32)
        eog = [i for i, t in enumerate(gen) if llama_cpp.llama_vocab_is_eog(vocab, t)]
        text_out = llm.detokenize(gen).decode("utf-8", errors="replace")
        out_prompts.append({
            "name": name, "text": text, "parse_special": parse_special, "add_special": True,
            "tokens": [int(t) for t in toks],
            "positions": pos_entries,
            "greedy": gen,
            "greedy_margins": margins,
            "greedy_first_eog_index": eog[0] if eog else None,
            "greedy_text": text_out,
        })
        print(name, n, repr(text_out[:80]), file=sys.stderr)
    out = {
        "model": os.path.basename(MODEL),
        "llama_cpp_python": llama_cpp.__version__,
        "settings": {"n_ctx": N_CTX, "n_batch": N_CTX, "n_ubatch": N_CTX, "n_threads": 2,
                     "logits_all": True, "kv_type": "F16", "flash_attn": False},
        "n_vocab": n_vocab,
        "fixed_ids": fixed_ids,
        "prompts": out_prompts,
    }
    import json
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print("wrote", OUT, file=sys.stderr)


if __name__ == "__main__":
    main()
