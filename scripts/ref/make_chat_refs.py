#!/usr/bin/env python3
"""Chat-template reference from llama.cpp's llama_chat_apply_template (llama-cpp-python).

Writes Tests/Fixtures/chat-templates.json (format: Tests/Fixtures/README.md). The
template argument is a built-in name, or SmolLM2's own tokenizer.chat_template string
(read from the model GGUF with the gguf package; recorded as "model:smollm2"), and the
templates of the phi-3 and qwen2 test vocabularies ("model:phi-3", "model:qwen2").

  out/ref/venv/bin/python scripts/ref/make_chat_refs.py
"""
import ctypes
import json
import os
import sys

import gguf
import llama_cpp

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODEL = os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "chat-templates.json")

NAMES = ["chatml", "llama2", "llama2-sys", "llama2-sys-bos", "llama2-sys-strip", "llama3",
         "mistral-v1", "mistral-v3", "mistral-v3-tekken", "mistral-v7", "mistral-v7-tekken",
         "zephyr", "phi3", "gemma", "vicuna", "no-such-template"]

CONVERSATIONS = [
    [{"role": "user", "content": "Hello!"}],
    [{"role": "system", "content": "You are a helpful assistant."},
     {"role": "user", "content": "What is the capital of France?"}],
    [{"role": "system", "content": "You are terse."},
     {"role": "user", "content": "Name a prime number."},
     {"role": "assistant", "content": "Seven."},
     {"role": "user", "content": "Another one?"}],
    [{"role": "user", "content": "  Ünïcödé ✓ 日本語 🦙\nsecond line\n\n  indented line  \n"}],
]


VOCAB_TEMPLATES = {  # other GGUFs with a tokenizer.chat_template (scripts/fetch-testdata.sh)
    "model:phi-3": os.path.join(ROOT, "testdata", "vocab", "ggml-vocab-phi-3.gguf"),
    "model:qwen2": os.path.join(ROOT, "testdata", "vocab", "ggml-vocab-qwen2.gguf"),
}


def model_template(path=MODEL):
    r = gguf.GGUFReader(path)
    f = r.fields["tokenizer.chat_template"]
    return bytes(f.parts[f.data[0]]).decode("utf-8")


def apply(tmpl: str, messages, add_ass):
    n = len(messages)
    arr = (llama_cpp.llama_chat_message * n)()
    keep = []
    for i, m in enumerate(messages):
        role, content = m["role"].encode(), m["content"].encode()
        keep += [role, content]
        arr[i].role = role
        arr[i].content = content
    size = 4096
    while True:
        buf = ctypes.create_string_buffer(size)
        rc = llama_cpp.llama_chat_apply_template(tmpl.encode(), arr, n, add_ass, buf, size)
        if rc < 0:
            return None, rc
        if rc > size:
            size = rc + 1
            continue
        return buf.raw[:rc].decode("utf-8"), rc


def main():
    model_templates = {"model:smollm2": model_template()}
    for label, path in VOCAB_TEMPLATES.items():
        model_templates[label] = model_template(path)
    cases = []
    for label, tmpl in [(n, n) for n in NAMES] + list(model_templates.items()):
        for msgs in CONVERSATIONS:
            for add_ass in (True, False):
                output, rc = apply(tmpl, msgs, add_ass)
                case = {"template": label, "messages": msgs, "add_assistant": add_ass,
                        "output": output}
                if output is None:
                    case["return_code"] = rc
                cases.append(case)
    out = {"llama_cpp_python": llama_cpp.__version__,
           "function": "llama_chat_apply_template(tmpl, chat, n_msg, add_ass, buf, len)",
           "model_templates": model_templates,
           "cases": cases}
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print("wrote", OUT, len(cases), "cases", file=sys.stderr)


if __name__ == "__main__":
    main()
