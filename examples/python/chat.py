"""Ask the model a question and stream the answer: python3 chat.py MODEL.gguf "question" """
import sys

import llamaswift as ls

with ls.Model(sys.argv[1]) as model, ls.Session(model, n_ctx=1024) as session, ls.Sampler(temperature=0) as sampler:
    prompt = model.chat_format([{"role": "user", "content": sys.argv[2]}])
    for piece in ls.generate(session, sampler, prompt, max_tokens=128):
        print(piece, end="", flush=True)
    r = ls.generate.result
    print(f"\n[{r.n_generated} tokens, {r.decode_tokens_per_second:.1f} tokens/s]", file=sys.stderr)
