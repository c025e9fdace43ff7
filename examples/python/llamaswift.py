"""A small ctypes binding of libllamaswift: Model, Session and Sampler with context
managers, generate() yielding text pieces, and LlamaSwiftError carrying the status and
the library's message. Set LLAMASWIFT_LIB to the library's path, or have it on the
loader's path."""
import ctypes
import os
import threading
import queue

_lib = ctypes.CDLL(os.environ.get("LLAMASWIFT_LIB", "libllamaswift.so.0"))

OK, INVALID_ARGUMENT, IO, FORMAT, UNSUPPORTED, BUFFER_TOO_SMALL, CONTEXT_FULL, CANCELLED = range(8)
ADD_SPECIAL, PARSE_SPECIAL = 1, 2


class LlamaSwiftError(Exception):
    def __init__(self, status, message):
        super().__init__(f"{message} (status {status})")
        self.status = status
        self.message = message


class SessionParams(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("n_ctx", ctypes.c_uint32), ("n_batch", ctypes.c_uint32),
                ("n_threads", ctypes.c_uint32), ("logits_all", ctypes.c_bool), ("kv_type", ctypes.c_uint32),
                ("rope_scaling_type", ctypes.c_uint32), ("rope_freq_base", ctypes.c_float),
                ("rope_scaling_factor", ctypes.c_float), ("rope_original_ctx", ctypes.c_uint32)]


class SamplerParams(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("temperature", ctypes.c_float), ("top_k", ctypes.c_int32),
                ("top_p", ctypes.c_float), ("min_p", ctypes.c_float), ("repeat_penalty", ctypes.c_float),
                ("frequency_penalty", ctypes.c_float), ("presence_penalty", ctypes.c_float),
                ("penalty_last_n", ctypes.c_int32), ("seed", ctypes.c_uint64),
                ("temperature_order", ctypes.c_uint32)]

TEMPERATURE_LAST = 0   # llama.cpp's chain: top-k, top-p, min-p, then temperature (default)
TEMPERATURE_FIRST = 1  # Hugging Face's: temperature first


class GenerateParams(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("max_tokens", ctypes.c_int32), ("tokenize_flags", ctypes.c_uint32),
                ("stop_strings", ctypes.POINTER(ctypes.c_char_p)), ("n_stop_strings", ctypes.c_size_t),
                ("reuse_cache", ctypes.c_bool)]


class GenerateResult(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("stop_reason", ctypes.c_uint32),
                ("n_prompt_tokens", ctypes.c_uint32), ("n_prompt_evaluated", ctypes.c_uint32),
                ("n_generated", ctypes.c_uint32), ("prefill_seconds", ctypes.c_double),
                ("decode_seconds", ctypes.c_double), ("prefill_tokens_per_second", ctypes.c_double),
                ("decode_tokens_per_second", ctypes.c_double)]


class ChatMessage(ctypes.Structure):
    _fields_ = [("role", ctypes.c_char_p), ("content", ctypes.c_char_p)]


PieceCallback = ctypes.CFUNCTYPE(ctypes.c_bool, ctypes.POINTER(ctypes.c_char), ctypes.c_size_t, ctypes.c_void_p)


def _check(status, func, args):
    if status != OK:
        raise LlamaSwiftError(status, _lib.llamaswift_last_error().decode("utf-8", "replace"))
    return status


def _fn(name, restype, *argtypes, check=True):
    f = getattr(_lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    if check:
        f.errcheck = _check
    return f


P, S, vp = ctypes.POINTER, ctypes.c_size_t, ctypes.c_void_p
_lib.llamaswift_last_error.restype = ctypes.c_char_p
_lib.llamaswift_last_error.argtypes = []
_version = _fn("llamaswift_version", ctypes.c_char_p, check=False)
_load = _fn("llamaswift_model_load", ctypes.c_int, ctypes.c_char_p, vp, P(vp))
_model_free = _fn("llamaswift_model_free", None, vp, check=False)
_tokenize = _fn("llamaswift_tokenize", ctypes.c_int, vp, ctypes.c_char_p, S, ctypes.c_uint32, P(ctypes.c_int32), S, P(S))
_detokenize = _fn("llamaswift_detokenize", ctypes.c_int, vp, P(ctypes.c_int32), S, ctypes.c_char_p, S, P(S))
_detokenize_ex = _fn("llamaswift_detokenize_ex", ctypes.c_int, vp, P(ctypes.c_int32), S, ctypes.c_uint32,
                     ctypes.c_char_p, S, P(S))
DETOKENIZE_CLEAN_SPACES = 1
_chat_format = _fn("llamaswift_chat_format", ctypes.c_int, vp, ctypes.c_char_p, P(ChatMessage), S, ctypes.c_bool,
                   ctypes.c_char_p, S, P(S))
_session_params_init = _fn("llamaswift_session_params_init", ctypes.c_int, P(SessionParams), S)
_session_create = _fn("llamaswift_session_create", ctypes.c_int, vp, P(SessionParams), P(vp))
_session_free = _fn("llamaswift_session_free", None, vp, check=False)
_session_position = _fn("llamaswift_session_position", ctypes.c_uint32, vp, check=False)
_session_cancel = _fn("llamaswift_session_cancel", None, vp, check=False)
_sampler_params_init = _fn("llamaswift_sampler_params_init", ctypes.c_int, P(SamplerParams), S)
_sampler_create = _fn("llamaswift_sampler_create", ctypes.c_int, P(SamplerParams), P(vp))
_sampler_free = _fn("llamaswift_sampler_free", None, vp, check=False)
_generate_params_init = _fn("llamaswift_generate_params_init", ctypes.c_int, P(GenerateParams), S)
_generate = _fn("llamaswift_generate", ctypes.c_int, vp, vp, ctypes.c_char_p, S, P(GenerateParams), PieceCallback, vp,
                P(GenerateResult))


def version():
    return _version().decode()


def _sized_text(call):
    """Size-then-fill: ask for the length, then fill a buffer of length + 1."""
    n = ctypes.c_size_t()
    try:
        call(None, 0, ctypes.byref(n))
        return b""
    except LlamaSwiftError as e:
        if e.status != BUFFER_TOO_SMALL:
            raise
    buf = ctypes.create_string_buffer(n.value + 1)
    call(buf, len(buf), ctypes.byref(n))
    return buf.raw[: n.value]


class _Handle:
    """An owned library handle: close() frees it (once); usable as a context manager."""

    _free = None  # the llamaswift_*_free function of the subclass

    def close(self):
        if self._h:
            type(self)._free(self._h)
            self._h = vp()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Model(_Handle):
    _free = _model_free

    def __init__(self, path, vocab_only=False):
        self._h = vp()
        params = (ctypes.c_uint32 * 2)(8, 1 if vocab_only else 0)  # {struct_size, vocab_only}
        _load(os.fsencode(path), ctypes.cast(params, vp) if vocab_only else None, ctypes.byref(self._h))

    def tokenize(self, text, add_special=True, parse_special=False):
        data = text.encode() if isinstance(text, str) else bytes(text)
        flags = (ADD_SPECIAL if add_special else 0) | (PARSE_SPECIAL if parse_special else 0)
        n = ctypes.c_size_t()
        try:
            _tokenize(self._h, data, len(data), flags, None, 0, ctypes.byref(n))
            return []
        except LlamaSwiftError as e:
            if e.status != BUFFER_TOO_SMALL:
                raise
        out = (ctypes.c_int32 * n.value)()
        _tokenize(self._h, data, len(data), flags, out, n.value, ctypes.byref(n))
        return list(out)

    def detokenize(self, tokens, clean_spaces=None):
        """clean_spaces: None = the vocabulary's (llama.cpp's llama_detokenize), False =
        the pieces as they are (gives tokenized text back), True = the clean-up always."""
        arr = (ctypes.c_int32 * len(tokens))(*tokens)
        if clean_spaces is None:
            call = lambda b, c, n: _detokenize(self._h, arr, len(tokens), b, c, n)
        else:
            flags = DETOKENIZE_CLEAN_SPACES if clean_spaces else 0
            call = lambda b, c, n: _detokenize_ex(self._h, arr, len(tokens), flags, b, c, n)
        return _sized_text(call).decode("utf-8", "replace")

    def chat_format(self, messages, add_assistant=True, template=None):
        keep = [(m["role"].encode(), m["content"].encode()) for m in messages]
        arr = (ChatMessage * len(keep))(*[ChatMessage(r, c) for r, c in keep])
        name = template.encode() if template else None
        return _sized_text(lambda b, c, n: _chat_format(self._h, name, arr, len(keep), add_assistant, b, c, n)).decode()


class Session(_Handle):
    _free = _session_free

    def __init__(self, model, n_ctx=0, n_threads=0):
        p = SessionParams()
        _session_params_init(ctypes.byref(p), ctypes.sizeof(p))
        p.n_ctx, p.n_threads = n_ctx, n_threads
        self._h = vp()
        self.model = model  # keep the Python object alive as long as the session
        _session_create(model._h, ctypes.byref(p), ctypes.byref(self._h))

    @property
    def position(self):
        return _session_position(self._h)

    def cancel(self):
        _session_cancel(self._h)


class Sampler(_Handle):
    _free = _sampler_free

    def __init__(self, temperature=0.8, top_k=40, top_p=0.95, min_p=0.05, seed=None, repeat_penalty=1.0,
                 temperature_order=TEMPERATURE_LAST):
        p = SamplerParams()
        _sampler_params_init(ctypes.byref(p), ctypes.sizeof(p))
        p.temperature, p.top_k, p.top_p, p.min_p, p.repeat_penalty = temperature, top_k, top_p, min_p, repeat_penalty
        p.temperature_order = temperature_order
        if seed is not None:
            p.seed = seed
        self._h = vp()
        _sampler_create(ctypes.byref(p), ctypes.byref(self._h))


def generate(session, sampler, prompt, max_tokens=256, stop=()):
    """Yields complete UTF-8 text pieces as they are generated. `generate.result` holds
    the counts and stop reason of the latest call. The ctypes callback object stays
    referenced until the library has returned (a collected callback would crash)."""
    gp = GenerateParams()
    _generate_params_init(ctypes.byref(gp), ctypes.sizeof(gp))
    gp.max_tokens = max_tokens
    encoded = [s.encode() for s in stop]
    stops = (ctypes.c_char_p * max(1, len(encoded)))(*encoded)
    if encoded:
        gp.stop_strings, gp.n_stop_strings = stops, len(encoded)
    result = GenerateResult(struct_size=ctypes.sizeof(GenerateResult))
    data = prompt.encode()
    # The library calls back on this thread; run it in a worker to yield as text arrives.
    q = queue.Queue()

    @PieceCallback
    def forward(ptr, n, user):
        q.put(ctypes.string_at(ptr, n).decode("utf-8"))
        return True

    def work():
        try:
            _generate(session._h, sampler._h, data, len(data), ctypes.byref(gp), forward, None, ctypes.byref(result))
            q.put(None)
        except LlamaSwiftError as e:
            q.put(e)

    t = threading.Thread(target=work)
    t.start()
    while True:
        item = q.get()
        if item is None:
            break
        if isinstance(item, LlamaSwiftError):
            t.join()
            generate.result = result
            raise item
        yield item
    t.join()
    generate.result = result
