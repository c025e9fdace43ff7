"""The high-level API: :class:`Llama`, shaped like llama-cpp-python's, over the C API.

One ``Llama`` owns a model, one session (its KV cache) and runs one generation at a
time; calls from several threads wait for each other. Completions return the OpenAI-
style dicts llama-cpp-python returns; with ``stream=True`` an iterator of chunks.

Streams run the C call ``llamaswift_generate`` on a worker thread that hands text to
the iterator through a small bounded queue, so the worker is never more than a few
pieces ahead. Closing the iterator (``break`` out of a ``for`` loop over it, ``close()``,
or letting it be collected) cancels the generation and waits for the worker to leave the
library before the iterator's ``close()`` returns. The session is freed only when no call
is running on it.
"""

from __future__ import annotations

import contextlib
import ctypes
import queue
import sys
import threading
import time
import uuid
import weakref
import math
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from . import capi
from .capi import LlamaSwiftError, Status, StopReason

__all__ = ["Llama"]

_AHEAD = 4  # text pieces a streaming worker may produce before the consumer takes them
_POLL = 0.05  # seconds between checks of a cancel flag while waiting

_FINISH = {
    StopReason.LLAMASWIFT_STOP_END_OF_GENERATION: "stop",
    StopReason.LLAMASWIFT_STOP_STRING: "stop",
    StopReason.LLAMASWIFT_STOP_MAX_TOKENS: "length",
    StopReason.LLAMASWIFT_STOP_CONTEXT_FULL: "length",
    StopReason.LLAMASWIFT_STOP_CALLBACK: "stop",
    StopReason.LLAMASWIFT_STOP_CANCELLED: "stop",
    StopReason.LLAMASWIFT_STOP_GRAMMAR_COMPLETE: "stop",
}

# Seeds llama-cpp-python users pass for "random" (its LLAMA_DEFAULT_SEED is 0xFFFFFFFF).
_RANDOM_SEEDS = (None, -1, 0xFFFFFFFF, capi.LLAMASWIFT_SEED_RANDOM)

# Open generations, cancelled before the interpreter waits for threads at exit.
_live_runs: "weakref.WeakSet[_Run]" = weakref.WeakSet()


def _cancel_live_runs() -> None:
    for run in list(_live_runs):
        run.cancel()


# threading._register_atexit runs before the interpreter joins threads; atexit after.
getattr(threading, "_register_atexit", lambda f: None)(_cancel_live_runs)


def _text_bytes(text: Union[str, bytes]) -> bytes:
    return text.encode("utf-8") if isinstance(text, str) else bytes(text)


def _content_text(content: Any) -> str:
    """A message's content: a string, None, or OpenAI's list of parts (text parts joined)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    parts = []
    for part in content:
        if isinstance(part, dict) and part.get("type") == "text":
            parts.append(part.get("text", ""))
        elif isinstance(part, str):
            parts.append(part)
        else:
            raise ValueError(f"unsupported message content part: {part!r}")
    return "".join(parts)


def _constraint(grammar: Any, json_schema: Any) -> Optional[Tuple[str, bytes]]:
    """The sampler constraint of a call: GBNF text, or a JSON Schema (dict or text)."""
    if grammar is not None and json_schema is not None:
        raise ValueError("give grammar or json_schema, not both")
    if grammar is not None:
        return ("grammar", grammar.encode("utf-8") if isinstance(grammar, str) else bytes(grammar))
    if json_schema is not None:
        import json

        text = json_schema if isinstance(json_schema, (str, bytes)) else json.dumps(json_schema)
        return ("json_schema", text.encode("utf-8") if isinstance(text, str) else text)
    return None


class _Run:
    """One llamaswift_generate call on the Llama's session.

    Holds the Llama's lock from start to the moment the C call returns (the session is
    in use exactly that long). ``cancel()`` is safe from any thread, any number of times:
    it makes the callback return false and calls llamaswift_session_cancel (for a prompt
    still being evaluated) while the call runs, then waits for the call to return."""

    def __init__(self, llama: "Llama", prompt: bytes, sampler_params: capi.llamaswift_sampler_params,
                 params: capi.llamaswift_generate_params, keep: Any, streaming: bool,
                 logit_bias: Optional[Dict[int, float]] = None, n_probs: Optional[int] = None) -> None:
        self._llama = llama
        self._prompt = prompt
        self._sampler_params = sampler_params
        self._params = params
        self._keep = keep  # the stop strings' buffers, alive as long as the call
        self.constraint: Optional[Tuple[str, bytes]] = None  # ("grammar" | "json_schema", text)
        self.result = capi.llamaswift_generate_result(struct_size=ctypes.sizeof(capi.llamaswift_generate_result))
        self.error: Optional[BaseException] = None
        self.consumer = threading.get_ident()  # the thread that reads the text (for same-thread preemption)
        self._stop = threading.Event()
        self._in_call = threading.Event()
        self._done = threading.Event()
        self._state = threading.Lock()  # orders cancel's session_cancel against the call's end
        self._pieces: List[str] = []
        self._queue: "queue.Queue[Optional[str]]" = queue.Queue(maxsize=_AHEAD) if streaming else queue.Queue()
        self._streaming = streaming
        self._callback = capi.llamaswift_piece_callback(self._on_piece)
        self._thread: Optional[threading.Thread] = None
        self._logit_bias = logit_bias
        # With n_probs: (token, piece bytes, logprob, [(token, logprob), ...]) per generated token.
        self.tokens: List[Tuple[int, bytes, float, List[Tuple[int, float]]]] = []
        self._token_callback = None
        if n_probs is not None:
            self._token_callback = capi.llamaswift_token_callback(self._on_token)
            params.token_callback = self._token_callback
            params.n_probs = max(0, int(n_probs))

    # -- the C callback ------------------------------------------------------------------

    def _on_piece(self, ptr: Any, n: int, user: Any) -> bool:
        try:
            if self._stop.is_set():
                return False
            piece = ctypes.string_at(ptr, n).decode("utf-8", "replace")
            if not self._streaming:
                self._pieces.append(piece)
                return True
            while True:
                try:
                    self._queue.put(piece, timeout=_POLL)
                    return True
                except queue.Full:
                    if self._stop.is_set():
                        return False
        except BaseException as e:  # KeyboardInterrupt in the callback: stop and re-raise after the call
            self.error = e
            return False

    def _on_token(self, info: Any, user: Any) -> bool:
        t = info.contents
        top = [(int(t.top[i].token), float(t.top[i].logprob)) for i in range(t.n_top)]
        self.tokens.append((int(t.token), capi.piece_bytes(t), float(t.logprob), top))
        return not self._stop.is_set()

    # -- running -------------------------------------------------------------------------

    def _call(self) -> None:
        llama = self._llama
        sampler = ctypes.POINTER(capi.llamaswift_sampler)()
        try:
            if self._stop.is_set():
                return
            capi.llamaswift_sampler_create(ctypes.byref(self._sampler_params), ctypes.byref(sampler))  # type: ignore[attr-defined]
            if self.constraint is not None:
                kind, text = self.constraint
                if kind == "grammar":
                    capi.llamaswift_sampler_set_grammar(sampler, llama._model, text, len(text), None)  # type: ignore[attr-defined]
                else:
                    capi.llamaswift_sampler_set_json_schema(sampler, llama._model, text, len(text))  # type: ignore[attr-defined]
            if self._logit_bias:
                items = list(self._logit_bias.items())
                arr = (capi.llamaswift_logit_bias * len(items))(*[(int(k), float(v)) for k, v in items])
                capi.llamaswift_sampler_set_logit_bias(sampler, arr, len(items))  # type: ignore[attr-defined]
            with self._state:
                self._in_call.set()
            capi.llamaswift_generate(  # type: ignore[attr-defined]
                llama._session, sampler, self._prompt, len(self._prompt), ctypes.byref(self._params),
                self._callback, None, ctypes.byref(self.result))
        except LlamaSwiftError as e:
            if not (e.status == Status.CANCELLED and self._stop.is_set()):
                self.error = e
        except BaseException as e:
            self.error = e
        finally:
            with self._state:
                self._in_call.clear()
                self._done.set()
            capi.llamaswift_sampler_free(sampler)  # type: ignore[attr-defined]
            llama._release(self)

    def run_here(self) -> None:
        """Runs the call on this thread (non-streamed completions)."""
        self._call()
        if self.error is not None:
            raise self.error

    def start(self) -> None:
        """Runs the call on a worker thread; read the text with pieces()."""
        _live_runs.add(self)

        def work() -> None:
            try:
                self._call()
            finally:
                self._put_end()

        self._thread = threading.Thread(target=work, name="llamaswift-generate", daemon=True)
        self._thread.start()

    def _put_end(self) -> None:
        while True:
            try:
                self._queue.put(None, timeout=_POLL)
                return
            except queue.Full:
                if self._stop.is_set():
                    return

    def pieces(self) -> Iterator[str]:
        """The streamed text, then raises the call's error if it failed."""
        while True:
            self.consumer = threading.get_ident()
            try:
                item = self._queue.get(timeout=_POLL)
            except queue.Empty:
                if self._stop.is_set():
                    break
                continue
            if item is None:
                break
            yield item
        if self._thread is not None:
            self._thread.join()
        if self.error is not None and not self._stop.is_set():
            raise self.error

    @property
    def text(self) -> str:
        return "".join(self._pieces)

    def cancel(self) -> None:
        """Stops the call (if it still runs) and waits until it has left the library."""
        self._stop.set()
        with self._state:
            if self._in_call.is_set():
                capi.llamaswift_session_cancel(self._llama._session)  # type: ignore[attr-defined]
        if self._thread is not None and self._thread is not threading.current_thread():
            if sys.is_finalizing():
                return
            self._thread.join()
        _live_runs.discard(self)

    @property
    def finish_reason(self) -> str:
        return _FINISH.get(StopReason(self.result.stop_reason), "stop") if self.result.stop_reason else "stop"


class Llama:
    """A model and a session, used like llama-cpp-python's ``Llama``.

    >>> with Llama("model.gguf", n_ctx=2048, seed=1) as llm:
    ...     out = llm.create_chat_completion([{"role": "user", "content": "Hi"}], max_tokens=32)
    ...     print(out["choices"][0]["message"]["content"])

    ``n_ctx``: context length in tokens (0 = the model's training context, at most 4096).
    ``n_threads``: worker threads (None = the CPUs this process may use, at most 8).
    ``seed``: the sampling seed of every call that gives none (None, -1 or 0xFFFFFFFF:
    random). ``chat_format``: a built-in template name ("chatml", "llama2", "llama3",
    "gemma", ...) instead of the model's own. ``use_mlock``: lock the weights in RAM
    (needs RLIMIT_MEMLOCK ≥ the model's size or CAP_IPC_LOCK, else OUT_OF_MEMORY).
    ``n_gpu_layers``, ``use_mmap`` and ``verbose`` are accepted for llama-cpp-python
    compatibility and have no effect (the engine runs on the CPU and always maps the file).

    ``embedding=True`` (llama-cpp-python's flag) makes the session compute embeddings
    instead of logits (:meth:`embed`, :meth:`create_embedding`; no generation then), pooled
    as ``pooling_type`` says (a :class:`llamaswift.capi.PoolingType`: -1 the model's
    ``<arch>.pooling_type``, else NONE; 0 NONE one vector per token; 1 MEAN; 2 CLS; 3 LAST).

    Errors from the library raise :class:`LlamaSwiftError` with its ``status``; using a
    closed Llama raises ValueError.
    """

    def __init__(self, model_path: str, *, n_ctx: int = 512, n_threads: Optional[int] = None, n_batch: int = 512,
                 seed: Optional[int] = None, chat_format: Optional[str] = None, vocab_only: bool = False,
                 n_gpu_layers: int = 0, use_mmap: bool = True, use_mlock: bool = False, verbose: bool = False,
                 embedding: bool = False, pooling_type: int = -1) -> None:
        self.model_path = str(model_path)
        self._model: Any = None
        self._session: Any = None
        self._lock = threading.Lock()
        self._active: Optional[_Run] = None
        self._closed = False
        self.chat_format = chat_format
        self.seed = capi.LLAMASWIFT_SEED_RANDOM if seed in _RANDOM_SEEDS else int(seed) & 0xFFFF_FFFF_FFFF_FFFF
        mp = capi.llamaswift_model_default_params()
        mp.vocab_only = vocab_only
        mp.use_mlock = bool(use_mlock)
        model = ctypes.POINTER(capi.llamaswift_model)()
        capi.llamaswift_model_load(self.model_path.encode(), ctypes.byref(mp), ctypes.byref(model))  # type: ignore[attr-defined]
        self._model = model
        info = capi.llamaswift_model_info(struct_size=ctypes.sizeof(capi.llamaswift_model_info))
        capi.llamaswift_model_get_info(model, ctypes.byref(info))  # type: ignore[attr-defined]
        self._info = info
        self._n_ctx = 0
        self._pooling_type = int(pooling_type)
        if not vocab_only:
            sp = capi.llamaswift_session_default_params()
            sp.n_ctx = max(0, int(n_ctx))
            sp.n_batch = max(0, int(n_batch))
            sp.n_threads = 0 if n_threads is None else max(0, int(n_threads))
            sp.embeddings = bool(embedding)
            sp.pooling_type = int(pooling_type)
            session = ctypes.POINTER(capi.llamaswift_session)()
            try:
                capi.llamaswift_session_create(model, ctypes.byref(sp), ctypes.byref(session))  # type: ignore[attr-defined]
            except BaseException:
                self.close()
                raise
            self._session = session
            self._n_ctx = int(sp.n_ctx) if sp.n_ctx else min(int(info.n_ctx_train), 4096)

    # -- lifetime ------------------------------------------------------------------------

    def close(self) -> None:
        """Cancels a running generation, waits for it, then frees the session and the
        model. Idempotent. Open streams of this Llama end."""
        if self._closed:
            return
        self._closed = True
        run = self._active
        if run is not None:
            run.cancel()
        if sys.is_finalizing() and self._active is not None:
            return  # a worker is frozen inside the library: leak rather than free under it
        with self._lock:
            session, self._session = self._session, None
            model, self._model = self._model, None
            if session:
                capi.llamaswift_session_free(session)  # type: ignore[attr-defined]
            if model:
                capi.llamaswift_model_free(model)  # type: ignore[attr-defined]

    def __enter__(self) -> "Llama":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError("this Llama is closed")

    # -- one call at a time --------------------------------------------------------------

    def _take(self) -> None:
        """Takes the session's lock. A stream this thread left open (it cannot be reading
        it while it is here) is cancelled instead of waited for."""
        me = threading.get_ident()
        while not self._lock.acquire(timeout=_POLL):
            active = self._active
            if active is not None and active._streaming and active.consumer == me:
                active.cancel()
        if self._closed:
            self._lock.release()
            raise ValueError("this Llama is closed")

    def _acquire(self, run: _Run) -> None:
        """Takes the session for `run` (released when its C call returns)."""
        self._take()
        self._active = run

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        self._take()
        try:
            yield
        finally:
            self._lock.release()

    def _release(self, run: _Run) -> None:
        if self._active is run:
            self._active = None
            self._lock.release()

    # -- model facts and tokens ----------------------------------------------------------

    def n_ctx(self) -> int:
        return self._n_ctx

    def n_vocab(self) -> int:
        return int(self._info.n_vocab)

    def n_embd(self) -> int:
        return int(self._info.n_embd)

    def token_bos(self) -> int:
        return int(capi.llamaswift_token_bos(self._model))  # type: ignore[attr-defined]

    def token_eos(self) -> int:
        return int(capi.llamaswift_token_eos(self._model))  # type: ignore[attr-defined]

    def token_eot(self) -> int:
        return int(capi.llamaswift_token_eot(self._model))  # type: ignore[attr-defined]

    @property
    def info(self) -> Dict[str, Any]:
        """llamaswift_model_info as a dict."""
        return {name: getattr(self._info, name) for name, _ in self._info._fields_ if name != "struct_size"}

    def metadata(self, key: str) -> str:
        """The GGUF metadata value under `key`, rendered as text (KeyError if absent)."""
        self._check_open()
        try:
            raw = capi.sized_bytes(lambda b, c, n: capi.llamaswift_model_meta_string(  # type: ignore[attr-defined]
                self._model, key.encode(), b, c, n))
        except LlamaSwiftError as e:
            if e.status == Status.INVALID_ARGUMENT:
                raise KeyError(key) from e
            raise
        return raw.decode("utf-8", "replace")

    def tokenize(self, text: Union[str, bytes], add_bos: bool = True, special: bool = False) -> List[int]:
        """Token ids of `text` (bytes or str), as llama.cpp's llama_tokenize."""
        self._check_open()
        data = _text_bytes(text)
        flags = (capi.LLAMASWIFT_TOKENIZE_ADD_SPECIAL if add_bos else 0) | (
            capi.LLAMASWIFT_TOKENIZE_PARSE_SPECIAL if special else 0)
        n = ctypes.c_size_t()
        try:
            capi.llamaswift_tokenize(self._model, data, len(data), flags, None, 0, ctypes.byref(n))  # type: ignore[attr-defined]
            return []
        except LlamaSwiftError as e:
            if e.status != Status.BUFFER_TOO_SMALL:
                raise
        out = (ctypes.c_int32 * n.value)()
        capi.llamaswift_tokenize(self._model, data, len(data), flags, out, n.value, ctypes.byref(n))  # type: ignore[attr-defined]
        return list(out)

    def detokenize(self, tokens: Sequence[int], clean_spaces: Optional[bool] = None) -> bytes:
        """The bytes of `tokens`, special tokens rendered. clean_spaces None: the
        vocabulary's space clean-up (llama.cpp's llama_detokenize); False: the pieces as
        they are (gives tokenized text back); True: the clean-up always."""
        self._check_open()
        arr = (ctypes.c_int32 * len(tokens))(*tokens)
        if clean_spaces is None:
            return capi.sized_bytes(lambda b, c, n: capi.llamaswift_detokenize(  # type: ignore[attr-defined]
                self._model, arr, len(tokens), b, c, n))
        flags = capi.LLAMASWIFT_DETOKENIZE_CLEAN_SPACES if clean_spaces else 0
        return capi.sized_bytes(lambda b, c, n: capi.llamaswift_detokenize_ex(  # type: ignore[attr-defined]
            self._model, arr, len(tokens), flags, b, c, n))

    def token_to_piece(self, token: int) -> bytes:
        self._check_open()
        return capi.sized_bytes(lambda b, c, n: capi.llamaswift_token_to_piece(  # type: ignore[attr-defined]
            self._model, token, b, c, n))

    def apply_chat_template(self, messages: Sequence[Dict[str, Any]], add_generation_prompt: bool = True,
                            chat_format: Optional[str] = None) -> str:
        """The prompt text for `messages`, as llama.cpp's llama_chat_apply_template."""
        self._check_open()
        keep = [(str(m["role"]).encode(), _content_text(m.get("content")).encode()) for m in messages]
        arr = (capi.llamaswift_chat_message * max(1, len(keep)))(
            *[capi.llamaswift_chat_message(r, c) for r, c in keep])
        name = chat_format or self.chat_format
        raw = capi.sized_bytes(lambda b, c, n: capi.llamaswift_chat_format(  # type: ignore[attr-defined]
            self._model, name.encode() if name else None, arr, len(keep), add_generation_prompt, b, c, n))
        return raw.decode("utf-8")

    # -- state ---------------------------------------------------------------------------

    def reset(self) -> None:
        """Forgets the cached tokens (the next prompt is evaluated from the start)."""
        self._check_open()
        with self._exclusive():
            capi.llamaswift_session_rewind(self._session, 0)  # type: ignore[attr-defined]

    def save_state(self) -> bytes:
        """The session's tokens, KV cache and logits (llamaswift_session_state_save)."""
        self._check_open()
        with self._exclusive():
            return capi.sized_bytes(lambda b, c, n: capi.llamaswift_session_state_save(  # type: ignore[attr-defined]
                self._session, b, c, n))

    def load_state(self, state: bytes) -> None:
        self._check_open()
        with self._exclusive():
            capi.llamaswift_session_state_load(self._session, state, len(state))  # type: ignore[attr-defined]

    def embed(self, input: Union[str, Sequence[str]], normalize: bool = False) -> Any:
        """The embedding of a text, or a list of them for a list of texts (llama-cpp-python's
        ``embed``): each text is tokenized (BOS as the model asks, special tokens parsed)
        and evaluated alone in one decode call on the emptied session; the result is the
        final hidden state after the model's final norm, pooled as ``pooling_type`` says —
        one list of n_embd floats, or with NONE one such list per token. ``normalize``:
        each vector divided by its Euclidean norm. Needs ``embedding=True``."""
        self._check_open()
        if self._session is None:
            raise ValueError("this Llama was loaded with vocab_only=True")
        texts = [input] if isinstance(input, str) else list(input)
        out = []
        E = self.n_embd()
        with self._exclusive():
            for text in texts:
                tokens = self.tokenize(text.encode("utf-8"), add_bos=True, special=True)
                capi.llamaswift_session_rewind(self._session, 0)  # type: ignore[attr-defined]
                arr = (ctypes.c_int32 * len(tokens))(*tokens)
                capi.llamaswift_session_decode(self._session, arr, len(tokens))  # type: ignore[attr-defined]
                rows = ctypes.c_size_t(0)
                ptr = capi.llamaswift_session_embeddings(self._session, ctypes.byref(rows))  # type: ignore[attr-defined]
                if not ptr:
                    raise ValueError("no embeddings: create the Llama with embedding=True")
                vecs = [ptr[r * E:(r + 1) * E] for r in range(rows.value)]
                if normalize:
                    vecs = [[x / n for x in v] if (n := math.sqrt(sum(x * x for x in v))) > 0 else v for v in vecs]
                out.append(vecs if self._pooling() == 0 else vecs[0])
        return out[0] if isinstance(input, str) else out

    def _pooling(self) -> int:
        """The session's effective pooling: the one asked for, or the model's (NONE if the
        file names none)."""
        if self._pooling_type >= 0:
            return self._pooling_type
        try:
            return int(self.metadata(self.metadata("general.architecture") + ".pooling_type"))
        except LlamaSwiftError:
            return 0

    def create_embedding(self, input: Union[str, Sequence[str]], model: Optional[str] = None) -> Dict[str, Any]:
        """OpenAI's embeddings response (llama-cpp-python's ``create_embedding``): a list of
        ``{"object": "embedding", "embedding": [...], "index": i}`` and the token usage."""
        texts = [input] if isinstance(input, str) else list(input)
        data, n = [], 0
        for i, text in enumerate(texts):
            data.append({"object": "embedding", "embedding": self.embed(text), "index": i})
            n += len(self.tokenize(text.encode("utf-8"), add_bos=True, special=True))
        return {"object": "list", "data": data, "model": model or self.model_path,
                "usage": {"prompt_tokens": n, "total_tokens": n}}

    @property
    def n_tokens(self) -> int:
        """Tokens in the session's cache."""
        return 0 if self._session is None else int(capi.llamaswift_session_position(self._session))  # type: ignore[attr-defined]

    # -- generation ----------------------------------------------------------------------

    def _new_run(self, prompt: bytes, *, max_tokens: Optional[int], temperature: float, top_p: float, top_k: int,
                 min_p: float, repeat_penalty: float, frequency_penalty: float, presence_penalty: float,
                 stop: Union[None, str, Sequence[str]], seed: Optional[int], streaming: bool,
                 grammar: Any = None, json_schema: Any = None,
                 logit_bias: Optional[Dict[int, float]] = None, n_probs: Optional[int] = None) -> _Run:
        self._check_open()
        if self._session is None:
            raise ValueError("this Llama was loaded with vocab_only=True: it cannot generate")
        sp = capi.llamaswift_sampler_default_params()
        sp.temperature = temperature
        sp.top_p = top_p
        sp.top_k = top_k
        sp.min_p = min_p
        sp.repeat_penalty = repeat_penalty
        sp.frequency_penalty = frequency_penalty
        sp.presence_penalty = presence_penalty
        if seed is None:
            sp.seed = self.seed
        elif seed in _RANDOM_SEEDS:
            sp.seed = capi.LLAMASWIFT_SEED_RANDOM
        else:
            sp.seed = int(seed) & 0xFFFF_FFFF_FFFF_FFFF
        gp = capi.llamaswift_generate_default_params()
        gp.max_tokens = -1 if max_tokens is None or max_tokens <= 0 else min(int(max_tokens), 0x7FFF_FFFF)
        # As llama-cpp-python: a generation that fills n_ctx ends there (finish_reason "length");
        # the C API's default (0.4) is to shift the context and go on.
        gp.context_shift = False
        stops = [stop] if isinstance(stop, str) else list(stop or [])
        encoded = [s.encode("utf-8") for s in stops if s]
        arr = (ctypes.c_char_p * max(1, len(encoded)))(*encoded)
        if encoded:
            gp.stop_strings = arr
            gp.n_stop_strings = len(encoded)
        run = _Run(self, prompt, sp, gp, (arr, encoded), streaming, logit_bias=logit_bias, n_probs=n_probs)
        run.constraint = _constraint(grammar, json_schema)
        return run

    def _usage(self, run: _Run) -> Dict[str, int]:
        p, g = int(run.result.n_prompt_tokens), int(run.result.n_generated)
        return {"prompt_tokens": p, "completion_tokens": g, "total_tokens": p + g}

    def create_completion(self, prompt: Union[str, bytes], suffix: Optional[str] = None, max_tokens: Optional[int] = 16,
                          temperature: float = 0.8, top_p: float = 0.95, min_p: float = 0.05, echo: bool = False,
                          stop: Union[None, str, Sequence[str]] = None, frequency_penalty: float = 0.0,
                          presence_penalty: float = 0.0, repeat_penalty: float = 1.0, top_k: int = 40,
                          stream: bool = False, seed: Optional[int] = None,
                          model: Optional[str] = None, grammar: Any = None, json_schema: Any = None,
                          logprobs: Optional[int] = None, logit_bias: Optional[Dict[int, float]] = None,
                          ) -> Union[Dict[str, Any], Iterator[Dict[str, Any]]]:
        """Continues `prompt` (special tokens in it are parsed; BOS added as the model
        asks). Returns a ``text_completion`` dict, or with ``stream=True`` an iterator of
        chunks whose texts concatenate to the same text. ``max_tokens`` None or ≤ 0:
        until the end of generation or a full context. ``temperature`` 0: greedy.
        ``grammar``: GBNF text (llama.cpp's format, start rule ``root``) the output must
        follow; ``json_schema``: a JSON Schema (dict or JSON text) the output must be JSON
        valid against (``{}``: any JSON value) — docs/grammars.md.
        ``logit_bias``: {token id: bias} added to the logits first, before the grammar's
        mask (-inf / float("-inf") bans a token, even where the grammar allows it).
        ``logprobs`` N (not with ``stream``): the choice's ``logprobs`` in
        llama-cpp-python's format — ``tokens``, ``text_offset``, ``token_logprobs`` and
        ``top_logprobs`` (N {piece: logprob} per token) — natural logs of the model's raw
        distribution (before bias, grammar mask, penalties, temperature and filters)."""
        if suffix is not None:
            raise NotImplementedError("suffix (fill-in-the-middle) is not supported")
        if logprobs is not None and stream:
            raise NotImplementedError("logprobs with stream=True is not supported")
        data = _text_bytes(prompt)
        run = self._new_run(data, max_tokens=max_tokens, temperature=temperature, top_p=top_p, top_k=top_k,
                            min_p=min_p, repeat_penalty=repeat_penalty, frequency_penalty=frequency_penalty,
                            presence_penalty=presence_penalty, stop=stop, seed=seed, streaming=stream,
                            grammar=grammar, json_schema=json_schema, logit_bias=logit_bias, n_probs=logprobs)
        ident, created, name = f"cmpl-{uuid.uuid4()}", int(time.time()), model or self.model_path
        prefix = data.decode("utf-8", "replace") if echo else ""
        if stream:
            return self._stream(run, lambda text, finish: {
                "id": ident, "object": "text_completion", "created": created, "model": name,
                "choices": [{"text": text, "index": 0, "logprobs": None, "finish_reason": finish}],
            }, first=prefix or None)
        self._acquire(run)
        run.run_here()
        return {
            "id": ident, "object": "text_completion", "created": created, "model": name,
            "choices": [{"text": prefix + run.text, "index": 0,
                         "logprobs": self._logprobs(run, len(prefix)) if logprobs is not None else None,
                         "finish_reason": run.finish_reason}],
            "usage": self._usage(run),
        }

    def _logprobs(self, run: _Run, offset: int) -> Dict[str, Any]:
        pieces, offsets, lps, tops = [], [], [], []
        for token, piece, lp, top in run.tokens:
            text = piece.decode("utf-8", "replace")
            pieces.append(text)
            offsets.append(offset)
            offset += len(text)
            lps.append(lp)
            tops.append({self.token_to_piece(t).decode("utf-8", "replace"): v for t, v in top})
        return {"tokens": pieces, "text_offset": offsets, "token_logprobs": lps, "top_logprobs": tops}

    __call__ = create_completion

    def create_chat_completion(self, messages: Sequence[Dict[str, Any]], temperature: float = 0.2,
                               top_p: float = 0.95, top_k: int = 40, min_p: float = 0.05, stream: bool = False,
                               stop: Union[None, str, Sequence[str]] = None, seed: Optional[int] = None,
                               max_tokens: Optional[int] = None, presence_penalty: float = 0.0,
                               frequency_penalty: float = 0.0, repeat_penalty: float = 1.0,
                               model: Optional[str] = None,
                               chat_format: Optional[str] = None, grammar: Any = None, json_schema: Any = None,
                               response_format: Optional[Dict[str, Any]] = None,
                               logit_bias: Optional[Dict[int, float]] = None,
                               ) -> Union[Dict[str, Any], Iterator[Dict[str, Any]]]:
        """Answers `messages` ([{"role", "content"}, ...]) with the model's chat template
        (or `chat_format`). Returns a ``chat.completion`` dict, or with ``stream=True``
        ``chat.completion.chunk`` dicts: the first carries ``delta: {"role":
        "assistant"}``, then ``{"content": ...}`` pieces, the last ``{}`` and the
        finish_reason. Multi-turn chats reuse the cached prefix of the previous turn.
        ``grammar`` / ``json_schema`` constrain the answer as in create_completion;
        ``response_format={"type": "json_object"}`` (optionally with ``"schema"``) asks
        for JSON as llama-cpp-python's does; ``logit_bias`` as in create_completion."""
        if response_format is not None and response_format.get("type") == "json_object" and json_schema is None:
            json_schema = response_format.get("schema", {"type": "object"})
        prompt = self.apply_chat_template(messages, True, chat_format).encode("utf-8")
        run = self._new_run(prompt, max_tokens=max_tokens, temperature=temperature, top_p=top_p, top_k=top_k,
                            min_p=min_p, repeat_penalty=repeat_penalty, frequency_penalty=frequency_penalty,
                            presence_penalty=presence_penalty, stop=stop, seed=seed, streaming=stream,
                            grammar=grammar, json_schema=json_schema, logit_bias=logit_bias)
        ident, created, name = f"chatcmpl-{uuid.uuid4()}", int(time.time()), model or self.model_path
        if stream:
            def chunk(text: Optional[str], finish: Optional[str], role: bool = False) -> Dict[str, Any]:
                delta: Dict[str, str] = {"role": "assistant"} if role else ({} if text is None else {"content": text})
                return {"id": ident, "object": "chat.completion.chunk", "created": created, "model": name,
                        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
            return self._stream(run, chunk, chat=True)
        self._acquire(run)
        run.run_here()
        return {
            "id": ident, "object": "chat.completion", "created": created, "model": name,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": run.text}, "logprobs": None,
                         "finish_reason": run.finish_reason}],
            "usage": self._usage(run),
        }

    def _stream(self, run: _Run, make: Any, first: Optional[str] = None, chat: bool = False) -> Iterator[Dict[str, Any]]:
        """The chunks of a streamed run. A generator: nothing starts before the first
        next(); its finally cancels and waits for the worker however the loop ends."""
        try:
            self._acquire(run)
            run.consumer = threading.get_ident()
            run.start()
            if chat:
                yield make(None, None, role=True)
            elif first:
                yield make(first, None)
            for piece in run.pieces():
                yield make(piece, None)
            yield make(None, run.finish_reason) if chat else make("", run.finish_reason)
        finally:
            run.cancel()
