#!/usr/bin/env bash
# The machine's int8 multiply-add peak on one core for each kernel level it can run
# (scripts/int8-peak.c says what is measured). Not part of CI or `make test`.
#   scripts/int8-peak.sh        builds out/int8-peak with $CC (default cc) and runs it
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p out
${CC:-cc} -O2 -Wall -Wextra -o out/int8-peak scripts/int8-peak.c
grep -m1 'model name' /proc/cpuinfo || true
out/int8-peak
