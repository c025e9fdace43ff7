"""The high-level API: answers equal the llamaswift program's, streams equal non-streamed
calls, broken-out streams stop the engine, the dict shapes of llama-cpp-python."""
import gc
import os
import subprocess
import threading
import time

import pytest

from conftest import CLI
from llamaswift import Llama

QUESTIONS = [
    (None, "What is the capital of France?"),
    ("You are a terse geography teacher.", "Name the longest river in Africa."),
    (None, "Write a haiku about the sea."),
]


def generate_threads():
    return [t for t in threading.enumerate() if t.name == "llamaswift-generate"]


def native_threads(expected=None):
    """The process's OS threads. With `expected`, waits up to 2 s for that count: a
    joined Python thread's OS thread may take a moment to disappear."""
    deadline = time.monotonic() + 2
    while True:
        n = len(os.listdir("/proc/self/task"))
        if expected is None or n == expected or time.monotonic() > deadline:
            return n
        time.sleep(0.01)


@pytest.mark.parametrize("system,question", QUESTIONS)
def test_greedy_chat_equals_the_program(llm, model_path, system, question):
    if not CLI.exists():
        pytest.skip(f"no {CLI} (make build)")
    args = [str(CLI), "run", "-m", model_path, "-p", question, "--temp", "0", "-n", "64", "-c", "1024", "-t", "2"]
    if system:
        args += ["-sys", system]
    expected = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    assert expected.endswith("\n")
    messages = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": question}]
    out = llm.create_chat_completion(messages, temperature=0, max_tokens=64)
    assert out["choices"][0]["message"]["content"] == expected[:-1]
    if question.startswith("What is the capital"):
        assert "Paris" in expected


def test_chat_completion_shape(llm):
    out = llm.create_chat_completion([{"role": "user", "content": "Say hi."}], temperature=0, max_tokens=4)
    assert set(out) == {"id", "object", "created", "model", "choices", "usage"}
    assert out["object"] == "chat.completion" and out["id"].startswith("chatcmpl-")
    choice = out["choices"][0]
    assert set(choice) == {"index", "message", "logprobs", "finish_reason"}
    assert choice["message"]["role"] == "assistant" and choice["finish_reason"] in ("stop", "length")
    u = out["usage"]
    assert u["total_tokens"] == u["prompt_tokens"] + u["completion_tokens"] and u["completion_tokens"] <= 4


def test_completion_shape_and_finish_reasons(llm):
    out = llm.create_completion("The capital of Italy is", max_tokens=3, temperature=0)
    assert out["object"] == "text_completion" and out["id"].startswith("cmpl-")
    assert set(out["choices"][0]) == {"text", "index", "logprobs", "finish_reason"}
    assert out["choices"][0]["finish_reason"] == "length" and out["usage"]["completion_tokens"] == 3
    assert "Rome" in out["choices"][0]["text"]
    stopped = llm("The capital of Italy is", max_tokens=16, temperature=0, stop=["Rome"])
    assert "Rome" not in stopped["choices"][0]["text"] and stopped["choices"][0]["finish_reason"] == "stop"
    echoed = llm("The capital of Italy is", max_tokens=3, temperature=0, echo=True)
    assert echoed["choices"][0]["text"] == "The capital of Italy is" + out["choices"][0]["text"]


@pytest.mark.parametrize("temperature,seed", [(0, None), (0.9, 7)])
def test_streamed_chat_concatenates_to_the_non_streamed(llm, temperature, seed):
    messages = [{"role": "user", "content": "Tell me about the moon in two sentences."}]
    full = llm.create_chat_completion(messages, temperature=temperature, seed=seed, max_tokens=48)
    chunks = list(llm.create_chat_completion(messages, temperature=temperature, seed=seed, max_tokens=48,
                                             stream=True))
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant"}
    assert chunks[-1]["choices"][0]["delta"] == {} and chunks[-1]["choices"][0]["finish_reason"] == \
        full["choices"][0]["finish_reason"]
    assert all(c["object"] == "chat.completion.chunk" and c["id"] == chunks[0]["id"] for c in chunks)
    assert all(c["choices"][0]["finish_reason"] is None for c in chunks[:-1])
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert text == full["choices"][0]["message"]["content"] and len(chunks) > 3


def test_streamed_completion_concatenates_to_the_non_streamed(llm):
    full = llm.create_completion("Once upon a time", max_tokens=40, temperature=0)
    chunks = list(llm.create_completion("Once upon a time", max_tokens=40, temperature=0, stream=True))
    assert "".join(c["choices"][0]["text"] for c in chunks) == full["choices"][0]["text"]
    assert chunks[-1]["choices"][0]["finish_reason"] == "length"


def test_same_seed_same_text(llm):
    a = llm("A list of fruits:", max_tokens=24, temperature=1.0, seed=99)["choices"][0]["text"]
    b = llm("A list of fruits:", max_tokens=24, temperature=1.0, seed=99)["choices"][0]["text"]
    assert a == b


def test_breaking_out_of_a_stream_cancels_it(llm):
    before = native_threads()
    start = time.monotonic()
    for i, _ in enumerate(llm.create_completion("Once upon a time", max_tokens=400, temperature=0, stream=True)):
        if i == 2:
            break
    elapsed = time.monotonic() - start
    # the generation stopped within a few tokens of the break, not at 400
    assert llm.n_tokens < len(llm.tokenize("Once upon a time")) + 12
    assert generate_threads() == [] and native_threads(before) == before
    assert elapsed < 5
    out = llm.create_chat_completion([{"role": "user", "content": "What is the capital of France?"}],
                                     temperature=0, max_tokens=32)
    assert "Paris" in out["choices"][0]["message"]["content"]
    assert generate_threads() == [] and native_threads(before) == before


def test_closing_a_stream_cancels_it(llm):
    it = llm.create_completion("Count to one hundred:", max_tokens=400, temperature=0, stream=True)
    next(it)
    next(it)
    it.close()
    assert generate_threads() == []
    assert llm.n_tokens < 40
    with pytest.raises(StopIteration):
        next(it)


def test_a_collected_stream_is_cancelled(llm):
    it = llm.create_completion("Count to one hundred:", max_tokens=400, temperature=0, stream=True)
    next(it)
    del it
    gc.collect()
    assert generate_threads() == []
    assert llm.n_tokens < 40


def test_an_unstarted_stream_runs_nothing(llm):
    llm.reset()
    it = llm.create_completion("Hello", max_tokens=400, stream=True)
    del it
    gc.collect()
    assert llm.n_tokens == 0 and generate_threads() == []


def test_a_stream_left_open_is_cancelled_by_the_next_call_on_its_thread(llm):
    it = llm.create_completion("Count to one hundred:", max_tokens=400, temperature=0, stream=True)
    next(it)
    out = llm("The capital of Italy is", max_tokens=3, temperature=0)  # must not deadlock
    assert "Rome" in out["choices"][0]["text"]
    assert list(it) == [] or all(c["choices"][0]["text"] is not None for c in it)
    assert generate_threads() == []


def test_threads_wait_for_each_other(llm):
    q = [{"role": "user", "content": "What is the capital of France?"}]
    expected = llm.create_chat_completion(q, temperature=0, max_tokens=16)["choices"][0]["message"]["content"]
    answers = []

    def ask():
        answers.append(llm.create_chat_completion(q, temperature=0, max_tokens=16)["choices"][0]["message"]["content"])

    def stream():
        answers.append("".join(c["choices"][0]["delta"].get("content", "")
                               for c in llm.create_chat_completion(q, temperature=0, max_tokens=16, stream=True)))

    threads = [threading.Thread(target=f) for f in (ask, stream, ask, stream)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [expected] * 4


def test_closing_the_llama_during_a_stream_from_another_thread(model_path):
    llm = Llama(model_path, n_ctx=512, n_threads=1)
    got = []
    started = threading.Event()

    def consume():
        for c in llm.create_completion("Count to one thousand:", max_tokens=-1, temperature=0, stream=True):
            got.append(c)
            started.set()

    t = threading.Thread(target=consume)
    t.start()
    assert started.wait(30)
    llm.close()  # cancels, waits for the engine, then frees
    t.join(10)
    assert not t.is_alive() and generate_threads() == []
    with pytest.raises(ValueError):
        llm("again")
    llm.close()  # idempotent


def test_tokens(llm):
    ids = llm.tokenize(b"Hello, world! \xc3\x9cn\xc3\xafc\xc3\xb6d\xc3\xa9")
    assert llm.detokenize(ids) == "Hello, world! Ünïcödé".encode()
    assert llm.tokenize("Hello") == llm.tokenize(b"Hello")
    assert llm.tokenize("<|im_start|>", add_bos=False, special=True) == [1]
    assert len(llm.tokenize("<|im_start|>", add_bos=False, special=False)) > 1
    assert llm.n_vocab() == 49152 and llm.n_ctx() == 1024
    assert llm.token_eos() >= 0 and llm.token_to_piece(1) == b"<|im_start|>"
    assert llm.token_to_piece(llm.token_eot()) == b"<|im_end|>"
    text = "Hello , world ! It 's"
    assert llm.detokenize(llm.tokenize(text, add_bos=False), clean_spaces=False) == text.encode()
    assert llm.detokenize(llm.tokenize(text, add_bos=False), clean_spaces=True) == b"Hello, world! It's"
    assert llm.metadata("general.architecture") == "llama"
    with pytest.raises(KeyError):
        llm.metadata("no.such.key")
    assert llm.info["n_layer"] == 30


def test_state_roundtrip(llm):
    llm.reset()
    llm("The capital of Italy is", max_tokens=2, temperature=0)
    state = llm.save_state()
    pos = llm.n_tokens
    llm.reset()
    assert llm.n_tokens == 0
    llm.load_state(state)
    assert llm.n_tokens == pos


def test_multi_turn_reuses_the_cache(llm):
    msgs = [{"role": "user", "content": "What is the capital of France?"}]
    a = llm.create_chat_completion(msgs, temperature=0, max_tokens=16)
    msgs += [a["choices"][0]["message"], {"role": "user", "content": "And of Spain?"}]
    b = llm.create_chat_completion(msgs, temperature=0, max_tokens=16)
    assert "Madrid" in b["choices"][0]["message"]["content"]


def test_context_manager(model_path):
    with Llama(model_path, n_ctx=128) as llm:
        assert llm("Hi", max_tokens=1, temperature=0)["usage"]["completion_tokens"] <= 1
    with pytest.raises(ValueError):
        llm.tokenize("x")
