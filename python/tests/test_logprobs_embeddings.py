"""Logit bias, log-probabilities and embeddings (C API 0.5) checked with numpy:
log-probabilities equal numpy's log-softmax of the session's logits; embeddings equal
Hugging Face's last_hidden_state (Tests/Fixtures/embeddings.json, made by
scripts/ref/make_embedding_refs.py) within 1e-4, and the pooled and normalised variants
equal their numpy definitions."""
import ctypes
import json

import numpy as np
import pytest

from conftest import REPO
from llamaswift import Llama, capi

FIXTURES = REPO / "Tests/Fixtures"


def log_softmax(x):
    x = np.asarray(x, dtype=np.float64)
    m = x.max()
    return x - m - np.log(np.exp(x - m).sum())


def test_last_logprobs_equal_numpy_log_softmax(model_path):
    model = ctypes.POINTER(capi.llamaswift_model)()
    capi.llamaswift_model_load(model_path.encode(), None, ctypes.byref(model))
    info = capi.llamaswift_model_info(struct_size=ctypes.sizeof(capi.llamaswift_model_info))
    capi.llamaswift_model_get_info(model, ctypes.byref(info))
    session = ctypes.POINTER(capi.llamaswift_session)()
    sp = capi.llamaswift_session_default_params()
    sp.n_ctx = 128
    capi.llamaswift_session_create(model, ctypes.byref(sp), ctypes.byref(session))
    try:
        text = b"Once upon a time"
        toks = (ctypes.c_int32 * 32)()
        n = ctypes.c_size_t()
        capi.llamaswift_tokenize(model, text, len(text), 1, toks, 32, ctypes.byref(n))
        capi.llamaswift_session_decode(session, toks, n.value)
        V = info.n_vocab
        logits = np.ctypeslib.as_array(capi.llamaswift_session_logits(session), shape=(V,)).copy()
        ref = log_softmax(logits)
        order = np.lexsort((np.arange(V), -ref))  # descending, ties by lower id
        for seed in range(10):
            p = capi.llamaswift_sampler_default_params()
            p.seed = seed
            p.temperature = 1.2
            smp = ctypes.POINTER(capi.llamaswift_sampler)()
            capi.llamaswift_sampler_create(ctypes.byref(p), ctypes.byref(smp))
            try:
                bias = (capi.llamaswift_logit_bias * 2)((int(order[0]), float("-inf")), (int(order[1]), float("-inf")))
                capi.llamaswift_sampler_set_logit_bias(smp, bias, 2)
                tok = ctypes.c_int32()
                capi.llamaswift_sampler_sample(smp, session, ctypes.byref(tok))
                assert tok.value not in (order[0], order[1])  # banned
                chosen = capi.llamaswift_token_logprob()
                top = (capi.llamaswift_token_logprob * 20)()
                written = ctypes.c_size_t()
                capi.llamaswift_sampler_last_logprobs(smp, ctypes.byref(chosen), top, 20, ctypes.byref(written))
                assert written.value == 20 and chosen.token == tok.value
                assert abs(chosen.logprob - ref[tok.value]) < 1e-4
                assert [t.token for t in top] == list(order[:20])  # bans do not change the report
                np.testing.assert_allclose([t.logprob for t in top], ref[order[:20]], atol=1e-4)
            finally:
                capi.llamaswift_sampler_free(smp)
    finally:
        capi.llamaswift_session_free(session)
        capi.llamaswift_model_free(model)


def test_completion_logprobs_and_logit_bias(llm):
    out = llm.create_completion("The capital of France is", max_tokens=4, temperature=0, logprobs=3)
    lp = out["choices"][0]["logprobs"]
    assert len(lp["tokens"]) == len(lp["token_logprobs"]) == len(lp["top_logprobs"]) == 4
    assert "".join(lp["tokens"]) == out["choices"][0]["text"]
    for chosen, top in zip(lp["token_logprobs"], lp["top_logprobs"]):
        assert len(top) == 3 and chosen == max(top.values()) and chosen <= 0  # greedy: the most probable
    first = llm.tokenize(b" Paris", add_bos=False)[0]
    banned = llm.create_completion("The capital of France is", max_tokens=1, temperature=0,
                                   logit_bias={first: float("-inf")})
    assert banned["choices"][0]["text"] != " Paris"
    forced = llm.create_completion("The capital of France is", max_tokens=3, temperature=0.8, seed=5,
                                   logit_bias={first: 100.0})
    assert forced["choices"][0]["text"] == " Paris" * 3


def fixture_models():
    return json.loads((FIXTURES / "embeddings.json").read_text())["models"]


@pytest.mark.parametrize("entry", fixture_models(), ids=lambda e: e["name"])
def test_embeddings_match_hf_and_pooling_definitions(entry):
    path = str(FIXTURES / entry["gguf"])
    E = entry["n_embd"]

    def run(tokens, pooling, normalize):
        model = ctypes.POINTER(capi.llamaswift_model)()
        capi.llamaswift_model_load(path.encode(), None, ctypes.byref(model))
        sp = capi.llamaswift_session_default_params()
        sp.n_ctx, sp.kv_type, sp.embeddings = 128, capi.LLAMASWIFT_KV_F32, True
        sp.pooling_type, sp.embd_normalize = pooling, normalize
        session = ctypes.POINTER(capi.llamaswift_session)()
        capi.llamaswift_session_create(model, ctypes.byref(sp), ctypes.byref(session))
        try:
            arr = (ctypes.c_int32 * len(tokens))(*tokens)
            capi.llamaswift_session_decode(session, arr, len(tokens))
            assert not capi.llamaswift_session_logits(session)
            rows = ctypes.c_size_t()
            ptr = capi.llamaswift_session_embeddings(session, ctypes.byref(rows))
            return np.ctypeslib.as_array(ptr, shape=(rows.value, E)).copy()
        finally:
            capi.llamaswift_session_free(session)
            capi.llamaswift_model_free(model)

    for seq in entry["sequences"]:
        tokens = seq["tokens"]
        hf = np.array(seq["last_hidden_state"], dtype=np.float32)
        rows = run(tokens, capi.LLAMASWIFT_POOLING_TYPE_NONE, -1)
        assert rows.shape == hf.shape
        assert np.abs(rows - hf).max() < 1e-4
        r = rows.astype(np.float64)
        pooled = {capi.LLAMASWIFT_POOLING_TYPE_MEAN: r.mean(axis=0), capi.LLAMASWIFT_POOLING_TYPE_CLS: r[0],
                  capi.LLAMASWIFT_POOLING_TYPE_LAST: r[-1]}
        norms = {-1: lambda v: v, 1: lambda v: v / np.abs(v).sum(), 2: lambda v: v / np.linalg.norm(v),
                 0: lambda v: v / (np.abs(v).max() / 32760), 4: lambda v: v / (np.abs(v) ** 4).sum() ** 0.25}
        for pooling, want in pooled.items():
            for p, f in norms.items():
                got = run(tokens, pooling, p)
                assert got.shape == (1, E)
                np.testing.assert_allclose(got[0], f(want), rtol=1e-5, atol=1e-6 * max(1.0, np.abs(f(want)).max()))


def test_llama_embed(model_path):
    with Llama(model_path, n_ctx=256, n_threads=2, embedding=True, pooling_type=1) as e, \
            Llama(model_path, n_ctx=256, n_threads=2, embedding=True, pooling_type=0) as per_token:
        v = np.array(e.embed("Hello world", normalize=True))
        rows = np.array(per_token.embed("Hello world"))
        assert v.shape == (e.n_embd(),) and rows.shape[1] == e.n_embd() and rows.shape[0] >= 2
        mean = rows.astype(np.float64).mean(axis=0)
        np.testing.assert_allclose(v, mean / np.linalg.norm(mean), atol=1e-5)
        resp = e.create_embedding(["a", "b"])
        assert [d["index"] for d in resp["data"]] == [0, 1] and len(resp["data"][0]["embedding"]) == e.n_embd()
