#!/usr/bin/env python3
"""Tiny Hugging Face checkpoint folders (issue 23): what `llamaswift_model_load` reads
from a directory and `llamaswift convert` turns into GGUF. Written to Tests/Fixtures/hf/.

  out/ref/venv/bin/python scripts/ref/make_hf_folders.py

Folders (each: config.json, model.safetensors or shards + model.safetensors.index.json,
generation_config.json, tokenizer.json, tokenizer_config.json):

- llama3-rope, qwen2, phi3, gemma3: the very models of Tests/Fixtures/arch/ (same classes,
  configs and seeded weights: make_arch_models.build_hf), saved with save_pretrained in
  float32. The script checks that their HF logits equal the hf_logits stored in
  arch/<name>.json, so the tests compare a folder with arch/<name>.gguf (llama.cpp's
  converter of the same weights) and with those HF logits.
- qwen2-sharded: qwen2 saved in 3 shards with an index (save_pretrained's max_shard_size).
- qwen2-bf16: qwen2's weights rounded to bfloat16 and saved as BF16; qwen2-bf16.json has
  HF's float32 logits of the rounded weights.
- llama-mha: a multi-head LLaMA (4 heads, 4 KV heads, rotate-half as HF stores it).
  llama-mha.json: for G in 4, 2, 1: layer 0's K and V after mean-pooling each group of
  4/G heads (numpy float32 mean, HF row order), HF logits of LlamaForCausalLM built with
  num_key_value_heads = G from the pooled weights, and llama.cpp's logits (llama-cpp-python,
  F32 KV cache) of the GGUF that `llamaswift convert --outtype f32 --kv-heads G` writes
  from the folder (the program at $LLAMASWIFT_CLI, default .build/release/llamaswift-cli:
  build it first).

The tokenizer is tinylib's 259-token byte-fallback vocabulary (make_arch_models.
tiny_tokenizer_json) with a tokenizer_config.json naming <s>/</s>, add_bos_token true and
a small chat template. Deterministic: rerunning reproduces every file.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_arch_models as A  # noqa: E402  (puts llama.cpp's gguf-py first on sys.path)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402

import tinylib as T  # noqa: E402

ROOT = A.ROOT
OUT = os.path.join(ROOT, "Tests", "Fixtures", "hf")
CLI = os.environ.get("LLAMASWIFT_CLI") or os.path.join(ROOT, ".build", "release", "llamaswift-cli")
CHAT_TEMPLATE = ("{% for m in messages %}{{ '<s>' + m['role'] + '\\n' + m['content'] + '</s>\\n' }}{% endfor %}"
                 "{% if add_generation_prompt %}{{ '<s>assistant\\n' }}{% endif %}")


def tokenizer_files(d):
    with open(os.path.join(d, "tokenizer.json"), "w") as f:
        f.write(A.tiny_tokenizer_json())
    cfg = {"add_bos_token": True, "add_eos_token": False, "bos_token": "<s>", "eos_token": "</s>",
           "unk_token": "<unk>", "chat_template": CHAT_TEMPLATE, "tokenizer_class": "PreTrainedTokenizerFast"}
    with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
        json.dump(cfg, f, indent=1, sort_keys=True)


def save(model, name, **kw):
    d = os.path.join(OUT, name)
    shutil.rmtree(d, ignore_errors=True)
    model.save_pretrained(d, safe_serialization=True, **kw)
    tokenizer_files(d)
    return d


def max_diff(a, b):
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))


def arch_folders(summary):
    for name in ("llama3-rope", "qwen2", "phi3", "gemma3"):
        model, cfg, _ = A.build_hf(name, A.MODELS[name], A.SEED)
        save(model, name)
        ref = json.load(open(os.path.join(ROOT, "Tests", "Fixtures", "arch", f"{name}.json")))
        d = max(max_diff(A.hf_logits(model, s["tokens"]), s["hf_logits"]) for s in ref["sequences"])
        assert d < 1e-5, (name, d)
        summary[name] = {"same_model_as": f"arch/{name}.gguf", "hf_logits_vs_arch_json_max_abs_diff": d}
        if name == "qwen2":
            # 3 shards: the embedding (66 KB) and each layer's ~170 KB in separate files
            sd = save(model, "qwen2-sharded", max_shard_size="200KB")
            shards = sorted(f for f in os.listdir(sd) if f.endswith(".safetensors"))
            assert len(shards) == 3, shards
            summary["qwen2-sharded"] = {"shards": shards, "same_model_as": "hf/qwen2"}
            # BF16 weights
            with torch.no_grad():
                for p in model.parameters():
                    p.copy_(p.to(torch.bfloat16).to(torch.float32))
            seqs = [{"tokens": s["tokens"], "hf_logits": T.round_logits(A.hf_logits(model, s["tokens"]))}
                    for s in ref["sequences"]]
            model.to(torch.bfloat16).save_pretrained(os.path.join(OUT, "qwen2-bf16"), safe_serialization=True)
            tokenizer_files(os.path.join(OUT, "qwen2-bf16"))
            T.dump(os.path.join(OUT, "qwen2-bf16.json"), {
                "what": "qwen2's weights rounded to bfloat16 (saved BF16); HF float32 logits of the rounded weights",
                "sequences": seqs})
            summary["qwen2-bf16"] = {"dtype": "bfloat16"}


def mha_config(kv):
    from transformers import LlamaConfig
    return LlamaConfig(**A.common(
        num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=kv, head_dim=16,
        rms_norm_eps=1e-5, max_position_embeddings=128, tie_word_embeddings=False,
        attention_bias=False, mlp_bias=False, hidden_act="silu",
        rope_parameters={"rope_type": "default", "rope_theta": 10000.0}))


def pooled_state(sd, heads_kv, g, d):
    out = {}
    for k, v in sd.items():
        if k.endswith("k_proj.weight") or k.endswith("v_proj.weight"):
            w = v.numpy().astype(np.float32)
            w = w.reshape(g, heads_kv // g, d, w.shape[1]).mean(axis=1, dtype=np.float32)
            out[k] = torch.from_numpy(w.reshape(g * d, -1).copy())
        else:
            out[k] = v
    return out


def mha_folder(summary, versions):
    spec = {"cls": "LlamaForCausalLM", "cfg": lambda: mha_config(4)}
    model, cfg, _ = A.build_hf("llama-mha", spec, A.SEED + 7)
    d = save(model, "llama-mha")
    sd = {k: v.detach().clone() for k, v in model.state_dict().items()}
    seqs = [A.sequence(n, A.SEED + 77 + n) for n in (12, 40)]
    info = {"what": "mean-pooled K/V heads of hf/llama-mha (4 heads, 4 KV heads, head_dim 16)",
            "head_dim": 16, "heads": 4, "kv_heads": {}, "versions": versions,
            "llamacpp_settings": {"n_ctx": A.N_CTX, "kv_type": "F32", "logits_all": True}}
    with tempfile.TemporaryDirectory() as tmp:
        for g in (4, 2, 1):
            psd = pooled_state(sd, 4, g, 16)
            cls = transformers.LlamaForCausalLM
            m = cls(mha_config(g)).to(torch.float32)
            m.load_state_dict(psd)
            m.eval()
            gguf = os.path.join(tmp, f"mha-g{g}.gguf")
            subprocess.run([CLI, "convert", d, "-o", gguf, "--outtype", "f32", "--kv-heads", str(g)],
                           check=True, capture_output=True)
            entry = {"layer0_k_pooled": [float(x) for x in psd["model.layers.0.self_attn.k_proj.weight"].numpy().ravel()],
                     "layer0_v_pooled": [float(x) for x in psd["model.layers.0.self_attn.v_proj.weight"].numpy().ravel()],
                     "sequences": []}
            for toks in seqs:
                hf = A.hf_logits(m, toks)
                lc = A.llamacpp_logits(gguf, toks)
                entry["sequences"].append({"tokens": toks, "hf_logits": T.round_logits(hf),
                                           "llamacpp_logits": T.round_logits(lc),
                                           "llamacpp_vs_hf_max_abs_diff": A.g3(max_diff(hf, lc))})
            info["kv_heads"][str(g)] = entry
            summary[f"llama-mha G={g}"] = {"llamacpp_vs_hf_max_abs_diff": max(
                s["llamacpp_vs_hf_max_abs_diff"] for s in entry["sequences"])}
    T.dump(os.path.join(OUT, "llama-mha.json"), info)


def main():
    os.makedirs(OUT, exist_ok=True)
    if not os.path.exists(CLI):
        sys.exit(f"{CLI} not found: build it (swift build -c release --product llamaswift-cli) or set LLAMASWIFT_CLI")
    import llama_cpp
    versions = {"transformers": transformers.__version__, "torch": torch.__version__, "numpy": np.__version__,
                "llama_cpp_python": llama_cpp.__version__}
    summary = {}
    arch_folders(summary)
    mha_folder(summary, versions)
    T.dump(os.path.join(OUT, "summary.json"), {"versions": versions, "folders": summary})


if __name__ == "__main__":
    main()
