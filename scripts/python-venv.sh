#!/usr/bin/env bash
# The Python tools of the package's tests, in a venv under out/ (git-ignored): build and
# hatchling (make wheel), auditwheel (the platform tag check), pytest, and ray[serve]
# (examples/ray and its test), numpy (the log-probability and embedding checks), jsonschema
# (validates grammar-constrained output). Pinned; only PyPI. Idempotent: a venv whose stamp matches
# these pins is reused. Prints the venv's path.
#   PYVENV   where (default out/pyenv)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${PYVENV:-out/pyenv}
pins=(build==1.6.1 hatchling==1.33.0 auditwheel==6.8.2 pytest==9.2.0 "ray[serve]==2.60.0" numpy==2.4.6 jsonschema==4.26.0)
stamp="${pins[*]}"
if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.pins" 2>/dev/null)" = "$stamp" ]; then
    echo "$venv"
    exit 0
fi
start=$(date +%s)
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${pins[@]}" >&2
echo "$stamp" >"$venv/.pins"
echo "python-venv: $venv ready in $(( $(date +%s) - start )) s (${pins[*]})" >&2
echo "$venv"
