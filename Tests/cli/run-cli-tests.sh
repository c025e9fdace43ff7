#!/usr/bin/env bash
# Tests of the `llamaswift` program as a user meets it: flags (unknown ones, missing
# values, out-of-range numbers are usage errors, exit 64, with usage), --version, help
# per command, llama.cpp's flag spellings, runtime errors (exit 1), and `chat`: piped
# turns, Ctrl-C stopping an answer while the chat goes on, Ctrl-C at the prompt and
# end of input quitting, a full context explained or shifted, bench -npl. Needs the release build and the model.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cli=$root/.build/release/llamaswift-cli
model=$root/models/SmolLM2-135M-Instruct.Q4_1.gguf
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

# expect NAME STATUS PATTERN(in stdout+stderr, grep -E) -- COMMAND...
expect() {
    local name=$1 want=$2 pattern=$3
    shift 4
    "$@" >"$work/out" 2>&1 </dev/null
    local got=$?
    if [ "$got" != "$want" ]; then bad "$name: exit $got, want $want"; sed 's/^/    /' "$work/out" >&2; return; fi
    if [ -n "$pattern" ] && ! grep -Eq -- "$pattern" "$work/out"; then
        bad "$name: output lacks /$pattern/"; sed 's/^/    /' "$work/out" >&2; return
    fi
    ok
}

header_version=$(sed -n 's/^#define LLAMASWIFT_VERSION_STRING "\(.*\)"/\1/p' "$root/include/llamaswift.h")
expect "--version is the header's" 0 "^$header_version\$" -- "$cli" --version

# Usage errors: exit 64, the error and the usage.
expect "unknown flag" 64 "Unknown option '--tmep'.*" -- "$cli" run -m "$model" -p hi --tmep 0
expect "unknown flag shows usage" 64 "Usage: llamaswift run" -- "$cli" run -m "$model" -p hi --tmep 0
expect "missing value" 64 "Missing value for '-n <n>'" -- "$cli" run -m "$model" -p hi -n
expect "missing value before a flag" 64 "not a valid|Missing value|invalid" -- "$cli" run -m "$model" -p hi -n --temp 0
expect "missing model" 64 "Missing expected argument '--model <file>'" -- "$cli" info
expect "no prompt" 64 "-p TEXT or -f FILE" -- "$cli" run -m "$model"
expect "bad number" 64 "Usage" -- "$cli" run -m "$model" -p hi --temp warm
expect "threads out of range" 64 "-t 999 is out of range" -- "$cli" run -m "$model" -p hi -t 999
expect "negative temperature" 64 "--temp -1.0 must be" -- "$cli" run -m "$model" -p hi --temp -1
expect "bad seed" 64 "seed" -- "$cli" run -m "$model" -p hi -s -2
expect "stray argument" 64 "Unexpected argument 'extra'" -- "$cli" run -m "$model" -p hi extra
expect "unknown command" 64 "Unexpected argument 'frobnicate'|Usage" -- "$cli" frobnicate
expect "no command shows help" 0 "SUBCOMMANDS" -- "$cli"

# Help per command.
for c in run chat info tokenize perplexity bench bench-tokenize; do
    expect "$c --help" 0 "USAGE: llamaswift $c" -- "$cli" "$c" --help
done
expect "help chat" 0 "Ctrl-C during an answer" -- "$cli" help chat
expect "-h" 0 "-sys, --system-prompt" -- "$cli" run -h

# Runtime errors: exit 1 with the engine's message.
expect "missing file" 1 "^llamaswift: cannot open '/nonexistent.gguf'" -- "$cli" info -m /nonexistent.gguf

# convert (issue 23): a Hugging Face folder in, a GGUF out; --kv-heads must divide the KV heads.
hf=$root/Tests/Fixtures/hf
expect "help convert" 0 "mean-pools" -- "$cli" help convert
expect "convert bad outtype" 64 "--outtype q5_k: use f32" -- "$cli" convert "$hf/llama-mha" -o "$work/x.gguf" --outtype q5_k
expect "convert kv-heads 0" 64 "--kv-heads 0 is out of range" -- "$cli" convert "$hf/llama-mha" -o "$work/x.gguf" --kv-heads 0
expect "convert kv-heads 3 of 4" 1 "--kv-heads 3 must divide the model's 4" -- "$cli" convert "$hf/llama-mha" -o "$work/x.gguf" --kv-heads 3
expect "convert pooled" 0 "KV heads 4 → 2 \\(mean-pooled\\)" -- "$cli" convert "$hf/llama-mha" -o "$work/mha2.gguf" --kv-heads 2
expect "converted file loads" 0 "heads          4 \\(KV 2" -- "$cli" info -m "$work/mha2.gguf"
expect "folder loads" 0 "architecture   qwen2" -- "$cli" info -m "$hf/qwen2"
expect "folder perplexity" 0 "Final estimate: PPL" -- "$cli" perplexity -m "$hf/llama-mha" -f "$root/Tests/Fixtures/ppl-text.txt" -c 64
expect "folder without config.json" 1 "llamaswift: cannot open '.*/config.json'" -- "$cli" info -m "$hf"
expect "perplexity of a tiny file" 1 "fewer than one chunk" -- "$cli" perplexity -m "$model" -f "$root/README.md" -c 1000000

# llama.cpp's spellings, all at once.
expect "llama.cpp flags" 0 "Paris" -- "$cli" run -m "$model" -p "What is the capital of France?" -sys "Answer in one sentence." \
    -n 24 -c 512 -t 1 -b 64 -s 7 --temp 0 --top-k 40 --top-p 0.9 --min-p 0.05 --repeat-penalty 1.0
expect "long spellings" 0 "Paris" -- "$cli" run --model "$model" --prompt "What is the capital of France?" \
    --n-predict 24 --ctx-size 512 --threads 1 --batch-size 64 --seed 7 --temp 0 --system-prompt "Be brief."
expect "--mlock" 0 "Paris" -- "$cli" run -m "$model" --mlock -p "What is the capital of France?" --temp 0 -n 24
expect "tokenize --parse-special" 0 "^1	'<\|im_start\|>'" -- "$cli" tokenize -m "$model" -p "<|im_start|>user" --parse-special
expect "info" 0 "layers +30" -- "$cli" info -m "$model"
expect "bench" 0 "tg4: median" -- "$cli" bench -m "$model" --pp 8 --tg 4 -r 1 -t 1
expect "bench -d" 0 "pp8 @ d64: median" -- "$cli" bench -m "$model" --pp 8 --tg 4 -d 64 -r 1 -t 1
expect "bench -ctk/-ctv" 0 "cache: K q8_0, V f16" -- "$cli" bench -m "$model" --pp 8 --tg 4 -r 1 -t 1 -ctk q8_0 -ctv f16
expect "bench --cache-type-k" 0 "cache: K q8_0, V q8_0" -- "$cli" bench -m "$model" --pp 8 --tg 4 -r 1 -t 1 --cache-type-k q8_0
expect "bad cache type" 64 "the cache types are f32, f16 and q8_0" -- "$cli" run -m "$model" -p hi -ctk q4_0
expect "F32 with Q8_0" 1 "needs the other one F32" -- "$cli" run -m "$model" -p hi -n 1 -ctk f32 -ctv q8_0
expect "run -ctk q8_0" 0 "" -- "$cli" run -m "$model" -p "The capital of France is" -n 4 --temp 0 -ctk q8_0 -ctv q8_0
expect "bench -d with -npl" 64 "-d is not supported with -npl" -- "$cli" bench -m "$model" -d 8 -npl 2

# chat, piped: two turns, end of input quits with 0.
printf 'What is the capital of France?\nAnd of Italy?\n' >"$work/two"
"$cli" chat -m "$model" --temp 0 -n 40 <"$work/two" >"$work/out" 2>&1
st=$?
if [ $st = 0 ] && grep -q Paris "$work/out" && grep -q Rome "$work/out"; then ok; else bad "chat two turns (exit $st)"; sed 's/^/    /' "$work/out" >&2; fi

# wait_for FILE PATTERN SECONDS
wait_for() {
    local i
    for ((i = 0; i < $3 * 10; i++)); do grep -Eq -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
    return 1
}

# chat, Ctrl-C during an answer: the answer stops, the chat goes on; end of input quits.
mkfifo "$work/in"
"$cli" chat -m "$model" --temp 0 -n -1 -c 4096 <"$work/in" >"$work/chat" 2>&1 &
pid=$!
exec 7>"$work/in"
echo "Write the numbers from 1 to 3000 in words, one per line." >&7
if wait_for "$work/chat" "[a-z]+.*[a-z]+.*[a-z]+" 60; then
    sleep 1
    kill -INT $pid
    if wait_for "$work/chat" "answer stopped by Ctrl-C" 20; then ok; else bad "Ctrl-C did not stop the answer"; fi
    grep -q "stop: cancelled" "$work/chat" && ok || bad "the stop reason is not 'cancelled'"
    kill -0 $pid 2>/dev/null && ok || bad "chat quit on the first Ctrl-C"
    echo "What is the capital of France?" >&7
    if wait_for "$work/chat" "Paris" 60; then ok; else bad "no answer after Ctrl-C"; fi
else
    bad "chat never answered"
fi
exec 7>&-
wait $pid
st=$?
[ $st = 0 ] && ok || bad "chat after end of input: exit $st, want 0"
[ $failed = 0 ] || sed 's/^/    /' "$work/chat" >&2

# chat, Ctrl-C at the prompt quits (130).
rm -f "$work/in"
mkfifo "$work/in"
"$cli" chat -m "$model" <"$work/in" >"$work/chat2" 2>&1 &
pid=$!
exec 7>"$work/in"
if wait_for "$work/chat2" "Ctrl-D quits" 60; then
    kill -INT $pid
    wait $pid
    st=$?
    [ $st = 130 ] && ok || bad "Ctrl-C at the prompt: exit $st, want 130"
else
    bad "chat did not start"; kill $pid
fi
exec 7>&-

# chat, a full context with --no-context-shift: said, and the next message that does not
# fit is dropped.
printf 'Write a long story about a dragon.\nAnd another one.\n' >"$work/full"
"$cli" chat -m "$model" --temp 0 -n -1 -c 96 --no-context-shift <"$work/full" >"$work/out" 2>&1
st=$?
if [ $st = 0 ] && grep -q "the context is full (96 tokens" "$work/out" && grep -q "no longer fits in the context" "$work/out"; then
    ok
else
    bad "chat with a full context (exit $st)"; sed 's/^/    /' "$work/out" >&2
fi

# chat, a full context with context shift (the default): the older text is dropped and the
# chat goes on past -c, each turn feeding only its new text.
"$cli" chat -m "$model" --temp 0 -n 80 -c 96 --keep 8 <"$work/full" >"$work/out" 2>&1
st=$?
if [ $st = 0 ] && grep -q "context shifted" "$work/out" && ! grep -q "context is full\|no longer fits" "$work/out" \
    && [ "$(grep -c "generated [0-9]* at" "$work/out")" = 2 ]; then
    ok
else
    bad "chat with context shift (exit $st)"; sed 's/^/    /' "$work/out" >&2
fi
expect "run with context shift" 0 "context shifted [0-9]+ time" -- "$cli" run -m "$model" -p "Tell a long story." \
    --temp 0 -n 120 -c 64
expect "--keep out of range" 64 "--keep -2 is out of range" -- "$cli" chat -m "$model" --keep -2

# bench -npl: llama-batched-bench's table through batched decode.
expect "bench -npl" 0 "S_TG t/s" -- "$cli" bench -m "$model" -npl 1,2 -npp 8 -ntg 4 -r 1 -t 1
expect "bench -npl rows" 0 "^\| +8 \| +4 \| +2 \|" -- "$cli" bench -m "$model" -npl 2 -npp 8 -ntg 4 -r 1 -t 1
expect "bench -npl bad count" 64 "-npl: '0' is not a count" -- "$cli" bench -m "$model" -npl 1,0

# Grammars: --grammar, --grammar-file, -j/--json-schema, json-schema-to-grammar.
expect "--grammar yes/no" 0 "^(yes|no)$" -- "$cli" run -m "$model" -p "Is water wet?" --temp 0 --grammar 'root ::= "yes" | "no"'
printf 'root ::= [0-9]{3} "-" [a-c]+\n' >"$work/g.gbnf"
expect "--grammar-file" 0 "^[0-9]{3}-[a-c]+$" -- "$cli" run -m "$model" -p "Give a code." --temp 0 -n 12 --grammar-file "$work/g.gbnf"
expect "-j schema" 0 '"ok": ?(true|false)' -- "$cli" run -m "$model" -p "Is it ok? JSON." --temp 0 -n 40 \
    -j '{"type":"object","properties":{"ok":{"type":"boolean"}},"required":["ok"]}'
expect "bad grammar: line and column" 1 "line 2, column 7: undefined rule 'c'" -- "$cli" run -m "$model" -p hi \
    --grammar "$(printf 'root ::= "a"\nb ::= c')"
expect "unsupported schema keyword" 1 "keyword 'uniqueItems' is not supported" -- "$cli" run -m "$model" -p hi \
    -j '{"type":"array","uniqueItems":true}'
expect "two grammar flags" 64 "at most one of" -- "$cli" run -m "$model" -p hi --grammar 'root ::= "a"' -j '{}'
expect "json-schema-to-grammar" 0 "^root ::= " -- "$cli" json-schema-to-grammar '{"type":"integer","minimum":1,"maximum":9}'
expect "grammar-bench" 0 "pass 2 \(warm\)" -- "$cli" grammar-bench -m "$model" -f "$root/Tests/Fixtures/grammar/bench.json"
# Logit bias, --n-probs, embed (0.5).
expect "--logit-bias +100 forces a token" 0 "^\(\)\(\)\(\)\(\)" -- "$cli" run -m "$model" -p "The capital of France is" \
    --raw -n 4 --temp 0.8 -s 3 --logit-bias 1000+100
expect "--logit-bias bad syntax" 64 "expected TOKEN\+BIAS" -- "$cli" run -m "$model" -p hi -l 5x
expect "--logit-bias token past the vocabulary" 1 "not in the vocabulary" -- "$cli" run -m "$model" -p hi -l 99999999+1
"$cli" run -m "$model" -p "The capital of France is" --raw -n 3 --temp 0 --n-probs 2 >"$work/probs" 2>/dev/null
greedy=$("$cli" run -m "$model" -p "The capital of France is" --raw -n 1 --temp 0 2>/dev/null | head -c 6)
if python3 - "$work/probs" "$greedy" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) == 3, lines
for l in lines:
    assert len(l["top"]) == 2 and l["top"][0]["logprob"] >= l["top"][1]["logprob"]
    assert l["token"] == l["top"][0]["token"] and l["logprob"] == l["top"][0]["logprob"] <= 0  # greedy: the top one
assert lines[0]["piece"] == sys.argv[2], (lines[0]["piece"], sys.argv[2])
PY
then ok; else bad "--n-probs JSON lines"; sed 's/^/    /' "$work/probs" >&2; fi
# --logit-bias with -inf bans the greedy first token.
first=$(python3 -c "import json,sys; print(json.loads(open(sys.argv[1]).readline())['token'])" "$work/probs")
"$cli" run -m "$model" -p "The capital of France is" --raw -n 1 --temp 0 --n-probs 1 -l "$first-inf" >"$work/ban" 2>/dev/null
if python3 -c "import json,sys; t=json.loads(open(sys.argv[1]).readline()); assert t['token'] != int(sys.argv[2])" \
    "$work/ban" "$first"; then ok; else bad "--logit-bias TOKEN-inf"; fi
"$cli" embed -m "$model" -p "Hello world" --pooling mean >"$work/mean" 2>/dev/null
"$cli" embed -m "$model" -p "Hello world" --pooling none --embd-normalize -1 >"$work/none" 2>/dev/null
if python3 - "$work/mean" "$work/none" <<'PY'
import json, math, sys
mean, rows = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert len(mean) == 576 and len(rows) >= 2 and all(len(r) == 576 for r in rows)
m = [sum(c) / len(rows) for c in zip(*rows)]
n = math.sqrt(sum(x * x for x in m))
assert max(abs(a - b / n) for a, b in zip(mean, m)) < 1e-5  # mean of the rows, L2-normalised (the default)
PY
then ok; else bad "embed --pooling mean = the L2-normalised mean of --pooling none"; fi
expect "embed bad pooling" 64 "--pooling 'rank'" -- "$cli" embed -m "$model" -p hi --pooling rank

echo "cli: $passed passed, $failed failed"
[ $failed = 0 ]
