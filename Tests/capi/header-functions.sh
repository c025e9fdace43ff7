#!/usr/bin/env bash
# Prints the names of the functions include/llamaswift.h declares (not the static
# inline wrappers it defines), one per line, sorted. Declarations start in column 0.
set -euo pipefail
hdr=${1:-"$(dirname "$0")/../../include/llamaswift.h"}
grep -E '^[a-z].*\bllamaswift_[a-z0-9_]+\(' "$hdr" | grep -v '^static inline' | grep -v '^typedef' \
    | sed -E 's/^[^(]*\b(llamaswift_[a-z0-9_]+)\(.*/\1/' | sort -u
