#!/usr/bin/env python3
"""llama.cpp's grammar mask cost per token, for the comparison in docs/grammars.md.

Walks the tokens of a JSON text (Tests/Fixtures/grammar/bench.json by default) with
llama.cpp's grammar sampler (llama-cpp-python 0.3.36's llama_sampler_init_grammar) over
the whole vocabulary: for each token, llama_sampler_apply on all n_vocab candidates
(timed), then llama_sampler_accept. The candidates' logits are restored between steps
(untimed). The grammar is the same GBNF text llamaswift uses (`llamaswift
json-schema-to-grammar '{}'`: any JSON value), passed as --grammar-file.

  out/ref/venv/bin/python scripts/ref/bench_grammar_llamacpp.py --vocab models/SmolLM2-135M-Instruct.Q4_1.gguf \\
      --grammar-file out/any-json.gbnf [--text Tests/Fixtures/grammar/bench.json]
"""
import argparse
import ctypes
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import llama_cpp as L  # noqa: E402
from grammar_ref import GrammarRef  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", required=True)
    ap.add_argument("--grammar-file", required=True)
    ap.add_argument("--text", default=os.path.join(ROOT, "Tests", "Fixtures", "grammar", "bench.json"))
    ap.add_argument("--passes", type=int, default=3)
    a = ap.parse_args()
    ref = GrammarRef(a.vocab)
    gbnf = open(a.grammar_file).read()
    text = open(a.text, encoding="utf-8").read()
    tokens = ref.tokenize(text)
    n = L.llama_vocab_n_tokens(ref.vocab)
    data = (L.llama_token_data * n)()
    for i in range(n):
        data[i].id, data[i].logit, data[i].p = i, 0.0, 0.0
    pristine = (L.llama_token_data * n)()
    ctypes.memmove(pristine, data, ctypes.sizeof(data))
    results = []
    for _ in range(a.passes):
        smpl = ref.sampler(gbnf)
        assert smpl, "llama.cpp refused the grammar"
        total, worst = 0.0, 0.0
        for t in tokens:
            ctypes.memmove(data, pristine, ctypes.sizeof(data))
            arr = L.llama_token_data_array(data=data, size=n, selected=-1, sorted=False)
            s = time.perf_counter()
            L.llama_sampler_apply(smpl, ctypes.byref(arr))
            dt = time.perf_counter() - s
            total += dt
            worst = max(worst, dt)
            assert data[t].logit == 0.0, f"llama.cpp's grammar refused token {t}"
            L.llama_sampler_accept(smpl, t)
        L.llama_sampler_free(smpl)
        results.append((total / len(tokens) * 1e6, worst * 1e6))
    print(f"llama.cpp: vocabulary {n} tokens, {len(tokens)} tokens of text")
    for k, (mean, worst) in enumerate(results):
        print(f"pass {k + 1}: {mean:.1f} µs/token (worst {worst:.0f} µs)")


if __name__ == "__main__":
    main()
