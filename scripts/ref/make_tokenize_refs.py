#!/usr/bin/env python3
"""Tokenizer reference for SmolLM2 from llama.cpp (llama-cpp-python 0.3.36).

Writes Tests/Fixtures/smollm2-tokenize.json:
  - cases: llama.cpp's token ids for a list of texts, with add_special / parse_special
  - pieces: llama_token_to_piece bytes (hex) for ids 0..300 and 40 random ids,
    with special=True (field "hex") and special=False (field "hex_nospecial"), lstrip=0.

Run with the reference venv (scripts/ref/setup-venv.sh):
  out/ref/venv/bin/python scripts/ref/make_tokenize_refs.py
"""
import ctypes
import json
import os
import random
import sys

import llama_cpp

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODEL = os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "smollm2-tokenize.json")

TEXTS = [
    "",
    " ",
    "  ",
    "\t",
    "\n",
    "\n\n",
    "\n\n\n",
    " \n",
    "Hello",
    "Hello world",
    " Hello world",
    "Hello world ",
    "   Hello   world   ",
    "hello\tworld\t\ttabs",
    "line one\nline two\n\nline four\r\nwindows",
    "The quick brown fox jumps over the lazy dog.",
    "THE QUICK BROWN FOX",
    "I'm here, you're there, we've gone, they'll see, he'd know, don't, can't, it's.",
    "'S' 'T' 'RE' 'VE' 'M' 'LL' 'D'",
    "I'M SHOUTING, DON'T",
    "1234567 3.14159",
    "0 1 12 123 1234 12345 123456",
    "2024-01-15T10:30:00Z",
    "$1,000,000.00 and 50% off!",
    "3.14159265358979323846264338327950288419716939937510",
    "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n",
    "for (int i = 0; i < 10; ++i) {\n\tprintf(\"%d\\n\", i);\n}",
    "#include <stdio.h>\nint main(void) { return 0; }",
    "const x = { a: [1, 2, 3], b: 'str' };  // comment",
    "<html><body><p class=\"x\">Hi</p></body></html>",
    "SELECT * FROM users WHERE id = 42;",
    "Emoji: 😀 🎉 👍🏽 👨‍👩‍👧‍👦 🇫🇷",
    "🦙",
    "日本語のテキストです。",
    "中文测试：你好，世界！",
    "한국어 문장입니다",
    "مرحبا بالعالم",
    "Привет, мир! Как дела?",
    "Ελληνικά γράμματα",
    "नमस्ते दुनिया",
    "café naïve résumé jalapeño Zürich façade",
    "e\u0301 (combining acute) vs \u00e9",
    "Straße ÅÆØ œuvre",
    "\u00a0non-breaking\u00a0space",
    "zero\u200bwidth\u200bjoiner",
    "a" * 40,
    "!!!???...,,,;;;",
    "--- *** ___ ===",
    "user@example.com https://example.org/path?q=1&r=2#frag",
    "CamelCaseIdentifier snake_case_identifier kebab-case",
    "<|im_start|>user\nhi<|im_end|>",
    "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
    "<|endoftext|>",
    "text before<|im_end|>text after",
    "<|im_start|> spaced <|im_end|>",
    "<|im_start",
    "<s> </s> <unk>",
    "\u00ff\u00fe control \x01\x02\x7f",
    "   leading spaces",
    "trailing spaces   ",
    "mixed \t \n \t whitespace",
    "Ångström 123abc abc123 a1b2c3",
]

SPECIAL_TEXTS = {
    "<|im_start|>user\nhi<|im_end|>",
    "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
    "<|endoftext|>",
    "text before<|im_end|>text after",
    "<|im_start|> spaced <|im_end|>",
    "<|im_start",
    "<s> </s> <unk>",
}


def piece(vocab, tok, special):
    n = 64
    while True:
        buf = ctypes.create_string_buffer(n)
        r = llama_cpp.llama_token_to_piece(vocab, tok, buf, n, 0, special)
        if r < 0:
            n = -r
            continue
        return buf.raw[:r]


def main():
    llm = llama_cpp.Llama(model_path=MODEL, vocab_only=True, verbose=False)
    vocab = llama_cpp.llama_model_get_vocab(llm.model)
    n_vocab = llama_cpp.llama_vocab_n_tokens(vocab)
    cases = []
    for text in TEXTS:
        flags = [(False, False), (True, False)]
        if text in SPECIAL_TEXTS:
            flags += [(False, True), (True, True)]
        for add_special, parse_special in flags:
            ids = llm.tokenize(text.encode("utf-8"), add_bos=add_special, special=parse_special)
            cases.append({"text": text, "add_special": add_special,
                          "parse_special": parse_special, "ids": [int(i) for i in ids]})
    rng = random.Random(1234)
    sample = list(range(0, 301)) + sorted(rng.sample(range(301, n_vocab), 40))
    pieces = []
    for t in sample:
        pieces.append({"id": t, "hex": piece(vocab, t, True).hex(),
                       "hex_nospecial": piece(vocab, t, False).hex()})
    out = {
        "model": os.path.basename(MODEL),
        "llama_cpp_python": llama_cpp.__version__,
        "n_vocab": n_vocab,
        "bos": llama_cpp.llama_vocab_bos(vocab),
        "eos": llama_cpp.llama_vocab_eos(vocab),
        "add_bos": bool(llama_cpp.llama_vocab_get_add_bos(vocab)),
        "add_eos": bool(llama_cpp.llama_vocab_get_add_eos(vocab)),
        "cases": cases,
        "pieces_flags": {"lstrip": 0, "hex": "special=True", "hex_nospecial": "special=False"},
        "pieces": pieces,
    }
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {OUT}: {len(cases)} cases, {len(pieces)} pieces", file=sys.stderr)


if __name__ == "__main__":
    main()
