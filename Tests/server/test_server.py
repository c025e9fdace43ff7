"""llamaswift-server through the official `openai` client (and raw HTTP where a client
would hide the answer), on 127.0.0.1 only, with bounded load.

  LLAMASWIFT_BIN=.build/release out/server-venv/bin/python -m pytest -q Tests/server

The server is started by the tests (port 0: the kernel picks one; the server prints it).
"""
import concurrent.futures
import http.client
import json
import os
import re
import socket
import subprocess
import time

import openai
import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("LLAMASWIFT_BIN", os.path.join(ROOT, ".build", "release"))
MODEL = os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")
KEY = "test-key-123"
QUESTIONS = [
    "What is the capital of France?",
    "What is the capital of Italy?",
    "Name three colors.",
    "What is 2 + 2?",
    "Write a haiku about the sea.",
    "Who wrote Hamlet?",
    "What is the largest planet?",
    "Say hello in Spanish.",
]
MAX = 48


class Server:
    def __init__(self, *flags):
        os.makedirs(os.path.join(ROOT, "out"), exist_ok=True)
        self.log = os.path.join(ROOT, "out", f"server-test-{os.getpid()}-{id(self)}.log")
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(
                [os.path.join(BIN, "llamaswift-server"), "-m", MODEL, "--port", "0", "-t", "2", *flags],
                stderr=log)
        m = None
        for _ in range(300):  # the server prints its address once it listens
            m = re.search(r"llamaswift-server: .* on http://127\.0\.0\.1:(\d+)", open(self.log).read())
            if m or self.proc.poll() is not None:
                break
            time.sleep(0.1)
        if not m:  # never leave a server behind
            self.proc.kill()
            self.proc.wait(timeout=10)
        assert m, open(self.log).read()
        self.port = int(m.group(1))
        self.url = f"http://127.0.0.1:{self.port}/v1"

    def client(self, key=KEY):
        return openai.OpenAI(base_url=self.url, api_key=key, max_retries=0, timeout=120)

    def raw(self, method, path, body=None, key=KEY):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Content-Type": "application/json"}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, data

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def server():
    s = Server("-np", "8", "--queue", "8", "--api-key", KEY, "-c", "512")
    yield s
    assert s.proc.poll() is None, "the server died"
    s.stop()


def expected(question):
    """`llamaswift run --temp 0` for the same message: the reference answer."""
    out = subprocess.run([os.path.join(BIN, "llamaswift"), "run", "-m", MODEL, "-p", question, "--temp", "0",
                          "-n", str(MAX), "-t", "1"], capture_output=True, text=True, check=True)
    return out.stdout.rstrip("\n")


def ask(client, question, **kw):
    r = client.chat.completions.create(model="any", messages=[{"role": "user", "content": question}],
                                       temperature=0, max_tokens=MAX, **kw)
    return r


def test_health_and_models(server):
    assert server.raw("GET", "/health", key=None) == (200, b'{"status":"ok"}')
    models = server.client().models.list()
    assert [m.id for m in models.data] == [os.path.basename(MODEL)]


def test_chat_equals_run(server):
    r = ask(server.client(), QUESTIONS[0])
    assert r.choices[0].message.content == expected(QUESTIONS[0])
    assert "Paris" in r.choices[0].message.content
    assert r.choices[0].finish_reason == "stop"
    assert r.usage.completion_tokens > 0 and r.usage.prompt_tokens > 0


def test_stream_equals_non_stream(server):
    c = server.client()
    whole = ask(c, QUESTIONS[1]).choices[0].message.content
    pieces, reasons = [], []
    for chunk in ask(c, QUESTIONS[1], stream=True):
        if chunk.choices[0].delta.content:
            pieces.append(chunk.choices[0].delta.content)
        reasons.append(chunk.choices[0].finish_reason)
    assert "".join(pieces) == whole == expected(QUESTIONS[1])
    assert reasons[-1] == "stop" and len(pieces) > 1


def test_text_completion_and_limits(server):
    c = server.client()
    r = c.completions.create(model="any", prompt="The capital of France is", temperature=0, max_tokens=5)
    assert r.choices[0].finish_reason == "length" and r.usage.completion_tokens == 5
    r = c.completions.create(model="any", prompt="1, 2, 3, 4,", temperature=0, max_tokens=30, stop=[" 7"])
    assert r.choices[0].finish_reason == "stop" and " 7" not in r.choices[0].text and "6" in r.choices[0].text


def test_eight_concurrent_equal_alone(server):
    c = server.client()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda q: ask(c, q).choices[0].message.content, QUESTIONS))
    for q, a in zip(QUESTIONS, answers):
        assert a == expected(q), q


def test_bad_requests(server):
    status, body = server.raw("POST", "/v1/chat/completions", body=b"{not json")
    assert status == 400 and json.loads(body)["error"]["type"] == "invalid_request_error"
    status, body = server.raw("POST", "/v1/chat/completions", body=b'{"messages": []}')
    assert status == 400 and "messages" in json.loads(body)["error"]["message"]
    status, body = server.raw("POST", "/v1/chat/completions",
                              body=b'{"messages": [{"role": "user", "content": "hi"}], "temperature": 5}')
    assert status == 400 and json.loads(body)["error"]["param"] == "temperature"
    with pytest.raises(openai.AuthenticationError):
        ask(server.client(key="wrong"), "hi")
    assert server.raw("GET", "/v1/models", key=None)[0] == 401
    assert "Paris" in ask(server.client(), QUESTIONS[0]).choices[0].message.content  # still serving


def test_disconnect_mid_stream(server):
    body = json.dumps({"messages": [{"role": "user", "content": "Tell me a very long story."}],
                       "max_tokens": 400, "stream": True, "temperature": 0}).encode()
    s = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              + f"Authorization: Bearer {KEY}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
    got = b""
    while got.count(b"data: ") < 4:
        got += s.recv(4096)
    s.close()  # gone mid-stream
    time.sleep(0.5)
    assert server.proc.poll() is None
    assert "Paris" in ask(server.client(), QUESTIONS[0]).choices[0].message.content


def test_overload_is_503_and_recovers():
    s = Server("-np", "1", "--queue", "1", "-c", "256")
    try:
        c = s.client(key="unused")

        def one(_):
            try:
                c.chat.completions.create(model="any", messages=[{"role": "user", "content": "Count to fifty."}],
                                          temperature=0, max_tokens=64)
                return 200
            except openai.APIStatusError as e:
                return e.status_code
        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            codes = list(pool.map(one, range(6)))
        assert codes.count(200) >= 2 and codes.count(503) >= 1 and set(codes) <= {200, 503}, codes
        assert "Paris" in ask(c, QUESTIONS[0]).choices[0].message.content
        assert s.proc.poll() is None
    finally:
        s.stop()


def test_logprobs_and_logit_bias(server):
    """logprobs (chat: logprobs + top_logprobs; completions: logprobs N) are the model's
    log-probabilities: greedy picks the most probable, each list is sorted and its first
    entry is the chosen token; logit_bias -100 removes the greedy token, +100 forces one."""
    c = server.client()
    q = [{"role": "user", "content": QUESTIONS[0]}]
    r = c.chat.completions.create(model="m", messages=q, max_tokens=6, temperature=0, logprobs=True, top_logprobs=3)
    content = r.choices[0].logprobs.content
    assert len(content) == r.usage.completion_tokens
    assert "".join(t.token for t in content) == r.choices[0].message.content
    for t in content:
        tops = [a.logprob for a in t.top_logprobs]
        assert len(tops) == 3 and tops == sorted(tops, reverse=True) and t.logprob == tops[0] <= 0
        assert bytes(t.bytes).decode() == t.token
    tc = c.completions.create(model="m", prompt="The capital of France is", max_tokens=3, temperature=0, logprobs=2)
    lp = tc.choices[0].logprobs
    assert len(lp.tokens) == 3 and lp.text_offset[0] == 0 and all(len(d) == 2 for d in lp.top_logprobs)
    assert lp.token_logprobs[0] == max(lp.top_logprobs[0].values())
    # Token 7042 is " Paris" in SmolLM2's vocabulary, the greedy answer here.
    assert lp.tokens[0] == " Paris"
    forced = c.completions.create(model="m", prompt="The capital of France is", max_tokens=2, temperature=1, seed=3,
                                  logit_bias={"7042": 100})
    assert forced.choices[0].text == " Paris Paris"
    banned = c.completions.create(model="m", prompt="The capital of France is", max_tokens=1, temperature=0,
                                  logit_bias={"7042": -100}, logprobs=1)
    assert banned.choices[0].text != " Paris"
    assert banned.choices[0].logprobs.top_logprobs[0] == {" Paris": lp.token_logprobs[0]}  # the model's, unbiased
    status, body = server.raw("POST", "/v1/completions", json.dumps({"prompt": "x", "logit_bias": {"abc": 1}}))
    assert status == 400 and b"logit_bias" in body
    status, body = server.raw("POST", "/v1/chat/completions",
                              json.dumps({"messages": q, "logprobs": True, "stream": True}))
    assert status == 400 and b"stream" in body
