#!/usr/bin/env python3
"""Special-token partition references from llama.cpp (llama-cpp-python 0.3.36): random
hostile SentencePiece vocabularies (prefix, suffix and self-overlapping special texts —
no duplicates: llama.cpp aborts on those; control and user-defined; some named "phi-3",
which gives every special token rstrip) and random texts made of pieces of them, tokenized by llama.cpp with parse_special
off and on (issue 15, item 8).

Writes Tests/Fixtures/partition-refs.json: a list of cases {name, specials: [[text, type]],
texts: [{text, parse_special, ids}]}. The vocabulary is <unk> <s> </s>, the normal tokens
NORMAL, then the specials, all scores 0 — SpecialTokenPartitionTests rebuilds the same file.
Deterministic. Run with the reference venv (scripts/ref/setup-venv.sh):
  out/ref/venv/bin/python scripts/ref/make_partition_refs.py
"""
import json
import os
import random
import tempfile

import gguf
import llama_cpp

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "Tests", "Fixtures", "partition-refs.json")
NORMAL = ["a", "b", "c", "\u2581", "\n"]
ALPHABET = ["a", "b", "c", " ", "\n"]


def write_vocab(path, name, specials):
    w = gguf.GGUFWriter(path, "llama")
    w.add_name(name)
    w.add_block_count(1); w.add_context_length(64); w.add_embedding_length(8)
    w.add_feed_forward_length(16); w.add_head_count(1); w.add_layer_norm_rms_eps(1e-5)
    toks = ["<unk>", "<s>", "</s>"] + NORMAL + [s for s, _ in specials]
    types = [2, 3, 3] + [1] * len(NORMAL) + [t for _, t in specials]
    w.add_tokenizer_model("llama"); w.add_token_list(toks); w.add_token_types(types)
    w.add_token_scores([0.0] * len(toks)); w.add_bos_token_id(1); w.add_eos_token_id(2)
    w.add_add_bos_token(False)
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()


def tokenize(llm, text, parse):
    vocab = llama_cpp.llama_model_get_vocab(llm.model)
    data = text.encode("utf-8")
    buf = (llama_cpp.llama_token * (len(data) + 8))()
    n = llama_cpp.llama_tokenize(vocab, data, len(data), buf, len(buf), False, parse)
    assert n >= 0, n
    return list(buf[:n])


def main():
    rng = random.Random(1515)
    cases = []
    tmp = tempfile.mkdtemp()
    for c in range(60):
        specials, seen = [], set(NORMAL)  # llama.cpp aborts on duplicate token texts
        for _ in range(1 + rng.randrange(12)):
            n = 1 + rng.randrange(8 if rng.randrange(4) == 0 else 4)
            text = "".join(rng.choice(ALPHABET) for _ in range(n))
            if text not in seen:
                seen.add(text)
                specials.append((text, rng.choice([3, 4, 4])))
        name = "phi-3" if c % 3 == 1 else "test"
        if name == "phi-3":  # llama.cpp's phi-3 rules look this token up (and abort without it)
            specials.append(("<|endoftext|>", 3))
        path = os.path.join(tmp, f"v{c}.gguf")
        write_vocab(path, name, specials)
        llm = llama_cpp.Llama(model_path=path, vocab_only=True, verbose=os.environ.get("VERBOSE") == "1")
        texts = []
        for _ in range(15):
            parts = []
            for _ in range(rng.randrange(10)):
                if rng.randrange(2) == 0:
                    parts.append(rng.choice([t for t, _ in specials if t != "<|endoftext|>"]))
                else:
                    parts.append("".join(rng.choice(ALPHABET) for _ in range(1 + rng.randrange(3))))
            text = "".join(parts)
            for parse in (False, True):
                texts.append({"text": text, "parse_special": parse, "ids": tokenize(llm, text, parse)})
        cases.append({"name": name, "specials": [[s, t] for s, t in specials], "texts": texts})
        del llm
    with open(OUT, "w") as f:
        json.dump({"llama_cpp_python": llama_cpp.__version__, "normal": NORMAL, "cases": cases}, f, indent=0)
        f.write("\n")
    print(f"wrote {OUT}: {len(cases)} vocabularies, {sum(len(c['texts']) for c in cases)} tokenizations")


if __name__ == "__main__":
    main()
