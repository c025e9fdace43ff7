"""The built distributions (make wheel): the wheel installs into a fresh venv with no
compiler and no LLAMASWIFT_LIB and answers; its tag is the one auditwheel finds; it
carries the stripped library, py.typed and the MIT license; the sdist carries the Swift
package. Set LLAMASWIFT_TEST_SDIST_BUILD=1 to also build a wheel from the sdist with
Swift (a full release build of the library: minutes)."""
import email
import glob
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile

import pytest

from conftest import DIST, HEADER, REPO

import llamaswift


def one(pattern):
    found = sorted(glob.glob(str(DIST / pattern)))
    if not found:
        pytest.skip(f"no {pattern} in {DIST} (make wheel)")
    assert len(found) == 1, found
    return found[0]


@pytest.fixture(scope="module")
def wheel():
    return one("llamaswift-*.whl")


@pytest.fixture(scope="module")
def sdist():
    return one("llamaswift-*.tar.gz")


def clean_env():
    env = {k: v for k, v in os.environ.items() if k not in ("LLAMASWIFT_LIB", "LD_LIBRARY_PATH", "PYTHONPATH")}
    return env


def test_tests_run_against_the_installed_wheel():
    if os.environ.get("LLAMASWIFT_TEST_INSTALLED") != "1":
        pytest.skip("make test-python sets LLAMASWIFT_TEST_INSTALLED=1")
    assert "site-packages" in llamaswift.__file__
    assert llamaswift.capi.library_path == os.path.join(os.path.dirname(llamaswift.__file__), "libllamaswift.so")
    assert "LLAMASWIFT_LIB" not in os.environ


def test_wheel_in_a_fresh_venv_answers_without_lib_variable(wheel, tmp_path, model_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = str(venv / "bin/python")
    subprocess.run([py, "-m", "pip", "install", "--quiet", "--no-index", "--disable-pip-version-check", wheel],
                   check=True, env=clean_env())
    script = (
        "import llamaswift, sys\n"
        "from llamaswift import Llama\n"
        "print(llamaswift.capi.library_path)\n"
        "with Llama(sys.argv[1], n_ctx=512, n_threads=2) as llm:\n"
        "    out = llm.create_chat_completion([{'role': 'user', 'content': 'What is the capital of France?'}],\n"
        "                                     temperature=0, max_tokens=32)\n"
        "print(out['choices'][0]['message']['content'])\n"
    )
    out = subprocess.run([py, "-c", script, model_path], check=True, capture_output=True, text=True,
                         env=clean_env(), cwd=str(tmp_path)).stdout.splitlines()
    assert out[0].startswith(str(venv)) and out[0].endswith("site-packages/llamaswift/libllamaswift.so")
    assert "Paris" in out[1]


def test_wheel_tag_is_what_auditwheel_finds(wheel):
    tag = re.match(r"llamaswift-[^-]+-(py3-none-[^.]+)\.whl$", os.path.basename(wheel)).group(1)
    assert re.fullmatch(r"py3-none-manylinux_2_\d+_x86_64|py3-none-manylinux_2_\d+_aarch64", tag)
    auditwheel = shutil.which("auditwheel", path=os.path.dirname(sys.executable)) or shutil.which("auditwheel")
    if not auditwheel:
        pytest.skip("auditwheel not installed (scripts/python-venv.sh installs it)")
    shown = subprocess.run([auditwheel, "show", wheel], check=True, capture_output=True, text=True).stdout
    shown = " ".join(shown.split())
    platform = tag.split("-", 2)[2]
    assert f'is consistent with the following platform tag: "{platform}"' in shown
    assert f'constrains the platform tag to "{platform}"' in shown
    with zipfile.ZipFile(wheel) as z:
        wheel_meta = z.read("llamaswift-0.6.0.dist-info/WHEEL").decode()
    assert f"Tag: {tag}" in wheel_meta and "Root-Is-Purelib: false" in wheel_meta


def test_wheel_contents_and_metadata(wheel, tmp_path):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        assert {"llamaswift/__init__.py", "llamaswift/capi.py", "llamaswift/llama.py", "llamaswift/py.typed",
                "llamaswift/libllamaswift.so", "llamaswift-0.6.0.dist-info/licenses/LICENSE"} <= names
        meta = email.message_from_bytes(z.read("llamaswift-0.6.0.dist-info/METADATA"))
        lib = tmp_path / "lib.so"
        lib.write_bytes(z.read("llamaswift/libllamaswift.so"))
        license_text = z.read("llamaswift-0.6.0.dist-info/licenses/LICENSE").decode()
    assert meta["Name"] == "llamaswift" and meta["Version"] == "0.6.0"
    assert meta["License-Expression"] == "MIT" and meta["License-File"] == "LICENSE"
    assert license_text == (REPO / "LICENSE").read_text() == (REPO / "python/LICENSE").read_text()
    assert license_text.startswith("MIT License")
    # stripped: no static symbol table, only the dynamic one
    readelf = shutil.which("readelf")
    if readelf:
        sections = subprocess.run([readelf, "-S", "-W", str(lib)], check=True, capture_output=True, text=True).stdout
        assert ".symtab" not in sections and ".dynsym" in sections


def test_versions_agree():
    pyproject = (REPO / "python/pyproject.toml").read_text()
    version = re.search(r'^version = "([^"]+)"', pyproject, flags=re.M).group(1)
    header = re.search(r'LLAMASWIFT_VERSION_STRING "([^"]+)"', HEADER.read_text()).group(1)
    makefile = re.search(r"^VERSION := (\S+)", (REPO / "Makefile").read_text(), flags=re.M).group(1)
    assert version == header == makefile == llamaswift.__version__ == llamaswift.library_version()


def test_sdist_carries_the_swift_package(sdist):
    with tarfile.open(sdist) as t:
        names = set(t.getnames())
        assert not [m.name for m in t.getmembers() if m.issym() or m.islnk()], "symlinks do not survive pip"
    root = "llamaswift-0.6.0/"
    need = ["pyproject.toml", "hatch_build.py", "LICENSE", "README.md", "src/llamaswift/py.typed",
            "swift/Package.swift", "swift/include/llamaswift.h", "swift/Sources/llamaswift/exports.map",
            "swift/Sources/CLlamaSwift/module.modulemap"]
    assert {root + n for n in need} <= names
    for level in ("LlamaSwiftKernels", "LlamaSwiftKernelsBase", "LlamaSwiftKernelsV3", "LlamaSwiftKernelsV4"):
        assert root + f"swift/Sources/{level}/KernelSetExport.swift" in names
    swift_sources = {n[len(root + "swift/"):] for n in names if n.startswith(root + "swift/Sources/")}
    in_repo = {os.path.relpath(os.path.join(d, f), REPO) for d, _, fs in os.walk(REPO / "Sources", followlinks=True)
               for f in fs}
    assert swift_sources == in_repo


@pytest.mark.skipif(os.environ.get("LLAMASWIFT_TEST_SDIST_BUILD") != "1", reason="set LLAMASWIFT_TEST_SDIST_BUILD=1")
def test_sdist_builds_the_library_with_swift(sdist, tmp_path):
    if not shutil.which("swift"):
        pytest.skip("no swift")
    env = {k: v for k, v in clean_env().items() if k != "LLAMASWIFT_PREBUILT_LIB"}
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path),
                    sdist], check=True, env=env)
    built = glob.glob(str(tmp_path / "llamaswift-0.6.0-py3-none-manylinux_*.whl"))
    assert built, os.listdir(tmp_path)
    with zipfile.ZipFile(built[0]) as z:
        assert "llamaswift/libllamaswift.so" in z.namelist()


def test_the_python_example_runs_on_the_package(model_path):
    out = subprocess.run([sys.executable, str(REPO / "examples/python/chat.py"), model_path,
                          "What is the capital of France?"], check=True, capture_output=True, text=True,
                         env=clean_env(), timeout=120).stdout
    assert "Paris" in out
