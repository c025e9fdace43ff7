"""llamaswift as a Ray Serve deployment with OpenAI-shaped routes.

Each replica is a Ray actor process that loads the model once (memory-mapped, so
replicas on one machine share its pages) and answers one request at a time on its own
session; Ray Serve spreads requests over the replicas, on one machine or a cluster.

    POST /v1/chat/completions   {"messages": [...], "max_tokens", "temperature", "top_p",
                                 "top_k", "min_p", "stop", "seed", "stream"}
    POST /v1/completions        {"prompt": "...", same options}
    GET  /v1/models

Answers are llamaswift.Llama's dicts (OpenAI's shapes); with "stream": true, server-sent
events `data: {chunk}` ending with `data: [DONE]`. Errors: {"error": {"message", "type",
"code"}} with status 400 (bad request, context full) or 500.

Run on this machine (2 replicas, HTTP on 127.0.0.1:8000):

    python examples/ray/serve_llamaswift.py --model models/SmolLM2-135M-Instruct.Q4_1.gguf --replicas 2

or with Ray's CLI:  serve run serve_llamaswift:build_app model=/abs/path/model.gguf replicas=2
See README.md beside this file for a cluster of several machines.
"""

import argparse
import json
import os
import time
from typing import Any, Dict, Iterator

from fastapi import Body, FastAPI
from fastapi.responses import JSONResponse, StreamingResponse
from ray import serve

from llamaswift import Llama, LlamaSwiftError, Status

app = FastAPI(title="llamaswift")

# Request fields passed to Llama.create_*completion (others are ignored, as OpenAI
# clients send some this engine has no use for, e.g. "n": 1 or "user").
_OPTIONS = ("max_tokens", "temperature", "top_p", "top_k", "min_p", "stop", "seed", "repeat_penalty",
            "presence_penalty", "frequency_penalty")


def _error(status: int, message: str, kind: str, code: Any = None) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "code": code}}, status_code=status)


def _from_llamaswift(e: LlamaSwiftError) -> JSONResponse:
    client = e.status in (Status.INVALID_ARGUMENT, Status.CONTEXT_FULL, Status.UNSUPPORTED)
    return _error(400 if client else 500, e.message, "invalid_request_error" if client else "server_error",
                  e.status.name.lower() if isinstance(e.status, Status) else None)


def _sse(chunks: Iterator[Dict[str, Any]]) -> Iterator[str]:
    try:
        for chunk in chunks:
            yield f"data: {json.dumps(chunk)}\n\n"
    except LlamaSwiftError as e:
        yield f"data: {json.dumps({'error': {'message': e.message, 'type': 'server_error'}})}\n\n"
    finally:
        close = getattr(chunks, "close", None)
        if close:
            close()  # a client that went away cancels the generation
    yield "data: [DONE]\n\n"


@serve.deployment
@serve.ingress(app)
class LlamaSwiftDeployment:
    """One replica: one model, one session. Handlers are plain `def`s, so FastAPI runs
    them on its thread pool and the event loop stays free; Llama serialises them."""

    def __init__(self, model: str, n_ctx: int = 2048, n_threads: int = 1) -> None:
        started = time.monotonic()
        self.model_name = os.path.basename(model)
        self.llm = Llama(model, n_ctx=n_ctx, n_threads=n_threads)
        self.load_seconds = time.monotonic() - started

    def _headers(self) -> Dict[str, str]:
        return {"x-llamaswift-replica-pid": str(os.getpid())}

    @app.get("/v1/models")
    def models(self) -> JSONResponse:
        return JSONResponse({"object": "list", "data": [{"id": self.model_name, "object": "model",
                                                         "owned_by": "llamaswift"}]}, headers=self._headers())

    def _complete(self, body: Dict[str, Any], chat: bool) -> Any:
        options = {k: body[k] for k in _OPTIONS if k in body and body[k] is not None}
        stream = bool(body.get("stream"))
        try:
            if chat:
                messages = body.get("messages")
                if not isinstance(messages, list) or not messages:
                    return _error(400, "'messages' must be a non-empty list", "invalid_request_error")
                result = self.llm.create_chat_completion(messages, stream=stream, model=self.model_name, **options)
            else:
                prompt = body.get("prompt")
                if not isinstance(prompt, str):
                    return _error(400, "'prompt' must be a string", "invalid_request_error")
                result = self.llm.create_completion(prompt, stream=stream, model=self.model_name, **options)
            if stream:
                return StreamingResponse(_sse(result), media_type="text/event-stream", headers=self._headers())
            return JSONResponse(result, headers=self._headers())
        except LlamaSwiftError as e:
            return _from_llamaswift(e)
        except (TypeError, ValueError, KeyError) as e:
            return _error(400, str(e), "invalid_request_error")

    @app.post("/v1/chat/completions")
    def chat_completions(self, body: Dict[str, Any] = Body(...)) -> Any:
        return self._complete(body, chat=True)

    @app.post("/v1/completions")
    def completions(self, body: Dict[str, Any] = Body(...)) -> Any:
        return self._complete(body, chat=False)


def build_app(args: Dict[str, str]) -> Any:
    """Application builder for `serve run serve_llamaswift:build_app model=... replicas=N`.
    Keys: model (path, the same on every node), replicas (2), n_ctx (2048), threads (1 per
    replica), max_ongoing (requests queued per replica, 2)."""
    replicas = int(args.get("replicas", 2))
    threads = int(args.get("threads", 1))
    return LlamaSwiftDeployment.options(
        num_replicas=replicas,
        max_ongoing_requests=int(args.get("max_ongoing", 2)),
        ray_actor_options={"num_cpus": threads},
    ).bind(os.path.abspath(args["model"]), int(args.get("n_ctx", 2048)), threads)


def main() -> None:
    import ray

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True)
    p.add_argument("--replicas", type=int, default=2)
    p.add_argument("--threads", type=int, default=1, help="threads (and Ray CPUs) per replica")
    p.add_argument("--n-ctx", type=int, default=2048)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--address", default=None, help='an existing Ray cluster ("auto" on one of its nodes)')
    a = p.parse_args()
    ray.init(address=a.address, include_dashboard=False)
    serve.start(http_options={"host": a.host, "port": a.port})
    serve.run(build_app({"model": a.model, "replicas": str(a.replicas), "threads": str(a.threads),
                         "n_ctx": str(a.n_ctx)}), name="llamaswift", route_prefix="/")
    print(f"serving {a.model} with {a.replicas} replicas on http://{a.host}:{a.port}/v1/chat/completions; Ctrl-C stops")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        serve.shutdown()
        ray.shutdown()


if __name__ == "__main__":
    main()
