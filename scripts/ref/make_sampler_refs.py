#!/usr/bin/env python3
"""Sampler reference from llama.cpp's own samplers (llama-cpp-python 0.3.36).

For a few seeded logit vectors and parameter sets, runs llama.cpp's top-k, top-p, min-p
and temperature samplers (llama_sampler_init_* + llama_sampler_apply on a
llama_token_data_array, min_keep = 1) in two orders:

  "last":  top_k, top_p, min_p, temp   (llama.cpp's default chain: common/common.h and
                                         llama-cpp-python's Llama._init_sampler)
  "first": temp, top_k, top_p, min_p   (temperature first, as Hugging Face applies it)

and records the candidates left and their probabilities (softmax of what is left, in
double precision) in Tests/Fixtures/sampler-chains.json. Probabilities are what the
final dist sampler draws from.

  out/ref/venv/bin/python scripts/ref/make_sampler_refs.py
"""
import ctypes
import json
import math
import os
import random
import struct

import llama_cpp as L

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "sampler-chains.json")


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def vector(seed, n, scale):
    rng = random.Random(seed)
    return [f32(rng.gauss(0.0, scale)) for _ in range(n)]


VECTORS = {"v64": vector(1, 64, 2.5), "v300": vector(2, 300, 3.0), "v1200": vector(3, 1200, 2.0)}

# (temperature, top_k, top_p, min_p)
PARAMS = [
    (3.0, 0, 1.0, 0.1),      # the case: temperature 3, min-p 0.1
    (0.8, 40, 0.95, 0.05),   # llamaswift's defaults
    (1.5, 10, 0.9, 0.0),
    (0.5, 0, 0.0, 0.0),      # top_p = 0: llama.cpp keeps one token
    (1.0, 0, -0.5, 0.0),     # top_p < 0: the same
    (1.0, 0, 1.5, 0.0),      # top_p > 1: off
    (2.0, 0, 1.0, 1.5),      # min_p > 1: one token
    (1.0, 0, 1.0, -0.2),     # min_p < 0: off
    (1.2, 100000, 0.7, 0.0), # top_k beyond the vocabulary
    (1.2, -1, 0.7, 0.0),     # top_k < 0: off
    (0.05, 0, 0.999, 0.0),
    (40.0, 5, 1.0, 0.0),
]


def run(logits, params, order):
    temp, top_k, top_p, min_p = params
    n = len(logits)
    data = (L.llama_token_data * n)()
    for i, x in enumerate(logits):
        data[i].id = i
        data[i].logit = x
        data[i].p = 0.0
    arr = L.llama_token_data_array(data=data, size=n, selected=-1, sorted=False)
    steps = {
        "temp": lambda: L.llama_sampler_init_temp(temp),
        "top_k": lambda: L.llama_sampler_init_top_k(top_k),
        "top_p": lambda: L.llama_sampler_init_top_p(top_p, 1),
        "min_p": lambda: L.llama_sampler_init_min_p(min_p, 1),
    }
    names = ["top_k", "top_p", "min_p", "temp"] if order == "last" else ["temp", "top_k", "top_p", "min_p"]
    for name in names:
        s = steps[name]()
        L.llama_sampler_apply(s, ctypes.byref(arr))
        L.llama_sampler_free(s)
    kept = [(arr.data[i].id, arr.data[i].logit) for i in range(arr.size)]
    m = max(l for _, l in kept)
    w = [math.exp(l - m) for _, l in kept]
    t = sum(w)
    out = sorted(((tid, x / t) for (tid, _), x in zip(kept, w)), key=lambda e: (-e[1], e[0]))
    return {"ids": [e[0] for e in out], "probs": [e[1] for e in out]}


def main():
    cases = []
    for vname, logits in VECTORS.items():
        for p in PARAMS:
            for order in ("last", "first"):
                r = run(logits, p, order)
                cases.append({"vector": vname, "temperature": p[0], "top_k": p[1], "top_p": p[2],
                              "min_p": p[3], "order": order, **r})
    doc = {"source": "llama-cpp-python %s (llama.cpp samplers, min_keep 1)" % L.__version__,
           "vectors": VECTORS, "cases": cases}
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    for c in cases:
        if c["vector"] == "v300" and c["temperature"] == 3.0:
            print(c["order"], "temp 3 min_p 0.1 on v300:", len(c["ids"]), "candidates")
    print("wrote", OUT, len(cases), "cases")


if __name__ == "__main__":
    main()
