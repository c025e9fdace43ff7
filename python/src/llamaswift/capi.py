"""The C interface of libllamaswift, one to one: every function, struct, enum and
constant of ``include/llamaswift.h`` under its C name, with ``argtypes``/``restype`` set.

Functions that return a ``llamaswift_status`` raise :class:`LlamaSwiftError` (status and
the library's message, read on the calling thread) instead of returning a failure; they
return ``Status.OK`` otherwise. The header's ``static inline`` helpers
(``llamaswift_*_default_params``) are Python functions here. Read the header for what
each function does; this module adds nothing to its contract.

The library loaded is, in order: the file named by the environment variable
``LLAMASWIFT_LIB``; the ``libllamaswift.so`` inside this package (wheels carry one);
``libllamaswift.so.0`` from the system's loader path (the Debian package).
"""

from __future__ import annotations

import ctypes
import enum
import os
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    c_bool,
    c_char,
    c_char_p,
    c_double,
    c_float,
    c_int,
    c_int32,
    c_size_t,
    c_uint32,
    c_uint64,
    c_void_p,
)
from typing import Any, Callable, Dict, List, Optional, Tuple

__all__ = ["LlamaSwiftError", "Status", "library_path", "lib"]

# ------------------------------------------------------------------------------------
# Version
# ------------------------------------------------------------------------------------

LLAMASWIFT_VERSION_MAJOR = 0
LLAMASWIFT_VERSION_MINOR = 6
LLAMASWIFT_VERSION_PATCH = 0
LLAMASWIFT_VERSION_STRING = "0.6.0"
LLAMASWIFT_VERSION_NUMBER = LLAMASWIFT_VERSION_MAJOR * 10000 + LLAMASWIFT_VERSION_MINOR * 100 + LLAMASWIFT_VERSION_PATCH

# ------------------------------------------------------------------------------------
# Enums (C enums are int-sized; struct fields that hold them are uint32_t in the header)
# ------------------------------------------------------------------------------------


class Status(enum.IntEnum):
    """llamaswift_status."""

    LLAMASWIFT_OK = 0
    LLAMASWIFT_ERR_INVALID_ARGUMENT = 1
    LLAMASWIFT_ERR_IO = 2
    LLAMASWIFT_ERR_FORMAT = 3
    LLAMASWIFT_ERR_UNSUPPORTED = 4
    LLAMASWIFT_ERR_BUFFER_TOO_SMALL = 5
    LLAMASWIFT_ERR_CONTEXT_FULL = 6
    LLAMASWIFT_ERR_CANCELLED = 7
    LLAMASWIFT_ERR_OUT_OF_MEMORY = 8
    LLAMASWIFT_ERR_INTERNAL = 9

    # Short aliases: Status.IO is Status.LLAMASWIFT_ERR_IO.
    OK = 0
    INVALID_ARGUMENT = 1
    IO = 2
    FORMAT = 3
    UNSUPPORTED = 4
    BUFFER_TOO_SMALL = 5
    CONTEXT_FULL = 6
    CANCELLED = 7
    OUT_OF_MEMORY = 8
    INTERNAL = 9


class LogLevel(enum.IntEnum):
    """llamaswift_log_level (since 0.3)."""

    LLAMASWIFT_LOG_ERROR = 1
    LLAMASWIFT_LOG_WARNING = 2
    LLAMASWIFT_LOG_INFO = 3
    LLAMASWIFT_LOG_DEBUG = 4


class RopeScaling(enum.IntEnum):
    """llamaswift_rope_scaling."""

    LLAMASWIFT_ROPE_SCALING_FROM_MODEL = 0
    LLAMASWIFT_ROPE_SCALING_NONE = 1
    LLAMASWIFT_ROPE_SCALING_LINEAR = 2
    LLAMASWIFT_ROPE_SCALING_DYNAMIC = 3


class KvType(enum.IntEnum):
    """llamaswift_kv_type."""

    LLAMASWIFT_KV_AUTO = 0
    LLAMASWIFT_KV_F32 = 1
    LLAMASWIFT_KV_F16 = 2
    LLAMASWIFT_KV_Q8_0 = 3  # since 0.6


class TemperatureOrder(enum.IntEnum):
    """llamaswift_temperature_order (since 0.2)."""

    LLAMASWIFT_TEMPERATURE_LAST = 0
    LLAMASWIFT_TEMPERATURE_FIRST = 1


class PoolingType(enum.IntEnum):
    """llamaswift_pooling_type (since 0.5): llama.cpp's llama_pooling_type numbers."""

    LLAMASWIFT_POOLING_TYPE_UNSPECIFIED = -1
    LLAMASWIFT_POOLING_TYPE_NONE = 0
    LLAMASWIFT_POOLING_TYPE_MEAN = 1
    LLAMASWIFT_POOLING_TYPE_CLS = 2
    LLAMASWIFT_POOLING_TYPE_LAST = 3


class StopReason(enum.IntEnum):
    """llamaswift_stop_reason."""

    LLAMASWIFT_STOP_NONE = 0
    LLAMASWIFT_STOP_END_OF_GENERATION = 1
    LLAMASWIFT_STOP_MAX_TOKENS = 2
    LLAMASWIFT_STOP_STRING = 3
    LLAMASWIFT_STOP_CALLBACK = 4
    LLAMASWIFT_STOP_CANCELLED = 5
    LLAMASWIFT_STOP_CONTEXT_FULL = 6
    LLAMASWIFT_STOP_GRAMMAR_COMPLETE = 7


class WeightType(enum.IntEnum):
    """llamaswift_weight_type (since 0.5): llamaswift_model_params.weight_type."""

    LLAMASWIFT_WEIGHT_TYPE_AS_STORED = 0
    LLAMASWIFT_WEIGHT_TYPE_Q8_0 = 1
    LLAMASWIFT_WEIGHT_TYPE_Q4_0 = 2


# The header's enum names, for the coverage test and for callers who look them up.
ENUMS: Dict[str, type] = {
    "llamaswift_status": Status,
    "llamaswift_log_level": LogLevel,
    "llamaswift_rope_scaling": RopeScaling,
    "llamaswift_kv_type": KvType,
    "llamaswift_temperature_order": TemperatureOrder,
    "llamaswift_stop_reason": StopReason,
    "llamaswift_pooling_type": PoolingType,
    "llamaswift_weight_type": WeightType,
}

# Every enumerator also as a module constant under its C name (LLAMASWIFT_OK, ...).
for _enum in ENUMS.values():
    for _name, _member in _enum.__members__.items():
        if _name.startswith("LLAMASWIFT_"):
            globals()[_name] = _member

# #define constants
LLAMASWIFT_TOKENIZE_ADD_SPECIAL = 1
LLAMASWIFT_TOKENIZE_PARSE_SPECIAL = 2
LLAMASWIFT_DETOKENIZE_CLEAN_SPACES = 1
LLAMASWIFT_SEED_RANDOM = 0xFFFF_FFFF_FFFF_FFFF

# ------------------------------------------------------------------------------------
# The error
# ------------------------------------------------------------------------------------


class LlamaSwiftError(Exception):
    """A llamaswift_status other than OK, with llamaswift_last_error()'s message.

    ``status`` is a :class:`Status`; ``message`` the library's text (or this package's,
    for the few checks it makes itself before calling the library)."""

    def __init__(self, status: int, message: str) -> None:
        try:
            st: Any = Status(status)
        except ValueError:
            st = status
        self.status = st
        self.message = message
        name = st.name if isinstance(st, Status) else f"status {status}"
        super().__init__(f"{name}: {message}" if message else name)

    def __reduce__(self) -> Tuple[Any, ...]:  # picklable (Ray sends exceptions between processes)
        return (LlamaSwiftError, (int(self.status), self.message))


# ------------------------------------------------------------------------------------
# Opaque handles and structs
# ------------------------------------------------------------------------------------


class llamaswift_model(Structure):
    """Opaque; only pointers to it exist."""


class llamaswift_session(Structure):
    """Opaque; only pointers to it exist."""


class llamaswift_sampler(Structure):
    """Opaque; only pointers to it exist."""


# typedef bool (*llamaswift_progress_callback)(float progress, void *user_data);  (since 0.3)
# Keep a reference to the callback object until the load that uses it has returned.
llamaswift_progress_callback = CFUNCTYPE(c_bool, c_float, c_void_p)

# typedef void (*llamaswift_log_callback)(llamaswift_log_level level, const char *message, void *user_data);
# (since 0.3) Keep a reference to the callback object while it is installed.
llamaswift_log_callback = CFUNCTYPE(None, c_int, c_char_p, c_void_p)


class llamaswift_model_params(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("vocab_only", c_bool),
        # since 0.3
        ("progress_callback", llamaswift_progress_callback),
        ("progress_callback_user_data", c_void_p),
        ("use_mlock", c_bool),
        # since 0.5
        ("weight_type", c_uint64),
    ]


class llamaswift_model_info(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("n_vocab", c_uint32),
        ("n_ctx_train", c_uint32),
        ("n_embd", c_uint32),
        ("n_layer", c_uint32),
        ("n_head", c_uint32),
        ("n_head_kv", c_uint32),
        ("n_ff", c_uint32),
        ("n_rot", c_uint32),
        ("rope_freq_base", c_float),
        ("rope_scaling_type", c_uint32),
        ("rope_scaling_factor", c_float),
        ("rope_original_ctx", c_uint32),
        ("rms_norm_eps", c_float),
        ("file_type", c_uint32),
        ("n_params", c_uint64),
        ("size_bytes", c_uint64),
        ("vocab_only", c_bool),
    ]


class llamaswift_session_params(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("n_ctx", c_uint32),
        ("n_batch", c_uint32),
        ("n_threads", c_uint32),
        ("logits_all", c_bool),
        ("kv_type", c_uint32),
        ("rope_scaling_type", c_uint32),
        ("rope_freq_base", c_float),
        ("rope_scaling_factor", c_float),
        ("rope_original_ctx", c_uint32),
        # since 0.5
        ("embeddings", c_bool),
        ("pooling_type", c_int32),
        ("embd_normalize", c_int32),
        # since 0.6
        ("kv_type_v", c_uint32),
    ]


class llamaswift_sampler_params(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("temperature", c_float),
        ("top_k", c_int32),
        ("top_p", c_float),
        ("min_p", c_float),
        ("repeat_penalty", c_float),
        ("frequency_penalty", c_float),
        ("presence_penalty", c_float),
        ("penalty_last_n", c_int32),
        ("seed", c_uint64),
        ("temperature_order", c_uint32),  # since 0.2
    ]


class llamaswift_token_logprob(Structure):
    """A token and its natural-log probability (since 0.5)."""

    _fields_ = [("token", c_int32), ("logprob", c_float)]


class llamaswift_generated_token(Structure):
    """What generate's token callback receives (since 0.5); valid only during the call."""

    _fields_ = [
        ("token", c_int32),
        ("logprob", c_float),
        ("piece", c_char_p),  # piece_len bytes, not NUL-terminated: read with piece_bytes()
        ("piece_len", c_size_t),
        ("top", POINTER(llamaswift_token_logprob)),
        ("n_top", c_size_t),
    ]


def piece_bytes(token: "llamaswift_generated_token") -> bytes:
    """The piece_len bytes at token.piece (a c_char_p field would stop at a NUL byte)."""
    addr = ctypes.c_void_p.from_buffer(token, llamaswift_generated_token.piece.offset).value
    return ctypes.string_at(addr, token.piece_len) if addr else b""


class llamaswift_logit_bias(Structure):
    """One token's logit bias (since 0.5)."""

    _fields_ = [("token", c_int32), ("bias", c_float)]


# typedef bool (*llamaswift_token_callback)(const llamaswift_generated_token *token, void *user_data);
# (since 0.5) Keep a reference to the callback object until the call that uses it has returned.
llamaswift_token_callback = CFUNCTYPE(c_bool, POINTER(llamaswift_generated_token), c_void_p)


class llamaswift_generate_params(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("max_tokens", c_int32),
        ("tokenize_flags", c_uint32),
        ("stop_strings", POINTER(c_char_p)),
        ("n_stop_strings", c_size_t),
        ("reuse_cache", c_bool),
        ("n_keep", c_uint32),
        ("context_shift", c_bool),
        ("append", c_bool),
        # since 0.5
        ("token_callback", llamaswift_token_callback),
        ("token_callback_user_data", c_void_p),
        ("n_probs", c_uint32),
    ]


class llamaswift_generate_result(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("stop_reason", c_uint32),
        ("n_prompt_tokens", c_uint32),
        ("n_prompt_evaluated", c_uint32),
        ("n_generated", c_uint32),
        ("prefill_seconds", c_double),
        ("decode_seconds", c_double),
        ("prefill_tokens_per_second", c_double),
        ("decode_tokens_per_second", c_double),
        ("n_context_shifts", c_uint32),
    ]


class llamaswift_chat_message(Structure):
    _fields_ = [("role", c_char_p), ("content", c_char_p)]


class llamaswift_batch_item(Structure):
    _fields_ = [("session", POINTER(llamaswift_session)), ("tokens", POINTER(c_int32)), ("n_tokens", c_size_t)]


class llamaswift_batch_params(Structure):
    _fields_ = [("struct_size", c_uint32), ("n_batch", c_uint32)]


STRUCTS: Dict[str, type] = {
    cls.__name__: cls
    for cls in (
        llamaswift_model_params,
        llamaswift_model_info,
        llamaswift_session_params,
        llamaswift_sampler_params,
        llamaswift_generate_params,
        llamaswift_generate_result,
        llamaswift_chat_message,
        llamaswift_batch_item,
        llamaswift_batch_params,
        llamaswift_token_logprob,
        llamaswift_generated_token,
        llamaswift_logit_bias,
    )
}
OPAQUE: Dict[str, type] = {cls.__name__: cls for cls in (llamaswift_model, llamaswift_session, llamaswift_sampler)}

# typedef bool (*llamaswift_piece_callback)(const char *text, size_t len, void *user);
# Keep a reference to the callback object until the call that uses it has returned.
llamaswift_piece_callback = CFUNCTYPE(c_bool, POINTER(c_char), c_size_t, c_void_p)

# ------------------------------------------------------------------------------------
# Loading the library
# ------------------------------------------------------------------------------------


def _library_candidates() -> List[str]:
    env = os.environ.get("LLAMASWIFT_LIB")
    if env:
        return [env]
    here = os.path.dirname(os.path.abspath(__file__))
    bundled = os.path.join(here, "libllamaswift.so")
    return ([bundled] if os.path.exists(bundled) else []) + ["libllamaswift.so.0"]


def _load() -> Tuple[ctypes.CDLL, str]:
    errors = []
    for candidate in _library_candidates():
        try:
            return ctypes.CDLL(candidate), candidate
        except OSError as e:
            errors.append(f"{candidate}: {e}")
    raise ImportError(
        "llamaswift: cannot load libllamaswift ("
        + "; ".join(errors)
        + "). Install a llamaswift wheel, the libllamaswift0 Debian package, or set LLAMASWIFT_LIB to the file."
    )


lib, library_path = _load()

# ------------------------------------------------------------------------------------
# Functions
# ------------------------------------------------------------------------------------

_P = POINTER
_model_p = _P(llamaswift_model)
_session_p = _P(llamaswift_session)
_sampler_p = _P(llamaswift_sampler)


def _raise_on_error(status: int, func: Any, args: Any) -> Status:
    if status != 0:
        raise LlamaSwiftError(status, lib.llamaswift_last_error().decode("utf-8", "replace"))
    return Status.OK


# name -> (restype, argtypes); _S marks a llamaswift_status return (a C int; such
# functions raise on failure). The coverage test compares this table with the header.
_S: Any = object()
SIGNATURES: Dict[str, Tuple[Any, List[Any]]] = {
    "llamaswift_version": (c_char_p, []),
    "llamaswift_status_string": (c_char_p, [c_int]),
    "llamaswift_last_error": (c_char_p, []),
    "llamaswift_log_set": (None, [llamaswift_log_callback, c_void_p]),
    # models
    "llamaswift_model_params_init": (_S, [_P(llamaswift_model_params), c_size_t]),
    "llamaswift_model_load": (_S, [c_char_p, _P(llamaswift_model_params), _P(_model_p)]),
    "llamaswift_model_free": (None, [_model_p]),
    "llamaswift_model_get_info": (_S, [_model_p, _P(llamaswift_model_info)]),
    "llamaswift_model_meta_string": (_S, [_model_p, c_char_p, c_char_p, c_size_t, _P(c_size_t)]),
    # tokens
    "llamaswift_tokenize": (_S, [_model_p, c_char_p, c_size_t, c_uint32, _P(c_int32), c_size_t, _P(c_size_t)]),
    "llamaswift_token_to_piece": (_S, [_model_p, c_int32, c_char_p, c_size_t, _P(c_size_t)]),
    "llamaswift_detokenize": (_S, [_model_p, _P(c_int32), c_size_t, c_char_p, c_size_t, _P(c_size_t)]),
    "llamaswift_detokenize_ex": (_S, [_model_p, _P(c_int32), c_size_t, c_uint32, c_char_p, c_size_t, _P(c_size_t)]),
    "llamaswift_token_bos": (c_int32, [_model_p]),
    "llamaswift_token_eos": (c_int32, [_model_p]),
    "llamaswift_token_eot": (c_int32, [_model_p]),
    "llamaswift_token_is_end_of_generation": (c_bool, [_model_p, c_int32]),
    # sessions
    "llamaswift_session_params_init": (_S, [_P(llamaswift_session_params), c_size_t]),
    "llamaswift_session_create": (_S, [_model_p, _P(llamaswift_session_params), _P(_session_p)]),
    "llamaswift_session_free": (None, [_session_p]),
    "llamaswift_session_decode": (_S, [_session_p, _P(c_int32), c_size_t]),
    "llamaswift_session_logits": (_P(c_float), [_session_p]),
    "llamaswift_session_position": (c_uint32, [_session_p]),
    "llamaswift_session_rewind": (_S, [_session_p, c_uint32]),
    "llamaswift_session_cancel": (None, [_session_p]),
    "llamaswift_session_set_threads": (_S, [_session_p, c_uint32]),
    "llamaswift_session_get_threads": (c_uint32, [_session_p]),
    "llamaswift_session_state_save": (_S, [_session_p, c_void_p, c_size_t, _P(c_size_t)]),
    "llamaswift_session_state_load": (_S, [_session_p, c_void_p, c_size_t]),
    "llamaswift_session_state_save_file": (_S, [_session_p, c_char_p]),
    "llamaswift_session_state_load_file": (_S, [_session_p, c_char_p]),
    "llamaswift_session_shift": (_S, [_session_p, c_uint32, c_uint32]),
    "llamaswift_session_copy_prefix": (_S, [_session_p, _session_p, c_uint32]),
    "llamaswift_batch_params_init": (_S, [_P(llamaswift_batch_params), c_size_t]),
    "llamaswift_batch_decode": (_S, [_P(llamaswift_batch_item), c_size_t, _P(llamaswift_batch_params)]),
    # sampling
    "llamaswift_sampler_params_init": (_S, [_P(llamaswift_sampler_params), c_size_t]),
    "llamaswift_sampler_create": (_S, [_P(llamaswift_sampler_params), _P(_sampler_p)]),
    "llamaswift_sampler_free": (None, [_sampler_p]),
    "llamaswift_sampler_sample": (_S, [_sampler_p, _session_p, _P(c_int32)]),
    "llamaswift_sampler_accept": (_S, [_sampler_p, c_int32]),
    "llamaswift_sampler_reset": (_S, [_sampler_p]),
    # grammars (0.5)
    "llamaswift_sampler_set_grammar": (_S, [_sampler_p, _model_p, c_char_p, c_size_t, c_char_p]),
    "llamaswift_sampler_set_json_schema": (_S, [_sampler_p, _model_p, c_char_p, c_size_t]),
    "llamaswift_sampler_grammar_accept": (_S, [_sampler_p, c_int32]),
    "llamaswift_json_schema_to_grammar": (_S, [c_char_p, c_size_t, c_char_p, c_size_t, _P(c_size_t)]),
    # logit bias, log-probabilities, embeddings (since 0.5)
    "llamaswift_sampler_set_logit_bias": (_S, [_sampler_p, _P(llamaswift_logit_bias), c_size_t]),
    "llamaswift_sampler_last_logprobs": (
        _S,
        [_sampler_p, _P(llamaswift_token_logprob), _P(llamaswift_token_logprob), c_size_t, _P(c_size_t)],
    ),
    "llamaswift_session_embeddings": (_P(c_float), [_session_p, _P(c_size_t)]),
    # generation
    "llamaswift_generate_params_init": (_S, [_P(llamaswift_generate_params), c_size_t]),
    "llamaswift_generate": (
        _S,
        [
            _session_p,
            _sampler_p,
            c_char_p,
            c_size_t,
            _P(llamaswift_generate_params),
            llamaswift_piece_callback,
            c_void_p,
            _P(llamaswift_generate_result),
        ],
    ),
    # chat
    "llamaswift_chat_format": (
        _S,
        [_model_p, c_char_p, _P(llamaswift_chat_message), c_size_t, c_bool, c_char_p, c_size_t, _P(c_size_t)],
    ),
}

# Every status-returning function raises, BUFFER_TOO_SMALL included (size-then-fill
# callers catch it: see sized_bytes below).
STATUS_FUNCTIONS = frozenset(name for name, (restype, _) in SIGNATURES.items() if restype is _S)
for _name, (_restype, _argtypes) in list(SIGNATURES.items()):
    if _restype is _S:
        _restype = c_int  # the enum's C type
        SIGNATURES[_name] = (_restype, _argtypes)
    _f = getattr(lib, _name)
    _f.restype = _restype
    _f.argtypes = _argtypes
    if _name in STATUS_FUNCTIONS:
        _f.errcheck = _raise_on_error
    globals()[_name] = _f

# Typed module attributes for the most used ones (the loop above defines all of them).
llamaswift_version: Callable[[], bytes]
llamaswift_last_error: Callable[[], bytes]
llamaswift_status_string: Callable[[int], bytes]


# The header's static inline helpers.
def llamaswift_model_default_params() -> llamaswift_model_params:
    p = llamaswift_model_params()
    llamaswift_model_params_init(ctypes.byref(p), ctypes.sizeof(p))  # type: ignore[name-defined]  # noqa: F821
    return p


def llamaswift_session_default_params() -> llamaswift_session_params:
    p = llamaswift_session_params()
    llamaswift_session_params_init(ctypes.byref(p), ctypes.sizeof(p))  # type: ignore[name-defined]  # noqa: F821
    return p


def llamaswift_sampler_default_params() -> llamaswift_sampler_params:
    p = llamaswift_sampler_params()
    llamaswift_sampler_params_init(ctypes.byref(p), ctypes.sizeof(p))  # type: ignore[name-defined]  # noqa: F821
    return p


def llamaswift_generate_default_params() -> llamaswift_generate_params:
    p = llamaswift_generate_params()
    llamaswift_generate_params_init(ctypes.byref(p), ctypes.sizeof(p))  # type: ignore[name-defined]  # noqa: F821
    return p


def llamaswift_batch_default_params() -> llamaswift_batch_params:
    p = llamaswift_batch_params()
    llamaswift_batch_params_init(ctypes.byref(p), ctypes.sizeof(p))  # type: ignore[name-defined]  # noqa: F821
    return p


INLINE_FUNCTIONS = (
    "llamaswift_model_default_params",
    "llamaswift_session_default_params",
    "llamaswift_sampler_default_params",
    "llamaswift_generate_default_params",
    "llamaswift_batch_default_params",
)

# ------------------------------------------------------------------------------------
# Size-then-fill helpers
# ------------------------------------------------------------------------------------


def sized_bytes(call: Callable[[Optional[ctypes.Array], int, Any], Any]) -> bytes:
    """Runs a size-then-fill text function: ``call(buf, cap, byref(len))`` once with no
    buffer to learn the length, then with a buffer of length + 1 (the NUL). Returns the
    bytes (which may contain NULs of their own: the length is trusted, not strlen)."""
    n = c_size_t()
    try:
        call(None, 0, ctypes.byref(n))
        return b""
    except LlamaSwiftError as e:
        if e.status != Status.BUFFER_TOO_SMALL:
            raise
    buf = ctypes.create_string_buffer(n.value + 1)
    call(buf, len(buf), ctypes.byref(n))
    return buf.raw[: n.value]


def status_string(status: int) -> str:
    return bytes(llamaswift_status_string(int(status))).decode()


def version() -> str:
    """The loaded library's version ("0.6.0")."""
    return bytes(llamaswift_version()).decode()


def json_schema_to_grammar(schema: Any) -> str:
    """The GBNF grammar for a JSON Schema (a dict or JSON text), as
    llamaswift_json_schema_to_grammar converts it. Raises LlamaSwiftError (status
    UNSUPPORTED naming the keyword, or INVALID_ARGUMENT)."""
    import json as _json

    text = (schema if isinstance(schema, str) else _json.dumps(schema)).encode("utf-8")
    return sized_bytes(lambda b, c, n: llamaswift_json_schema_to_grammar(text, len(text), b, c, n)).decode("utf-8")  # type: ignore[name-defined]  # noqa: F821
