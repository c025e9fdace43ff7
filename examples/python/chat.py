"""Ask the model a question and stream the answer:  python3 chat.py MODEL.gguf "question"

Uses the llamaswift package: `pip install out/dist/llamaswift-*.whl` (from `make wheel`).
From a checkout where it is not installed, the package's sources in ../../python/src are
used with the library that LLAMASWIFT_LIB names (or the system's libllamaswift.so.0)."""
import os
import sys
import time

try:
    import llamaswift  # noqa: F401
except ModuleNotFoundError:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python", "src"))

from llamaswift import Llama

model, question = sys.argv[1], sys.argv[2]
with Llama(model, n_ctx=1024) as llm:
    start, pieces = time.monotonic(), 0
    for chunk in llm.create_chat_completion([{"role": "user", "content": question}], temperature=0,
                                            max_tokens=128, stream=True):
        text = chunk["choices"][0]["delta"].get("content", "")
        pieces += bool(text)
        print(text, end="", flush=True)
    print(f"\n[{pieces} pieces in {time.monotonic() - start:.2f} s]", file=sys.stderr)
