#!/usr/bin/env python3
"""Tokenizer and logit references for Gemma 3 270M (Q4_K_M) from llama.cpp (llama-cpp-python).

Writes (format: Tests/Fixtures/README.md)
  Tests/Fixtures/gemma3-tokenize.json  token ids for texts x (add_special, parse_special), special ids, pieces
  Tests/Fixtures/gemma3-logits.json    logits at chosen positions of 4 prompts (one > 512 tokens,
                                       past the sliding window), 32-token greedy continuations

Needs the model (scripts/fetch-gemma3.sh) and the reference venv (scripts/ref/setup-venv.sh):
  out/ref/venv/bin/python scripts/ref/make_gemma3_refs.py [tokenize|logits]   (default: both)
"""
import ctypes
import hashlib
import json
import os
import random
import re
import sys

import numpy as np
import llama_cpp

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_tokenize_refs import TEXTS as BASE_TEXTS, piece  # noqa: E402
from make_chat_refs import apply as chat_apply  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
MODEL = os.path.join(ROOT, "models", "gemma-3-270m-q4_k_m.gguf")
MODEL_SHA256 = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
PPL_TEXT = os.path.join(ROOT, "Tests", "Fixtures", "ppl-text.txt")
OUT_TOK = os.path.join(ROOT, "Tests", "Fixtures", "gemma3-tokenize.json")
OUT_LOGITS = os.path.join(ROOT, "Tests", "Fixtures", "gemma3-logits.json")

# Texts for Gemma's vocabulary on top of the shared list (make_tokenize_refs.TEXTS):
# its control tokens, its user-defined tokens (runs of spaces / newlines / tabs, HTML
# tags, image markers) and SentencePiece corner cases.
GEMMA_TEXTS = [
    "<start_of_turn>user\nHello!<end_of_turn>\n<start_of_turn>model\n",
    "<bos><start_of_turn>user\nWhat is 2+2?<end_of_turn>\n<start_of_turn>model\n4<end_of_turn>\n",
    "<bos>",
    "<eos>",
    "<pad><unk><mask>",
    "<bos> <eos>",
    "<unused0> <unused6241>",
    "text before<end_of_turn>text after",
    "<start_of_turn> spaced <end_of_turn>",
    "<start_of_turn",
    "<end_of_turn>\n\n<start_of_turn>",
    "<table><tr><td>cell</td></tr></table>",
    "<b>bold</b> <i>it</i> <code>x = 1</code> <s>struck</s>",
    "<h1>Title</h1>\n<blockquote>quote</blockquote>",
    "[multimodal] <start_of_image><end_of_image>",
    "a  b   c    d     e",
    " " * 31,
    " " * 32,
    " " * 45,
    "\n" * 31,
    "\n" * 33,
    "\t\t\tindented\n\n\n\nfour newlines",
    "\t" * 31 + "|" + "\t" * 40,
    "  two leading spaces",
    "x \n y \t z",
    "\u2581 literal lower one eighth block \u2581\u2581",
    "Hello\u2581world",
    "rare: \U0001F9CC \U00020B9F \u0D9E \U0001D538",
    "The year 2025 had 365 days; 1,234,567.89 and 0.000001",
    "x" * 100,
    "ÀÁÂÃÄÅ àáâãäå ĀāĂăĄą",
]


def vocab_of(llm):
    return llama_cpp.llama_model_get_vocab(llm.model)


def token_text(vocab, t):
    return llama_cpp.llama_vocab_get_text(vocab, t).decode("utf-8", errors="surrogateescape")


def check_model():
    h = hashlib.sha256()
    with open(MODEL, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    if h.hexdigest() != MODEL_SHA256:
        sys.exit(f"{MODEL}: sha256 {h.hexdigest()}, expected {MODEL_SHA256} (scripts/fetch-gemma3.sh)")


def ranges(ids):
    """Sorted ints as [[first, last], ...] runs."""
    out = []
    for i in ids:
        if out and out[-1][1] == i - 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return out


def dump(obj, path, one_line_lists):
    """JSON with indent=1 for dicts and lists of dicts; the items of the lists named in
    one_line_lists are written one per line; any other list is written on one line."""
    def enc(o, key, depth):
        pad = " " * depth
        if isinstance(o, dict):
            if not o:
                return "{}"
            items = [f'{pad} {json.dumps(k)}: {enc(v, k, depth + 1)}' for k, v in o.items()]
            return "{\n" + ",\n".join(items) + "\n" + pad + "}"
        if isinstance(o, list) and key in one_line_lists:
            if not o:
                return "[]"
            items = [pad + " " + json.dumps(v, ensure_ascii=False, separators=(", ", ": ")) for v in o]
            return "[\n" + ",\n".join(items) + "\n" + pad + "]"
        if isinstance(o, list) and o and all(isinstance(v, dict) for v in o):
            items = [pad + " " + enc(v, None, depth + 1) for v in o]
            return "[\n" + ",\n".join(items) + "\n" + pad + "]"
        return json.dumps(o, ensure_ascii=False, separators=(", ", ": "))
    with open(path, "w", encoding="utf-8") as f:
        f.write(enc(obj, None, 0))
        f.write("\n")


def make_tokenize():
    llm = llama_cpp.Llama(model_path=MODEL, vocab_only=True, verbose=False)
    vocab = vocab_of(llm)
    n_vocab = llama_cpp.llama_vocab_n_tokens(vocab)
    texts = list(BASE_TEXTS) + [t for t in GEMMA_TEXTS if t not in BASE_TEXTS]
    cases = []
    for text in texts:
        for add_special in (False, True):
            for parse_special in (False, True):
                ids = llm.tokenize(text.encode("utf-8"), add_bos=add_special, special=parse_special)
                cases.append({"text": text, "add_special": add_special,
                              "parse_special": parse_special, "ids": [int(i) for i in ids]})

    attrs = [int(llama_cpp.llama_vocab_get_attr(vocab, t)) for t in range(n_vocab)]
    control = [t for t in range(n_vocab) if attrs[t] & llama_cpp.LLAMA_TOKEN_ATTR_CONTROL]
    user_defined = [t for t in range(n_vocab) if attrs[t] & llama_cpp.LLAMA_TOKEN_ATTR_USER_DEFINED]
    byte_tokens = [t for t in range(n_vocab) if attrs[t] & llama_cpp.LLAMA_TOKEN_ATTR_BYTE]
    normal = [t for t in range(n_vocab) if attrs[t] & llama_cpp.LLAMA_TOKEN_ATTR_NORMAL]
    eog = [t for t in range(n_vocab) if llama_cpp.llama_vocab_is_eog(vocab, t)]

    # Every control token renders as its text with special=True and as nothing with
    # special=False: checked here for all of them, so the pieces list only samples
    # the 6242 <unusedN>.
    for t in control:
        txt = llama_cpp.llama_vocab_get_text(vocab, t)
        assert piece(vocab, t, True) == txt and piece(vocab, t, False) == b"", t
    unused = [t for t in control if re.fullmatch(r"<unused\d+>", token_text(vocab, t))]
    named_control = [t for t in control if t not in unused]

    rng = random.Random(1234)
    sample = set(named_control) | set(unused[:10]) | set(unused[-5:]) | set(byte_tokens) | set(user_defined)
    sample |= set(range(494, 530))  # the first normal tokens
    sample |= set(rng.sample(normal, 60))
    sp = llm.tokenize("\u2581".encode(), add_bos=False, special=False)
    sample |= set(int(i) for i in sp)
    pieces = []
    for t in sorted(sample):
        pieces.append({"id": t, "attr": attrs[t], "hex": piece(vocab, t, True).hex(),
                       "hex_nospecial": piece(vocab, t, False).hex()})

    out = {
        "model": os.path.basename(MODEL),
        "model_sha256": MODEL_SHA256,
        "llama_cpp_python": llama_cpp.__version__,
        "n_vocab": n_vocab,
        "bos": llama_cpp.llama_vocab_bos(vocab),
        "eos": llama_cpp.llama_vocab_eos(vocab),
        "eot": llama_cpp.llama_vocab_eot(vocab),
        "pad": llama_cpp.llama_vocab_pad(vocab),
        "nl": llama_cpp.llama_vocab_nl(vocab),
        "add_bos": bool(llama_cpp.llama_vocab_get_add_bos(vocab)),
        "add_eos": bool(llama_cpp.llama_vocab_get_add_eos(vocab)),
        "eog_ids": eog,
        "model_chat_template": (llama_cpp.llama_model_chat_template(llm.model, None) or b"").decode() or None,
        "attr_flags": {"UNKNOWN": int(llama_cpp.LLAMA_TOKEN_ATTR_UNKNOWN),
                       "UNUSED": int(llama_cpp.LLAMA_TOKEN_ATTR_UNUSED),
                       "NORMAL": int(llama_cpp.LLAMA_TOKEN_ATTR_NORMAL),
                       "CONTROL": int(llama_cpp.LLAMA_TOKEN_ATTR_CONTROL),
                       "USER_DEFINED": int(llama_cpp.LLAMA_TOKEN_ATTR_USER_DEFINED),
                       "BYTE": int(llama_cpp.LLAMA_TOKEN_ATTR_BYTE)},
        "attr_counts": {"NORMAL": len(normal), "CONTROL": len(control),
                        "USER_DEFINED": len(user_defined), "BYTE": len(byte_tokens)},
        "control_id_ranges": ranges(control),
        "control_named": [[t, token_text(vocab, t)] for t in named_control],
        "user_defined_id_ranges": ranges(user_defined),
        "byte_id_range": [byte_tokens[0], byte_tokens[-1]],
        "cases": cases,
        "pieces_flags": {"lstrip": 0, "hex": "special=True", "hex_nospecial": "special=False",
                         "control_rule_checked_for_all": "hex = token text, hex_nospecial = empty"},
        "pieces": pieces,
    }
    dump(out, OUT_TOK, {"cases", "pieces", "control_named"})
    print(f"wrote {OUT_TOK}: {len(cases)} cases, {len(pieces)} pieces", file=sys.stderr)


# ---------------------------------------------------------------- logits

N_CTX = 1024
N_GEN = 32
TOP = 20
GREEDY_TOP = 5


def prompts(llm):
    chat, _ = chat_apply("gemma", [{"role": "user", "content": "What is the capital of France?"}], True)
    # the long prompt: ppl-text.txt's paragraphs from the start while <= 900 tokens
    paras = open(PPL_TEXT, encoding="utf-8").read().split("\n\n")
    text = ""
    for p in paras:
        cand = (text + "\n\n" + p) if text else p
        if len(llm.tokenize(cand.encode(), add_bos=True, special=False)) > 900:
            break
        text = cand
    return [
        {"name": "chat-capital", "text": chat, "parse_special": True,
         "chat": {"template": "gemma", "function": "llama_chat_apply_template",
                  "messages": [{"role": "user", "content": "What is the capital of France?"}],
                  "add_assistant": True}},
        {"name": "plain-story", "parse_special": False,
         "text": "Once upon a time, in a small village at the edge of a great forest, there lived"},
        {"name": "plain-code", "parse_special": False,
         "text": "def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n"},
        {"name": "long-ppl-text", "parse_special": False, "text": text,
         "source": "the first paragraphs of ppl-text.txt (joined by blank lines) while <= 900 tokens"},
    ]


def positions_for(n):
    ps = {0, 1, n // 2, n - 1}
    if n > 512:
        ps |= {255, 510, 511, 512, 513, 600, 700, 800}
    return sorted(p for p in ps if p < n)


def make_logits():
    llm = llama_cpp.Llama(model_path=MODEL, n_ctx=N_CTX, n_batch=N_CTX, n_ubatch=N_CTX,
                          n_threads=2, n_threads_batch=2, logits_all=True, flash_attn=False,
                          verbose=False)
    vocab = vocab_of(llm)
    n_vocab = llm.n_vocab()
    fixed_ids = [0, 1, 2, 3, 105, 106, 107, 108] + \
        [int(x) for x in np.linspace(494, n_vocab - 1, 24).round().astype(int)]
    out_prompts = []
    for pr in prompts(llm):
        toks = llm.tokenize(pr["text"].encode(), add_bos=True, special=pr["parse_special"])
        n = len(toks)
        llm.reset()
        llm.eval(toks)  # one call, one batch (n <= n_batch): the prompt's logits
        scores = np.array(llm.scores[:n], dtype=np.float32)
        pos_entries = []
        for p in positions_for(n):
            row = scores[p]
            order = np.argsort(-row, kind="stable")[:TOP]
            pos_entries.append({"pos": p, "top": [[int(i), float(row[i])] for i in order],
                                "fixed": [float(row[i]) for i in fixed_ids]})
        gen, margins, gtop = [], [], []
        last = scores[n - 1]
        for _ in range(N_GEN):
            order = np.argsort(-last, kind="stable")[:GREEDY_TOP]
            tok = int(order[0])
            gen.append(tok)
            margins.append(float(last[order[0]] - last[order[1]]))
            gtop.append([[int(i), float(last[i])] for i in order])
            llm.eval([tok])
            last = np.array(llm.scores[llm.n_tokens - 1], dtype=np.float32)
        # The same teacher-forced steps evaluated as one batch (prompt + greedy tokens,
        # logits of every position): llama.cpp's top-1 and margin there. Where the
        # one-batch and the token-by-token top-1 differ, llama.cpp disagrees with itself,
        # and no engine can be held to either answer.
        llm.reset()
        llm.eval(toks + gen[:-1])
        batch = np.array(llm.scores[n - 1:n - 1 + N_GEN], dtype=np.float32)
        batch_top1, batch_margins = [], []
        for row in batch:
            order = np.argsort(-row, kind="stable")[:2]
            batch_top1.append(int(order[0]))
            batch_margins.append(float(row[order[0]] - row[order[1]]))
        eog = [i for i, t in enumerate(gen) if llama_cpp.llama_vocab_is_eog(vocab, t)]
        entry = {"name": pr["name"], "text": pr["text"], "parse_special": pr["parse_special"],
                 "add_special": True}
        for k in ("chat", "source"):
            if k in pr:
                entry[k] = pr[k]
        entry.update({
            "n_tokens": n,
            "tokens": [int(t) for t in toks],
            "positions": pos_entries,
            "greedy": gen,
            "greedy_positions": [n - 1 + i for i in range(N_GEN)],
            "greedy_margins": margins,
            "greedy_top": gtop,
            "greedy_batch_top1": batch_top1,
            "greedy_batch_margins": batch_margins,
            "greedy_first_eog_index": eog[0] if eog else None,
            "greedy_text": llm.detokenize(gen).decode("utf-8", errors="replace"),
        })
        out_prompts.append(entry)
        print(pr["name"], n, "min margin %.4f" % min(margins), repr(entry["greedy_text"][:80]), file=sys.stderr)
    cp = llm.context_params
    out = {
        "model": os.path.basename(MODEL),
        "model_sha256": MODEL_SHA256,
        "llama_cpp_python": llama_cpp.__version__,
        "settings": {"n_ctx": N_CTX, "n_batch": N_CTX, "n_ubatch": N_CTX, "n_threads": 2,
                     "logits_all": True, "kv_type": "F16", "flash_attn": False,
                     "swa_full": bool(cp.swa_full), "n_swa": int(llama_cpp.llama_model_n_swa(llm.model))},
        "n_vocab": n_vocab,
        "fixed_ids": fixed_ids,
        "prompts": out_prompts,
    }
    dump(out, OUT_LOGITS, {"positions", "greedy_top"})
    print("wrote", OUT_LOGITS, file=sys.stderr)


def main():
    what = sys.argv[1:] or ["tokenize", "logits"]
    check_model()
    if "tokenize" in what:
        make_tokenize()
    if "logits" in what:
        make_logits()


if __name__ == "__main__":
    main()
