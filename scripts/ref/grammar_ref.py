"""llama.cpp's grammar engine as a reference (llama-cpp-python 0.3.36's low-level API).

GrammarRef(vocab_gguf).verdict(gbnf, text) runs llama.cpp's grammar sampler over the
text's tokens: each token is offered alone to llama_sampler_apply (a -inf logit means
the grammar refuses it), then accepted; at the end an end-of-generation token is
offered, which the grammar allows exactly when the text is complete. Returns "accept"
(complete), "prefix" (a viable prefix, not complete), "reject", or "error" (llama.cpp
did not parse the grammar).
"""
import ctypes
import math

import llama_cpp as L


class GrammarRef:
    def __init__(self, gguf_path):
        L.llama_backend_init()
        p = L.llama_model_default_params()
        p.vocab_only = True
        self.model = L.llama_model_load_from_file(gguf_path.encode(), p)
        if not self.model:
            raise RuntimeError("llama.cpp could not load " + gguf_path)
        self.vocab = L.llama_model_get_vocab(self.model)
        n = L.llama_vocab_n_tokens(self.vocab)
        self.eog = next(t for t in range(n) if L.llama_vocab_is_eog(self.vocab, t))

    def tokenize(self, text):
        b = text.encode()
        buf = (L.llama_token * (len(b) + 8))()
        n = L.llama_tokenize(self.vocab, b, len(b), buf, len(buf), False, False)
        assert n >= 0
        return list(buf[:n])

    def offer(self, smpl, token):
        data = (L.llama_token_data * 1)()
        data[0].id, data[0].logit, data[0].p = token, 0.0, 0.0
        arr = L.llama_token_data_array(data=data, size=1, selected=-1, sorted=False)
        L.llama_sampler_apply(smpl, ctypes.byref(arr))
        return not math.isinf(data[0].logit)

    def sampler(self, gbnf, root="root"):
        return L.llama_sampler_init_grammar(self.vocab, gbnf.encode(), root.encode())

    def verdict(self, gbnf, text, root="root"):
        smpl = self.sampler(gbnf, root)
        if not smpl:
            return "error"
        try:
            for t in self.tokenize(text):
                if not self.offer(smpl, t):
                    return "reject"
                L.llama_sampler_accept(smpl, t)
            return "accept" if self.offer(smpl, self.eog) else "prefix"
        finally:
            L.llama_sampler_free(smpl)
