"""pytest for the ctypes module (run by make test with LLAMASWIFT_LIB set)."""
import pathlib

import pytest

import llamaswift as ls

MODEL = str(pathlib.Path(__file__).resolve().parents[2] / "models/SmolLM2-135M-Instruct.Q4_1.gguf")


@pytest.fixture(scope="module")
def model():
    with ls.Model(MODEL) as m:
        yield m


def test_version():
    assert ls.version() == "0.2.0"


def test_tokenize_roundtrip(model):
    ids = model.tokenize("Hello, world! Ünïcödé 😀")
    assert len(ids) > 3
    assert model.detokenize(ids) == "Hello, world! Ünïcödé 😀"
    assert model.tokenize("<|im_start|>", parse_special=True) == [1]
    spaced = "Hello , world !"  # SmolLM2's vocabulary has no clean-up; forced, it applies
    assert model.detokenize(model.tokenize(spaced)) == spaced
    assert model.detokenize(model.tokenize(spaced), clean_spaces=False) == spaced
    assert model.detokenize(model.tokenize(spaced), clean_spaces=True) == "Hello, world!"


def test_errors_carry_status_and_message(model):
    with pytest.raises(ls.LlamaSwiftError) as e:
        ls.Model("/nonexistent.gguf")
    assert e.value.status == ls.IO and "/nonexistent.gguf" in e.value.message
    with pytest.raises(ls.LlamaSwiftError) as e:
        model.chat_format([{"role": "user", "content": "x"}], template="nope")
    assert e.value.status == ls.UNSUPPORTED
    ls.Sampler(top_p=0).close()  # llama.cpp's "top token only": accepted
    with pytest.raises(ls.LlamaSwiftError) as e:
        ls.Sampler(temperature=-1)
    assert e.value.status == ls.INVALID_ARGUMENT
    with pytest.raises(ls.LlamaSwiftError) as e:
        ls.Sampler(temperature_order=7)
    assert e.value.status == ls.INVALID_ARGUMENT and "temperature_order" in e.value.message


def test_generate_streams_an_answer(model):
    with ls.Session(model, n_ctx=512) as s, ls.Sampler(temperature=0) as smp:
        prompt = model.chat_format([{"role": "user", "content": "What is the capital of France?"}])
        text = "".join(ls.generate(s, smp, prompt, max_tokens=48))
        assert "Paris" in text
        assert ls.generate.result.n_generated > 0
        stopped = "".join(ls.generate(s, smp, prompt, max_tokens=48, stop=["Paris"]))
        assert "Paris" not in stopped and ls.generate.result.stop_reason == 3


def test_close_is_idempotent(model):
    s = ls.Session(model, n_ctx=64)
    s.close()
    s.close()
    assert s.position == 0
