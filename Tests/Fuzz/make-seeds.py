#!/usr/bin/env python3
"""Writes the committed seed corpus of the fuzz targets (Tests/Fuzz/corpus/<target>/).
Deterministic; run from anywhere: python3 Tests/Fuzz/make-seeds.py. Standard library only."""
import os, random, struct

here = os.path.dirname(os.path.abspath(__file__))
corpus = os.path.join(here, "corpus")


def put(target, name, data):
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


# --- GGUF ---------------------------------------------------------------------------
def gstr(s):
    b = s.encode("utf-8") if isinstance(s, str) else s
    return struct.pack("<Q", len(b)) + b


def kv_u32(k, v): return gstr(k) + struct.pack("<II", 4, v)
def kv_f32(k, v): return gstr(k) + struct.pack("<If", 6, v)
def kv_bool(k, v): return gstr(k) + struct.pack("<IB", 7, 1 if v else 0)
def kv_str(k, v): return gstr(k) + struct.pack("<I", 8) + gstr(v)
def kv_strs(k, v): return gstr(k) + struct.pack("<IIQ", 9, 8, len(v)) + b"".join(gstr(s) for s in v)
def kv_f32s(k, v): return gstr(k) + struct.pack("<IIQ", 9, 6, len(v)) + b"".join(struct.pack("<f", x) for x in v)
def kv_i32s(k, v): return gstr(k) + struct.pack("<IIQ", 9, 5, len(v)) + b"".join(struct.pack("<i", x) for x in v)


def gguf(kvs, tensors, align=32, alias=None):
    """tensors: (name, dims, ggml type, data bytes); alias: name -> name of an earlier
    tensor whose data offset it reuses (overlapping data: a hostile file)"""
    alias = alias or {}
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs)) + b"".join(kvs)
    offs, off, at = [], 0, {}
    for name, _, _, data in tensors:
        if name in alias:
            offs.append(at[alias[name]])
            continue
        at[name] = off
        offs.append(off)
        off = (off + len(data) + align - 1) // align * align
    for (name, dims, typ, _), o in zip(tensors, offs):
        out += gstr(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        out += struct.pack("<IQ", typ, o)
    out += b"\0" * (-len(out) % align)
    base = len(out)
    for (name, _, _, data), o in zip(tensors, offs):
        if name not in alias:
            out += b"\0" * (base + o - len(out)) + data
    return out


rng = random.Random(8)


def f32(n, scale=0.3):
    return b"".join(struct.pack("<f", rng.uniform(-scale, scale)) for _ in range(n))


def q4_0(rows, cols):  # blocks of 32: f16 scale + 16 bytes of nibbles
    return b"".join(struct.pack("<e", 0.02) + bytes(rng.randrange(256) for _ in range(16))
                    for _ in range(rows * cols // 32))


def q8_0(rows, cols):  # blocks of 32: f16 scale + 32 int8
    return b"".join(struct.pack("<e", 0.01) + bytes(rng.randrange(256) for _ in range(32))
                    for _ in range(rows * cols // 32))


SPM_TOKENS = ["<unk>", "<s>", "</s>", "\u2581", "a", "b", "\u2581a", "ab", "<0x0A>", "<0x41>"]


def llama_model(embd=8, heads=2, kv_heads=1, ff=16, layers=1, wtype=0, extra=(), shared_layers=False):
    vocab = len(SPM_TOKENS)
    hd = embd // heads
    kvs = [kv_str("general.architecture", "llama"), kv_str("general.name", "fuzz-seed"),
           kv_u32("llama.context_length", 32), kv_u32("llama.embedding_length", embd),
           kv_u32("llama.block_count", layers), kv_u32("llama.feed_forward_length", ff),
           kv_u32("llama.attention.head_count", heads), kv_u32("llama.attention.head_count_kv", kv_heads),
           kv_f32("llama.attention.layer_norm_rms_epsilon", 1e-5), kv_f32("llama.rope.freq_base", 10000.0),
           kv_str("tokenizer.ggml.model", "llama"), kv_strs("tokenizer.ggml.tokens", SPM_TOKENS),
           kv_f32s("tokenizer.ggml.scores", [0.0, 0.0, 0.0, -1.0, -2.0, -2.0, -1.5, -3.0, 0.0, 0.0]),
           kv_i32s("tokenizer.ggml.token_type", [2, 3, 3, 1, 1, 1, 1, 1, 6, 6]),
           kv_u32("tokenizer.ggml.bos_token_id", 1), kv_u32("tokenizer.ggml.eos_token_id", 2),
           kv_bool("tokenizer.ggml.add_bos_token", True)] + list(extra)

    def mat(cols, rows):
        if wtype == 2: return (name_dims(cols, rows), 2, q4_0(rows, cols))
        if wtype == 8: return (name_dims(cols, rows), 8, q8_0(rows, cols))
        return (name_dims(cols, rows), 0, f32(rows * cols))

    def name_dims(cols, rows): return [cols, rows]
    ts = []

    def add(name, cols, rows):
        dims, typ, data = mat(cols, rows)
        ts.append((name, dims, typ, data))
    add("token_embd.weight", embd, vocab) if wtype == 0 else ts.append(("token_embd.weight", [embd, vocab], 0, f32(embd * vocab)))
    ts.append(("output_norm.weight", [embd], 0, struct.pack("<f", 1.0) * embd))
    for l in range(layers):
        p = f"blk.{l}."
        ts.append((p + "attn_norm.weight", [embd], 0, struct.pack("<f", 1.0) * embd))
        add(p + "attn_q.weight", embd, embd)
        add(p + "attn_k.weight", embd, kv_heads * hd)
        add(p + "attn_v.weight", embd, kv_heads * hd)
        add(p + "attn_output.weight", embd, embd)
        ts.append((p + "ffn_norm.weight", [embd], 0, struct.pack("<f", 1.0) * embd))
        add(p + "ffn_gate.weight", embd, ff)
        add(p + "ffn_up.weight", embd, ff)
        add(p + "ffn_down.weight", ff, embd)
    if wtype == 0:
        ts.append(("output.weight", [embd, vocab], 0, f32(embd * vocab)))
    # shared_layers: every block's tensors point at block 0's bytes (issue 15: 128 layers
    # over one range were each repacked, 2 GB from 4.6 MB; now FORMAT).
    alias = {n: "blk.0." + n.split(".", 2)[2] for n, _, _, _ in ts
             if shared_layers and n.startswith("blk.") and not n.startswith("blk.0.")}
    return gguf(kvs, ts, alias=alias)


put("gguf", "llama-f32.gguf", llama_model())
put("gguf", "llama-f32-2layers-rope-linear.gguf", llama_model(
    layers=2, extra=[kv_str("llama.rope.scaling.type", "linear"), kv_f32("llama.rope.scaling.factor", 2.0),
                     kv_str("tokenizer.chat_template", "{% for m in messages %}<|im_start|>{% endfor %}")]))
put("gguf", "llama-q4_0.gguf", llama_model(embd=32, heads=4, kv_heads=2, ff=64, wtype=2))
put("gguf", "llama-q8_0.gguf", llama_model(embd=32, heads=2, kv_heads=2, ff=32, wtype=8,
                                          extra=[kv_str("llama.rope.scaling.type", "dynamic"),
                                                 kv_f32("llama.rope.scaling.factor", 2.0),
                                                 kv_u32("llama.rope.scaling.original_context_length", 16)]))
# A byte-level BPE vocabulary only (no tensors): GPT-2's byte alphabet, a few merges.
bpe_tokens = ["<|endoftext|>", "a", "b", "c", "\u0120", "ab", "\u0120a", "abc", "<|im_start|>", "<|im_end|>", "\u010a"]
put("gguf", "gpt2-vocab.gguf", gguf([
    kv_str("general.architecture", "llama"), kv_str("tokenizer.ggml.model", "gpt2"),
    kv_str("tokenizer.ggml.pre", "smollm"), kv_strs("tokenizer.ggml.tokens", bpe_tokens),
    kv_i32s("tokenizer.ggml.token_type", [3, 1, 1, 1, 1, 1, 1, 1, 3, 3, 1]),
    kv_strs("tokenizer.ggml.merges", ["a b", "\u0120 a", "ab c"]),
    kv_u32("tokenizer.ggml.bos_token_id", 0), kv_u32("tokenizer.ggml.eos_token_id", 9)], []))
put("gguf", "header-only.gguf", b"GGUF" + struct.pack("<IQQ", 3, 0, 0))
put("gguf", "v2-nested-array.gguf", b"GGUF" + struct.pack("<IQQ", 2, 0, 1) + gstr("a.b") +
    struct.pack("<IIQ", 9, 9, 2) + struct.pack("<IQ", 4, 1) + struct.pack("<I", 7) + struct.pack("<IQ", 8, 1) + gstr("x"))

# --- tokenizer texts (byte 0: flags; bit 0 add_special, bit 1 parse_special, bit 2 render special)
texts = [
    "Hello world",
    " leading and trailing spaces  ",
    "<s>[INST] What is 2+2? [/INST]</s>",
    "<|im_start|>user\nHi there!<|im_end|>\n<|im_start|>assistant\n",
    "na\u00efve caf\u00e9 \u4e16\u754c \U0001F600\U0001F469\u200d\U0001F4BB",
    "def f(x):\n\treturn x**2  # 12345678901234567890\r\n",
    "I'm sure you've seen it's 'quoted' text, isn't it?",
    "\u0645\u0631\u062d\u0628\u0627 \u0928\u092e\u0938\u094d\u0924\u0947 \u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35",
]
for target in ("tokenize-spm", "tokenize-bpe"):
    for i, t in enumerate(texts):
        put(target, f"text-{i}", bytes([i % 8]) + t.encode("utf-8"))
    put(target, "invalid-utf8", bytes([3]) + b"ok \xff\xfe \xc3( \xe2\x82 \xf0\x9f\x98 \x00 nul")
    put(target, "empty", bytes([1]))

# --- chat templates (byte 0: template index or detection; byte 1: add assistant; NUL-separated role/content)
def chat(pick, add, fields):
    return bytes([pick, add]) + b"\0".join(f.encode("utf-8") for f in fields)


conv = ["system", "You are terse.", "user", "Hi!", "assistant", "Hello.", "user", " What now? \u00e9\U0001F600\n"]
for pick in (0, 7, 20, 33, 47, 52):
    put("chat", f"builtin-{pick}", chat(pick, pick & 1, conv))
put("chat", "detect-chatml", chat(200 + 2, 1, ["user", "{% for m in messages %}<|im_start|>{{ m.role }}{% endfor %}"]))
put("chat", "detect-llama3", chat(200 + 3, 1, ["system", "<|start_header_id|>{{ role }}<|end_header_id|><|eot_id|>", "user", "x"]))
put("chat", "name-mistral", chat(200 + 1, 0, ["user", "[INST] {{ m }} [/INST]"]))
put("chat", "none", chat(200, 1, ["user", "hello"]))
put("chat", "odd-roles", chat(10, 1, ["tool", "", "", "empty role", "assistant"]))

# --- decode (byte 0: model, logits, batch, threads (bits 2+7); then ops: 0-2 decode, 3 rewind, 4 cancel, 5 check)
def ids(*xs): return b"".join(struct.pack("<H", x) for x in xs)


put("decode", "prompt-check", bytes([0x00, 0, 5]) + ids(1, 10, 20, 30, 40) + bytes([5]))
put("decode", "rewind-redecode", bytes([0x95, 1, 8]) + ids(1, 2, 3, 4, 5, 6, 7, 8) + bytes([3, 4, 0, 3]) + ids(9, 10, 11) + bytes([5]))
put("decode", "logits-all-batch3", bytes([0x3A, 2, 12]) + ids(*range(1, 13)) + bytes([5, 3, 0, 5]))
put("decode", "out-of-range", bytes([0x01, 0, 3]) + ids(1, 259, 0xFFFF) + bytes([0, 2]) + ids(1, 0x8001) + bytes([5]))
put("decode", "cancel", bytes([0x03, 4, 0, 2]) + ids(1, 2) + bytes([5]))
put("decode", "fill-context", bytes([0x02]) + b"".join(bytes([0, 23]) + ids(*range(3, 26)) for _ in range(3)) + bytes([5]))

# --- dictionary of the GGUF target: the keys the engine reads, bare and length-prefixed,
# tensor names, value-type codes and tokenizer/pre-tokenizer names.
keys = ["general.alignment", "general.architecture", "general.file_type", "general.name",
        "llama.context_length", "llama.embedding_length", "llama.block_count", "llama.feed_forward_length",
        "llama.attention.head_count", "llama.attention.head_count_kv", "llama.attention.layer_norm_rms_epsilon",
        "llama.rope.dimension_count", "llama.rope.freq_base", "llama.rope.scale_linear", "llama.rope.scaling.factor",
        "llama.rope.scaling.original_context_length", "llama.rope.scaling.type", "llama.vocab_size",
        "tokenizer.chat_template", "tokenizer.ggml.add_bos_token", "tokenizer.ggml.add_eos_token",
        "tokenizer.ggml.add_space_prefix", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id",
        "tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id", "tokenizer.ggml.unknown_token_id",
        "tokenizer.ggml.fim_pad_token_id", "tokenizer.ggml.merges", "tokenizer.ggml.model", "tokenizer.ggml.pre",
        "tokenizer.ggml.scores", "tokenizer.ggml.token_type", "tokenizer.ggml.tokens",
        "token_embd.weight", "output_norm.weight", "output.weight", "blk.0.attn_q.weight", "blk.1.ffn_down.weight"]
words = ["llama", "gpt2", "linear", "dynamic", "none", "smollm", "llama-bpe", "qwen2", "gpt-2", "default",
         "<|im_start|>", "<|endoftext|>", "<0x41>", "\u2581", "\u0120"]


def esc(b): return "".join(chr(c) if 32 <= c < 127 and c not in (34, 92) else "\\x%02x" % c for c in b)


with open(os.path.join(here, "gguf.dict"), "w") as f:
    f.write("# libFuzzer dictionary of the gguf target (written by make-seeds.py)\n")
    for k in keys + words:
        b = k.encode("utf-8")
        f.write('"%s"\n"%s"\n' % (esc(b), esc(struct.pack("<Q", len(b)) + b)))
    for t in range(13):
        f.write('"%s"\n' % esc(struct.pack("<I", t)))

# Issue 15 seeds (last: the shared random generator keeps the earlier seeds unchanged).
put("gguf", "llama-q4_0-shared-layers.gguf", llama_model(embd=32, heads=4, kv_heads=2, ff=64, wtype=2, layers=16,
                                                        shared_layers=True))

# Issue 15, item 7: texts whose tokenization takes the most memory per byte (one long word,
# a run of spaces, invalid bytes each read as U+FFFD).
for target in ("tokenize-spm", "tokenize-bpe"):
    put(target, "long-word", bytes([0]) + b"a" * 65536)
    put(target, "space-run", bytes([2]) + b" " * 65536)
    put(target, "invalid-run", bytes([0]) + b"\xff" * 16384)

# Issue 15, item 8: a vocabulary of overlapping special tokens over the gguf target's text
# ("Hello <s> world <|im_start|> 123 ..."): a longer token wins where a shorter one starts
# earlier ("llo <s" over "Hel"), prefix and suffix chains, self-overlap, space runs,
# control (parse_special only) and user-defined tokens, one 4 KB token.
hostile = [("llo <s", 4), ("Hel", 4), ("Hello", 3), ("o w", 4), ("<s>", 3), ("s>", 4), (" ", 4), ("  ", 4),
           ("   ", 4), ("\n\t", 4), ("<|im_start|>", 3), ("|> 1", 4), ("d <|", 4), ("ll", 4), ("l", 4),
           ("23", 3), ("\u00e9\u4e16", 4), ("x" * 4096, 4)]
put("gguf", "vocab-hostile-specials.gguf", gguf([
    kv_str("general.architecture", "llama"), kv_str("tokenizer.ggml.model", "llama"),
    kv_strs("tokenizer.ggml.tokens", SPM_TOKENS + [t for t, _ in hostile]),
    kv_f32s("tokenizer.ggml.scores", [0.0] * (len(SPM_TOKENS) + len(hostile))),
    kv_i32s("tokenizer.ggml.token_type", [2, 3, 3, 1, 1, 1, 1, 1, 6, 6] + [ty for _, ty in hostile]),
    kv_u32("tokenizer.ggml.bos_token_id", 1), kv_u32("tokenizer.ggml.eos_token_id", 2)], []))

# Issue 23: the checkpoint target (FuzzCheckpoint.swift). The first byte picks the file of
# the Tests/Fixtures/hf/qwen2 folder the rest replaces: 0 model.safetensors (its header and
# the first bytes of data), 1 config.json, 2 tokenizer.json, 3 tokenizer_config.json,
# 5 a model.safetensors.index.json; plus hand-written hostile headers.
hf = os.path.join(here, "..", "Fixtures", "hf", "qwen2")


def hf_file(name):
    with open(os.path.join(hf, name), "rb") as f:
        return f.read()


st = hf_file("model.safetensors")
n = struct.unpack("<Q", st[:8])[0]
put("checkpoint", "safetensors-head", bytes([0]) + st[:8 + n + 256])
put("checkpoint", "config", bytes([1]) + hf_file("config.json"))
put("checkpoint", "tokenizer", bytes([2]) + hf_file("tokenizer.json"))
put("checkpoint", "tokenizer-config", bytes([3]) + hf_file("tokenizer_config.json"))
put("checkpoint", "index", bytes([5]) + b'{"weight_map": {"model.norm.weight": "model.safetensors"}}')
hdr = b'{"model.norm.weight":{"dtype":"F32","shape":[64],"data_offsets":[0,256]},"__metadata__":{"format":"pt"}}'
put("checkpoint", "safetensors-small", bytes([0]) + struct.pack("<Q", len(hdr)) + hdr + bytes(256))
put("checkpoint", "nested", bytes([1]) + b"[" * 70 + b"]" * 70)
