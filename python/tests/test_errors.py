"""Every error path raises LlamaSwiftError with the status the header promises (and the
library's message); misuse of the Python objects raises ValueError."""
import ctypes

import pytest

from llamaswift import Llama, LlamaSwiftError, Status, capi


def raises(status, fn, *args, **kwargs):
    with pytest.raises(LlamaSwiftError) as e:
        fn(*args, **kwargs)
    assert e.value.status is status, e.value
    assert e.value.message and e.value.status.name in str(e.value)
    return e.value


def test_missing_file_is_io_with_path_and_errno_text():
    e = raises(Status.IO, Llama, "/nonexistent/model.gguf")
    assert "/nonexistent/model.gguf" in e.message and "No such file" in e.message


def test_directory_is_io(tmp_path):
    raises(Status.IO, Llama, str(tmp_path))


def test_not_gguf_is_format(tmp_path):
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF" + b"\xff" * 60)
    raises(Status.FORMAT, Llama, str(bad))
    (tmp_path / "text.gguf").write_text("hello")
    raises(Status.FORMAT, Llama, str(tmp_path / "text.gguf"))


def test_truncated_is_format(tmp_path, model_path):
    cut = tmp_path / "cut.gguf"
    with open(model_path, "rb") as f:
        cut.write_bytes(f.read(100_000))
    raises(Status.FORMAT, Llama, str(cut))


def test_unknown_chat_template_is_unsupported(llm):
    e = raises(Status.UNSUPPORTED, llm.create_chat_completion, [{"role": "user", "content": "x"}],
               chat_format="no-such-template")
    assert "chatml" in e.message  # the message lists the built-in names


@pytest.mark.parametrize("kwargs", [dict(temperature=-1), dict(repeat_penalty=0), dict(temperature=float("nan")),
                                    dict(top_p=float("inf")), dict(min_p=float("nan"))])
def test_bad_sampling_parameters_are_invalid_argument(llm, kwargs):
    raises(Status.INVALID_ARGUMENT, llm.create_completion, "Hello", max_tokens=2, **kwargs)
    # and the same through a stream, raised from the iterator
    with pytest.raises(LlamaSwiftError) as e:
        list(llm.create_completion("Hello", max_tokens=2, stream=True, **kwargs))
    assert e.value.status is Status.INVALID_ARGUMENT


def test_out_of_range_values_llama_cpp_accepts_are_accepted(llm):
    # since 0.2, as llama.cpp: top_p <= 0 keeps the top token, top_k <= 0 and min_p <= 0 are off
    for kwargs in (dict(top_p=0), dict(top_p=1.5), dict(min_p=-0.1), dict(top_k=-1)):
        assert llm("Hello", max_tokens=1, **kwargs)["usage"]["completion_tokens"] <= 1


def test_unknown_temperature_order_is_invalid_argument():
    p = capi.llamaswift_sampler_default_params()
    p.temperature_order = 7
    smp = ctypes.POINTER(capi.llamaswift_sampler)()
    raises(Status.INVALID_ARGUMENT, capi.llamaswift_sampler_create, ctypes.byref(p), ctypes.byref(smp))
    assert not smp


def test_unknown_detokenize_flag_is_invalid_argument(llm):
    n = ctypes.c_size_t()
    arr = (ctypes.c_int32 * 1)(1)
    raises(Status.INVALID_ARGUMENT, capi.llamaswift_detokenize_ex, llm._model, arr, 1, 0x80, None, 0, ctypes.byref(n))


def test_token_out_of_range_is_invalid_argument(llm):
    e = raises(Status.INVALID_ARGUMENT, llm.detokenize, [1, 2, 10_000_000])
    assert "2" in e.message  # the index of the bad token
    raises(Status.INVALID_ARGUMENT, llm.token_to_piece, -5)


def test_empty_prompt_is_invalid_argument(llm):
    raises(Status.INVALID_ARGUMENT, llm.create_completion, "", max_tokens=2)


def test_prompt_longer_than_the_context_is_context_full(model_path):
    with Llama(model_path, n_ctx=32) as small:
        raises(Status.CONTEXT_FULL, small.create_completion, "word " * 100, max_tokens=4)
        # the session stays usable
        assert small("Hi", max_tokens=2, temperature=0)["usage"]["completion_tokens"] <= 2
        # a generation reaching the end of the context is a finish_reason, not an error
        out = small("Once upon a time", max_tokens=-1, temperature=0)
        assert out["choices"][0]["finish_reason"] == "length"


def test_bad_state_is_format_or_invalid(llm, model_path):
    raises(Status.FORMAT, llm.load_state, b"not a state at all" * 10)
    state = llm.save_state()
    raises(Status.FORMAT, llm.load_state, state[: len(state) // 2])
    with Llama(model_path, n_ctx=1024, vocab_only=False) as other:
        other.load_state(state)  # the same file loaded again is fine


def test_cancel_inside_a_generation_is_cancelled(model_path):
    """llamaswift_session_cancel from the callback: the raw call raises CANCELLED."""
    m = ctypes.POINTER(capi.llamaswift_model)()
    capi.llamaswift_model_load(model_path.encode(), None, ctypes.byref(m))
    s = ctypes.POINTER(capi.llamaswift_session)()
    capi.llamaswift_session_create(m, None, ctypes.byref(s))
    smp = ctypes.POINTER(capi.llamaswift_sampler)()
    capi.llamaswift_sampler_create(None, ctypes.byref(smp))

    @capi.llamaswift_piece_callback
    def cancel(ptr, n, user):
        capi.llamaswift_session_cancel(s)
        return True

    result = capi.llamaswift_generate_result(struct_size=ctypes.sizeof(capi.llamaswift_generate_result))
    try:
        raises(Status.CANCELLED, capi.llamaswift_generate, s, smp, b"Hello", 5, None, cancel, None,
               ctypes.byref(result))
        assert result.stop_reason == capi.LLAMASWIFT_STOP_CANCELLED
    finally:
        capi.llamaswift_sampler_free(smp)
        capi.llamaswift_session_free(s)
        capi.llamaswift_model_free(m)


def test_raw_null_and_size_errors():
    raises(Status.INVALID_ARGUMENT, capi.llamaswift_model_params_init, None, 8)
    raises(Status.INVALID_ARGUMENT, capi.llamaswift_session_params_init, None, 8)
    raises(Status.INVALID_ARGUMENT, capi.llamaswift_sampler_params_init, None, 8)
    raises(Status.INVALID_ARGUMENT, capi.llamaswift_generate_params_init, None, 8)
    raises(Status.INVALID_ARGUMENT, capi.llamaswift_session_decode, None, None, 0)
    raises(Status.INVALID_ARGUMENT, capi.llamaswift_session_rewind, None, 0)
    raises(Status.INVALID_ARGUMENT, capi.llamaswift_sampler_reset, None)
    raises(Status.INVALID_ARGUMENT, capi.llamaswift_sampler_accept, None, 1)
    raises(Status.INVALID_ARGUMENT, capi.llamaswift_session_state_save_file, None, b"/tmp/x")
    raises(Status.INVALID_ARGUMENT, capi.llamaswift_chat_format, None, None, None, 0, True, None, 0,
           ctypes.byref(ctypes.c_size_t()))
    n = ctypes.c_size_t()
    msgs = (capi.llamaswift_chat_message * 1)(capi.llamaswift_chat_message(b"user", b"hi"))
    e = raises(Status.BUFFER_TOO_SMALL, capi.llamaswift_chat_format, None, b"chatml", msgs, 1, True, None, 0,
               ctypes.byref(n))
    assert n.value > 0
    assert capi.llamaswift_token_bos(None) == -1 and capi.llamaswift_session_position(None) == 0
    assert not capi.llamaswift_session_logits(None)


def test_state_file_errors(llm, tmp_path):
    raises(Status.IO, capi.llamaswift_session_state_load_file, llm._session, str(tmp_path / "missing").encode())
    raises(Status.IO, capi.llamaswift_session_state_save_file, llm._session, b"/nonexistent/dir/state")


def test_vocab_only_model_cannot_generate(model_path):
    with Llama(model_path, vocab_only=True) as v:
        assert v.tokenize("Hello") and v.info["vocab_only"]
        with pytest.raises(ValueError):
            v("Hello")


def test_closed_llama_is_value_error(model_path):
    llm = Llama(model_path, n_ctx=64)
    llm.close()
    for call in (lambda: llm("x"), lambda: llm.tokenize("x"), lambda: llm.create_chat_completion([])):
        with pytest.raises(ValueError):
            call()
