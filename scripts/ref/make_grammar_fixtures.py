#!/usr/bin/env python3
"""Grammar suite reference: llama.cpp's verdict on every (grammar, string) pair of
scripts/ref/grammar_cases.py, and whether it parses each grammar of ERRORS, into
Tests/Fixtures/grammar/cases.json (GrammarTests compares llamaswift's verdicts).

  out/ref/venv/bin/python scripts/ref/make_grammar_fixtures.py
"""
import json
import os
import resource
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from grammar_cases import CASES, ERRORS  # noqa: E402
from grammar_ref import GrammarRef  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "grammar", "cases.json")


def llamacpp_parse(gbnf):
    """"refuses", "parses", or what happened to a child process that tried (some bad
    grammars make llama.cpp loop or run out of memory, e.g. {3,1})."""
    code = ("import sys; sys.path.insert(0, %r); from grammar_ref import GrammarRef; "
            "r = GrammarRef(%r); print('RESULT', 'parses' if r.sampler(sys.argv[1]) else 'refuses')"
            % (os.path.dirname(os.path.abspath(__file__)),
               os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")))
    try:
        p = subprocess.run([sys.executable, "-c", code, gbnf], capture_output=True, text=True, timeout=20,
                           preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30)))
    except subprocess.TimeoutExpired:
        return "hangs (killed after 20 s)"
    for line in p.stdout.splitlines():
        if line.startswith("RESULT "):
            return line.split(" ", 1)[1]
    return f"crashes (exit status {p.returncode})"


def main():
    ref = GrammarRef(os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf"))
    cases = []
    for name, gbnf, strings in CASES:
        verdicts = [[s, ref.verdict(gbnf, s)] for s in strings]
        cases.append({"name": name, "grammar": gbnf, "strings": verdicts})
    errors = []
    for name, gbnf, pos in ERRORS:
        errors.append({"name": name, "grammar": gbnf, "line": pos[0] if pos else None,
                       "column": pos[1] if pos else None, "llamacpp": llamacpp_parse(gbnf)})
    with open(OUT, "w") as f:
        json.dump({"generator": "scripts/ref/make_grammar_fixtures.py (llama-cpp-python 0.3.36)",
                   "cases": cases, "errors": errors}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    n = sum(len(c["strings"]) for c in cases)
    print(f"{len(cases)} grammars, {n} strings, {len(errors)} bad grammars -> {OUT}")


if __name__ == "__main__":
    main()
