#!/usr/bin/env bash
# Installs what the tests need beyond Swift: a C compiler, libffi-dev (the libffi
# harness), pkg-config, valgrind, dpkg-dev (dpkg-shlibdeps for make deb) and pytest.
# The Python package's tools (build, auditwheel, ray[serve], ...) go into a venv: scripts/python-venv.sh.
# Debian packages through apt-get (as root), pytest through pip. Idempotent: does
# nothing when everything is present.
set -euo pipefail
need=()
command -v cc >/dev/null || need+=(gcc)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v dpkg-shlibdeps >/dev/null || need+=(dpkg-dev)
command -v valgrind >/dev/null || need+=(valgrind)
[ -f /usr/include/ffi.h ] || [ -f "/usr/include/$(gcc -dumpmachine 2>/dev/null)/ffi.h" ] || need+=(libffi-dev)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
    else
        echo "install-deps: please install: ${need[*]} (sudo apt-get install ${need[*]})" >&2
        exit 1
    fi
fi
python3 -c 'import pytest' 2>/dev/null || python3 -m pip install --quiet pytest
