"""The Q8_0 K/V cache (C API 0.6) through the ctypes binding: kv_type and kv_type_v
select it, the logits stay close to the F16 cache's (numpy), and kv_type_v 99 is
INVALID_ARGUMENT."""
import ctypes

import numpy as np
import pytest

from llamaswift import LlamaSwiftError, Status, capi


def logits(model, n_vocab, k, v):
    sp = capi.llamaswift_session_default_params()
    sp.n_ctx, sp.kv_type, sp.kv_type_v = 64, k, v
    session = ctypes.POINTER(capi.llamaswift_session)()
    capi.llamaswift_session_create(model, ctypes.byref(sp), ctypes.byref(session))
    try:
        toks = (ctypes.c_int32 * 6)(1, 504, 3458, 282, 4649, 314)
        capi.llamaswift_session_decode(session, toks, 6)
        return np.ctypeslib.as_array(capi.llamaswift_session_logits(session), shape=(n_vocab,)).copy()
    finally:
        capi.llamaswift_session_free(session)


def test_q8_0_cache_close_to_f16(model_path):
    assert ctypes.sizeof(capi.llamaswift_session_params) == 56
    assert capi.llamaswift_session_default_params().kv_type_v == 0
    model = ctypes.POINTER(capi.llamaswift_model)()
    capi.llamaswift_model_load(model_path.encode(), None, ctypes.byref(model))
    try:
        info = capi.llamaswift_model_info(struct_size=ctypes.sizeof(capi.llamaswift_model_info))
        capi.llamaswift_model_get_info(model, ctypes.byref(info))
        f16 = logits(model, info.n_vocab, capi.LLAMASWIFT_KV_F16, 0)
        q8 = logits(model, info.n_vocab, capi.LLAMASWIFT_KV_Q8_0, 0)
        mixed = logits(model, info.n_vocab, capi.LLAMASWIFT_KV_F16, capi.LLAMASWIFT_KV_Q8_0)
        for other in (q8, mixed):
            d = np.abs(other - f16).max()
            assert 0 < d < 2  # measured ≈ 0.8 (SmolLM2)
            assert other.argmax() == f16.argmax()
        sp = capi.llamaswift_session_default_params()
        sp.kv_type_v = 99
        session = ctypes.POINTER(capi.llamaswift_session)()
        with pytest.raises(LlamaSwiftError) as e:
            capi.llamaswift_session_create(model, ctypes.byref(sp), ctypes.byref(session))
        assert e.value.status is Status.INVALID_ARGUMENT
        assert "kv_type_v 99" in str(e.value)
    finally:
        capi.llamaswift_model_free(model)
