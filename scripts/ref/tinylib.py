"""Helpers shared by the tiny-model reference scripts (make_tiny_models.py,
make_kquant_models.py): build a random Hugging Face LLaMA, write it as GGUF, and
evaluate logits with transformers and with llama.cpp (llama-cpp-python)."""
import json
import os

import numpy as np
import torch
import gguf
from gguf import GGMLQuantizationType as QT

N_VOCAB = 259  # <unk> <s> </s> + 256 byte tokens


def hf_config(hidden=64, layers=2, inter=160, heads=4, kv=2, head_dim=16,
              max_pos=64, rope=None, tied=False):
    from transformers import LlamaConfig
    rope_parameters = {"rope_type": "default", "rope_theta": 10000.0}
    if rope is not None:
        rope_parameters = {"rope_type": rope[0], "factor": float(rope[1]), "rope_theta": 10000.0}
    return LlamaConfig(
        vocab_size=N_VOCAB, hidden_size=hidden, intermediate_size=inter,
        num_hidden_layers=layers, num_attention_heads=heads, num_key_value_heads=kv,
        head_dim=head_dim, rms_norm_eps=1e-5, max_position_embeddings=max_pos,
        rope_parameters=rope_parameters, tie_word_embeddings=tied,
        attention_bias=False, mlp_bias=False, hidden_act="silu",
        bos_token_id=1, eos_token_id=2, pad_token_id=None,
        attn_implementation="eager", dtype=torch.float32,
    )


def build_hf(cfg, seed, weight_round=None):
    """A LlamaForCausalLM with deterministic weights of useful magnitude:
    linear weights N(0, 1/fan_in), embeddings N(0, 1), norm weights 1 + N(0, 0.1^2).
    weight_round: None, torch.float16 or torch.bfloat16 -- round every weight to that
    type and back to float32 (the model then computes in float32)."""
    from transformers import LlamaForCausalLM
    torch.manual_seed(seed)
    model = LlamaForCausalLM(cfg).to(torch.float32)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters(), key=lambda kv: kv[0]):
            if name.endswith("embed_tokens.weight"):
                p.copy_(torch.randn(p.shape, generator=gen))
            elif p.dim() == 1:  # RMSNorm weights
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=gen))
            else:
                p.copy_(torch.randn(p.shape, generator=gen) / (p.shape[1] ** 0.5))
            if weight_round is not None:
                p.copy_(p.to(weight_round).to(torch.float32))
    if cfg.tie_word_embeddings:
        assert model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()
    model.eval()
    return model


def hf_logits(model, tokens):
    with torch.no_grad():
        out = model(torch.tensor([tokens], dtype=torch.long), use_cache=False)
    return out.logits[0].to(torch.float32).numpy()


def hf_logits_incremental(model, tokens, first):
    """HF with its KV cache: one call over tokens[:first], then one call per token."""
    rows = []
    with torch.no_grad():
        out = model(torch.tensor([tokens[:first]], dtype=torch.long), use_cache=True)
        rows.append(out.logits[0])
        pkv = out.past_key_values
        for t in tokens[first:]:
            out = model(torch.tensor([[t]], dtype=torch.long), past_key_values=pkv, use_cache=True)
            pkv = out.past_key_values
            rows.append(out.logits[0])
    return torch.cat(rows, 0).to(torch.float32).numpy()


def permute_qk(w, n_head):
    """HF half-split rotary rows -> GGUF interleaved-pairs rows (what llama.cpp's
    converter does): rows of head h are [x0..x_{d/2-1}, y0..y_{d/2-1}] in HF and become
    [x0, y0, x1, y1, ...]."""
    rows, cols = w.shape
    hd = rows // n_head
    return w.reshape(n_head, 2, hd // 2, cols).swapaxes(1, 2).reshape(rows, cols)


def gguf_tensors(model, cfg):
    """(name, float32 numpy array in HF [out, in] layout) in GGUF order."""
    sd = {k: v.detach().to(torch.float32).numpy() for k, v in model.state_dict().items()}
    out = [("token_embd.weight", sd["model.embed_tokens.weight"])]
    for i in range(cfg.num_hidden_layers):
        p = f"model.layers.{i}."
        out += [
            (f"blk.{i}.attn_norm.weight", sd[p + "input_layernorm.weight"]),
            (f"blk.{i}.attn_q.weight", permute_qk(sd[p + "self_attn.q_proj.weight"], cfg.num_attention_heads)),
            (f"blk.{i}.attn_k.weight", permute_qk(sd[p + "self_attn.k_proj.weight"], cfg.num_key_value_heads)),
            (f"blk.{i}.attn_v.weight", sd[p + "self_attn.v_proj.weight"]),
            (f"blk.{i}.attn_output.weight", sd[p + "self_attn.o_proj.weight"]),
            (f"blk.{i}.ffn_norm.weight", sd[p + "post_attention_layernorm.weight"]),
            (f"blk.{i}.ffn_gate.weight", sd[p + "mlp.gate_proj.weight"]),
            (f"blk.{i}.ffn_up.weight", sd[p + "mlp.up_proj.weight"]),
            (f"blk.{i}.ffn_down.weight", sd[p + "mlp.down_proj.weight"]),
        ]
    out.append(("output_norm.weight", sd["model.norm.weight"]))
    if not cfg.tie_word_embeddings:
        out.append(("output.weight", sd["lm_head.weight"]))
    return out


FILE_TYPE = {  # llama_ftype values for general.file_type
    "F32": 0, "F16": 1, "Q4_0": 2, "Q4_1": 3, "Q8_0": 7, "Q5_0": 8, "Q5_1": 9,
    "Q4_K": 15, "Q5_K": 17, "Q6_K": 18, "BF16": 32,
}


def write_gguf(path, model, cfg, wtype="F32", name="tiny", rope=None):
    """Write the model as GGUF (arch llama). wtype applies to every 2-D tensor; 1-D
    norm weights are always F32 (as llama.cpp does)."""
    w = gguf.GGUFWriter(path, "llama")
    w.add_name(name)
    w.add_file_type(FILE_TYPE[wtype])
    w.add_context_length(cfg.max_position_embeddings)
    w.add_embedding_length(cfg.hidden_size)
    w.add_block_count(cfg.num_hidden_layers)
    w.add_feed_forward_length(cfg.intermediate_size)
    w.add_head_count(cfg.num_attention_heads)
    w.add_head_count_kv(cfg.num_key_value_heads)
    w.add_key_length(cfg.head_dim)
    w.add_value_length(cfg.head_dim)
    w.add_layer_norm_rms_eps(cfg.rms_norm_eps)
    w.add_rope_freq_base(10000.0)
    w.add_rope_dimension_count(cfg.head_dim)
    w.add_vocab_size(N_VOCAB)
    if rope is not None:
        w.add_string("llama.rope.scaling.type", rope[0])
        w.add_float32("llama.rope.scaling.factor", float(rope[1]))
        w.add_uint32("llama.rope.scaling.original_context_length", cfg.max_position_embeddings)
    # tokenizer: SentencePiece-style with byte tokens only
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores([0.0] * N_VOCAB)
    w.add_token_types([2, 3, 3] + [6] * 256)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_unk_token_id(0)
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    for tname, arr in gguf_tensors(model, cfg):
        arr = np.ascontiguousarray(arr, dtype=np.float32)
        if arr.ndim == 1 or wtype == "F32":
            w.add_tensor(tname, arr)
        elif wtype == "F16":
            w.add_tensor(tname, arr.astype(np.float16))
        else:
            qt = getattr(QT, wtype)
            w.add_tensor(tname, gguf.quants.quantize(arr, qt), raw_dtype=qt)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def dequantized_hf(model_builder, gguf_path, cfg):
    """A fresh HF model whose weights are the ones stored in gguf_path, dequantized to
    float32 and un-permuted (so HF computes the exact stored model in float32)."""
    model = model_builder()
    r = gguf.GGUFReader(gguf_path)
    stored = {}
    for t in r.tensors:
        a = gguf.quants.dequantize(t.data, t.tensor_type)
        stored[t.name] = np.asarray(a, dtype=np.float32).reshape([int(x) for x in reversed(t.shape)])

    def unpermute(w, n_head):
        rows, cols = w.shape
        hd = rows // n_head
        return w.reshape(n_head, hd // 2, 2, cols).swapaxes(1, 2).reshape(rows, cols)

    sd = model.state_dict()
    mapping = {"model.embed_tokens.weight": stored["token_embd.weight"],
               "model.norm.weight": stored["output_norm.weight"]}
    if not cfg.tie_word_embeddings:
        mapping["lm_head.weight"] = stored["output.weight"]
    for i in range(cfg.num_hidden_layers):
        p, b = f"model.layers.{i}.", f"blk.{i}."
        mapping.update({
            p + "input_layernorm.weight": stored[b + "attn_norm.weight"],
            p + "self_attn.q_proj.weight": unpermute(stored[b + "attn_q.weight"], cfg.num_attention_heads),
            p + "self_attn.k_proj.weight": unpermute(stored[b + "attn_k.weight"], cfg.num_key_value_heads),
            p + "self_attn.v_proj.weight": stored[b + "attn_v.weight"],
            p + "self_attn.o_proj.weight": stored[b + "attn_output.weight"],
            p + "post_attention_layernorm.weight": stored[b + "ffn_norm.weight"],
            p + "mlp.gate_proj.weight": stored[b + "ffn_gate.weight"],
            p + "mlp.up_proj.weight": stored[b + "ffn_up.weight"],
            p + "mlp.down_proj.weight": stored[b + "ffn_down.weight"],
        })
    with torch.no_grad():
        for k, v in mapping.items():
            assert tuple(sd[k].shape) == v.shape, (k, sd[k].shape, v.shape)
            sd[k].copy_(torch.from_numpy(np.array(v, dtype=np.float32)))
    return model


def llamacpp_logits(gguf_path, tokens, kv_f32, n_ctx=128):
    """All-position logits from llama.cpp for one forward call over `tokens`."""
    import llama_cpp
    kw = {}
    if kv_f32:
        kw = {"type_k": 0, "type_v": 0}  # GGML_TYPE_F32
    llm = llama_cpp.Llama(model_path=gguf_path, n_ctx=n_ctx, n_batch=n_ctx, n_ubatch=n_ctx,
                          n_threads=2, n_threads_batch=2, logits_all=True, flash_attn=False,
                          verbose=False, **kw)
    llm.eval(tokens)
    out = np.array(llm.scores[:len(tokens)], dtype=np.float32)
    del llm
    return out


def round_logits(a):
    return [[float(f"{x:.7g}") for x in row] for row in np.asarray(a, dtype=np.float32)]


def dump(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")
