#!/usr/bin/env python3
"""Perplexity reference for Gemma 3 270M (Q4_K_M) on Tests/Fixtures/ppl-text.txt.

The sibling of make_perplexity_refs.py (SmolLM2) for contexts 512 and 1024, the sizes
around Gemma 3's 512-token sliding window. For each context: llama.cpp's
llama-perplexity (built by scripts/ref/build-llamacpp-tools.sh) with -t 2 -fa off, once
more with its default flash attention, and the same computation redone with
llama-cpp-python at full precision. llama-perplexity needs at least 2*n_ctx tokens; a
context the text is too short for is recorded with the tool's message instead.
Writes Tests/Fixtures/gemma3-perplexity.json (format: Tests/Fixtures/README.md).

  out/ref/venv/bin/python scripts/ref/make_gemma3_perplexity_refs.py [path/to/llama-perplexity]
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
MODEL = os.path.join(ROOT, "models", "gemma-3-270m-q4_k_m.gguf")
MODEL_SHA256 = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
TEXT = os.path.join(ROOT, "Tests", "Fixtures", "ppl-text.txt")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "gemma3-perplexity.json")
CONTEXTS = [512, 1024]


def run_tool(tool, n_ctx, extra):
    args = ["-m", MODEL, "-f", TEXT, "-c", str(n_ctx), "-t", "2"] + extra
    p = subprocess.run([tool] + args, capture_output=True, text=True)
    log = p.stdout + "\n" + p.stderr
    rel = ["llama-perplexity", "-m", "models/" + os.path.basename(MODEL),
           "-f", "Tests/Fixtures/ppl-text.txt", "-c", str(n_ctx), "-t", "2"] + extra
    res = {"command": " ".join(rel)}
    m = re.search(r"Final estimate: PPL = ([0-9.]+) \+/- ([0-9.]+)", log)
    if m is None:
        need = re.search(r"(you need at least \d+ tokens .*)", log)
        have = re.search(r"(the data file you provided tokenizes to only \d+ tokens)", log)
        if need is None:
            sys.exit("llama-perplexity failed:\n" + log[-3000:])
        res.update({"exit_code": p.returncode, "refused": need.group(1).strip(),
                    "refused_detail": have.group(1).strip() if have else None})
        return res
    if p.returncode != 0:
        sys.exit("llama-perplexity failed:\n" + log[-3000:])
    info = {}
    for key, pat in [("summary", r"(calculating perplexity over .*)"),
                     ("flash_attn", r"(flash_attn\s*=\s*\S+)"),
                     ("n_swa", r"(n_swa\s*=\s*\d+)"),
                     ("n_batch", r"(n_batch\s*=\s*\d+)"),
                     ("n_ubatch", r"(n_ubatch\s*=\s*\d+)")]:
        mm = re.search(pat, log)
        if mm:
            info[key] = mm.group(1).strip()
    res.update({"running_ppl": [float(x) for x in re.findall(r"\[\d+\]([0-9.]+),", log)],
                "final_ppl": float(m.group(1)), "final_ppl_stderr": float(m.group(2)),
                "log_lines": info})
    return res


def python_check(n_ctx):
    """llama-perplexity's computation: tokenize with add_special = true (Gemma adds BOS),
    chunks of n_ctx tokens, each chunk's first token replaced by BOS, KV cache cleared
    per chunk, logits of positions n_ctx/2 .. n_ctx-2 score tokens n_ctx/2+1 .. n_ctx-1."""
    llm = llama_cpp.Llama(model_path=MODEL, n_ctx=n_ctx, n_batch=n_ctx, n_ubatch=n_ctx,
                          n_threads=2, logits_all=True, flash_attn=False, verbose=False)
    vocab = llama_cpp.llama_model_get_vocab(llm.model)
    add_bos = bool(llama_cpp.llama_vocab_get_add_bos(vocab))
    toks = llm.tokenize(open(TEXT, "rb").read(), add_bos=True, special=False)
    n_chunk = len(toks) // n_ctx
    first = n_ctx // 2
    chunk_nll = []
    for c in range(n_chunk):
        chunk = list(toks[c * n_ctx:(c + 1) * n_ctx])
        if add_bos:
            chunk[0] = llama_cpp.llama_vocab_bos(vocab)
        llm.reset()
        llm.eval(chunk)
        logits = np.array(llm.scores[:n_ctx], dtype=np.float64)
        nll = 0.0
        for p in range(first, n_ctx - 1):
            row = logits[p]
            mx = row.max()
            nll += mx + math.log(np.exp(row - mx).sum()) - row[toks[c * n_ctx + p + 1]]
        chunk_nll.append(nll / (n_ctx - 1 - first))
    out = {"n_tokens": len(toks), "add_bos": add_bos, "n_chunks": n_chunk,
           "scored_per_chunk": n_ctx - 1 - first}
    if n_chunk:
        out.update({"chunk_mean_nll": chunk_nll,
                    "chunk_ppl": [math.exp(x) for x in chunk_nll],
                    "running_ppl": [math.exp(float(np.mean(chunk_nll[:k + 1]))) for k in range(n_chunk)],
                    "final_ppl": math.exp(float(np.mean(chunk_nll)))})
    return out


def main():
    tool = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "out/ref/llamacpp-src/build/bin/llama-perplexity")
    if hashlib.sha256(open(MODEL, "rb").read()).hexdigest() != MODEL_SHA256:
        sys.exit(f"{MODEL}: unexpected sha256 (scripts/fetch-gemma3.sh)")
    runs = []
    for n_ctx in CONTEXTS:
        res = run_tool(tool, n_ctx, ["-fa", "off"])
        entry = {"n_ctx": n_ctx, "llama_perplexity": res}
        if "refused" in res:
            entry["python_check"] = None
        else:
            # llama-perplexity's default: flash attention "auto" (on for CPU)
            entry["llama_perplexity_default_flash_attn"] = run_tool(tool, n_ctx, [])
            chk = python_check(n_ctx)
            entry.update({"n_tokens": chk["n_tokens"], "n_chunks": chk["n_chunks"],
                          "scored_per_chunk": chk["scored_per_chunk"], "python_check": chk})
        runs.append(entry)
        print(n_ctx, json.dumps({k: res.get(k) for k in ("final_ppl", "running_ppl", "refused")}),
              "python", entry["python_check"] and entry["python_check"]["final_ppl"], file=sys.stderr)
    out = {
        "model": os.path.basename(MODEL),
        "model_sha256": MODEL_SHA256,
        "text_file": "ppl-text.txt",
        "text_sha256": hashlib.sha256(open(TEXT, "rb").read()).hexdigest(),
        "llama_cpp_python": llama_cpp.__version__,
        "n_threads": 2,
        "runs": runs,
    }
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
