#!/usr/bin/env bash
# Builds Debian binary packages from the release build into out/deb/:
#   libllamaswift0      the shared library (soname libllamaswift.so.0), shlibs, symbols
#   libllamaswift-dev   header, libllamaswift.so link, pkg-config file
#   llamaswift-tools    the llamaswift program and the llamaswift-server program
# Uses dpkg-deb only (no debian/ source tree, no debhelper). Depends come from
# dpkg-shlibdeps, or, without it, from the ELF NEEDED entries mapped by hand.
# LLAMASWIFT_BUILD_DIR picks another build directory (default .build/release).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${LLAMASWIFT_BUILD_DIR:-$root/.build/release}
out=$root/out/deb
lib=$bin/libllamaswift.so
cli=$bin/llamaswift-cli
server=$bin/llamaswift-server

die() { echo "make-deb: $*" >&2; exit 1; }

# One version, the Makefile's (make passes it; run by hand, it is read from the file).
VERSION=${VERSION:-$(sed -n 's/^VERSION *:\{0,1\}= *//p' "$root/Makefile")}
SOVERSION=${SOVERSION:-$(sed -n 's/^SOVERSION *:\{0,1\}= *//p' "$root/Makefile")}
[ -n "$VERSION" ] && [ -n "$SOVERSION" ] || die "cannot read VERSION/SOVERSION from the Makefile"
debver=$VERSION-1
arch=$(dpkg --print-architecture)
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch 2>/dev/null || true)
[ -n "$ma" ] || die "cannot find the multiarch triplet (dpkg-architecture or gcc -print-multiarch)"
maintainer="llamaswift developers <llamaswift@example.invalid>"
libpkg=libllamaswift$SOVERSION
soname=libllamaswift.so.$SOVERSION
# Reproducible archives: file times clamped to the last commit's time.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)}

for f in "$lib" "$cli" "$server" "$root/include/llamaswift.h" "$root/scripts/llamaswift.pc.in" "$root/Tests/capi/abi-symbols.txt"; do
    [ -f "$f" ] || die "missing $f (run make build first)"
done
for t in dpkg-deb objdump readelf nm strip; do
    command -v "$t" >/dev/null || die "needs $t"
done
got=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$got" = "$soname" ] || die "$lib has soname '$got', the Makefile says $soname"

# The symbols file lists the recorded ABI; it must be exactly what the library exports,
# or packages built against a new symbol would get too weak a dependency.
exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[A-Z]$/ && $2 != "A" {print $3}' | sed 's/@.*//' | sort -u)
if ! diff <(sort -u "$root/Tests/capi/abi-symbols.txt") <(echo "$exported") >/dev/null; then
    diff <(sort -u "$root/Tests/capi/abi-symbols.txt") <(echo "$exported") >&2 || true
    die "Tests/capi/abi-symbols.txt (<) and the library's exports (>) differ"
fi

# Packages are staged under $work/debian/<package>, the layout dpkg-shlibdeps expects
# (it reads debian/control and finds our own shlibs in debian/*/DEBIAN/shlibs).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/debian"
cat >"$work/debian/control" <<EOF
Source: llamaswift
Maintainer: $maintainer

Package: $libpkg
Architecture: any

Package: libllamaswift-dev
Architecture: any

Package: llamaswift-tools
Architecture: any
EOF

stage() { echo "$work/debian/$1"; }

copyright() {
    local d
    d=$(stage "$1")/usr/share/doc/$1
    install -d -m 755 "$d"
    cat >"$d/copyright" <<'EOF'
llamaswift: a LLaMA-family LLM inference engine written in Swift, shipped as the C
library libllamaswift.so with the header llamaswift.h.

Copyright: 2026 the llamaswift developers <llamaswift@example.invalid>
License: MIT
 Permission is hereby granted, free of charge, to any person obtaining a copy
 of this software and associated documentation files (the "Software"), to deal
 in the Software without restriction, including without limitation the rights
 to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
 copies of the Software, and to permit persons to whom the Software is
 furnished to do so, subject to the following conditions:
 .
 The above copyright notice and this permission notice shall be included in all
 copies or substantial portions of the Software.
 .
 THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
 IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
 FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
 AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
 LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
 OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
 SOFTWARE.

The library and the programs contain the Swift standard library and runtime, linked
statically (Apache License 2.0 with Runtime Library Exception; the licence text is in
/usr/share/common-licenses/Apache-2.0).
EOF
    if [ "$1" = llamaswift-tools ]; then
        cat >>"$d/copyright" <<'EOF'

llamaswift-server also contains, linked statically, Swift's Foundation
(swift-corelibs-foundation, swift-foundation), SwiftNIO, Hummingbird and their
Swift package dependencies (Apache License 2.0), and ICU code and data through
swift-foundation-icu (Unicode License v3).
EOF
    fi
    chmod 644 "$d/copyright"
}

# Whether a library path belongs to an installed Debian package (under merged /usr a
# package may have registered the /lib or the /usr/lib spelling).
dpkg_owned() {
    local c d
    for c in "$1" "$(readlink -f "$1")"; do
        for d in "$c" "${c#/usr}" "/usr$c"; do
            dpkg -S "$d" >/dev/null 2>&1 && return 0
        done
    done
    return 1
}

# Runtime dependencies of ELF files in a staged package, as a Depends value. Every
# library they load must come from a Debian package (or be ours): dpkg-shlibdeps only
# warns about, and leaves out, unversioned libraries outside its database, such as the
# Swift toolchain's runtime.
shlibdeps() {
    local pkg=$1; shift
    local f p foreign=""
    for f in "$@"; do
        while read -r p; do
            case $p in
                "$work"/*) ;;
                /*) dpkg_owned "$p" || foreign+="  $p"$'\n' ;;
                *) foreign+="  $p"$'\n' ;;
            esac
        done < <(LD_LIBRARY_PATH="$(stage "$libpkg")/usr/lib/$ma" ldd "$f" |
            awk '/=> not found/ {print $1 " (not found)"; next} $2 == "=>" && $3 ~ /^\// {print $3}')
    done
    if [ -n "$foreign" ]; then
        echo "make-deb: $pkg: ${*##*/} needs libraries that no Debian package provides:" >&2
        printf '%s' "$foreign" >&2
        echo "make-deb: (a Swift program linked without -static-stdlib loads the toolchain's runtime;" >&2
        echo "make-deb:  link it with -static-stdlib, as the library is, and rebuild)" >&2
        return 1
    fi
    if command -v dpkg-shlibdeps >/dev/null; then
        local log rel=()
        for f in "$@"; do rel+=("debian/$pkg/${f#"$(stage "$pkg")"/}"); done
        log=$(cd "$work" && dpkg-shlibdeps -O -l"$(stage "$libpkg")/usr/lib/$ma" "${rel[@]}" 2>"$work/shlibdeps.err") || {
            cat "$work/shlibdeps.err" >&2
            return 1
        }
        grep -v 'useless dependency\|^$' "$work/shlibdeps.err" >&2 || true
        sed -n 's/^shlibs:Depends=//p' <<<"$log"
    else
        # By hand: each NEEDED soname mapped to the package that ships it, at least the
        # installed upstream version.
        local needed p deps=()
        needed=$(objdump -p "$@" | awk '$1 == "NEEDED" {print $2}' | sort -u)
        for n in $needed; do
            case $n in
                libc.so.6 | libm.so.6 | ld-linux*.so.* | libpthread.so.0 | libdl.so.2 | librt.so.1) p=libc6 ;;
                libstdc++.so.6) p=libstdc++6 ;;
                libgcc_s.so.1) p=libgcc-s1 ;;
                "$soname") p=$libpkg ;;
                *) echo "make-deb: $pkg needs $n, which this script cannot map to a Debian package" >&2; return 1 ;;
            esac
            if [ "$p" = "$libpkg" ]; then
                deps+=("$libpkg (>= $VERSION)")
            else
                local v
                v=$(dpkg-query -W -f='${Version}' "$p:$arch" 2>/dev/null || dpkg-query -W -f='${Version}' "$p")
                deps+=("$p (>= ${v%-*})")
            fi
        done
        printf '%s\n' "${deps[@]}" | sort -u | paste -sd, - | sed 's/,/, /g'
    fi
}

# DEBIAN/control and md5sums for a staged package; then dpkg-deb --build.
finish() {
    local pkg=$1 section=$2 depends=$3 multiarch=$4 short=$5 long=$6 s size
    s=$(stage "$pkg")
    install -d -m 755 "$s/DEBIAN"
    size=$(du -sk --exclude=DEBIAN "$s" | cut -f1)
    {
        echo "Package: $pkg"
        echo "Source: llamaswift"
        echo "Version: $debver"
        echo "Architecture: $arch"
        echo "Maintainer: $maintainer"
        echo "Installed-Size: $size"
        [ -z "$depends" ] || echo "Depends: $depends"
        echo "Section: $section"
        echo "Priority: optional"
        [ -z "$multiarch" ] || echo "Multi-Arch: $multiarch"
        echo "Description: $short"
        sed 's/^$/./; s/^/ /' <<<"$long"
    } >"$s/DEBIAN/control"
    (cd "$s" && find usr -type f -print0 | LC_ALL=C sort -z | xargs -0 md5sum) >"$s/DEBIAN/md5sums"
    chmod 644 "$s"/DEBIAN/*
    dpkg-deb --build --root-owner-group "$s" "$out/${pkg}_${debver}_$arch.deb" >/dev/null
}

rm -rf "$out"
mkdir -p "$out"

# libllamaswift0
s=$(stage "$libpkg")
install -d -m 755 "$s/usr/lib/$ma"
install -m 644 "$lib" "$s/usr/lib/$ma/libllamaswift.so.$VERSION"
strip --strip-unneeded "$s/usr/lib/$ma/libllamaswift.so.$VERSION"
ln -s "libllamaswift.so.$VERSION" "$s/usr/lib/$ma/$soname"
copyright "$libpkg"
install -d -m 755 "$s/DEBIAN"
echo "libllamaswift $SOVERSION $libpkg (>= $VERSION)" >"$s/DEBIAN/shlibs"
{
    echo "$soname $libpkg #MINVER#"
    sed '/^$/d; s/.*/ &@Base '"$VERSION"'/' "$root/Tests/capi/abi-symbols.txt" | sort
} >"$s/DEBIAN/symbols"
echo "activate-noawait ldconfig" >"$s/DEBIAN/triggers"
deps=$(shlibdeps "$libpkg" "$s/usr/lib/$ma/libllamaswift.so.$VERSION")
finish "$libpkg" libs "$deps" same \
    "LLaMA-family LLM inference engine (shared library)" \
    "llamaswift loads GGUF language models of the llama architecture (LLaMA 2,
SmolLM2 and other LLaMA-family models; F32/F16/BF16 and 4/5/6/8-bit quantized
weights) and runs them on the CPU: tokenization, chat templates, sampling and
streamed generation behind a plain C API.

This package contains the shared library. It is written in Swift with the
Swift runtime linked in, and needs only the C and C++ runtime libraries."

# libllamaswift-dev
s=$(stage libllamaswift-dev)
install -d -m 755 "$s/usr/include" "$s/usr/lib/$ma/pkgconfig"
install -m 644 "$root/include/llamaswift.h" "$s/usr/include/llamaswift.h"
ln -s "$soname" "$s/usr/lib/$ma/libllamaswift.so"
# The .pc.in is written for make install (libdir under the prefix); here libdir is
# the multiarch directory.
sed -e 's|@PREFIX@|/usr|g' -e "s|@VERSION@|$VERSION|g" -e "s|^libdir=.*|libdir=\${prefix}/lib/$ma|" \
    "$root/scripts/llamaswift.pc.in" >"$s/usr/lib/$ma/pkgconfig/llamaswift.pc"
chmod 644 "$s/usr/lib/$ma/pkgconfig/llamaswift.pc"
grep -qx "libdir=\${prefix}/lib/$ma" "$s/usr/lib/$ma/pkgconfig/llamaswift.pc" || die "llamaswift.pc: no libdir line to set"
copyright libllamaswift-dev
finish libllamaswift-dev libdevel "$libpkg (= $debver)" same \
    "LLaMA-family LLM inference engine (development files)" \
    "llamaswift loads GGUF language models and runs them on the CPU behind a
plain C API.

This package contains the C header llamaswift.h, the libllamaswift.so link
and the pkg-config file (pkg-config --cflags --libs llamaswift)."

# llamaswift-tools
s=$(stage llamaswift-tools)
install -d -m 755 "$s/usr/bin"
install -d -m 755 "$s/DEBIAN"
install -m 755 "$cli" "$s/usr/bin/llamaswift"
strip --strip-unneeded "$s/usr/bin/llamaswift"
install -m 755 "$server" "$s/usr/bin/llamaswift-server"
strip --strip-unneeded "$s/usr/bin/llamaswift-server"
copyright llamaswift-tools
# The program contains the engine itself; it depends on libllamaswift0 only if it
# links the library, which dpkg-shlibdeps then reports through our shlibs file.
deps=$(shlibdeps llamaswift-tools "$s/usr/bin/llamaswift" "$s/usr/bin/llamaswift-server") || die "llamaswift-tools not built (see above)"
finish llamaswift-tools utils "$deps" "" \
    "LLaMA-family LLM inference engine (command-line program)" \
    "llamaswift loads GGUF language models and runs them on the CPU.

This package contains the llamaswift program: run (one prompt), chat
(interactive), info, tokenize, perplexity and bench, with llama.cpp's
option spelling (-m -p -n -c -t --temp --top-k ...); and llamaswift-server,
an HTTP server with the OpenAI-compatible API (/v1/chat/completions,
/v1/completions, /v1/models, /health) that batches concurrent requests,
with llama-server's flags (-m --host --port -c -t -np --api-key)."

# lintian only where it is installed (it is not a dependency of the build).
if command -v lintian >/dev/null; then
    lintian --no-tag-display-limit "$out"/*.deb || echo "make-deb: lintian reported the issues above" >&2
fi

for deb in "$out"/*.deb; do
    echo "== $(basename "$deb")  $(stat -c %s "$deb") bytes"
    dpkg-deb -f "$deb" Depends | sed 's/^/   Depends: /'
    dpkg-deb -c "$deb" | awk '{ $1=$2=$3=$4=$5=""; sub(/^ +/, ""); print "   " $0 }'
done
