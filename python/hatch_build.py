"""Hatchling build hook: puts a stripped libllamaswift.so into the wheel as
``llamaswift/libllamaswift.so`` and tags the wheel ``py3-none-manylinux_2_<N>_<arch>``,
where glibc 2.<N> is the newest glibc symbol version the library needs (read from its
ELF version-needs section here, so a wheel built anywhere gets its own tag). The other
libraries it needs (libm, libstdc++, libgcc_s) are in every manylinux policy; `make wheel`
checks the tag with `auditwheel show`.

Where the library comes from, first match:
  1. LLAMASWIFT_PREBUILT_LIB: a built libllamaswift.so (what `make wheel` passes);
  2. ./swift (an unpacked sdist) or .. (a checkout of the repository): `swift build -c
     release --product llamaswift` there, when `swift` is on PATH.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import tempfile
from typing import Any, Dict, Set

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

# The Makefile's flags: a build from the repository shares its .build with `make build`.
REPO_SWIFT_FLAGS = ["-c", "release", "-Xswiftc", "-enable-testing"]
SDIST_SWIFT_FLAGS = ["-c", "release"]

_MACHINES = {62: "x86_64", 183: "aarch64"}  # ELF e_machine -> wheel platform arch
_SHT_GNU_VERNEED = 0x6FFFFFFE


def needed_versions(path: str) -> Set[str]:
    """The symbol version names (GLIBC_2.34, GLIBCXX_3.4.29, ...) a 64-bit little-endian
    ELF file needs: the Vernaux names of its SHT_GNU_verneed section."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise ValueError(f"{path}: not a 64-bit little-endian ELF file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    names: Set[str] = set()
    for _name, sh_type, _flags, _addr, off, _size, link, info, _align, _entsize in sections:
        if sh_type != _SHT_GNU_VERNEED:
            continue
        strtab_off = sections[link][4]

        def cstr(at: int) -> str:
            end = data.index(b"\0", strtab_off + at)
            return data[strtab_off + at:end].decode()

        entry = off
        for _ in range(info):  # sh_info: number of Verneed entries
            _version, cnt, _file, aux, nxt = struct.unpack_from("<HHIII", data, entry)
            a = entry + aux
            for _ in range(cnt):
                _hash, _vflags, _other, vname, anext = struct.unpack_from("<IHHII", data, a)
                names.add(cstr(vname))
                a += anext
            if nxt == 0:
                break
            entry += nxt
    return names


def elf_arch(path: str) -> str:
    with open(path, "rb") as f:
        head = f.read(20)
    machine, = struct.unpack_from("<H", head, 18)
    if machine not in _MACHINES:
        raise ValueError(f"{path}: unknown ELF machine {machine}")
    return _MACHINES[machine]


def platform_tag(path: str) -> str:
    glibc = [tuple(int(x) for x in m.group(1).split(".")) for v in needed_versions(path)
             if (m := re.fullmatch(r"GLIBC_([0-9.]+)", v))]
    major, minor = max(glibc)[:2] if glibc else (2, 17)
    return f"manylinux_{major}_{minor}_{elf_arch(path)}"


class LibraryHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: Dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        lib = self._library()
        self._tmp = tempfile.mkdtemp(prefix="llamaswift-wheel-")
        staged = os.path.join(self._tmp, "libllamaswift.so")
        shutil.copyfile(lib, staged)
        if shutil.which("strip"):
            subprocess.run(["strip", "--strip-unneeded", staged], check=True)
        else:
            self.app.display_warning("strip not found: the library goes into the wheel unstripped")
        os.chmod(staged, 0o755)
        build_data["force_include"][staged] = "llamaswift/libllamaswift.so"
        build_data["pure_python"] = False
        build_data["tag"] = f"py3-none-{platform_tag(staged)}"

    def finalize(self, version: str, build_data: Dict[str, Any], artifact_path: str) -> None:
        tmp = getattr(self, "_tmp", None)
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)

    def _library(self) -> str:
        prebuilt = os.environ.get("LLAMASWIFT_PREBUILT_LIB")
        if prebuilt:
            if not os.path.isfile(prebuilt):
                raise RuntimeError(f"LLAMASWIFT_PREBUILT_LIB={prebuilt}: no such file")
            return prebuilt
        root = self.root
        for pkg, flags in ((os.path.join(root, "swift"), SDIST_SWIFT_FLAGS),
                           (os.path.dirname(os.path.abspath(root)), REPO_SWIFT_FLAGS)):
            if os.path.isfile(os.path.join(pkg, "Package.swift")) and os.path.isfile(
                    os.path.join(pkg, "include", "llamaswift.h")):
                break
        else:
            raise RuntimeError("no libllamaswift.so to package: set LLAMASWIFT_PREBUILT_LIB to a built one, "
                               "or build from the sdist or the repository with Swift 6.3 on PATH")
        swift = shutil.which("swift")
        if not swift:
            raise RuntimeError(f"building libllamaswift from {pkg} needs Swift 6.3 (swift on PATH), "
                               "or set LLAMASWIFT_PREBUILT_LIB to a built libllamaswift.so")
        self.app.display_info(f"building libllamaswift with {swift} in {pkg} (a few minutes)")
        subprocess.run([swift, "build", *flags, "--product", "llamaswift"], cwd=pkg, check=True)
        out = subprocess.run([swift, "build", *flags, "--show-bin-path"], cwd=pkg, check=True,
                             capture_output=True, text=True).stdout.strip()
        return os.path.join(out, "libllamaswift.so")
