"""ctypes tests of the model part of the C contract: load the library and the model,
read info and metadata, check error statuses and messages."""
import ctypes
import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
LIB_PATH = os.environ.get("LLAMASWIFT_LIB", str(ROOT / ".build/release/libllamaswift.so"))
MODEL = ROOT / "models/SmolLM2-135M-Instruct.Q4_1.gguf"

OK, INVALID, IO, FORMAT, UNSUPPORTED, TOO_SMALL = 0, 1, 2, 3, 4, 5


class ModelInfo(ctypes.Structure):
    _fields_ = [
        ("struct_size", ctypes.c_uint32),
        ("n_vocab", ctypes.c_uint32),
        ("n_ctx_train", ctypes.c_uint32),
        ("n_embd", ctypes.c_uint32),
        ("n_layer", ctypes.c_uint32),
        ("n_head", ctypes.c_uint32),
        ("n_head_kv", ctypes.c_uint32),
        ("n_ff", ctypes.c_uint32),
        ("n_rot", ctypes.c_uint32),
        ("rope_freq_base", ctypes.c_float),
        ("rope_scaling_type", ctypes.c_uint32),
        ("rope_scaling_factor", ctypes.c_float),
        ("rope_original_ctx", ctypes.c_uint32),
        ("rms_norm_eps", ctypes.c_float),
        ("file_type", ctypes.c_uint32),
        ("n_params", ctypes.c_uint64),
        ("size_bytes", ctypes.c_uint64),
        ("vocab_only", ctypes.c_bool),
    ]


@pytest.fixture(scope="module")
def lib():
    lib = ctypes.CDLL(LIB_PATH)
    lib.llamaswift_version.restype = ctypes.c_char_p
    lib.llamaswift_last_error.restype = ctypes.c_char_p
    lib.llamaswift_status_string.restype = ctypes.c_char_p
    lib.llamaswift_status_string.argtypes = [ctypes.c_int]
    lib.llamaswift_model_load.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)]
    lib.llamaswift_model_load.restype = ctypes.c_int
    lib.llamaswift_model_free.argtypes = [ctypes.c_void_p]
    lib.llamaswift_model_free.restype = None
    lib.llamaswift_model_get_info.argtypes = [ctypes.c_void_p, ctypes.POINTER(ModelInfo)]
    lib.llamaswift_model_meta_string.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t,
                                                 ctypes.POINTER(ctypes.c_size_t)]
    return lib


@pytest.fixture(scope="module")
def model(lib):
    m = ctypes.c_void_p()
    assert lib.llamaswift_model_load(str(MODEL).encode(), None, ctypes.byref(m)) == OK, lib.llamaswift_last_error()
    yield m
    lib.llamaswift_model_free(m)


def test_version(lib):
    assert lib.llamaswift_version() == b"0.6.0"
    assert lib.llamaswift_status_string(FORMAT).startswith(b"LLAMASWIFT_ERR_FORMAT")


def test_info(lib, model):
    info = ModelInfo(struct_size=ctypes.sizeof(ModelInfo))
    assert lib.llamaswift_model_get_info(model, ctypes.byref(info)) == OK
    assert (info.n_vocab, info.n_layer, info.n_embd, info.n_head, info.n_head_kv) == (49152, 30, 576, 9, 3)
    assert info.n_ff == 1536 and info.n_ctx_train == 8192
    assert abs(info.rms_norm_eps - 1e-5) < 1e-9
    assert lib.llamaswift_last_error() == b""


def test_meta_string_size_then_fill(lib, model):
    n = ctypes.c_size_t()
    assert lib.llamaswift_model_meta_string(model, b"tokenizer.ggml.pre", None, 0, ctypes.byref(n)) == TOO_SMALL
    buf = ctypes.create_string_buffer(n.value + 1)
    assert lib.llamaswift_model_meta_string(model, b"tokenizer.ggml.pre", buf, len(buf), ctypes.byref(n)) == OK
    assert buf.value == b"smollm"


@pytest.mark.parametrize("path,status,fragment", [
    (b"/nonexistent.gguf", IO, b"No such file"),
    (b"/etc/hostname", FORMAT, b""),
    (None, INVALID, b"path"),
])
def test_load_errors(lib, path, status, fragment):
    m = ctypes.c_void_p(1)
    assert lib.llamaswift_model_load(path, None, ctypes.byref(m)) == status
    assert m.value is None
    assert fragment in lib.llamaswift_last_error()
