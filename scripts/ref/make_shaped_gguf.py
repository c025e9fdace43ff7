#!/usr/bin/env python3
"""Random-weight GGUF files with real model shapes (LLaMA 2 7B, TinyLlama, Qwen2.5-0.5B,
Phi-3-mini), for speed measurements only.

    out/ref/venv/bin/python scripts/ref/make_shaped_gguf.py [--out DIR]
        [--models llama2-7b,tinyllama-1b] [--types Q4_0,Q8_0] [--seed N] [--force]

Writes DIR/<model>-<type>.gguf (default DIR out/ref/shaped-models, outside the repo; the
7B files are 3.6 and 6.7 GiB). Existing files are kept unless --force.

The weights are noise, so the text they produce is meaningless, but every matrix has
the size and layout of the real model: time per token is what a real file would give.
The quantized blocks are written directly (no float tensor, no quantizer):
    Q8_0 block, 32 weights in 34 bytes: f16 scale d, then 32 int8 q;   w = d * q
    Q4_0 block, 32 weights in 18 bytes: f16 scale d, then 16 bytes; byte j holds
        weight j in its low nibble and weight j+16 in its high one;    w = d * (nibble - 8)
The scale of each block is base * U(0.75, 1.25) with a random sign (real Q4_0/Q8_0
scales are signed too; the sign also cancels the -0.5 mean of the nibbles), and base is
chosen so that the weights have a standard deviation of about --std (0.02): the
residual stream stays O(1) through all layers and the logits are finite.

Simplification: token_embd and output use the same type as the other matrices
(llama.cpp's quantizer would make output Q6_K); norm weights are F32, 1 + N(0, 0.01).
The vocabulary is a synthetic 32000-piece SentencePiece vocabulary (tokenizer.ggml.model
"llama"): <unk>, <s>, </s>, the 256 byte tokens <0x00>..<0xFF>, then "▁", "▁a".. made-up
pieces with decreasing scores.
"""
import argparse
import os
import sys
import time

import numpy as np
from gguf import GGMLQuantizationType, GGUFWriter, LlamaFileType, TokenType

SHAPES = {
    "llama2-7b": dict(n_embd=4096, n_layer=32, n_head=32, n_head_kv=32, n_ff=11008,
                      n_vocab=32000, n_ctx=4096, rope_base=10000.0, rms_eps=1e-5),
    "tinyllama-1b": dict(n_embd=2048, n_layer=22, n_head=32, n_head_kv=4, n_ff=5632,
                         n_vocab=32000, n_ctx=2048, rope_base=10000.0, rms_eps=1e-5),
    # Qwen2.5-0.5B: Q/K/V biases, output tied to the embedding.
    "qwen2.5-0.5b": dict(arch="qwen2", n_embd=896, n_layer=24, n_head=14, n_head_kv=2, n_ff=4864,
                         n_vocab=151936, n_ctx=32768, rope_base=1000000.0, rms_eps=1e-6,
                         qkv_bias=True, tied=True),
    # Phi-3-mini-4k: fused attn_qkv and gate-up (ffn_up holds both halves).
    "phi3-mini": dict(arch="phi3", n_embd=3072, n_layer=32, n_head=32, n_head_kv=32, n_ff=8192,
                      n_vocab=32064, n_ctx=4096, rope_base=10000.0, rms_eps=1e-5, fused=True),
}

# type -> (GGML type, file type, bytes per block of 32, std of the integer part)
QTYPES = {
    # q uniform over -128..127
    "Q8_0": (GGMLQuantizationType.Q8_0, LlamaFileType.MOSTLY_Q8_0, 34, np.sqrt((256**2 - 1) / 12)),
    # nibble - 8 uniform over -8..7
    "Q4_0": (GGMLQuantizationType.Q4_0, LlamaFileType.MOSTLY_Q4_0, 18, np.sqrt((16**2 - 1) / 12)),
}
QK = 32


def quantized_blocks(rng, rows, cols, qtype, std):
    """(rows, cols/32 * block bytes) uint8: the raw blocks of a random rows x cols matrix."""
    _, _, bsize, qstd = QTYPES[qtype]
    assert cols % QK == 0, cols
    nblocks = rows * cols // QK
    # E[(d*q)^2] = E[d^2] * qstd^2 with d = base * u, u ~ U(0.75, 1.25): E[u^2] = 1 + 1/48
    base = std / qstd / np.sqrt(1 + 1 / 48)
    d = base * rng.uniform(0.75, 1.25, nblocks)
    d *= rng.choice(np.array([-1.0, 1.0]), nblocks)
    out = np.empty((nblocks, bsize), dtype=np.uint8)
    out[:, :2] = d.astype("<f2").view(np.uint8).reshape(nblocks, 2)
    # Uniform random bytes are exactly uniform int8 q (Q8_0) or two uniform nibbles (Q4_0).
    out[:, 2:] = np.frombuffer(rng.bytes(nblocks * (bsize - 2)), dtype=np.uint8).reshape(nblocks, bsize - 2)
    return out.reshape(rows, cols // QK * bsize)


def synthetic_vocab(n_vocab):
    """SentencePiece-style pieces: specials, byte tokens, then unique made-up pieces."""
    tokens = ["<unk>", "<s>", "</s>"]
    types = [TokenType.UNKNOWN, TokenType.CONTROL, TokenType.CONTROL]
    tokens += [f"<0x{b:02X}>" for b in range(256)]
    types += [TokenType.BYTE] * 256
    scores = [0.0] * len(tokens)
    letters = "abcdefghijklmnopqrstuvwxyz"
    # "▁", then "▁a".."▁z", "a".."z", "▁aa".., "aa".., "▁aaa".. until the vocabulary is full
    pieces = ["\u2581"]
    level = [""]
    while len(pieces) < n_vocab - len(tokens):
        level = [p + c for p in level for c in letters]
        pieces += ["\u2581" + p for p in level] + level
    pieces = pieces[: n_vocab - len(tokens)]
    tokens += pieces
    types += [TokenType.NORMAL] * len(pieces)
    scores += [-float(i) for i in range(len(pieces))]
    assert len(tokens) == n_vocab and len(set(tokens)) == n_vocab
    return tokens, scores, types


def tensor_plan(s):
    """(name, shape in numpy order (rows, cols) or (n,), quantized?) in file order."""
    e, ff, hd = s["n_embd"], s["n_ff"], s["n_embd"] // s["n_head"]
    kv = s["n_head_kv"] * hd
    plan = [("token_embd.weight", (s["n_vocab"], e), True)]
    for i in range(s["n_layer"]):
        b = f"blk.{i}."
        plan.append((b + "attn_norm.weight", (e,), False))
        if s.get("fused"):
            plan.append((b + "attn_qkv.weight", (e + 2 * kv, e), True))
        else:
            plan += [(b + "attn_q.weight", (e, e), True), (b + "attn_k.weight", (kv, e), True),
                     (b + "attn_v.weight", (kv, e), True)]
        if s.get("qkv_bias"):
            plan += [(b + "attn_q.bias", (e,), False), (b + "attn_k.bias", (kv,), False),
                     (b + "attn_v.bias", (kv,), False)]
        plan += [(b + "attn_output.weight", (e, e), True), (b + "ffn_norm.weight", (e,), False)]
        if s.get("fused"):
            plan.append((b + "ffn_up.weight", (2 * ff, e), True))
        else:
            plan += [(b + "ffn_gate.weight", (ff, e), True), (b + "ffn_up.weight", (ff, e), True)]
        plan.append((b + "ffn_down.weight", (e, ff), True))
    plan.append(("output_norm.weight", (e,), False))
    if not s.get("tied"):
        plan.append(("output.weight", (s["n_vocab"], e), True))
    return plan


def write_model(path, model, qtype, seed, std):
    s = SHAPES[model]
    ggml_type, file_type, bsize, _ = QTYPES[qtype]
    w = GGUFWriter(path, s.get("arch", "llama"))
    # Not "phi3" in the name: llama.cpp then insists on Phi-3's <|endoftext|> token.
    w.add_name(f"{model.replace('phi3', 'phi 3')} shaped random {qtype}")
    w.add_file_type(file_type)
    w.add_quantization_version(2)
    w.add_context_length(s["n_ctx"])
    w.add_embedding_length(s["n_embd"])
    w.add_block_count(s["n_layer"])
    w.add_feed_forward_length(s["n_ff"])
    w.add_head_count(s["n_head"])
    w.add_head_count_kv(s["n_head_kv"])
    w.add_rope_dimension_count(s["n_embd"] // s["n_head"])
    w.add_layer_norm_rms_eps(s["rms_eps"])
    w.add_rope_freq_base(s["rope_base"])
    if s.get("arch", "llama") == "llama":
        w.add_vocab_size(s["n_vocab"])
    tokens, scores, types = synthetic_vocab(s["n_vocab"])
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_unk_token_id(0)
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)

    # Declare every tensor first, then stream the data one tensor at a time: only one
    # tensor (at most vocab x n_embd) is in memory at once.
    plan = tensor_plan(s)
    for name, shape, quant in plan:
        if quant:
            rows, cols = shape
            byte_shape = (rows, cols // QK * bsize)
            w.add_tensor_info(name, byte_shape, np.dtype(np.uint8), rows * byte_shape[1], raw_dtype=ggml_type)
        else:
            w.add_tensor_info(name, shape, np.dtype(np.float32), shape[0] * 4)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_ti_data_to_file()
    rng = np.random.default_rng(seed)
    for name, shape, quant in plan:
        if quant:
            data = quantized_blocks(rng, shape[0], shape[1], qtype, std)
        elif name.endswith(".bias"):
            data = (0.1 * rng.standard_normal(shape)).astype(np.float32)
        else:
            data = (1.0 + 0.01 * rng.standard_normal(shape)).astype(np.float32)
        w.write_tensor_data(data)
    w.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "out", "ref", "shaped-models"), help="output directory (outside the repo)")
    ap.add_argument("--models", default="llama2-7b,tinyllama-1b", help=f"comma-separated, of {','.join(SHAPES)}")
    ap.add_argument("--types", default="Q4_0,Q8_0", help=f"comma-separated, of {','.join(QTYPES)}")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--std", type=float, default=0.02, help="standard deviation of the matrix weights")
    ap.add_argument("--force", action="store_true", help="rewrite files that already exist")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for model in a.models.split(","):
        if model not in SHAPES:
            sys.exit(f"unknown model {model!r}; known: {', '.join(SHAPES)}")
        for qtype in a.types.split(","):
            if qtype not in QTYPES:
                sys.exit(f"unknown type {qtype!r}; known: {', '.join(QTYPES)}")
            path = os.path.join(a.out, f"{model}-{qtype}.gguf")
            if os.path.exists(path) and not a.force:
                print(f"{path}: exists ({os.path.getsize(path) / 2**30:.2f} GiB), kept (--force rewrites)")
                continue
            t0 = time.monotonic()
            write_model(path + ".tmp", model, qtype, a.seed, a.std)
            os.replace(path + ".tmp", path)
            size = os.path.getsize(path)
            print(f"{path}: {size} bytes ({size / 2**30:.2f} GiB) in {time.monotonic() - t0:.1f} s", flush=True)


if __name__ == "__main__":
    main()
