#!/usr/bin/env python3
"""Detokenize reference from llama.cpp (llama-cpp-python 0.3.36).

For the GPT-2, LLaMA 3 (llama-bpe) and Qwen2 test vocabularies (testdata/vocab, fetched
by scripts/fetch-testdata.sh) and a few texts with spaces before punctuation and
apostrophes, records llama_tokenize(add_special = false, parse_special = false) and
llama_detokenize(remove_special = false, unparse_special = true) — which applies the
vocabulary's clean_up_tokenization_spaces (set for GPT-2 and LLaMA 3, not Qwen2) — in
Tests/Fixtures/detokenize.json.

  out/ref/venv/bin/python scripts/ref/make_detokenize_refs.py
"""
import ctypes
import json
import os

import llama_cpp as L

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "detokenize.json")
VOCABS = ["gpt-2", "llama-bpe", "qwen2"]
TEXTS = ["Hello , world !", "Is it ? Yes . No , maybe !", "it ' s", "he 's and we 're , they 've , I 'm",
         "don 't and I 'd", "plain text without clean-up", " leading space ."]


def main():
    L.llama_backend_init()
    out = {"source": "llama-cpp-python %s" % L.__version__, "vocabs": {}}
    for v in VOCABS:
        path = os.path.join(ROOT, "testdata", "vocab", "ggml-vocab-%s.gguf" % v)
        mp = L.llama_model_default_params()
        mp.vocab_only = True
        model = L.llama_model_load_from_file(path.encode(), mp)
        vocab = L.llama_model_get_vocab(model)
        cases = []
        for t in TEXTS:
            b = t.encode()
            buf = (L.llama_token * 256)()
            n = L.llama_tokenize(vocab, b, len(b), buf, 256, False, False)
            ids = list(buf[:n])
            arr = (L.llama_token * n)(*ids)
            text = ctypes.create_string_buffer(1024)
            m = L.llama_detokenize(vocab, arr, n, text, 1024, False, True)
            cases.append({"text": t, "ids": ids, "llama_detokenize": text.raw[:m].decode()})
        out["vocabs"][v] = cases
        L.llama_model_free(model)
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")
    for v, cases in out["vocabs"].items():
        print(v, [c["llama_detokenize"] for c in cases[:2]])


if __name__ == "__main__":
    main()
