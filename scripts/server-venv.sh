#!/usr/bin/env bash
# The Python tools of the server test (Tests/server): the official `openai` client,
# pytest and jsonschema (validates structured outputs), pinned, from PyPI, in a venv
# under out/ (git-ignored). Idempotent: a venv whose stamp matches these pins is
# reused. Prints the venv's path.
#   SERVER_VENV   where (default out/server-venv)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${SERVER_VENV:-out/server-venv}
pins=(openai==3.57.0 pytest==9.2.0 jsonschema==4.26.0)
stamp="${pins[*]}"
if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.pins" 2>/dev/null)" = "$stamp" ]; then
    echo "$venv"
    exit 0
fi
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${pins[@]}" >&2
echo "$stamp" >"$venv/.pins"
echo "$venv"
