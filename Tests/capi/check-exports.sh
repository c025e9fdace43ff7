#!/usr/bin/env bash
# Export check: every global symbol libllamaswift.so exports is a function declared in
# the header, and every function the header declares is exported (both directions).
set -euo pipefail
lib=$1
here=$(dirname "$0")
declared=$(bash "$here/header-functions.sh")
# Global defined dynamic symbols (uppercase type letter), version suffix stripped,
# without the version-node marker (type A).
exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[A-Z]$/ && $2 != "A" {print $3}' | sed 's/@.*//' | sort -u)
fail=0
extra=$(comm -13 <(echo "$declared") <(echo "$exported"))
missing=$(comm -23 <(echo "$declared") <(echo "$exported"))
if [ -n "$extra" ]; then echo "exported but not declared in the header:"; echo "$extra"; fail=1; fi
if [ -n "$missing" ]; then echo "declared in the header but not exported:"; echo "$missing"; fail=1; fi
# Nothing else at all in the dynamic symbol table (not even LOCAL entries).
others=$(nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' | grep -v -E '^(llamaswift_[a-z0-9_]+|LLAMASWIFT_0)$' || true)
if [ -n "$others" ]; then echo "other symbols in the dynamic table:"; echo "$others" | head; fail=1; fi
n=$(echo "$declared" | wc -l)
if [ $fail = 0 ]; then echo "check-exports: $n passed, 0 failed"; else echo "check-exports: 0 passed, 1 failed"; fi
exit $fail
