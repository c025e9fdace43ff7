#!/usr/bin/env python3
"""Tiny random LLaMA models in the K-quant formats (Q4_K, Q5_K, Q6_K), made with
llama.cpp's llama-quantize (the gguf package cannot write K-quants), with llama.cpp
logits and HF logits of the dequantized stored weights as references.

Config: vocab 259, hidden 256, intermediate 512, 4 heads (head_dim 64), 2 KV heads,
2 layers (row lengths are multiples of 256, the K-quant block). The F32 source GGUF is
written to a temporary folder, quantized with `llama-quantize --pure` (every 2-D tensor,
token_embd and output included, in the one type), and only the quantized files are kept.

Writes Tests/Fixtures/tiny/k256-{q4_k,q5_k,q6_k}.{gguf,json}.

  out/ref/venv/bin/python scripts/ref/make_kquant_models.py [path/to/llama-quantize]
"""
import os
import random
import subprocess
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tinylib as T  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "tiny")
SEED = 20240602
LENS = (12, 16)
TYPES = [("q4_k", "Q4_K_S", "Q4_K"), ("q5_k", "Q5_K_S", "Q5_K"), ("q6_k", "Q6_K", "Q6_K"),
         ("q2_k", "Q2_K", "Q2_K"), ("q3_k", "Q3_K_S", "Q3_K"),
         ("iq4_nl", "IQ4_NL", "IQ4_NL"), ("iq4_xs", "IQ4_XS", "IQ4_XS")]
# ONLY=q2_k,iq4_xs in the environment: make only those (the others stay as committed).
ONLY = set(filter(None, os.environ.get("ONLY", "").split(",")))


def sequence(length, seed):
    rng = random.Random(seed)
    return [1] + [rng.randrange(3, T.N_VOCAB) for _ in range(length - 1)]


def main():
    import gguf
    import llama_cpp
    import transformers
    tool = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "out/ref/llamacpp-src/build/bin/llama-quantize")
    cfg = T.hf_config(hidden=256, inter=512, heads=4, kv=2, head_dim=64)

    def builder():
        return T.build_hf(cfg, SEED)

    model = builder()
    seqs = [sequence(n, SEED + 1000 * i + n) for i, n in enumerate(LENS)]
    summary = {}
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "k256-f32.gguf")
        T.write_gguf(src, model, cfg, wtype="F32", name="tiny-k256")
        f32_hf = [T.hf_logits(model, s) for s in seqs]
        for short, ftype, tname in TYPES:
            if ONLY and short not in ONLY:
                continue
            name = f"k256-{short}"
            path = os.path.join(OUT, f"{name}.gguf")
            subprocess.run([tool, "--pure", src, path, ftype], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            r = gguf.GGUFReader(path)
            types = sorted({t.tensor_type.name for t in r.tensors if len(t.shape) > 1})
            assert types == [tname], types
            ref = T.dequantized_hf(builder, path, cfg)
            entries, diffs = [], []
            for i, toks in enumerate(seqs):
                hf = T.hf_logits(ref, toks)
                lc = T.llamacpp_logits(path, toks, kv_f32=False)
                d = float(np.max(np.abs(lc - hf)))
                diffs.append(d)
                entries.append({"tokens": toks,
                                "hf_logits": T.round_logits(hf),
                                "llamacpp_logits": T.round_logits(lc),
                                "llamacpp_vs_hf_max_abs_diff": d,
                                "f32_model_vs_hf_max_abs_diff": float(np.max(np.abs(f32_hf[i] - hf)))})
            info = {
                "name": name, "gguf": f"{name}.gguf",
                "config": {"n_vocab": T.N_VOCAB, "n_embd": 256, "n_layer": 2, "n_ff": 512,
                           "n_head": 4, "n_head_kv": 2, "head_dim": 64, "rms_norm_eps": 1e-5,
                           "rope_freq_base": 10000.0, "context_length": 64,
                           "rope_scaling": None, "tied_embeddings": False},
                "weight_type": tname,
                "made_by": f"llama-quantize --pure <f32.gguf> {name}.gguf {ftype}",
                "hf_reference": "float32 forward of the dequantized stored weights",
                "llamacpp_kv_type": "F16",
                "seed": SEED,
                "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                             "gguf": "0.19.0", "llama_cpp_python": llama_cpp.__version__},
                "sequences": entries,
            }
            T.dump(os.path.join(OUT, f"{name}.json"), info)
            summary[name] = {"weight_type": tname, "llamacpp_vs_hf_max_abs_diff": max(diffs)}
            print(name, summary[name], os.path.getsize(path), file=sys.stderr)
    sp = os.path.join(OUT, "summary.json")
    import json
    allsum = json.load(open(sp)) if os.path.exists(sp) else {}
    allsum.update(summary)
    T.dump(sp, allsum)


if __name__ == "__main__":
    main()
