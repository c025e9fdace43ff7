#!/usr/bin/env python3
"""SmolLM2-135M-Instruct as a Hugging Face checkpoint folder, made from the project's GGUF
(models/SmolLM2-135M-Instruct.Q4_1.gguf; the only copy of the model here), for issue 23's
measurements and the byte-level tokenizer test.

  out/ref/venv/bin/python scripts/ref/make_smollm2_folder.py [OUT]   (default out/hf/smollm2)

- OUT/: config.json (LlamaForCausalLM: SmolLM2's hyper-parameters from the GGUF keys),
  model.safetensors (the GGUF's tensors dequantized by gguf-py and stored F16 under the
  Hugging Face names; Q/K rows put back from llama.cpp's adjacent-pair order into
  rotate-half order: HF row h*d + j*d/2 + i = GGUF row h*d + 2i + j), tokenizer.json,
  tokenizer_config.json. The weights are those of the Q4_1 file (every Q4_1 value is exact
  in F16 up to F16 rounding), so `llamaswift convert --outtype f16` of the GGUF and this
  folder hold the same numbers.
- Tests/Fixtures/hf/smollm2-tokenizer/ (committed): the tokenizer files alone and a
  config.json, read vocab-only by the tests. tokenizer.json is built with HF `tokenizers`
  from the GGUF's vocabulary and merges (BPE, byte-level, pre-tokenizer Digits(individual)
  + ByteLevel as SmolLM2's own tokenizer.json has, special tokens the GGUF's control
  tokens). The script checks that HF tokenizers' ids equal llama.cpp's on every case of
  Tests/Fixtures/smollm2-tokenize.json (add_special false; parse_special true, or false on texts without
  special-token text), so the
  engine's test of this folder against those ids compares with both.
"""
import json
import os
import sys

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
GGUF_PATH = os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "out", "hf", "smollm2")
TOK_OUT = os.path.join(ROOT, "Tests", "Fixtures", "hf", "smollm2-tokenizer")


def field(r, key):
    f = r.fields.get(key)
    return None if f is None else f.contents()


def tokenizer_json(r):
    from tokenizers import AddedToken, Tokenizer, decoders, pre_tokenizers
    from tokenizers.models import BPE
    tokens = field(r, "tokenizer.ggml.tokens")
    types = field(r, "tokenizer.ggml.token_type")
    merges = [tuple(m.split(" ", 1)) for m in field(r, "tokenizer.ggml.merges")]
    vocab = {t: i for i, t in enumerate(tokens)}
    tok = Tokenizer(BPE(vocab=vocab, merges=merges, unk_token=None, byte_fallback=False, fuse_unk=False))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)])
    tok.decoder = decoders.ByteLevel(add_prefix_space=True, trim_offsets=True, use_regex=True)
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False)
                            for t, ty in zip(tokens, types) if ty == 3])
    return tok


def check_tokenizer(tok):
    ref = json.load(open(os.path.join(ROOT, "Tests", "Fixtures", "smollm2-tokenize.json")))
    n = 0
    for c in ref["cases"]:
        # HF always matches added special tokens; llama.cpp only with parse_special.
        if c["add_special"] or (not c["parse_special"] and "<|" in c["text"]):
            continue
        ids = tok.encode(c["text"], add_special_tokens=False).ids
        assert ids == c["ids"], (c["text"], ids, c["ids"])
        n += 1
    assert n > 20, n
    return n


def main():
    sys.path.insert(0, os.path.join(ROOT, "out", "ref", "llamacpp-src", "llama_cpp_python-0.3.36", "vendor",
                                    "llama.cpp", "gguf-py"))
    import gguf
    from gguf.quants import dequantize
    from safetensors.numpy import save_file
    r = gguf.GGUFReader(GGUF_PATH)
    a = "llama."
    n_embd, n_head, n_kv = field(r, a + "embedding_length"), field(r, a + "attention.head_count"), field(
        r, a + "attention.head_count_kv")
    d = n_embd // n_head
    tok = tokenizer_json(r)
    checked = check_tokenizer(tok)
    config = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama",
        "hidden_size": n_embd, "intermediate_size": field(r, a + "feed_forward_length"),
        "num_hidden_layers": field(r, a + "block_count"), "num_attention_heads": n_head,
        "num_key_value_heads": n_kv, "max_position_embeddings": field(r, a + "context_length"),
        "rms_norm_eps": float(f"{field(r, a + 'attention.layer_norm_rms_epsilon'):.7g}"),
        "rope_theta": float(field(r, a + "rope.freq_base")), "hidden_act": "silu",
        "vocab_size": len(field(r, "tokenizer.ggml.tokens")), "tie_word_embeddings": True,
        "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "float16"}
    tconfig = {"add_bos_token": False, "add_eos_token": False, "bos_token": "<|im_start|>",
               "eos_token": "<|im_end|>", "pad_token": "<|im_end|>", "unk_token": "<|endoftext|>",
               "chat_template": field(r, "tokenizer.chat_template"), "clean_up_tokenization_spaces": False,
               "tokenizer_class": "GPT2Tokenizer"}
    # tokenizer-only fixture
    os.makedirs(TOK_OUT, exist_ok=True)
    tok.save(os.path.join(TOK_OUT, "tokenizer.json"))
    for path, obj in ((os.path.join(TOK_OUT, "config.json"), config),
                      (os.path.join(TOK_OUT, "tokenizer_config.json"), tconfig)):
        with open(path, "w") as f:
            json.dump(obj, f, indent=1, sort_keys=True)
    # full folder
    names = {"token_embd.weight": "model.embed_tokens.weight", "output_norm.weight": "model.norm.weight",
             "output.weight": "lm_head.weight"}
    per = {"attn_norm": "input_layernorm", "attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj",
           "attn_v": "self_attn.v_proj", "attn_output": "self_attn.o_proj", "ffn_norm": "post_attention_layernorm",
           "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj"}
    tensors = {}
    for t in r.tensors:
        w = dequantize(t.data, t.tensor_type).astype(np.float32).reshape([int(x) for x in reversed(t.shape)])
        if t.name in names:
            hf = names[t.name]
        else:
            _, layer, kind, _ = t.name.split(".")
            hf = f"model.layers.{layer}.{per[kind]}.weight"
            if kind in ("attn_q", "attn_k"):
                heads = n_head if kind == "attn_q" else n_kv
                w = w.reshape(heads, d // 2, 2, -1).swapaxes(1, 2).reshape(heads * d, -1)
        tensors[hf] = np.ascontiguousarray(w.astype(np.float16 if w.ndim == 2 else np.float32))
    os.makedirs(OUT, exist_ok=True)
    save_file(tensors, os.path.join(OUT, "model.safetensors"), metadata={"format": "pt"})
    tok.save(os.path.join(OUT, "tokenizer.json"))
    for name, obj in (("config.json", config), ("tokenizer_config.json", tconfig)):
        with open(os.path.join(OUT, name), "w") as f:
            json.dump(obj, f, indent=1, sort_keys=True)
    print(f"wrote {OUT} ({len(tensors)} tensors) and {TOK_OUT}; tokenizer checked on {checked} cases")


if __name__ == "__main__":
    main()
