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


# Token ids of SmolLM2's <|endoftext|>, <|im_start|>, <|im_end|>: banned where an answer
# must run to max_tokens.
NO_END = {"0": -100, "1": -100, "2": -100}


def test_disconnect_non_streamed_frees_the_slot():
    """A client that drops a non-streamed request cancels it: with one slot, the next
    request is answered long before the dropped one could have generated its tokens."""
    s = Server("-np", "1", "--queue", "4", "-c", "2048")
    try:
        c = s.client(key="unused")
        # This machine's rate for this request now: 64 tokens, timed.
        t = time.monotonic()
        r = c.completions.create(model="m", prompt="Once upon a time", max_tokens=64, temperature=0, logit_bias=NO_END)
        per_token = (time.monotonic() - t) / 64
        assert r.usage.completion_tokens == 64
        n = 1800
        body = json.dumps({"prompt": "Once upon a time", "max_tokens": n, "temperature": 0,
                           "logit_bias": NO_END}).encode()
        sock = socket.create_connection(("127.0.0.1", s.port), timeout=30)
        sock.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        time.sleep(1.0)  # decoding now
        sock.close()  # gone before the answer
        dropped_at = time.monotonic()
        r = c.completions.create(model="m", prompt="The capital of France is", max_tokens=4, temperature=0)
        waited = time.monotonic() - dropped_at
        # The dropped request had at least n − 1 s worth of tokens left.
        left = n * per_token - 1.0
        print(f"per token {per_token * 1000:.1f} ms; dropped request had >= {left:.1f} s left; next answered in {waited:.2f} s")
        assert r.usage.completion_tokens == 4
        assert left > 4 and waited < left / 4, (waited, left)
        assert s.proc.poll() is None
    finally:
        s.stop()


CITY = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "maxLength": 20},
        "population": {"type": "integer", "minimum": 0},
        "capital": {"type": "boolean"},
    },
    "required": ["city", "population", "capital"],
    "additionalProperties": False,
}


def run_constrained(question, flag, value, n):
    """`llamaswift run --temp 0` with a grammar flag: the reference answer."""
    out = subprocess.run([os.path.join(BIN, "llamaswift"), "run", "-m", MODEL, "-p", question, "--temp", "0",
                          "-n", str(n), "-t", "1", flag, value], capture_output=True, text=True, check=True)
    return out.stdout.removesuffix("\n")  # the program ends its output with a newline


def test_response_format_json_schema(server):
    """OpenAI's json_schema response format: the answer parses, is valid against the
    schema (the `jsonschema` package), keeps the schema's property order, streams the
    same text, and equals `llamaswift run --temp 0 --json-schema`."""
    import jsonschema
    c = server.client()
    q = "Describe Paris as JSON."
    fmt = {"type": "json_schema", "json_schema": {"name": "city", "schema": CITY, "strict": True}}
    r = c.chat.completions.create(model="m", messages=[{"role": "user", "content": q}], temperature=0,
                                  max_tokens=120, response_format=fmt)
    text = r.choices[0].message.content
    assert r.choices[0].finish_reason == "stop", text
    value = json.loads(text)
    jsonschema.validate(value, CITY)
    assert list(value) == ["city", "population", "capital"]
    assert text == run_constrained(q, "--json-schema", json.dumps(CITY), 120)
    pieces = [ch.choices[0].delta.content or "" for ch in
              c.chat.completions.create(model="m", messages=[{"role": "user", "content": q}], temperature=0,
                                        max_tokens=120, response_format=fmt, stream=True)]
    assert "".join(pieces) == text
    # Sampled (temperature 1, several seeds) answers are valid too.
    for seed in range(3):
        r = c.chat.completions.create(model="m", messages=[{"role": "user", "content": q}], temperature=1, seed=seed,
                                      max_tokens=120, response_format=fmt)
        if r.choices[0].finish_reason == "stop":
            jsonschema.validate(json.loads(r.choices[0].message.content), CITY)
        else:  # cut by max_tokens: still a prefix the schema's grammar allowed
            assert r.choices[0].message.content.startswith("{")


def test_response_format_json_object_and_grammar(server):
    """JSON mode gives a JSON object; llama-server's `grammar` (GBNF) on completions and
    chat limits the answer to the grammar's strings."""
    c = server.client()
    r = c.chat.completions.create(model="m", messages=[{"role": "user", "content": QUESTIONS[0]}], temperature=0,
                                  max_tokens=120, response_format={"type": "json_object"})
    text = r.choices[0].message.content
    assert text.startswith("{")
    if r.choices[0].finish_reason == "stop":
        assert isinstance(json.loads(text), dict)
    assert text == run_constrained(QUESTIONS[0], "--grammar", JSON_OBJECT_GBNF, 120)
    g = 'root ::= " yes" | " no"'
    r = c.completions.create(model="m", prompt="Is Paris in France? Answer:", max_tokens=10, temperature=0,
                             extra_body={"grammar": g})
    assert r.choices[0].text in (" yes", " no") and r.choices[0].finish_reason == "stop"
    for seed in range(4):
        r = c.chat.completions.create(model="m", messages=[{"role": "user", "content": "Pick a color."}],
                                      temperature=1, seed=seed, max_tokens=10,
                                      extra_body={"grammar": 'root ::= "red" | "green" | "blue"'})
        assert r.choices[0].message.content in ("red", "green", "blue")


# Any JSON object, written independently of the engine's converter (RFC 8259's grammar
# with llama.cpp's whitespace limit), for the CLI's reference answer.
JSON_OBJECT_GBNF = r'''
root ::= object
value ::= object | array | string | number | ("true" | "false" | "null") ws
object ::= "{" ws ( string ":" ws value ("," ws string ":" ws value)* )? "}" ws
array ::= "[" ws ( value ("," ws value)* )? "]" ws
string ::= "\"" ( [^"\\\x00-\x1F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4}) )* "\"" ws
number ::= ("-"? ([0] | [1-9] [0-9]{0,15})) ("." [0-9]{1,16})? ([eE] [-+]? [0-9]{1,16})? ws
ws ::= | " " | "\n" [ \t]{0,20}
'''


def test_constraint_errors(server):
    """A bad grammar or schema is a 400 naming the parameter, with the engine's message;
    two constraints at once, or an unknown response_format, too. The server keeps serving."""
    status, body = server.raw("POST", "/v1/completions", json.dumps({"prompt": "x", "grammar": "root ::= ("}))
    err = json.loads(body)["error"]
    assert status == 400 and err["param"] == "grammar" and "line 1" in err["message"], body
    bad_schema = {"type": "object", "not": {}}
    status, body = server.raw("POST", "/v1/chat/completions", json.dumps({
        "messages": [{"role": "user", "content": "hi"}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": bad_schema}}}))
    err = json.loads(body)["error"]
    assert status == 400 and err["param"] == "response_format" and "'not'" in err["message"], body
    with pytest.raises(openai.BadRequestError):
        server.client().chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}],
                                                response_format={"type": "json_schema",
                                                                 "json_schema": {"name": "x", "schema": bad_schema}})
    status, body = server.raw("POST", "/v1/completions", json.dumps({
        "prompt": "x", "grammar": 'root ::= "a"', "response_format": {"type": "json_object"}}))
    assert status == 400 and b"only one" in body, body
    status, body = server.raw("POST", "/v1/completions", json.dumps({"prompt": "x", "response_format": {"type": "xml"}}))
    assert status == 400 and json.loads(body)["error"]["param"] == "response_format", body
    status, body = server.raw("POST", "/v1/completions", json.dumps({"prompt": "x", "json_schema": bad_schema}))
    assert status == 400 and json.loads(body)["error"]["param"] == "json_schema", body
    status, body = server.raw("POST", "/v1/completions", json.dumps({"prompt": "x", "grammar": 5}))
    assert status == 400 and json.loads(body)["error"]["param"] == "grammar", body
    assert "Paris" in ask(server.client(), QUESTIONS[0]).choices[0].message.content  # still serving
