#!/usr/bin/env python3
"""Reference final hidden states for the embeddings mode: Hugging Face transformers'
`last_hidden_state` (the base model's output, after its final RMSNorm: what a GGUF's
output_norm produces before the output projection) of tiny models already committed as
fixtures, for the token sequences those fixtures use.

The models are rebuilt exactly as their fixture scripts build them (same config, seed and
initialisation: tinylib.build_hf for Tests/Fixtures/tiny, make_arch_models.build_hf for
Tests/Fixtures/arch); each rebuild is checked against the fixture's committed HF logits
(max |diff| must be < 1e-5) before its hidden states are saved, so the hidden states belong
to the committed GGUF file.

Writes Tests/Fixtures/embeddings.json:
  {"what": ..., "models": [{"name", "gguf" (path under Tests/Fixtures), "n_embd",
    "logits_check_max_abs_diff", "sequences": [{"tokens", "last_hidden_state": [n][n_embd]}]}]}

  out/ref/venv/bin/python scripts/ref/make_embedding_refs.py
"""
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import tinylib as T  # noqa: E402
import make_arch_models as A  # noqa: E402
import make_tiny_models as M  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
FIX = os.path.join(ROOT, "Tests", "Fixtures")


def hidden(model, tokens):
    with torch.no_grad():
        out = model.model(torch.tensor([tokens], dtype=torch.long), use_cache=False)
    return out.last_hidden_state[0].to(torch.float32).numpy()


def entry(name, gguf_rel, model, fixture_json, n_embd):
    fx = json.load(open(os.path.join(FIX, fixture_json)))
    seqs, check = [], 0.0
    for s in fx["sequences"]:
        toks = s["tokens"]
        lg = A.hf_logits(model, toks)
        check = max(check, float(np.max(np.abs(lg - np.array(s["hf_logits"], dtype=np.float32)))))
        seqs.append({"tokens": toks, "last_hidden_state": T.round_logits(hidden(model, toks))})
    assert check < 1e-5, f"{name}: the rebuilt model's logits differ from the fixture's by {check}"
    return {"name": name, "gguf": gguf_rel, "n_embd": n_embd, "logits_check_max_abs_diff": float(f"{check:.3g}"),
            "sequences": seqs}


def main():
    import transformers
    models = []
    # Tests/Fixtures/tiny/gqa.gguf: llama, F32, untied.
    v = M.VARIANTS["gqa"]
    cfg = T.hf_config(kv=v["kv"], rope=v["rope"], tied=v["tied"])
    models.append(entry("tiny-gqa", "tiny/gqa.gguf", T.build_hf(cfg, M.SEED), "tiny/gqa.json", cfg.hidden_size))
    # Tests/Fixtures/arch: qwen2 (biases, tied) and gemma3 (sliding window, √E scale, 1+w norms).
    for name in ("qwen2", "gemma3"):
        model, cfg, _ = A.build_hf(name, A.MODELS[name], A.SEED)
        models.append(entry(name, f"arch/{name}.gguf", model, f"arch/{name}.json", cfg.hidden_size))
    T.dump(os.path.join(FIX, "embeddings.json"), {
        "what": "transformers last_hidden_state (float32, eager attention) of the base model "
                "(after its final norm) for each fixture sequence; made by scripts/ref/make_embedding_refs.py",
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__},
        "models": models})
    for m in models:
        print(m["name"], "logits check", m["logits_check_max_abs_diff"], file=sys.stderr)


if __name__ == "__main__":
    main()
