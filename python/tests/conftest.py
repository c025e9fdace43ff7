"""Paths the tests use. By default everything is found in the repository this folder
belongs to; the environment can point elsewhere (make test sets none of these):
  LLAMASWIFT_TEST_MODEL  the GGUF model (SmolLM2-135M-Instruct Q4_1)
  LLAMASWIFT_CLI         the llamaswift program (greedy reference)
  LLAMASWIFT_WHEEL_DIR   where make wheel put the wheel and the sdist
"""
import os
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
HEADER = REPO / "include/llamaswift.h"
MODEL = pathlib.Path(os.environ.get("LLAMASWIFT_TEST_MODEL", REPO / "models/SmolLM2-135M-Instruct.Q4_1.gguf"))
CLI = pathlib.Path(os.environ.get("LLAMASWIFT_CLI", REPO / ".build/release/llamaswift"))
DIST = pathlib.Path(os.environ.get("LLAMASWIFT_WHEEL_DIR", REPO / "out/dist"))


@pytest.fixture(scope="session")
def model_path():
    if not MODEL.exists():
        pytest.skip(f"no model at {MODEL} (make model)")
    return str(MODEL)


@pytest.fixture(scope="session")
def llm(model_path):
    from llamaswift import Llama

    with Llama(model_path, n_ctx=1024, n_threads=2, seed=1234) as llm:
        yield llm
