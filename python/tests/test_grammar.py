"""Grammar-constrained generation on the real model (SmolLM2-135M-Instruct): every
output for 24 JSON Schemas parses and validates (jsonschema from PyPI, an independent
validator); greedy output is deterministic; a yes/no grammar yields exactly one of them,
and with a logit bias banning one word, the other; bad grammars and unsupported schema keywords raise with a message saying where."""
import json

import jsonschema
import pytest

from llamaswift import LlamaSwiftError, Status, json_schema_to_grammar

NAME = {"type": "string", "maxLength": 24}

SCHEMAS = [
    {"type": "object", "properties": {"name": NAME, "age": {"type": "integer"}}, "required": ["name", "age"]},
    {"type": "object", "properties": {"city": NAME, "country": NAME}, "required": ["city"]},
    {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 5},
    {"type": "array", "items": {"type": "string", "enum": ["red", "green", "blue"]}, "maxItems": 4},
    {"type": "string", "enum": ["positive", "negative", "neutral"]},
    {"type": "boolean"},
    {"type": "integer", "minimum": 1, "maximum": 12},
    {"type": "integer", "minimum": -50, "maximum": -7},
    {"type": "integer", "exclusiveMinimum": 99, "exclusiveMaximum": 1000},
    {"type": "number", "minimum": 0},
    {"type": "string", "format": "date"},
    {"type": "string", "format": "time"},
    {"type": "string", "format": "date-time"},
    {"type": "string", "format": "uuid"},
    {"type": "string", "pattern": "^[A-Z]{2}-[0-9]{3,4}$"},
    {"type": "string", "pattern": "^(yes|no|maybe)!?$"},
    {"type": "string", "minLength": 3, "maxLength": 8},
    {"type": "object", "properties": {"answer": {"const": 42}, "ok": {"type": "boolean"}}, "required": ["answer", "ok"],
     "additionalProperties": False},
    {"anyOf": [{"type": "integer", "minimum": 0, "maximum": 9}, {"type": "string", "enum": ["none"]}]},
    {"oneOf": [{"type": "null"}, {"type": "object", "properties": {"x": {"type": "number"}}, "required": ["x"]}]},
    {"type": ["string", "null"], "maxLength": 10},
    {"$defs": {"point": {"type": "object", "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}},
                         "required": ["x", "y"]}},
     "type": "object", "properties": {"from": {"$ref": "#/$defs/point"}, "to": {"$ref": "#/$defs/point"}},
     "required": ["from", "to"]},
    {"definitions": {"tag": {"type": "string", "enum": ["a", "b", "c"]}},
     "type": "array", "items": {"$ref": "#/definitions/tag"}, "minItems": 1, "maxItems": 3},
    {"allOf": [{"type": "object", "properties": {"id": {"type": "integer", "minimum": 1, "maximum": 999}},
                "required": ["id"]},
               {"properties": {"label": NAME}, "required": ["label"]}]},
    {"type": "array", "prefixItems": [{"type": "string", "maxLength": 10}, {"type": "integer"}, {"type": "boolean"}]},
    {"type": "object", "properties": {"items": {"type": "array", "items": {
        "type": "object", "properties": {"sku": {"type": "string", "pattern": "^[a-z]{3}[0-9]{2}$"},
                                         "qty": {"type": "integer", "minimum": 1, "maximum": 99}},
        "required": ["sku", "qty"], "additionalProperties": False}, "minItems": 1, "maxItems": 2}},
     "required": ["items"]},
]


def complete(llm, schema, **kw):
    out = llm.create_chat_completion(
        [{"role": "user", "content": "Answer in JSON. Give an example value for this schema: " + json.dumps(schema)}],
        json_schema=schema, temperature=0, max_tokens=160, **kw)
    return out["choices"][0]


@pytest.mark.parametrize("k", range(len(SCHEMAS)))
def test_output_validates(llm, k):
    schema = SCHEMAS[k]
    choice = complete(llm, schema)
    text = choice["message"]["content"]
    assert choice["finish_reason"] == "stop", text
    value = json.loads(text)
    jsonschema.validate(value, schema)


def test_schema_count():
    assert len(SCHEMAS) >= 20


def test_greedy_is_deterministic(llm):
    schema = SCHEMAS[0]
    a = complete(llm, schema)["message"]["content"]
    b = complete(llm, schema)["message"]["content"]
    assert a == b


def test_yes_no_grammar(llm):
    for q in ["Is the sky blue?", "Is 7 an even number?", "Do cats bark?"]:
        out = llm.create_chat_completion([{"role": "user", "content": q}], grammar='root ::= "yes" | "no"',
                                         temperature=0.7, seed=3, max_tokens=8)
        assert out["choices"][0]["message"]["content"] in ("yes", "no")
        assert out["choices"][0]["finish_reason"] == "stop"


def test_grammar_with_logit_bias_and_raw_logprobs(llm):
    """The bias comes before the grammar's mask: banning every token that can start
    "yes" makes the yes/no answer "no" and the other way round, sampled or greedy; the
    log-probabilities with a grammar are the raw ones (the same top list as without it)."""
    yn = 'root ::= "yes" | "no"'
    pieces = [llm.token_to_piece(t) for t in range(llm.n_vocab())]

    def ban(word):
        return {t: float("-inf") for t, p in enumerate(pieces) if p and word.encode().startswith(p)}

    prompt = "Is the sun hot? Answer yes or no.\n"
    for temperature, seed in [(0, 1), (1.0, 3), (1.5, 4)]:
        for banned, want in [("yes", "no"), ("no", "yes")]:
            out = llm.create_completion(prompt, grammar=yn, logit_bias=ban(banned), temperature=temperature,
                                        top_k=0, top_p=1.0, min_p=0.0, seed=seed, max_tokens=8)
            assert out["choices"][0]["text"] == want, (temperature, seed, banned, out)
    free = llm.create_completion(prompt, temperature=0, max_tokens=1, logprobs=5)["choices"][0]["logprobs"]
    constrained = llm.create_completion(prompt, grammar=yn, logit_bias=ban("yes"), temperature=0, max_tokens=1,
                                        logprobs=5)["choices"][0]["logprobs"]
    assert constrained["tokens"][0] in ("n", "no")
    assert constrained["top_logprobs"][0] == pytest.approx(free["top_logprobs"][0], abs=1e-5)


def test_response_format_json_object(llm):
    out = llm.create_chat_completion([{"role": "user", "content": "Describe a cat in JSON."}],
                                     response_format={"type": "json_object"}, temperature=0, max_tokens=120)
    choice = out["choices"][0]
    if choice["finish_reason"] == "stop":
        assert isinstance(json.loads(choice["message"]["content"]), dict)
    else:  # cut by max_tokens: still a prefix of an object
        assert choice["message"]["content"].lstrip().startswith("{")


def test_bad_grammar_names_line_and_column(llm):
    with pytest.raises(LlamaSwiftError) as e:
        llm.create_completion("x", grammar='root ::= "a"\nb ::= c', max_tokens=2)
    assert e.value.status == Status.INVALID_ARGUMENT
    assert "line 2, column 7" in str(e.value) and "undefined rule 'c'" in str(e.value)


def test_unsupported_keyword_is_an_error():
    with pytest.raises(LlamaSwiftError) as e:
        json_schema_to_grammar({"type": "array", "uniqueItems": True})
    assert e.value.status == Status.UNSUPPORTED and "uniqueItems" in str(e.value)


def test_schema_to_grammar_text():
    g = json_schema_to_grammar({"type": "boolean"})
    assert g.startswith("root ::= ") and "boolean ::=" in g
