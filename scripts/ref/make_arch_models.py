#!/usr/bin/env python3
"""Tiny random Hugging Face models of several LLaMA-like families (Llama 3 RoPE, Qwen2,
Mistral, Phi-3, Gemma 3), converted to GGUF by llama.cpp's own converter, with reference
logits from transformers (float32, eager attention) and from llama.cpp
(llama-cpp-python, F32 KV cache), and greedy continuations from both.

Writes Tests/Fixtures/arch/<name>.gguf, Tests/Fixtures/arch/<name>.json and
Tests/Fixtures/arch/summary.json. Format: Tests/Fixtures/README.md ("arch/").

  out/ref/venv/bin/python scripts/ref/make_arch_models.py [NAME ...]

How the GGUF files are made: each model is built with its transformers class
(random weights, seeded), saved with save_pretrained (safetensors + config.json) into a
temporary folder, and converted by llama.cpp's converter (convert_hf_to_gguf.py, i.e. its
`conversion` package: the model class that `convert_hf_to_gguf.py` picks for the
folder's `architectures[0]`), with `--outtype f32` (gguf.LlamaFileType.ALL_F32), the way
its main() does it. The only thing replaced is the vocabulary step: the converter wants a
real tokenizer (tokenizer.model / tokenizer.json with a known pre-tokenizer hash), which
these models do not have, so `set_vocab` of the model class is overridden (in a subclass)
by one that writes tinylib's tiny SentencePiece-style ("llama") vocabulary -- 259 tokens
<unk> <s> </s> <0x00>..<0xFF>, scores 0, types 2 3 3 6..., bos 1, eos 2, unk 0, add_bos
true, add_eos false, pre "default" (what the converter's SentencePiece path writes) and,
for Gemma 3, add_space_prefix false (what its SentencePiece branch adds) -- through the
converter's own gguf_writer. Everything else (tensor names, layouts, permutations, norm
shifts, fused tensors, generated tensors such as rope_freqs, hyper-parameter keys) is the
converter's. The HF folder also gets a tokenizer.json describing the same 259 tokens
(byte-fallback BPE without merges); the only converter code that reads it is Gemma 3's
`modify_tensors`, which trims token_embd to the tokenizer's size (no-op here).

The llama.cpp source is found at $LLAMACPP_SRC, default
out/ref/llamacpp-src/llama_cpp_python-0.3.36/vendor/llama.cpp (relative to the repo
root: the source package of the pinned binding, downloaded and unpacked there by
scripts/ref/build-llamacpp-tools.sh; nothing needs building). Its gguf-py is put first on
sys.path, so the converter runs with the gguf package it ships with.

Weights: see build_hf (Gemma 3 differs: norm weights around 0, embeddings N(0, 1/n_embd)).
What the converter writes and where llama.cpp and HF differ: NOTES below and the README.

Deterministic: rerunning reproduces every file byte for byte.
"""
import contextlib
import json
import logging
import os
import random
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
LLAMACPP_SRC = os.environ.get("LLAMACPP_SRC") or os.path.join(
    ROOT, "out", "ref", "llamacpp-src", "llama_cpp_python-0.3.36", "vendor", "llama.cpp")
if not os.path.isfile(os.path.join(LLAMACPP_SRC, "convert_hf_to_gguf.py")):
    sys.exit(f"llama.cpp source not found at {LLAMACPP_SRC} (set LLAMACPP_SRC)")
# the converter's gguf-py first, then the converter's `conversion` package
sys.path[:0] = [os.path.join(LLAMACPP_SRC, "gguf-py"), LLAMACPP_SRC,
                os.path.dirname(os.path.abspath(__file__))]

import numpy as np  # noqa: E402
import torch  # noqa: E402
import gguf  # noqa: E402
import transformers  # noqa: E402

import tinylib as T  # noqa: E402

OUT = os.path.join(ROOT, "Tests", "Fixtures", "arch")
SEED = 20240603
N_VOCAB = T.N_VOCAB
GREEDY_PROMPT = 12
GREEDY_NEW = 16
N_CTX = 128


# --------------------------------------------------------------------------- configs

def common(**kw):
    d = dict(vocab_size=N_VOCAB, hidden_size=64, intermediate_size=160,
             bos_token_id=1, eos_token_id=2, pad_token_id=None,
             attn_implementation="eager", dtype=torch.float32)
    d.update(kw)
    return d


def cfg_llama3():
    from transformers import LlamaConfig
    return LlamaConfig(**common(
        num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, head_dim=16,
        rms_norm_eps=1e-5, max_position_embeddings=128, tie_word_embeddings=False,
        attention_bias=False, mlp_bias=False, hidden_act="silu",
        rope_parameters={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                         "high_freq_factor": 4.0, "original_max_position_embeddings": 32,
                         "rope_theta": 10000.0}))


def cfg_qwen2(tied):
    from transformers import Qwen2Config
    return Qwen2Config(**common(
        num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
        rms_norm_eps=1e-6, max_position_embeddings=128, tie_word_embeddings=tied,
        hidden_act="silu", use_sliding_window=False,
        rope_parameters={"rope_type": "default", "rope_theta": 1000000.0}))


def cfg_mistral():
    from transformers import MistralConfig
    return MistralConfig(**common(
        num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, head_dim=16,
        rms_norm_eps=1e-5, max_position_embeddings=128, tie_word_embeddings=False,
        hidden_act="silu", sliding_window=64,
        rope_parameters={"rope_type": "default", "rope_theta": 1000000.0}))


PHI3_SHORT = [1.0, 1.0, 1.05, 1.1, 1.25, 1.5, 1.75, 2.0]
PHI3_LONG = [1.0, 1.25, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0]


def cfg_phi3(longrope):
    from transformers import Phi3Config
    if longrope:
        # original context 256: llama.cpp rounds n_ctx up to a multiple of 256, so a smaller
        # original context would make it use the long factors for every context size
        rope = {"rope_type": "longrope", "rope_theta": 10000.0,
                "short_factor": PHI3_SHORT, "long_factor": PHI3_LONG}
        max_pos, orig = 1024, 256
    else:
        rope = {"rope_type": "default", "rope_theta": 10000.0}
        max_pos, orig = 128, 128
    return Phi3Config(**common(
        num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
        rms_norm_eps=1e-5, max_position_embeddings=max_pos, original_max_position_embeddings=orig,
        tie_word_embeddings=False, hidden_act="silu", sliding_window=None,
        rope_parameters=rope))


def cfg_gemma3(linear):
    from transformers import Gemma3TextConfig
    full = {"rope_type": "default", "rope_theta": 1000000.0}
    if linear:
        full = {"rope_type": "linear", "factor": 2.0, "rope_theta": 1000000.0}
    kw = common(
        num_hidden_layers=7, num_attention_heads=4, num_key_value_heads=1, head_dim=32,
        rms_norm_eps=1e-6, max_position_embeddings=128, tie_word_embeddings=True,
        hidden_activation="gelu_pytorch_tanh", query_pre_attn_scalar=32, sliding_window=8,
        layer_types=["sliding_attention"] * 5 + ["full_attention"] + ["sliding_attention"],
        final_logit_softcapping=None, attn_logit_softcapping=None,
        rope_parameters={"full_attention": full,
                         "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0}})
    kw["pad_token_id"] = 0
    return Gemma3TextConfig(**kw)


# name: HF class, config builder, sequence lengths (None: GGUF only), notes
MODELS = {
    "llama3-rope": dict(cls="LlamaForCausalLM", cfg=cfg_llama3, lens=(12, 100)),
    "qwen2": dict(cls="Qwen2ForCausalLM", cfg=lambda: cfg_qwen2(True), lens=(12, 40)),
    "qwen2-untied": dict(cls="Qwen2ForCausalLM", cfg=lambda: cfg_qwen2(False), lens=(12, 40)),
    "mistral": dict(cls="MistralForCausalLM", cfg=cfg_mistral, lens=(12, 40)),
    "phi3": dict(cls="Phi3ForCausalLM", cfg=lambda: cfg_phi3(False), lens=(12, 40)),
    "phi3-longrope": dict(cls="Phi3ForCausalLM", cfg=lambda: cfg_phi3(True), lens=None),
    "gemma3": dict(cls="Gemma3ForCausalLM", cfg=lambda: cfg_gemma3(False), lens=(12, 40)),
    "gemma3-rope-linear": dict(cls="Gemma3ForCausalLM", cfg=lambda: cfg_gemma3(True), lens=(12, 40)),
}


# --------------------------------------------------------------------------- HF model

def build_hf(name, spec, seed):
    """The HF model with deterministic weights of useful magnitude: embeddings N(0,1),
    linear weights N(0, 1/fan_in), biases N(0, 0.1^2), RMSNorm weights 1 + N(0, 0.1^2).
    Gemma 3: RMSNorm multiplies by 1 + w, so w ~ N(0, 0.1^2); the embeddings are multiplied
    by sqrt(n_embd) on input, so they are stored N(0, 1/n_embd) (the first layer sees
    N(0,1), and the tied output layer gives logits of std ~1; stored N(0,1) the input
    token's own embedding dominates the residual stream and greedy decoding only ever
    repeats the last prompt token)."""
    cfg = spec["cfg"]()
    cls = getattr(transformers, spec["cls"])
    torch.manual_seed(seed)
    model = cls(cfg).to(torch.float32)
    gemma = spec["cls"].startswith("Gemma")
    gen = torch.Generator().manual_seed(seed)
    kinds = {}
    with torch.no_grad():
        for pname, p in sorted(model.named_parameters(), key=lambda kv: kv[0]):
            if pname.endswith("embed_tokens.weight"):
                kind = "embedding"
                p.copy_(torch.randn(p.shape, generator=gen) / (cfg.hidden_size ** 0.5 if gemma else 1.0))
            elif pname.endswith(".bias"):
                kind = "bias"
                p.copy_(0.1 * torch.randn(p.shape, generator=gen))
            elif p.dim() == 1:
                assert pname.endswith("norm.weight"), pname
                kind = "norm"
                p.copy_((0.0 if gemma else 1.0) + 0.1 * torch.randn(p.shape, generator=gen))
            else:
                assert p.dim() == 2, pname
                kind = "linear"
                p.copy_(torch.randn(p.shape, generator=gen) / (p.shape[1] ** 0.5))
            kinds[pname] = kind
    if cfg.tie_word_embeddings:
        assert model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()
    model.eval()
    return model, cfg, kinds


def hf_logits(model, tokens):
    with torch.no_grad():
        out = model(torch.tensor([tokens], dtype=torch.long), use_cache=False)
    return out.logits[0].to(torch.float32).numpy()


def ggml_gelu_f16_table(x):
    """GELU (tanh form) the way ggml's CPU backend computes it for F32 tensors
    (GGML_GELU_FP16 is defined in ggml-cpu/vec.h): the input is rounded to F16 and looked
    up in a 65536-entry table of F16 results; inputs <= -10 give 0, >= 10 give x."""
    xh = x.to(torch.float16).to(torch.float32)
    y = 0.5 * xh * (1.0 + torch.tanh(0.7978845608028654 * xh * (1.0 + 0.044715 * xh * xh)))
    y = y.to(torch.float16).to(torch.float32)
    return torch.where(x <= -10.0, torch.zeros_like(x), torch.where(x >= 10.0, x, y))


class _GeluF16Table(torch.nn.Module):
    def forward(self, x):
        return ggml_gelu_f16_table(x)


@contextlib.contextmanager
def gelu_as_ggml(model):
    """Temporarily replace the MLP activation of every layer by ggml_gelu_f16_table."""
    saved = [layer.mlp.act_fn for layer in model.model.layers]
    for layer in model.model.layers:
        layer.mlp.act_fn = _GeluF16Table()
    try:
        yield model
    finally:
        for layer, act in zip(model.model.layers, saved):
            layer.mlp.act_fn = act


def hf_greedy(model, prompt):
    from transformers import GenerationConfig
    gc = GenerationConfig(do_sample=False, max_new_tokens=GREEDY_NEW, min_new_tokens=0,
                          eos_token_id=None, pad_token_id=0, bos_token_id=1,
                          num_beams=1, temperature=None, top_k=None, top_p=None)
    with torch.no_grad():
        out = model.generate(torch.tensor([prompt], dtype=torch.long), generation_config=gc,
                             attention_mask=torch.ones((1, len(prompt)), dtype=torch.long))
    new = [int(x) for x in out[0, len(prompt):]]
    assert len(new) == GREEDY_NEW, new
    return new


def tiny_tokenizer_json():
    """tokenizer.json (HF tokenizers) for the 259-token vocabulary: byte-fallback BPE
    without merges, the three specials as added special tokens."""
    from tokenizers import AddedToken, Tokenizer
    from tokenizers.models import BPE
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for b in range(256):
        vocab[f"<0x{b:02X}>"] = 3 + b
    tok = Tokenizer(BPE(vocab=vocab, merges=[], unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in ("<unk>", "<s>", "</s>")])
    return tok.to_str()


# --------------------------------------------------------------------------- conversion

class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(f"{record.levelname}: {record.getMessage()}")


def write_tiny_vocab(writer, gemma):
    """tinylib's 259-token SentencePiece-style vocabulary (same keys as tinylib.write_gguf,
    plus the pre-tokenizer name the converter's SentencePiece path writes)."""
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
    writer.add_tokenizer_model("llama")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_scores([0.0] * N_VOCAB)
    writer.add_token_types([2, 3, 3] + [6] * 256)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_unk_token_id(0)
    writer.add_add_bos_token(True)
    writer.add_add_eos_token(False)
    if gemma:
        writer.add_add_space_prefix(False)


def convert(hf_dir, out_path, model_name):
    """llama.cpp's converter on hf_dir (what convert_hf_to_gguf.py main() does for
    `--outtype f32 --outfile out_path --model-name model_name`), with set_vocab replaced.
    Returns (converter class path, warnings logged by the converter)."""
    from conversion import ModelBase, ModelType, get_model_architecture, get_model_class
    collect = _Collect()
    loggers = [logging.getLogger(n) for n in ("hf-to-gguf", "gguf", "metadata")]
    for lg in loggers:
        lg.addHandler(collect)
        lg.setLevel(logging.WARNING)
        lg.propagate = False
    try:
        with torch.inference_mode():
            hparams = ModelBase.load_hparams(Path(hf_dir), False)
            arch = get_model_architecture(hparams, ModelType.TEXT)
            base = get_model_class(arch)
            gemma = base.model_arch in (gguf.MODEL_ARCH.GEMMA, gguf.MODEL_ARCH.GEMMA2, gguf.MODEL_ARCH.GEMMA3)

            def set_vocab(self):
                write_tiny_vocab(self.gguf_writer, gemma)

            sub = type(base.__name__, (base,), {"model_arch": base.model_arch, "set_vocab": set_vocab,
                                                "__module__": base.__module__})
            inst = sub(Path(hf_dir), gguf.LlamaFileType.ALL_F32, Path(out_path), model_name=model_name)
            inst.write()
    finally:
        for lg in loggers:
            lg.removeHandler(collect)
    return f"{base.__module__}.{base.__name__}", collect.messages


def gguf_contents(path):
    """(metadata dict without the token arrays, [[name, ne, type], ...])."""
    r = gguf.GGUFReader(path)
    meta = {}
    for key, field in r.fields.items():
        if key.startswith("GGUF."):
            continue
        if key in ("tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type"):
            meta[key] = f"[{len(field.data)} entries]"
            continue
        v = field.contents()
        if isinstance(v, float):
            v = float(f"{v:.7g}")  # float32 values, 7 significant digits
        elif isinstance(v, list):
            v = [float(f"{x:.7g}") if isinstance(x, float) else x for x in v]
        meta[key] = v
    tensors = [[t.name, [int(x) for x in t.shape], t.tensor_type.name] for t in r.tensors]
    return meta, tensors


def gguf_tensor(path, name):
    r = gguf.GGUFReader(path)
    for t in r.tensors:
        if t.name == name:
            return np.array(t.data, dtype=np.float32).reshape(-1)
    return None


# --------------------------------------------------------------------------- llama.cpp

def llamacpp_open(path, n_ctx=N_CTX):
    import llama_cpp
    return llama_cpp.Llama(model_path=path, n_ctx=n_ctx, n_batch=n_ctx, n_ubatch=n_ctx,
                           n_threads=2, n_threads_batch=2, logits_all=True, flash_attn=False,
                           type_k=0, type_v=0, swa_full=True, verbose=False)  # KV cache F32


def llamacpp_logits(path, tokens, n_ctx=N_CTX):
    llm = llamacpp_open(path, n_ctx)
    llm.eval(tokens)
    out = np.array(llm.scores[:len(tokens)], dtype=np.float32)
    del llm
    return out


def llamacpp_greedy(path, prompt):
    """Prompt in one eval, then argmax and one eval per token (KV cache kept).
    Returns (tokens, top1 - top2 margin at each step)."""
    llm = llamacpp_open(path)
    llm.eval(prompt)
    toks, margins = [], []
    for _ in range(GREEDY_NEW):
        row = np.array(llm.scores[llm.n_tokens - 1], dtype=np.float32)
        t = int(np.argmax(row))
        top2 = np.sort(row)[-2:]
        toks.append(t)
        margins.append(float(f"{float(top2[1] - top2[0]):.4g}"))
        llm.eval([t])
    del llm
    return toks, margins


# --------------------------------------------------------------------------- records

def sequence(length, seed):
    rng = random.Random(seed)
    return [1] + [rng.randrange(3, N_VOCAB) for _ in range(length - 1)]


def jsonable(v):
    if isinstance(v, torch.dtype):
        return str(v).replace("torch.", "")
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    return v


def hf_config_dict(cfg):
    d = cfg.to_dict()
    for k in ("transformers_version", "_name_or_path", "output_attentions", "output_hidden_states",
              "return_dict", "torchscript", "chunk_size_feed_forward", "problem_type",
              "id2label", "label2id", "is_encoder_decoder", "tie_encoder_decoder"):
        d.pop(k, None)
    return jsonable(dict(sorted(d.items())))


def summary_config(cfg, meta, arch):
    """The engine-relevant hyper-parameters, as llama.cpp reads them from the GGUF."""
    g = lambda k, default=None: meta.get(f"{arch}.{k}", default)  # noqa: E731
    n_head = g("attention.head_count")
    n_embd = g("embedding_length")
    return {
        "architecture": arch,
        "n_vocab": N_VOCAB, "n_embd": n_embd, "n_layer": g("block_count"),
        "n_ff": g("feed_forward_length"), "n_head": n_head,
        "n_head_kv": g("attention.head_count_kv"),
        "head_dim": g("attention.key_length", n_embd // n_head),
        "n_rot": g("rope.dimension_count", g("attention.key_length", n_embd // n_head)),
        "rms_norm_eps": g("attention.layer_norm_rms_epsilon"),
        "rope_freq_base": g("rope.freq_base", 10000.0),
        "rope_freq_base_swa": g("rope.freq_base_swa"),
        "rope_scaling_type": g("rope.scaling.type"),
        "rope_scaling_factor": g("rope.scaling.factor"),
        "rope_scaling_original_context_length": g("rope.scaling.original_context_length"),
        "context_length": g("context_length"),
        "sliding_window": g("attention.sliding_window"),
        "tied_embeddings": bool(cfg.tie_word_embeddings),
        "hidden_act": getattr(cfg, "hidden_activation", None) or getattr(cfg, "hidden_act", None),
    }


NOTES = {
    "llama3-rope": [
        "GGUF arch llama. The converter turns rope_type llama3 into the tensor rope_freqs.weight "
        "([n_rot/2] F32 divisors of each frequency: 1 where wavelength < original_ctx/high_freq_factor, "
        "factor where wavelength > original_ctx/low_freq_factor, 1/((1-s)/factor+s) between, "
        "s = (original_ctx/wavelength - low)/(high - low)); no llama.rope.scaling.* keys are written "
        "(llama.rope.scaling.type absent = none/linear factor 1). llama.cpp divides theta_i by "
        "rope_freqs[i], which equals HF's llama3 inv_freq. Q/K rows are permuted to interleaved pairs "
        "(llama rope type NORM).",
    ],
    "qwen2": [
        "GGUF arch qwen2: q/k/v biases blk.N.attn_{q,k,v}.bias (F32), no attn_output bias; no Q/K "
        "permutation (qwen2 is a NEOX rope type in llama.cpp: rotate halves). Tied: no output.weight, "
        "llama.cpp reuses token_embd.weight. No attention.key_length key (head_dim = n_embd/n_head).",
        "Tied with embeddings N(0,1): the input token's embedding dominates the last hidden state, so "
        "greedy decoding repeats the prompt's last token (margins ~16-20; the logits themselves are "
        "still a full test). qwen2-untied has a non-trivial greedy continuation.",
    ],
    "qwen2-untied": [
        "As qwen2 but with output.weight.",
    ],
    "mistral": [
        "MistralForCausalLM converts to GGUF arch llama (the converter's LlamaModel class): Q/K "
        "permuted, rope type NORM. The converter does not write sliding_window at all (no "
        "llama.attention.sliding_window key) and llama.cpp's llama arch has no sliding window: "
        "llama.cpp would attend to the whole context where HF masks beyond sliding_window. Here the "
        "window (64) is longer than every sequence, so they agree.",
    ],
    "phi3": [
        "GGUF arch phi3: fused blk.N.attn_qkv.weight (rows: q, then k, then v; n_embd + 2*n_head_kv*"
        "head_dim rows) and fused blk.N.ffn_up.weight (2*n_ff rows: gate first, then up; llama.cpp "
        "applies swiglu to the halves: silu(first half) * second half); no ffn_gate. Rope NEOX "
        "(no permutation). The converter writes phi3.rope.scaling.original_context_length "
        "(original_max_position_embeddings) and phi3.attention.sliding_window = 0 when HF "
        "sliding_window is null, but no attention.key_length and no rope.scaling.type; "
        "rope.dimension_count = int(partial_rotary_factor * n_embd) // n_head.",
        "llama.cpp quirk: when general.name contains 'phi3' or 'phi-3' (lower-cased), its vocabulary "
        "loader sets attributes on the tokens '</s>', '<unk>', '<s>' and '<|endoftext|>' with "
        "std::unordered_map::at and fails to load the model ('error loading model vocabulary: "
        "unordered_map::at') when one is missing. The tiny vocabulary has no <|endoftext|>, so the "
        "Phi-3 files are named 'tiny phi 3 ...' (general.name only; nothing else changes).",
        "phi3.attention.sliding_window: llama.cpp 0.3.36 ignores a nonzero Phi-3 sliding window "
        "anyway (it logs 'Phi SWA is currently disabled' and uses full attention).",
    ],
    "phi3-longrope": [
        "GGUF only (a file the engine must refuse): Phi-3 with rope_type longrope. The converter writes "
        "the tensors rope_factors_long.weight and rope_factors_short.weight ([n_rot/2] F32, the HF "
        "long_factor/short_factor lists) and the key phi3.rope.scaling.attn_factor = "
        "sqrt(1 + ln(max_pos/orig)/ln(orig)), plus phi3.rope.scaling.original_context_length; it does "
        "NOT write phi3.rope.scaling.type (so a reader cannot tell longrope from the key alone; the "
        "tensors are the signal). llama.cpp loads it and picks long vs short factors once per context "
        "from n_ctx > original_context_length (the context size, not the positions), while HF picks "
        "them per forward call from the sequence length (> original_max_position_embeddings): they "
        "disagree for short sequences in a large context (see probe). llama.cpp rounds n_ctx up to a "
        "multiple of 256, which is why original_max_position_embeddings is 256 here "
        "(max_position_embeddings 1024). Both apply the attention factor to cos/sin (llama.cpp: "
        "rope.scaling.attn_factor multiplies its yarn_attn_factor).",
        "Same general.name quirk as phi3.",
    ],
    "gemma3": [
        "GGUF arch gemma3. Tensors: token_embd (tied, no output.weight), per block attn_norm, attn_q, "
        "attn_k, attn_v, attn_q_norm, attn_k_norm ([head_dim]), attn_output, post_attention_norm, "
        "ffn_norm (HF pre_feedforward_layernorm), ffn_gate, ffn_up, ffn_down, post_ffw_norm; "
        "output_norm. Every *norm.weight is stored as 1 + w (the converter adds 1 to HF's Gemma "
        "RMSNorm weight), so the stored norms multiply directly. No Q/K permutation (NEOX rope). "
        "Keys: gemma3.attention.sliding_window (8), gemma3.rope.freq_base (global layers, 1e6), "
        "gemma3.rope.freq_base_swa (local layers, 10000), attention.key_length/value_length 32. "
        "Not written: the layer pattern (llama.cpp hard-codes 'every 6th layer global': layer il is "
        "sliding iff il % 6 < 5, unless gemma3.attention.sliding_window_pattern is present), "
        "query_pre_attn_scalar (llama.cpp scales queries by 1/sqrt(head_dim), or 1/sqrt(n_embd/n_head) "
        "for the 62-layer 27B only -- equal to HF here since query_pre_attn_scalar = head_dim), "
        "final_logit_softcapping (written only when set), the embedding scale sqrt(n_embd) and the "
        "gelu_pytorch_tanh activation (both implied by the arch). Sliding window: a key at position "
        "p0 is visible from query p1 iff p1 - p0 < sliding_window (HF and llama.cpp agree).",
        "llama.cpp vs HF is ~2e-3 here (logits up to ~4.4; ~2e-6 for the other families) because "
        "ggml's CPU GELU on F32 data rounds its input to F16 and returns an F16 value from a table "
        "(GGML_GELU_FP16 in ggml-cpu/vec.h, used by ggml_geglu_split for Gemma's gated FFN). With "
        "that rounding emulated in HF (llamacpp_vs_hf_ggml_gelu_max_abs_diff) the distance drops to "
        "<= 8e-4, sporadically by position: what is left are F16 rounding-boundary flips (gate values "
        "that differ from HF's in the last float32 bits round to a different F16). With every FFN "
        "zeroed the two agree to 2e-6 (checked once, not stored): attention, norms, RoPE, the "
        "sliding window and the embedding scale match exactly. hf_logits are the exact-GELU "
        "reference.",
    ],
    "gemma3-rope-linear": [
        "As gemma3 with HF rope_parameters.full_attention = linear factor 2. The converter writes "
        "gemma3.rope.scaling.type = linear and gemma3.rope.scaling.factor = 2 (from the full_attention "
        "entry). llama.cpp applies the scale only to global layers (sliding layers use "
        "rope_freq_scale_train_swa = 1, and there is no key for it), as HF does (sliding layers use "
        "their own default rope).",
        "Same GELU rounding in llama.cpp as gemma3.",
    ],
}


def g3(x):
    return float(f"{float(x):.3g}")


def distances(hf, lc):
    """(max |lc - hf|, max over rows of max|lc - hf| / max|hf|), float32 inputs, 3 digits."""
    hf = np.asarray(hf, dtype=np.float64)
    lc = np.asarray(lc, dtype=np.float64)
    d = np.max(np.abs(lc - hf), axis=1)
    m = np.max(np.abs(hf), axis=1)
    return g3(np.max(d)), g3(np.max(d / m))


def general_name(name):
    """general.name. llama.cpp's vocabulary loader looks for the tokens </s>, <unk>, <s> and
    <|endoftext|> (std::unordered_map::at, so loading fails when one is missing) whenever
    general.name contains "phi3" or "phi-3" (lower-cased); the tiny vocabulary has no
    <|endoftext|>, so the Phi-3 files are named "tiny phi 3 ..." instead."""
    return "tiny " + name.replace("phi3", "phi 3")


def make(name, spec, tmp, versions):
    model, cfg, kinds = build_hf(name, spec, SEED)
    hf_dir = os.path.join(tmp, name)
    os.makedirs(hf_dir)
    model.save_pretrained(hf_dir, safe_serialization=True)
    with open(os.path.join(hf_dir, "tokenizer.json"), "w") as f:
        f.write(tiny_tokenizer_json())
    path = os.path.join(OUT, f"{name}.gguf")
    conv_class, warnings = convert(hf_dir, path, general_name(name))
    meta, tensors = gguf_contents(path)
    arch = meta["general.architecture"]
    info = {
        "name": name, "gguf": f"{name}.gguf", "hf_class": spec["cls"],
        "architecture": arch,
        "config": summary_config(cfg, meta, arch),
        "hf_config": hf_config_dict(cfg),
        "weights": {"seed": SEED,
                    "init": ("embeddings N(0,1/n_embd) (Gemma multiplies them by sqrt(n_embd)); linear "
                             "N(0,1/fan_in); RMSNorm weights N(0,0.01) (HF Gemma RMSNorm multiplies by 1+w)"
                             if spec["cls"].startswith("Gemma") else
                             "embeddings N(0,1); linear N(0,1/fan_in); biases N(0,0.01); RMSNorm weights "
                             "1+N(0,0.01)"),
                    "hf_parameters": {k: kinds[k] for k in sorted(kinds)}},
        "converter": {"script": "convert_hf_to_gguf.py", "class": conv_class, "outtype": "f32",
                      "vocab": "set_vocab replaced: tinylib's 259-token SentencePiece-style vocabulary",
                      "warnings": warnings},
        "gguf_metadata": meta,
        "gguf_tensors": tensors,
        "seed": SEED,
        "versions": versions,
        "notes": NOTES[name],
    }
    generated = {}
    for tname in ("rope_freqs.weight", "rope_factors_long.weight", "rope_factors_short.weight"):
        if tname in [t[0] for t in tensors]:
            generated[tname] = [float(f"{float(x):.7g}") for x in gguf_tensor(path, tname)]
    if generated:
        info["generated_tensors"] = generated
    summ = {"architecture": arch, "hf_class": spec["cls"]}
    if spec["lens"] is None:
        # no reference logits; check llama.cpp's behaviour (see notes)
        info["llamacpp_loads"] = True
        probe = []
        for n_tok, n_ctx in ((12, 256), (12, 512), (300, 512)):
            toks = sequence(n_tok, SEED + n_tok)
            hf = hf_logits(model, toks)
            p = {"n_tokens": n_tok, "n_ctx": n_ctx,
                 "hf_factors": "long" if n_tok > cfg.original_max_position_embeddings else "short",
                 "llamacpp_factors": "long" if n_ctx > cfg.original_max_position_embeddings else "short"}
            try:
                lc = llamacpp_logits(path, toks, n_ctx=n_ctx)
                p["llamacpp_vs_hf_max_abs_diff"] = g3(np.max(np.abs(lc - hf)))
            except Exception as e:  # noqa: BLE001
                info["llamacpp_loads"] = False
                p["llamacpp_error"] = repr(e)
            probe.append(p)
        info["probe"] = {
            "what": "llama.cpp (n_ctx as given, KV F32) vs HF (one call) on random sequences; factors = which "
                    "rope factor list each one uses (HF: sequence length > original_max_position_embeddings; "
                    "llama.cpp: n_ctx > original_context_length, n_ctx being a multiple of 256)",
            "runs": probe}
        info["sequences"] = []
        summ.update({"logits": False, "llamacpp_loads": info["llamacpp_loads"], "probe": probe})
        T.dump(os.path.join(OUT, f"{name}.json"), info)
        return summ
    seqs = []
    dmax, rmax, dg = 0.0, 0.0, 0.0
    gelu = (getattr(cfg, "hidden_activation", None) or getattr(cfg, "hidden_act", None)) == "gelu_pytorch_tanh"
    for i, n in enumerate(spec["lens"]):
        toks = sequence(n, SEED + 1000 * i + n)
        hf = hf_logits(model, toks)
        lc = llamacpp_logits(path, toks)
        d, r = distances(hf, lc)
        dmax, rmax = max(dmax, d), max(rmax, r)
        entry = {"tokens": toks, "hf_logits": T.round_logits(hf), "llamacpp_logits": T.round_logits(lc),
                 "llamacpp_vs_hf_max_abs_diff": d, "llamacpp_vs_hf_max_rel_diff": r}
        if gelu:
            with gelu_as_ggml(model):
                hf_g = hf_logits(model, toks)
            entry["llamacpp_vs_hf_ggml_gelu_max_abs_diff"] = distances(hf_g, lc)[0]
            dg = max(dg, entry["llamacpp_vs_hf_ggml_gelu_max_abs_diff"])
        seqs.append(entry)
    prompt = seqs[0]["tokens"][:GREEDY_PROMPT]
    g_hf = hf_greedy(model, prompt)
    g_lc, margins = llamacpp_greedy(path, prompt)
    first = next((k for k, (a, b) in enumerate(zip(g_hf, g_lc)) if a != b), None)
    info["sequences"] = seqs
    info["greedy"] = {"prompt": prompt, "hf": g_hf, "llamacpp": g_lc, "llamacpp_margins": margins,
                      "agree": g_hf == g_lc, "first_mismatch": first}
    info["llamacpp_settings"] = {"n_ctx": N_CTX, "n_batch": N_CTX, "n_ubatch": N_CTX, "n_threads": 2,
                                 "logits_all": True, "flash_attn": False, "kv_type": "F32",
                                 "swa_full": True}
    T.dump(os.path.join(OUT, f"{name}.json"), info)
    summ.update({"logits": True, "llamacpp_vs_hf_max_abs_diff": dmax, "llamacpp_vs_hf_max_rel_diff": rmax,
                 "greedy_agree": g_hf == g_lc, "greedy_first_mismatch": first,
                 "greedy_min_margin": min(margins)})
    if gelu:
        summ["llamacpp_vs_hf_ggml_gelu_max_abs_diff"] = dg
    return summ


def gguf_py_version():
    with open(os.path.join(LLAMACPP_SRC, "gguf-py", "pyproject.toml")) as f:
        for line in f:
            if line.startswith("version"):
                return line.split("=", 1)[1].strip().strip('"')
    return "unknown"


def main():
    import llama_cpp
    torch.set_num_threads(2)
    os.makedirs(OUT, exist_ok=True)
    only = set(sys.argv[1:])
    unknown = only - set(MODELS)
    if unknown:
        sys.exit(f"unknown model(s): {sorted(unknown)}")
    versions = {"torch": torch.__version__, "transformers": transformers.__version__,
                "gguf_py": "llama.cpp's gguf-py " + gguf_py_version(),
                "converter": "convert_hf_to_gguf.py of the llama.cpp vendored in llama-cpp-python "
                             + llama_cpp.__version__,
                "llama_cpp_python": llama_cpp.__version__}
    sp = os.path.join(OUT, "summary.json")
    summary = json.load(open(sp)) if os.path.exists(sp) else {}
    tmp = tempfile.mkdtemp(prefix="arch-models-")
    try:
        for name, spec in MODELS.items():
            if only and name not in only:
                continue
            summary[name] = make(name, spec, tmp, versions)
            print(name, json.dumps(summary[name]), file=sys.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    T.dump(sp, {k: summary[k] for k in MODELS if k in summary})


if __name__ == "__main__":
    main()
