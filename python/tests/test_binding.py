"""The ctypes binding against the header: every function (exported or static inline),
struct (fields, types, sizes and offsets as a C compiler lays them out), enum value and
constant of include/llamaswift.h must be in llamaswift.capi with the same types. A
function added to the header without a binding fails here."""
import ctypes
import os
import re
import shutil
import subprocess

import pytest

from conftest import HEADER
from llamaswift import capi
from llamaswift.capi import LlamaSwiftError, Status

P = ctypes.POINTER
SCALARS = {
    "bool": ctypes.c_bool, "uint32_t": ctypes.c_uint32, "int32_t": ctypes.c_int32, "uint64_t": ctypes.c_uint64,
    "size_t": ctypes.c_size_t, "float": ctypes.c_float, "double": ctypes.c_double, "char": ctypes.c_char,
}


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def parse_header(text=None):
    text = strip_comments(HEADER.read_text() if text is None else text)
    text = re.sub(r"^\s*#.*?(?<!\\)$", " ", text, flags=re.M | re.S)  # preprocessor lines (with continuations)
    inline = re.findall(r"static\s+inline\s+\w+\s+(llamaswift_\w+)\s*\(", text)
    text = re.sub(r"static\s+inline[^{]*\{[^}]*\}", " ", text)
    text = re.sub(r'extern\s+"C"\s*\{|^\}\s*$', " ", text, flags=re.M)
    structs, enums = {}, {}
    for kind, name, body in re.findall(r"typedef\s+(struct|enum)\s+(\w+)\s*\{(.*?)\}\s*\w+\s*;", text, flags=re.S):
        if kind == "struct":
            structs[name] = [(" ".join(m[0].split()), m[1]) for m in re.findall(r"([\w\s\*]+?)\s*\b(\w+)\s*;", body)]
        else:
            enums[name] = {k: int(v) for k, v in re.findall(r"(\w+)\s*=\s*(-?\d+)", body)}
    text = re.sub(r"typedef\s+(struct|enum)\s+\w+\s*\{.*?\}\s*\w+\s*;", " ", text, flags=re.S)
    opaque = re.findall(r"typedef\s+struct\s+(\w+)\s+\w+\s*;", text)
    callbacks = re.findall(r"typedef\s+\w+\s*\(\s*\*\s*(\w+)\s*\)", text)
    text = re.sub(r"typedef[^;]*;", " ", text)
    functions = {}
    for stmt in text.split(";"):
        m = re.match(r"\s*(.+?)\b(llamaswift_\w+)\s*\((.*)\)\s*$", stmt, flags=re.S)
        if m:
            params = [] if m.group(3).strip() in ("", "void") else [p.strip() for p in m.group(3).split(",")]
            functions[m.group(2)] = (" ".join(m.group(1).split()), params)
    return functions, inline, structs, enums, opaque, callbacks


FUNCTIONS, INLINE, STRUCTS, ENUMS, OPAQUE, CALLBACKS = parse_header()


def ctype_of(decl, enums=ENUMS):
    """The ctypes type a C declaration (type and optional parameter name) maps to."""
    decl = " ".join(decl.replace("*", " * ").split())
    words = [w for w in decl.split() if w != "const"]
    stars = words.count("*")
    names = [w for w in words if w != "*"]
    base = names[0]  # the type name; a parameter name, if any, follows
    if base in enums:
        t = ctypes.c_int
    elif base in SCALARS:
        t = SCALARS[base]
    elif base in capi.STRUCTS or base in capi.OPAQUE:
        t = capi.STRUCTS.get(base) or capi.OPAQUE[base]
    elif base in CALLBACKS:
        t = getattr(capi, base)
    elif base == "void":
        t = None
    else:
        raise AssertionError(f"unknown C type in {decl!r}")
    if base == "char" and stars:
        t, stars = ctypes.c_char_p, stars - 1
    if base == "void" and stars:
        t, stars = ctypes.c_void_p, stars - 1
    for _ in range(stars):
        t = P(t)
    return t


def test_header_parse_found_everything():
    # guards the parser itself: the header as of this writing has at least these
    assert len(FUNCTIONS) >= 35 and len(INLINE) >= 4
    assert {"llamaswift_model_params", "llamaswift_generate_result", "llamaswift_chat_message"} <= set(STRUCTS)
    assert set(OPAQUE) == {"llamaswift_model", "llamaswift_session", "llamaswift_sampler"}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_header_function_is_bound_with_its_types(name):
    assert name in capi.SIGNATURES, f"{name} is in llamaswift.h but not in llamaswift.capi"
    ret, params = FUNCTIONS[name]
    restype, argtypes = capi.SIGNATURES[name]
    assert restype == ctype_of(ret), f"{name}: return type {ret}"
    assert len(argtypes) == len(params), f"{name}: {len(params)} parameters in the header"
    for i, (decl, t) in enumerate(zip(params, argtypes)):
        assert t == ctype_of(decl), f"{name}: parameter {i} ({decl})"
    f = getattr(capi, name)
    assert f.restype == restype and list(f.argtypes) == list(argtypes)
    if ret == "llamaswift_status":
        assert name in capi.STATUS_FUNCTIONS, f"{name} returns a status: it must raise"
    else:  # int32_t is c_int too: only the status functions may raise
        assert name not in capi.STATUS_FUNCTIONS and getattr(f, "errcheck", None) is None, name


def test_no_binding_for_a_function_the_header_lacks():
    assert set(capi.SIGNATURES) == set(FUNCTIONS)


def test_the_check_sees_a_function_added_to_the_header():
    """What a rebase onto a header with a new function looks like to the tests above."""
    text = HEADER.read_text().replace(
        "#ifdef __cplusplus\n}", "/* new */\nllamaswift_status llamaswift_sampler_set_future(llamaswift_sampler *s,\n"
        "    const char *gbnf, size_t len);\n\n#ifdef __cplusplus\n}")
    functions = parse_header(text)[0]
    assert set(functions) - set(capi.SIGNATURES) == {"llamaswift_sampler_set_future"}
    assert functions["llamaswift_sampler_set_future"] == (
        "llamaswift_status", ["llamaswift_sampler *s", "const char *gbnf", "size_t len"])


@pytest.mark.parametrize("name", INLINE)
def test_static_inline_helpers(name):
    p = getattr(capi, name)()
    assert p.struct_size == ctypes.sizeof(type(p))


@pytest.mark.parametrize("name", sorted(STRUCTS))
def test_every_struct_has_the_header_fields(name):
    cls = capi.STRUCTS[name]
    assert [f[0] for f in cls._fields_] == [field for _, field in STRUCTS[name]]
    for (ctype, field), (fname, ftype) in zip(STRUCTS[name], cls._fields_):
        assert ftype == ctype_of(ctype), f"{name}.{field}: {ctype}"


def test_struct_layout_equals_the_c_compilers(tmp_path):
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.skip("no C compiler")
    lines = []
    for name, fields in STRUCTS.items():
        lines.append(f'printf("{name} %zu\\n", sizeof({name}));')
        for _, field in fields:
            lines.append(f'printf("{name}.{field} %zu\\n", offsetof({name}, {field}));')
    src = tmp_path / "layout.c"
    src.write_text("#include <stdio.h>\n#include <stddef.h>\n#include <llamaswift.h>\nint main(void) {\n"
                   + "\n".join(lines) + "\nreturn 0;\n}\n")
    exe = tmp_path / "layout"
    # only the header: static inline helpers are unused, so nothing needs the library
    subprocess.run([cc, "-I", str(HEADER.parent), str(src), "-o", str(exe), "-Wl,--unresolved-symbols=ignore-all"],
                   check=True)
    measured = dict(line.rsplit(" ", 1) for line in subprocess.run(
        [str(exe)], check=True, capture_output=True, text=True).stdout.splitlines())
    for name, fields in STRUCTS.items():
        cls = capi.STRUCTS[name]
        assert ctypes.sizeof(cls) == int(measured[name]), name
        for _, field in fields:
            assert getattr(cls, field).offset == int(measured[f"{name}.{field}"]), f"{name}.{field}"


@pytest.mark.parametrize("name", sorted(ENUMS))
def test_every_enum_value(name):
    py = capi.ENUMS[name]
    for k, v in ENUMS[name].items():
        assert py[k] == v
        assert getattr(capi, k) == v
    assert {m.value for m in py} == set(ENUMS[name].values())


def test_defines():
    text = HEADER.read_text()
    for k, v in re.findall(r"#define\s+(LLAMASWIFT_\w+)\s+([0-9]+)u?\b", text):
        assert getattr(capi, k) == int(v), k
    assert re.search(r'LLAMASWIFT_VERSION_STRING "([^"]+)"', text).group(1) == capi.LLAMASWIFT_VERSION_STRING
    assert capi.LLAMASWIFT_SEED_RANDOM == 2**64 - 1
    assert capi.version() == capi.LLAMASWIFT_VERSION_STRING


def test_one_exception_class_with_status_and_message():
    m = P(capi.llamaswift_model)()
    with pytest.raises(LlamaSwiftError) as e:
        capi.llamaswift_model_load(None, None, ctypes.byref(m))
    assert e.value.status is Status.INVALID_ARGUMENT and "path" in e.value.message
    assert not m
    assert capi.status_string(Status.IO).startswith("LLAMASWIFT_ERR_IO")
    # picklable (Ray and multiprocessing send exceptions between processes)
    import pickle

    again = pickle.loads(pickle.dumps(e.value))
    assert again.status is Status.INVALID_ARGUMENT and again.message == e.value.message


def test_raw_api_size_then_fill_and_generate(model_path):
    """A whole generation through the raw functions, as a C program would do it."""
    m = P(capi.llamaswift_model)()
    capi.llamaswift_model_load(model_path.encode(), None, ctypes.byref(m))
    try:
        n = ctypes.c_size_t()
        with pytest.raises(LlamaSwiftError) as e:
            capi.llamaswift_model_meta_string(m, b"general.architecture", None, 0, ctypes.byref(n))
        assert e.value.status is Status.BUFFER_TOO_SMALL and n.value == len("llama")
        sp = capi.llamaswift_session_default_params()
        sp.n_ctx = 256
        s = P(capi.llamaswift_session)()
        capi.llamaswift_session_create(m, ctypes.byref(sp), ctypes.byref(s))
        smp = P(capi.llamaswift_sampler)()
        params = capi.llamaswift_sampler_default_params()
        params.temperature = 0
        capi.llamaswift_sampler_create(ctypes.byref(params), ctypes.byref(smp))
        tokens = (ctypes.c_int32 * 64)()
        capi.llamaswift_tokenize(m, b"Hello", 5, capi.LLAMASWIFT_TOKENIZE_ADD_SPECIAL, tokens, 64, ctypes.byref(n))
        capi.llamaswift_session_decode(s, tokens, n.value)
        assert capi.llamaswift_session_logits(s)
        tok = ctypes.c_int32()
        capi.llamaswift_sampler_sample(smp, s, ctypes.byref(tok))
        capi.llamaswift_sampler_accept(smp, tok.value)
        capi.llamaswift_sampler_reset(smp)
        assert capi.llamaswift_session_position(s) == n.value
        size = ctypes.c_size_t()
        with pytest.raises(LlamaSwiftError):
            capi.llamaswift_session_state_save(s, None, 0, ctypes.byref(size))
        buf = ctypes.create_string_buffer(size.value)
        capi.llamaswift_session_state_save(s, buf, size.value, ctypes.byref(size))
        capi.llamaswift_session_rewind(s, 0)
        capi.llamaswift_session_state_load(s, buf, size.value)
        assert capi.llamaswift_session_position(s) == n.value
        capi.llamaswift_session_cancel(s)  # no call in progress: nothing happens
        pieces = []

        @capi.llamaswift_piece_callback
        def cb(ptr, length, user):
            pieces.append(ctypes.string_at(ptr, length))
            return True

        gp = capi.llamaswift_generate_default_params()
        gp.max_tokens = 8
        result = capi.llamaswift_generate_result(struct_size=ctypes.sizeof(capi.llamaswift_generate_result))
        capi.llamaswift_generate(s, smp, b"Hello", 5, ctypes.byref(gp), cb, None, ctypes.byref(result))
        assert result.n_generated == len(pieces) or b"".join(pieces)
        assert result.stop_reason in (capi.LLAMASWIFT_STOP_MAX_TOKENS, capi.LLAMASWIFT_STOP_END_OF_GENERATION)
        capi.llamaswift_sampler_free(smp)
        capi.llamaswift_session_free(s)
    finally:
        capi.llamaswift_model_free(m)


def test_raw_api_callbacks_and_threads(model_path):
    """0.3's hooks through the raw functions: the log callback, the load-progress callback
    (and cancelling a load with it), and a session's thread count changed between calls."""
    messages = []

    @capi.llamaswift_log_callback
    def log(level, message, user):
        messages.append((level, message.decode()))

    capi.llamaswift_log_set(log, None)
    try:
        m = P(capi.llamaswift_model)()
        with pytest.raises(LlamaSwiftError) as e:
            capi.llamaswift_model_load(b"/nonexistent.gguf", None, ctypes.byref(m))
        assert e.value.status is Status.IO
        assert messages and messages[-1][0] == capi.LLAMASWIFT_LOG_ERROR and "/nonexistent.gguf" in messages[-1][1]
    finally:
        capi.llamaswift_log_set(capi.llamaswift_log_callback(), None)
    count = len(messages)

    seen = []

    @capi.llamaswift_progress_callback
    def progress(p, user):
        seen.append(p)
        return len(seen) < 2  # cancel at the second report

    mp = capi.llamaswift_model_default_params()
    assert not mp.use_mlock and not mp.progress_callback
    mp.progress_callback = progress
    with pytest.raises(LlamaSwiftError) as e:
        capi.llamaswift_model_load(model_path.encode(), ctypes.byref(mp), ctypes.byref(m))
    assert e.value.status is Status.CANCELLED and not m and seen[0] == 0.0 and len(seen) == 2
    mp.progress_callback = capi.llamaswift_progress_callback()
    capi.llamaswift_model_load(model_path.encode(), ctypes.byref(mp), ctypes.byref(m))
    assert len(messages) == count  # logging is off again
    try:
        sp = capi.llamaswift_session_default_params()
        sp.n_ctx = 64
        sp.n_threads = 1
        s = P(capi.llamaswift_session)()
        capi.llamaswift_session_create(m, ctypes.byref(sp), ctypes.byref(s))
        assert capi.llamaswift_session_get_threads(s) == 1
        capi.llamaswift_session_set_threads(s, 2)
        assert capi.llamaswift_session_get_threads(s) == min(2, len(os.sched_getaffinity(0)))
        with pytest.raises(LlamaSwiftError) as e:
            capi.llamaswift_session_set_threads(s, 513)
        assert e.value.status is Status.INVALID_ARGUMENT
        capi.llamaswift_session_free(s)
    finally:
        capi.llamaswift_model_free(m)
