"""llamaswift: a LLaMA-family LLM inference engine (libllamaswift) for Python.

High level, shaped like llama-cpp-python::

    from llamaswift import Llama
    with Llama("SmolLM2-135M-Instruct.Q4_1.gguf", n_ctx=2048) as llm:
        out = llm.create_chat_completion([{"role": "user", "content": "What is the capital of France?"}])
        print(out["choices"][0]["message"]["content"])

Low level: :mod:`llamaswift.capi`, every function, struct and enum of the C header
``llamaswift.h`` under its C name.
"""

from . import capi
from .capi import LlamaSwiftError, PoolingType, Status, StopReason, TemperatureOrder, json_schema_to_grammar
from .llama import Llama

__version__ = "0.6.0"

__all__ = ["Llama", "LlamaSwiftError", "PoolingType", "Status", "StopReason", "TemperatureOrder", "capi", "json_schema_to_grammar", "__version__", "library_version"]


def library_version() -> str:
    """The loaded libllamaswift's version."""
    return capi.version()
