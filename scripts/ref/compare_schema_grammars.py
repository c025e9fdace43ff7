#!/usr/bin/env python3
"""Compares the languages of two JSON-Schema-to-GBNF converters on sample strings: ours
(`llamaswift json-schema-to-grammar`) and llama.cpp's (json_schema_to_gbnf in
llama-cpp-python 0.3.36). Both grammars are judged by llama.cpp's grammar engine
(grammar_ref.py), so only the converters differ. Each sample is also validated with
Python's jsonschema when available: a grammar should accept (complete) what it
generates only if it validates. Prints every disagreement and a summary.

  out/ref/venv/bin/python scripts/ref/compare_schema_grammars.py [--cli .build/release/llamaswift-cli]
"""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from grammar_ref import GrammarRef  # noqa: E402
from llama_cpp.llama_grammar import json_schema_to_gbnf  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

CASES = [
    ({"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}}, "required": ["name"]},
     ['{"name": "a", "age": 3}', '{"name": "a"}', '{"age": 3}', '{}', '{"name": 1}', '{"age": 3, "name": "a"}']),
    ({"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 3},
     ['[1]', '[1, 2, 3]', '[]', '[1, 2, 3, 4]', '["a"]']),
    ({"type": "integer", "minimum": -5, "maximum": 120},
     ['-5', '0', '7', '99', '120', '121', '-6', '007', '-0']),
    ({"type": "integer", "minimum": 10}, ['10', '9', '100', '12345', '-10']),
    ({"type": "integer", "maximum": -3}, ['-3', '-4', '-100', '0', '-2']),
    ({"type": "string", "enum": ["a", "b"]}, ['"a"', '"b"', '"c"', 'a']),
    ({"const": {"x": [1, 2]}}, ['{"x":[1,2]}', '{"x": [1, 2]}', '{"x":[1]}']),
    ({"type": "string", "pattern": "^[a-c]{2,3}-\\d+$"}, ['"ab-1"', '"abc-123"', '"a-1"', '"ab-"', '"abcd-1"']),
    ({"type": "string", "minLength": 2, "maxLength": 3}, ['"ab"', '"abc"', '"a"', '"abcd"', '"é\\n"']),
    ({"type": "string", "format": "date"}, ['"2024-02-29"', '"2024-13-01"', '"24-01-01"']),
    ({"type": "string", "format": "uuid"}, ['"123e4567-e89b-12d3-a456-426614174000"', '"123e4567"']),
    ({"type": "string", "format": "date-time"}, ['"2024-01-02T03:04:05Z"', '"2024-01-02T03:04:05.123+01:00"',
                                                 '"2024-01-02 03:04:05"']),
    ({"anyOf": [{"type": "null"}, {"type": "boolean"}]}, ['null', 'true', '0']),
    ({"type": ["integer", "string"]}, ['1', '"x"', 'null']),
    ({"$defs": {"p": {"type": "object", "properties": {"x": {"type": "number"}}, "required": ["x"]}},
      "type": "array", "items": {"$ref": "#/$defs/p"}}, ['[{"x": 1.5}]', '[]', '[{"y": 1}]']),
    ({"type": "object", "properties": {"a": {"type": "boolean"}}, "additionalProperties": False},
     ['{"a": true}', '{}', '{"a": true, "b": 1}']),
    ({"type": "object", "additionalProperties": {"type": "integer"}}, ['{"k": 1, "j": 2}', '{}', '{"k": "v"}']),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default=os.path.join(ROOT, ".build", "release", "llamaswift-cli"))
    a = ap.parse_args()
    try:
        import jsonschema
    except ImportError:
        jsonschema = None
    ref = GrammarRef(os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf"))
    agree = differ = 0
    for schema, samples in CASES:
        ours = subprocess.run([a.cli, "json-schema-to-grammar", json.dumps(schema)], capture_output=True, text=True,
                              check=True).stdout
        theirs = json_schema_to_gbnf(json.dumps(schema))
        for s in samples:
            vo, vt = ref.verdict(ours, s), ref.verdict(theirs, s)
            valid = None
            if jsonschema is not None:
                try:
                    jsonschema.validate(json.loads(s), schema)
                    valid = True
                except Exception:
                    valid = False
            if (vo == "accept") == (vt == "accept"):
                agree += 1
            else:
                differ += 1
                print(f"DIFFER {json.dumps(schema)} on {s!r}: ours {vo}, llama.cpp {vt}, jsonschema valid={valid}")
            if valid is False and vo == "accept":
                print(f"OURS ACCEPTS INVALID {json.dumps(schema)} on {s!r}")
    print(f"{agree} samples agree, {differ} differ")


if __name__ == "__main__":
    main()
