"""Ray Serve test: a local Ray (loopback only, no dashboard, no usage reporting), the
deployment with 2 replicas, concurrent OpenAI-shaped requests whose answers are checked,
then a shutdown. Prints its figures. Needs ray[serve] and llamaswift installed
(scripts/python-venv.sh and make wheel; make test-ray does both)."""
import concurrent.futures
import json
import os
import pathlib
import socket
import sys
import time
import urllib.request

import pytest

HERE = pathlib.Path(__file__).resolve().parent
MODEL = pathlib.Path(os.environ.get("LLAMASWIFT_TEST_MODEL", HERE.parents[1] / "models/SmolLM2-135M-Instruct.Q4_1.gguf"))
QUESTIONS = [("France", "Paris"), ("Italy", "Rome"), ("Spain", "Madrid"), ("Germany", "Berlin")] * 2
REPLICAS = 2

ray = pytest.importorskip("ray")
serve = pytest.importorskip("ray.serve")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(url, body, timeout=120):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, dict(r.headers), r.read().decode()


@pytest.fixture(scope="module")
def server():
    if not MODEL.exists():
        pytest.skip(f"no model at {MODEL}")
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"  # no reporting to the outside
    # replicas import this folder's module; Ray's worker processes inherit the environment
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))
    sys.path.insert(0, str(HERE))
    import serve_llamaswift

    port = free_port()
    t0 = time.monotonic()
    ray.init(address="local", num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1",
             object_store_memory=100 * 1024 * 1024, logging_level="WARNING", log_to_driver=False)
    serve.start(http_options={"host": "127.0.0.1", "port": port})
    serve.run(serve_llamaswift.build_app({"model": str(MODEL), "replicas": str(REPLICAS), "threads": "1",
                                          "n_ctx": "1024", "max_ongoing": "2"}), name="llamaswift",
              route_prefix="/")
    figures = {"startup_seconds": time.monotonic() - t0}
    yield f"http://127.0.0.1:{port}", figures
    t1 = time.monotonic()
    serve.shutdown()
    ray.shutdown()
    figures["shutdown_seconds"] = time.monotonic() - t1
    print(f"\nray serve figures: {json.dumps(figures)}")


def test_two_replicas_answer_concurrent_requests(server):
    url, figures = server

    def ask(item):
        country, _ = item
        status, headers, text = post(url + "/v1/chat/completions", {
            "messages": [{"role": "user", "content": f"What is the capital of {country}?"}],
            "temperature": 0, "max_tokens": 24})
        return status, headers, json.loads(text)

    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(len(QUESTIONS)) as pool:
        results = list(pool.map(ask, QUESTIONS))
    figures["requests"] = len(QUESTIONS)
    figures["requests_seconds"] = time.monotonic() - t0
    pids = set()
    checked = 0
    for (country, capital), (status, headers, body) in zip(QUESTIONS, results):
        assert status == 200
        assert body["object"] == "chat.completion" and body["choices"][0]["message"]["role"] == "assistant"
        assert capital in body["choices"][0]["message"]["content"], (country, body)
        assert body["usage"]["completion_tokens"] > 0
        pids.add({k.lower(): v for k, v in headers.items()}["x-llamaswift-replica-pid"])
        checked += 1
    figures["answers_checked"] = checked
    figures["replicas_that_answered"] = len(pids)
    assert len(pids) == REPLICAS  # both replicas served


def test_streaming_and_errors(server):
    url, figures = server
    status, _, text = post(url + "/v1/chat/completions", {
        "messages": [{"role": "user", "content": "What is the capital of France?"}],
        "temperature": 0, "max_tokens": 24, "stream": True})
    events = [line[len("data: "):] for line in text.split("\n\n") if line.startswith("data: ")]
    assert status == 200 and events[-1] == "[DONE]"
    content = "".join(json.loads(e)["choices"][0]["delta"].get("content", "") for e in events[:-1])
    assert "Paris" in content
    status, _, text = post(url + "/v1/completions", {"prompt": "The capital of Italy is", "max_tokens": 4,
                                                     "temperature": 0})
    assert status == 200 and "Rome" in json.loads(text)["choices"][0]["text"]
    with pytest.raises(urllib.error.HTTPError) as e:
        post(url + "/v1/completions", {"prompt": "x", "temperature": -1})
    assert e.value.code == 400
    assert json.loads(e.value.read())["error"]["code"] == "llamaswift_err_invalid_argument"
