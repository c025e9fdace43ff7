#!/usr/bin/env python3
"""Tiny random LLaMA models as GGUF, with reference logits from Hugging Face
transformers (float32, eager attention) and from llama.cpp (llama-cpp-python).

Writes Tests/Fixtures/tiny/<name>.gguf and Tests/Fixtures/tiny/<name>.json, plus
Tests/Fixtures/tiny/summary.json (the llama.cpp-vs-HF differences measured).
Format: Tests/Fixtures/README.md.

  out/ref/venv/bin/python scripts/ref/make_tiny_models.py
"""
import os
import random
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tinylib as T  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "tiny")
SEED = 20240601

# name: (kv heads, rope scaling or None, tied, weight type, sequence lengths)
VARIANTS = {
    "mha":          dict(kv=4, rope=None, tied=False, wtype="F32", lens=(12, 16)),
    "gqa":          dict(kv=2, rope=None, tied=False, wtype="F32", lens=(12, 16)),
    "mqa":          dict(kv=1, rope=None, tied=False, wtype="F32", lens=(12, 16)),
    "tied":         dict(kv=2, rope=None, tied=True,  wtype="F32", lens=(12, 16)),
    "rope-linear":  dict(kv=2, rope=("linear", 2.0), tied=False, wtype="F32", lens=(12, 100)),
    "rope-dynamic": dict(kv=2, rope=("dynamic", 2.0), tied=False, wtype="F32", lens=(12, 100)),
    "gqa-f16":      dict(kv=2, rope=None, tied=False, wtype="F16", lens=(12, 16)),
    "gqa-bf16":     dict(kv=2, rope=None, tied=False, wtype="BF16", lens=(12, 16)),
    "gqa-q8_0":     dict(kv=2, rope=None, tied=False, wtype="Q8_0", lens=(12, 16)),
    "gqa-q4_0":     dict(kv=2, rope=None, tied=False, wtype="Q4_0", lens=(12, 16)),
    "gqa-q4_1":     dict(kv=2, rope=None, tied=False, wtype="Q4_1", lens=(12, 16)),
    "gqa-q5_0":     dict(kv=2, rope=None, tied=False, wtype="Q5_0", lens=(12, 16)),
    "gqa-q5_1":     dict(kv=2, rope=None, tied=False, wtype="Q5_1", lens=(12, 16)),
}


def sequence(length, seed):
    rng = random.Random(seed)
    return [1] + [rng.randrange(3, T.N_VOCAB) for _ in range(length - 1)]


def main():
    import llama_cpp
    import transformers
    import gguf
    os.makedirs(OUT, exist_ok=True)
    only = set(sys.argv[1:])
    summary = {}
    for name, v in VARIANTS.items():
        if only and name not in only:
            continue
        cfg = T.hf_config(kv=v["kv"], rope=v["rope"], tied=v["tied"])
        wround = {"F16": torch.float16, "BF16": torch.bfloat16}.get(v["wtype"])

        def builder(wround=wround, cfg=cfg):
            return T.build_hf(cfg, SEED, weight_round=wround)

        model = builder()
        path = os.path.join(OUT, f"{name}.gguf")
        T.write_gguf(path, model, cfg, wtype=v["wtype"], name=f"tiny-{name}", rope=v["rope"])
        quantized = v["wtype"].startswith("Q")
        if quantized:
            ref_model = T.dequantized_hf(builder, path, cfg)
        seqs = []
        diffs = []
        for i, n in enumerate(v["lens"]):
            toks = sequence(n, SEED + 1000 * i + n)
            entry = {"tokens": toks}
            m = builder() if v["rope"] and v["rope"][0] == "dynamic" else model
            if quantized:
                # the stored (dequantized) weights, computed in float32 by HF
                entry["hf_logits"] = T.round_logits(T.hf_logits(ref_model, toks))
            else:
                entry["hf_logits"] = T.round_logits(T.hf_logits(m, toks))
            if v["rope"] and v["rope"][0] == "dynamic":
                d = cfg.head_dim
                L = max(n, cfg.max_position_embeddings)
                entry["dynamic_base_one_call"] = 10000.0 * ((2.0 * L / cfg.max_position_embeddings) - 1.0) ** (d / (d - 2))
                if n > cfg.max_position_embeddings:
                    # a fresh model with HF's cache: first 12 tokens in one call, then one per call
                    entry["incremental_first_call"] = 12
                    entry["hf_incremental_logits"] = T.round_logits(T.hf_logits_incremental(builder(), toks, 12))
            else:
                kv_f32 = v["wtype"] == "F32"
                lc = T.llamacpp_logits(path, toks, kv_f32=kv_f32)
                if v["wtype"] != "F32":
                    # for F32 models llama.cpp agrees with HF to ~2e-5: only the diff is kept
                    entry["llamacpp_logits"] = T.round_logits(lc)
                d = float(np.max(np.abs(lc - np.array(entry["hf_logits"], dtype=np.float32))))
                entry["llamacpp_vs_hf_max_abs_diff"] = d
                diffs.append(d)
            seqs.append(entry)
        info = {
            "name": name,
            "gguf": f"{name}.gguf",
            "config": {
                "n_vocab": T.N_VOCAB, "n_embd": cfg.hidden_size, "n_layer": cfg.num_hidden_layers,
                "n_ff": cfg.intermediate_size, "n_head": cfg.num_attention_heads,
                "n_head_kv": cfg.num_key_value_heads, "head_dim": cfg.head_dim,
                "rms_norm_eps": cfg.rms_norm_eps, "rope_freq_base": 10000.0,
                "context_length": cfg.max_position_embeddings,
                "rope_scaling": None if v["rope"] is None else
                    {"type": v["rope"][0], "factor": v["rope"][1],
                     "original_context_length": cfg.max_position_embeddings},
                "tied_embeddings": v["tied"],
            },
            "weight_type": v["wtype"],
            "hf_reference": ("float32 forward of the dequantized stored weights"
                             if quantized else
                             "float32 forward; weights rounded to %s and back" % v["wtype"]
                             if wround is not None else "float32 forward"),
            "llamacpp_kv_type": None if (v["rope"] and v["rope"][0] == "dynamic")
                                else ("F32" if v["wtype"] == "F32" else "F16"),
            "seed": SEED,
            "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                         "gguf": gguf.__version__ if hasattr(gguf, "__version__") else "0.19.0",
                         "llama_cpp_python": llama_cpp.__version__},
            "sequences": seqs,
        }
        T.dump(os.path.join(OUT, f"{name}.json"), info)
        summary[name] = {"weight_type": v["wtype"],
                         "llamacpp_vs_hf_max_abs_diff": max(diffs) if diffs else None}
        print(name, summary[name], file=sys.stderr)
    # merge (make_kquant_models.py adds its k256-* entries to the same file)
    sp = os.path.join(OUT, "summary.json")
    import json
    allsum = json.load(open(sp)) if os.path.exists(sp) else {}
    allsum.update(summary)
    T.dump(sp, allsum)


if __name__ == "__main__":
    main()
