#!/usr/bin/env bash
# Checks the Debian packages that scripts/make-deb.sh built in out/deb/: their control
# data, symbols file (the recorded ABI), soname and file layout; then unpacks them into
# a scratch root (out/pkgroot, the real system is not touched), builds the C example
# through the packaged pkg-config file, and runs it, the Python example and the packaged
# programs against the model (llamaswift-server answering GET /health on 127.0.0.1).
# As root with LLAMASWIFT_TEST_REAL_INSTALL=1 it also installs the packages with dpkg -i,
# builds and runs the example as a user of the system would, then purges them and checks
# that nothing is left behind.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
debs=$root/out/deb
pkgroot=$root/out/pkgroot
work=$root/out/packages-test
model=$root/models/SmolLM2-135M-Instruct.Q4_1.gguf
question="What is the capital of France?"
VERSION=${VERSION:-$(sed -n 's/^VERSION *:\{0,1\}= *//p' "$root/Makefile")}
SOVERSION=${SOVERSION:-$(sed -n 's/^SOVERSION *:\{0,1\}= *//p' "$root/Makefile")}
debver=$VERSION-1
arch=$(dpkg --print-architecture)
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
libpkg=libllamaswift$SOVERSION
packages=("$libpkg" libllamaswift-dev llamaswift-tools)
deb() { echo "$debs/${1}_${debver}_$arch.deb"; }

# (No "| grep -q" below: with pipefail, grep quitting early can fail the pipeline with
# SIGPIPE while the writer is still writing.)
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
# check NAME COMMAND...: one test; the command's output is shown only when it fails.
check() {
    local name=$1 log; shift
    if log=$("$@" 2>&1); then ok; else bad "$name"; [ -z "$log" ] || sed 's/^/    /' <<<"$log"; fi
}

[ -f "$model" ] || { echo "test-packages: $model is missing (make model)"; exit 1; }
rm -rf "$pkgroot" "$work"
mkdir -p "$pkgroot" "$work"

# --- the archives -----------------------------------------------------------------
present=()
for p in "${packages[@]}"; do
    if [ -f "$(deb "$p")" ]; then present+=("$p"); else bad "$p: $(deb "$p") was not built"; fi
done

field_is() { # PACKAGE FIELD VALUE
    local got
    got=$(dpkg-deb -f "$(deb "$1")" "$2")
    [ "$got" = "$3" ] || { echo "$1 $2: '$got', expected '$3'"; return 1; }
}
layout() { # every entry under /usr, owned by root, no world-writable files
    local p=$1 listing
    listing=$(dpkg-deb --contents "$(deb "$p")")
    [ -n "$listing" ] || { echo "empty"; return 1; }
    awk '$6 != "./" && $6 !~ /^\.\/usr\// {print "outside /usr: " $6; bad = 1}
         $2 != "root/root" {print "owner " $2 ": " $6; bad = 1}
         $1 !~ /^l/ && substr($1, 9, 1) == "w" {print "world-writable: " $6; bad = 1}
         END {exit bad}' <<<"$listing"
    # dpkg-deb --info must parse the control data.
    dpkg-deb --info "$(deb "$p")" >/dev/null
    # md5sums must cover every regular file.
    diff <(awk '$1 ~ /^-/ {sub(/^\.\//, "", $6); print $6}' <<<"$listing" | sort) \
        <(dpkg-deb --ctrl-tarfile "$(deb "$p")" | tar -xO ./md5sums | awk '{print $2}' | sort)
}
for p in "${present[@]}"; do
    check "$p: control fields" eval 'field_is '"$p"' Package '"$p"' && field_is '"$p"' Version '"$debver"' &&
        field_is '"$p"' Architecture '"$arch"' && field_is '"$p"' Maintainer "llamaswift developers <llamaswift@example.invalid>"'
    check "$p: layout (/usr only, root-owned, md5sums)" layout "$p"
    check "$p: copyright file" eval "dpkg-deb -c '$(deb "$p")' | grep ' ./usr/share/doc/$p/copyright\$' >/dev/null"
    dpkg-deb -x "$(deb "$p")" "$pkgroot"
    check "$p: copyright names the MIT license" grep -qx "License: MIT" "$pkgroot/usr/share/doc/$p/copyright"
    mkdir -p "$work/control/$p"
    dpkg-deb -e "$(deb "$p")" "$work/control/$p"
done

libdir=$pkgroot/usr/lib/$ma
has() { [[ " ${present[*]} " == *" $1 "* ]]; }
if has "$libpkg"; then
    check "$libpkg: section, shlibs, triggers" eval 'field_is '"$libpkg"' Section libs &&
        [ "$(cat "'"$work/control/$libpkg"'/shlibs")" = "libllamaswift '"$SOVERSION $libpkg"' (>= '"$VERSION"')" ] &&
        [ "$(cat "'"$work/control/$libpkg"'/triggers")" = "activate-noawait ldconfig" ]'
    runtime_only() {
        local d
        d=$(dpkg-deb -f "$(deb "$libpkg")" Depends)
        ! tr , '\n' <<<"$d" | sed 's/^ *//; s/ .*//' | grep -vxE 'libc6|libstdc\+\+6|libgcc-s1' || { echo "Depends: $d"; return 1; }
    }
    check "$libpkg: Depends only on the C/C++ runtime" runtime_only
    symbols() {
        local s=$work/control/$libpkg/symbols
        [ "$(head -1 "$s")" = "libllamaswift.so.$SOVERSION $libpkg #MINVER#" ] || { echo "header: $(head -1 "$s")"; return 1; }
        # Each line " name@Base VERSION"; the names are exactly the recorded ABI ...
        tail -n +2 "$s" | grep -vE "^ llamaswift_[a-z0-9_]+@Base $VERSION\$" && return 1
        diff <(tail -n +2 "$s" | sed 's/^ //; s/@.*//' | sort) <(sort "$root/Tests/capi/abi-symbols.txt") || return 1
        # ... and exactly what the packaged library exports.
        diff <(tail -n +2 "$s" | sed 's/^ //; s/@.*//' | sort) \
            <(nm -D --defined-only "$libdir/libllamaswift.so.$VERSION" | awk '$2 ~ /^[A-Z]$/ && $2 != "A" {print $3}' | sed 's/@.*//' | sort -u)
    }
    check "$libpkg: symbols file = Tests/capi/abi-symbols.txt = exports" symbols
    check "$libpkg: soname libllamaswift.so.$SOVERSION" eval '
        [ "$(readelf -d "'"$libdir/libllamaswift.so.$VERSION"'" | sed -n "s/.*(SONAME).*\[\(.*\)\]/\1/p")" = "libllamaswift.so.'"$SOVERSION"'" ]'
    check "$libpkg: libllamaswift.so.$SOVERSION -> libllamaswift.so.$VERSION, stripped" eval '
        [ "$(readlink "'"$libdir/libllamaswift.so.$SOVERSION"'")" = "libllamaswift.so.'"$VERSION"'" ] &&
        ! readelf -S "'"$libdir/libllamaswift.so.$VERSION"'" | grep -E "\.debug_info|\.symtab"'
fi
if has libllamaswift-dev; then
    check "libllamaswift-dev: section, Depends, files" eval 'field_is libllamaswift-dev Section libdevel &&
        field_is libllamaswift-dev Depends "'"$libpkg (= $debver)"'" &&
        [ "$(readlink "'"$libdir"'/libllamaswift.so")" = "libllamaswift.so.'"$SOVERSION"'" ] &&
        cmp "'"$pkgroot"'/usr/include/llamaswift.h" "'"$root"'/include/llamaswift.h" &&
        grep -qx "libdir=\${prefix}/lib/'"$ma"'" "'"$libdir"'/pkgconfig/llamaswift.pc" &&
        grep -qx "Version: '"$VERSION"'" "'"$libdir"'/pkgconfig/llamaswift.pc" &&
        grep -qx "License: MIT" "'"$libdir"'/pkgconfig/llamaswift.pc"'
fi

# --- using the unpacked packages ----------------------------------------------------
if has "$libpkg" && has libllamaswift-dev; then
    # pkg-config sees only the scratch root.
    flags=$(PKG_CONFIG_SYSROOT_DIR=$pkgroot PKG_CONFIG_LIBDIR=$libdir/pkgconfig pkg-config --cflags --libs llamaswift || true)
    echo "pkg-config --cflags --libs llamaswift: $flags"
    check "pkg-config flags point into the scratch root" eval '[ "$(echo $flags)" = "-I$pkgroot/usr/include -L$libdir -lllamaswift" ]'
    check "examples/c/generate.c builds through pkg-config" \
        cc -std=c99 -O1 -Wall -Wextra -Werror -o "$work/generate" "$root/examples/c/generate.c" $flags
    resolves() { # the program loads the packaged library, nothing from /opt or the build tree
        local l
        l=$(LD_LIBRARY_PATH=$libdir ldd "$1")
        grep -q "libllamaswift.so.$SOVERSION => $libdir/libllamaswift.so.$SOVERSION" <<<"$l" || { echo "$l"; return 1; }
        ! grep -qE 'not found|/opt/|\.build/' <<<"$l" || { echo "$l"; return 1; }
    }
    check "generate loads the packaged library" resolves "$work/generate"
    answer=$(LD_LIBRARY_PATH=$libdir "$work/generate" "$model" "$question" 2>/dev/null || true)
    echo "generate (packaged library): $answer"
    check "generate answers Paris" grep -q Paris <<<"$answer"
    answer=$(cd "$root/examples/python" && LLAMASWIFT_LIB=$libdir/libllamaswift.so.$SOVERSION python3 chat.py "$model" "$question" 2>/dev/null || true)
    echo "chat.py (packaged library): $answer"
    check "examples/python/chat.py on the packaged library answers Paris" grep -q Paris <<<"$answer"
fi
if has llamaswift-tools; then
    tools_runtime() { # only libraries of Debian packages (or the packaged library)
        local l
        l=$(LD_LIBRARY_PATH=$libdir ldd "$pkgroot/usr/bin/llamaswift")
        ! grep -E 'not found|=> /opt/|=> /usr/local/|\.build/' <<<"$l"
    }
    check "llamaswift-tools: /usr/bin/llamaswift needs only system libraries" tools_runtime
    check "llamaswift-tools: /usr/bin/llamaswift info" eval \
        'LD_LIBRARY_PATH=$libdir "$pkgroot/usr/bin/llamaswift" info -m "$model" | grep "layers         30" >/dev/null'
    server=$pkgroot/usr/bin/llamaswift-server
    server_runtime() { # Swift runtime, Foundation, ICU and SwiftNIO inside: only the C/C++ runtime outside
        local needed
        [ -x "$server" ] || { echo "$server is not installed"; return 1; }
        needed=$(readelf -d "$server" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
        ! grep -vxE 'libc\.so\.6|libm\.so\.6|libstdc\+\+\.so\.6|libgcc_s\.so\.1|ld-linux-x86-64\.so\.2|ld-linux-aarch64\.so\.1' <<<"$needed" ||
            { echo "NEEDED: $needed"; return 1; }
        ! env -u LD_LIBRARY_PATH ldd "$server" | grep -E 'not found|=> /opt/|=> /usr/local/|\.build/'
    }
    check "llamaswift-tools: /usr/bin/llamaswift-server needs only libc, libm, libstdc++, libgcc_s" server_runtime
    check "llamaswift-tools: /usr/bin/llamaswift-server --help" eval \
        'env -u LD_LIBRARY_PATH "$server" --help | grep "POST /v1/chat/completions" >/dev/null'
    # Serves on a loopback port the system picks (--port 0; the server prints the address).
    serves_health() {
        local log=$work/server.log pid port="" body i
        env -u LD_LIBRARY_PATH "$server" -m "$model" --host 127.0.0.1 --port 0 -np 1 >"$log" 2>&1 &
        pid=$!
        for i in $(seq 1 300); do
            port=$(sed -n 's|.* on http://127\.0\.0\.1:\([0-9]*\) .*|\1|p' "$log")
            [ -z "$port" ] && kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if [ -z "$port" ]; then
            kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; cat "$log"; return 1
        fi
        body=$(python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' \
            "http://127.0.0.1:$port/health" 2>&1) || true
        kill "$pid"; wait "$pid" 2>/dev/null || true
        [ "$body" = '{"status":"ok"}' ] || { echo "GET /health: $body"; cat "$log"; return 1; }
    }
    check "llamaswift-tools: llamaswift-server serves GET /health on 127.0.0.1" serves_health
fi

# --- optional: the real system ---------------------------------------------------------
if [ "${LLAMASWIFT_TEST_REAL_INSTALL:-0}" = 1 ]; then
    if [ "$(id -u)" != 0 ]; then
        bad "real install: LLAMASWIFT_TEST_REAL_INSTALL=1 needs root"
    elif [ ${#present[@]} != 3 ]; then
        bad "real install: not all packages were built"
    elif dpkg-query -W -f='${Status}\n' "${packages[@]}" 2>/dev/null | grep -E ' (installed|config-files|half-[a-z]+|unpacked)$' >/dev/null; then
        bad "real install: llamaswift packages are already installed; leaving the system alone"
    elif [ -e /usr/include/llamaswift.h ] || [ -n "$(pkg-config --path llamaswift 2>/dev/null)" ]; then
        bad "real install: a llamaswift is already installed outside dpkg ($(pkg-config --path llamaswift 2>/dev/null || echo /usr/include/llamaswift.h))"
    else
        purge() { dpkg --purge "${packages[@]}" >/dev/null 2>&1 || true; }
        trap purge EXIT
        files=$(for p in "${packages[@]}"; do dpkg-deb -c "$(deb "$p")"; done | awk '$1 !~ /^d/ {sub(/^\./, "", $6); print $6}' | sort -u)
        check "real install: dpkg -i" dpkg -i "$(deb "$libpkg")" "$(deb libllamaswift-dev)" "$(deb llamaswift-tools)"
        # (/lib is /usr/lib on merged-/usr systems, and ld.so may name either.)
        check "real install: ldconfig knows libllamaswift.so.$SOVERSION" eval "ldconfig -p | grep -E '=> (/usr)?/lib/$ma/libllamaswift.so.$SOVERSION\$' >/dev/null"
        # A user's build: plain pkg-config, no paths, no LD_LIBRARY_PATH.
        check "real install: build with pkg-config" eval \
            'env -u PKG_CONFIG_PATH -u PKG_CONFIG_LIBDIR -u PKG_CONFIG_SYSROOT_DIR cc -o "$work/generate-system" "$root/examples/c/generate.c" $(env -u PKG_CONFIG_PATH -u PKG_CONFIG_LIBDIR -u PKG_CONFIG_SYSROOT_DIR pkg-config --cflags --libs llamaswift)'
        check "real install: loads /usr/lib/$ma/libllamaswift.so.$SOVERSION" eval \
            "env -u LD_LIBRARY_PATH ldd '$work/generate-system' | grep -E 'libllamaswift.so.$SOVERSION => (/usr)?/lib/$ma/libllamaswift.so.$SOVERSION' >/dev/null"
        answer=$(env -u LD_LIBRARY_PATH "$work/generate-system" "$model" "$question" 2>/dev/null || true)
        echo "generate (installed system-wide): $answer"
        check "real install: generate answers Paris" grep -q Paris <<<"$answer"
        # The Python module's default, libllamaswift.so.0 found through the ld.so cache.
        answer=$(cd "$root/examples/python" && env -u LLAMASWIFT_LIB -u LD_LIBRARY_PATH python3 chat.py "$model" "$question" 2>/dev/null || true)
        check "real install: Python example with the default library name answers Paris" grep -q Paris <<<"$answer"
        check "real install: llamaswift info" eval 'llamaswift info -m "$model" | grep "layers         30" >/dev/null'
        check "real install: llamaswift-server --help" eval 'llamaswift-server --help | grep "POST /v1/chat/completions" >/dev/null'
        check "real install: dpkg --purge" dpkg --purge "${packages[@]}"
        trap - EXIT
        gone() {
            local f left=0
            for f in $files; do [ ! -e "$f" ] && [ ! -L "$f" ] || { echo "left: $f"; left=1; }; done
            ! ldconfig -p | grep libllamaswift || { echo "ld.so cache still lists libllamaswift"; left=1; }
            ! dpkg-query -W "${packages[@]}" 2>/dev/null | grep . >/dev/null || { dpkg-query -W "${packages[@]}"; left=1; }
            return $left
        }
        check "real install: purge removed every file" gone
    fi
fi

echo "test-packages: $passed passed, $failed failed"
[ "$failed" = 0 ]
