#!/usr/bin/env python3
"""Perplexity reference for SmolLM2 on Tests/Fixtures/ppl-text.txt.

Runs llama.cpp's llama-perplexity (built by scripts/ref/build-llamacpp-tools.sh) with
-c 128 -t 2 -fa off (and once more with its default flash attention), parses its running per-chunk values and final estimate, and recomputes the
same quantity with llama-cpp-python at full precision (per-chunk mean NLL).
Writes Tests/Fixtures/smollm2-perplexity.json (format: Tests/Fixtures/README.md).

  out/ref/venv/bin/python scripts/ref/make_perplexity_refs.py [path/to/llama-perplexity]
"""
import hashlib
import json
import math
import os
import re
import subprocess
import sys

import numpy as np
import llama_cpp

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODEL = os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")
TEXT = os.path.join(ROOT, "Tests", "Fixtures", "ppl-text.txt")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "smollm2-perplexity.json")
N_CTX = 128


def run_tool(tool, extra):
    args = ["-m", MODEL, "-f", TEXT, "-c", str(N_CTX), "-t", "2"] + extra
    p = subprocess.run([tool] + args, capture_output=True, text=True)
    log = p.stdout + "\n" + p.stderr
    if p.returncode != 0:
        sys.exit("llama-perplexity failed:\n" + log[-3000:])
    running = [float(x) for x in re.findall(r"\[\d+\]([0-9.]+),", log)]
    m = re.search(r"Final estimate: PPL = ([0-9.]+) \+/- ([0-9.]+)", log)
    info = {}
    for key, pat in [("n_tokens_log", r"tokenizes to only (\d+)"),
                     ("summary", r"(calculating perplexity over .*)"),
                     ("flash_attn", r"(flash_attn\s*=\s*\S+)"),
                     ("type_k", r"(type_k\s*=?\s*'?\S+)"),
                     ("n_batch", r"(n_batch\s*=\s*\d+)"),
                     ("n_ubatch", r"(n_ubatch\s*=\s*\d+)")]:
        mm = re.search(pat, log)
        if mm:
            info[key] = mm.group(1).strip()
    rel = ["llama-perplexity", "-m", "models/" + os.path.basename(MODEL),
           "-f", "Tests/Fixtures/ppl-text.txt", "-c", str(N_CTX), "-t", "2"] + extra
    return {"command": " ".join(rel), "running_ppl": running,
            "final_ppl": float(m.group(1)), "final_ppl_stderr": float(m.group(2)),
            "log_lines": info}


def python_check():
    """The same computation as llama-perplexity: chunks of n_ctx tokens (a BOS would
    replace each chunk's first token if the vocab asked for one; SmolLM2 does not);
    logits of positions n_ctx/2 .. n_ctx-2 score tokens n_ctx/2+1 .. n_ctx-1."""
    llm = llama_cpp.Llama(model_path=MODEL, n_ctx=N_CTX, n_batch=N_CTX, n_ubatch=N_CTX,
                          n_threads=2, logits_all=True, verbose=False)
    vocab = llama_cpp.llama_model_get_vocab(llm.model)
    add_bos = bool(llama_cpp.llama_vocab_get_add_bos(vocab))
    text = open(TEXT, "rb").read()
    toks = llm.tokenize(text, add_bos=True, special=False)
    n_chunk = len(toks) // N_CTX
    first = N_CTX // 2
    chunk_nll = []
    for c in range(n_chunk):
        chunk = list(toks[c * N_CTX:(c + 1) * N_CTX])
        if add_bos:
            chunk[0] = llama_cpp.llama_vocab_bos(vocab)
        llm.reset()
        llm.eval(chunk)
        logits = np.array(llm.scores[:N_CTX], dtype=np.float64)
        nll = 0.0
        for p in range(first, N_CTX - 1):
            row = logits[p]
            mx = row.max()
            lse = mx + math.log(np.exp(row - mx).sum())
            nll += lse - row[toks[c * N_CTX + p + 1]]
        chunk_nll.append(nll / (N_CTX - 1 - first))
    mean = float(np.mean(chunk_nll))
    return {"n_tokens": len(toks), "add_bos": add_bos, "n_chunks": n_chunk,
            "scored_per_chunk": N_CTX - 1 - first,
            "chunk_mean_nll": chunk_nll,
            "chunk_ppl": [math.exp(x) for x in chunk_nll],
            "running_ppl": [math.exp(float(np.mean(chunk_nll[:k + 1]))) for k in range(n_chunk)],
            "final_ppl": math.exp(mean)}


def main():
    tool = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "out/ref/llamacpp-src/build/bin/llama-perplexity")
    res = run_tool(tool, ["-fa", "off"])
    res_fa = run_tool(tool, [])  # llama-perplexity's default: flash attention "auto" (on for CPU)
    chk = python_check()
    out = {
        "model": os.path.basename(MODEL),
        "text_file": "ppl-text.txt",
        "text_sha256": hashlib.sha256(open(TEXT, "rb").read()).hexdigest(),
        "llama_cpp_python": llama_cpp.__version__,
        "n_ctx": N_CTX,
        "n_threads": 2,
        "n_tokens": chk["n_tokens"],
        "n_chunks": chk["n_chunks"],
        "scored_per_chunk": chk["scored_per_chunk"],
        "llama_perplexity": res,
        "llama_perplexity_default_flash_attn": res_fa,
        "python_check": chk,
    }
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(json.dumps({"tool_final": res["final_ppl"], "tool_fa_final": res_fa["final_ppl"], "python_final": chk["final_ppl"],
                      "tool_running": res["running_ppl"],
                      "python_running": [round(x, 4) for x in chk["running_ppl"]]}), file=sys.stderr)


if __name__ == "__main__":
    main()
