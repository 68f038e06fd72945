"""The cross-built wheels the tests can run here: Linux ARM64 and musl x86-64.

scripts/test.sh builds both (scripts/build-dist.sh linux-aarch64
linux-musl-x86_64); scripts/setup.sh installs qemu-user with an arm64 libc
and Debian's musl with musl-gcc.

The ARM64 wheel's library is checked as a file (ELF machine, glibc symbol
versions no newer than its manylinux_2_17 tag allows, the same exports as
the signature table) and then run: tests/c/roundtrip.c is cross-compiled
against the wheel's header and library and runs under qemu-user against the
local network.

The musl wheel's library is checked for what musl's dlopen needs (musl's
libc as its only dependency, no initial-exec TLS: libuplinkc/musl_tls.py
rewires Go's) and then loaded by musl's dynamic loader with dlopen, as a
musl Python's ctypes loads it: tests/c/dlopen_roundtrip.c runs roundtrip.c
in the main thread, in a thread started before the load and in one started
after it.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import re
import shutil
import struct
import subprocess
import zipfile
from pathlib import Path
from typing import Any, List, Tuple

import pytest

from _libuplinkc import exports
from uplink_fixtures import random_bucket_name
from uplink_python import _native

REPO = Path(__file__).resolve().parents[2]
ROUNDTRIP_C = REPO / "tests" / "c" / "roundtrip.c"
DLOPEN_ROUNDTRIP_C = REPO / "tests" / "c" / "dlopen_roundtrip.c"
ZIG_PYTHON = REPO / "build" / "dist-venv" / "bin" / "python"   # has ziglang
ET_DYN = 3
EM_AARCH64 = 183
EM_X86_64 = 62
GLIBC_FLOOR = (2, 17)


def _unpack_wheel(tmp_path_factory: pytest.TempPathFactory, platform_tag: str,
                  target: str) -> Path:
    """The uplink_python directory of the installed version's wheel for platform_tag."""
    version = importlib.metadata.version("uplink-python")
    pattern = f"uplink_python-{version}-py3-none-*{platform_tag}.whl"
    wheels = sorted((REPO / "dist").glob(pattern))
    assert wheels, f"no dist/{pattern}: run scripts/build-dist.sh {target}"
    out = tmp_path_factory.mktemp(target)
    with zipfile.ZipFile(wheels[0]) as wheel:
        wheel.extractall(out)
    return out / "uplink_python"


@pytest.fixture(scope="module")
def aarch64_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _unpack_wheel(tmp_path_factory, "manylinux_2_17_aarch64", "linux-aarch64")


@pytest.fixture(scope="module")
def musl_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _unpack_wheel(tmp_path_factory, "musllinux_1_2_x86_64", "linux-musl-x86_64")


def _elf_header(library: Path) -> Tuple[int, int, int, int]:
    """(class, byte order, ELF type, machine) of library."""
    header = library.read_bytes()[:20]
    assert header[:4] == b"\x7fELF"
    return (header[4], header[5], struct.unpack_from("<H", header, 16)[0],
            struct.unpack_from("<H", header, 18)[0])


def _readelf(*args: str) -> str:
    readelf = shutil.which("readelf")
    assert readelf, "readelf (binutils) is needed to read the library"
    return subprocess.run([readelf, "--wide", *args], check=True,
                          capture_output=True, text=True).stdout


def test_aarch64_library_is_a_64_bit_arm_elf(aarch64_package: Path) -> None:
    # 64-bit, little-endian, a shared object (ET_DYN), ARM64
    assert _elf_header(aarch64_package / "libuplinkc.so") == (2, 1, ET_DYN, EM_AARCH64)


def test_aarch64_library_needs_glibc_2_17_at_most(aarch64_package: Path) -> None:
    out = _readelf("--version-info", str(aarch64_package / "libuplinkc.so"))
    versions = {tuple(map(int, v.split("."))) for v in re.findall(r"Name: GLIBC_([\d.]+)", out)}
    assert versions, "no GLIBC_ symbol versions found"
    assert max(versions) == GLIBC_FLOOR, sorted(versions)
    needed = set(re.findall(r"Name: (lib[\w.+-]+\.so\.\d+)", out))
    # All of them are on the manylinux2014 list of libraries a system provides.
    assert needed <= {"libc.so.6", "libpthread.so.0", "libresolv.so.2", "libdl.so.2",
                      "libm.so.6", "librt.so.1"}, needed


def test_aarch64_library_exports_the_signature_table(aarch64_package: Path) -> None:
    assert exports(str(aarch64_package / "libuplinkc.so")) == sorted(_native.symbol_names())


def test_aarch64_round_trip_under_qemu(aarch64_package: Path, testnet: Any,
                                       tmp_path: Path) -> None:
    native = platform.machine() in ("aarch64", "arm64")
    qemu = None if native else shutil.which("qemu-aarch64")
    assert native or qemu, "qemu-aarch64 is needed: apt-get install qemu-user (scripts/setup.sh does)"
    assert native or Path("/lib/ld-linux-aarch64.so.1").exists(), \
        "an arm64 libc is needed: apt-get install libc6:arm64 (scripts/setup.sh does)"
    assert ZIG_PYTHON.exists(), "build/dist-venv is missing: run scripts/build-dist.sh"
    program = tmp_path / "roundtrip"
    subprocess.run([str(ZIG_PYTHON), "-m", "ziglang", "cc", "-target", "aarch64-linux-gnu.2.17",
                    "-std=c11", "-Wall", "-Werror", "-I", str(aarch64_package),
                    "-o", str(program), str(ROUNDTRIP_C), str(aarch64_package / "libuplinkc.so"),
                    "-Wl,-rpath," + str(aarch64_package)],
                   check=True, capture_output=True, text=True, timeout=300)
    env = dict(os.environ, UPLINK_C_ACCESS=testnet.access,
               UPLINK_C_BUCKET=random_bucket_name("qemu-arm64"))
    command = [str(program)] if qemu is None else [qemu, str(program)]
    result = subprocess.run(command, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_musl_library_is_a_64_bit_x86_elf(musl_package: Path) -> None:
    assert _elf_header(musl_package / "libuplinkc.so") == (2, 1, ET_DYN, EM_X86_64)


def test_musl_library_needs_only_musl_libc(musl_package: Path) -> None:
    out = _readelf("--dynamic", "--version-info", str(musl_package / "libuplinkc.so"))
    # The name musl systems (Alpine) give their libc, and no glibc symbol versions.
    assert re.findall(r"\(NEEDED\)\s+Shared library: \[(.*?)\]", out) == ["libc.musl-x86_64.so.1"]
    assert "GLIBC_" not in out


def test_musl_library_has_no_initial_exec_tls(musl_package: Path) -> None:
    library = str(musl_package / "libuplinkc.so")
    relocations = _readelf("--relocs", library)
    # musl's dlopen refuses a library with an initial-exec TLS relocation;
    # musl_tls.py turned Go's into R_X86_64_NONE, and the TLS variable Go
    # now uses is reached through a TLS descriptor.
    assert "TPOFF" not in relocations
    assert len(re.findall(r"R_X86_64_TLSDESC\b", relocations)) == 1
    neutralized = re.findall(r"^([0-9a-f]+)\s+\S+\s+R_X86_64_NONE\b", relocations, re.M)
    assert len(neutralized) == 1
    # and no instruction still reads the GOT slot that relocation filled
    objdump = shutil.which("objdump")
    assert objdump, "objdump (binutils) is needed to read the library's code"
    code = subprocess.run([objdump, "-d", "--no-show-raw-insn", library], check=True,
                          capture_output=True, text=True).stdout
    assert "%fs:(" in code   # Go's accesses, now at the offsets the trampolines return
    assert not re.search(r"# %x\b" % int(neutralized[0], 16), code)
    flags = re.search(r"\(FLAGS\)\s+(.*)", _readelf("--dynamic", library))
    assert flags and "STATIC_TLS" not in flags.group(1)


def test_musl_library_exports_the_signature_table(musl_package: Path) -> None:
    assert exports(str(musl_package / "libuplinkc.so")) == sorted(_native.symbol_names())


def _musl_gcc() -> str:
    assert platform.machine() == "x86_64", "the musl wheel's library runs on x86-64 only"
    musl_gcc = shutil.which("musl-gcc")
    assert musl_gcc, "musl-gcc is needed: apt-get install musl musl-tools (scripts/setup.sh does)"
    assert Path("/lib/ld-musl-x86_64.so.1").exists(), \
        "musl's dynamic loader is needed: apt-get install musl (scripts/setup.sh does)"
    return musl_gcc


def _run_round_trip(command: List[str], testnet: Any, runs: int) -> None:
    env = dict(os.environ, UPLINK_C_ACCESS=testnet.access,
               UPLINK_C_BUCKET=random_bucket_name("musl"))
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ok"] * runs


def test_musl_round_trip_after_dlopen(musl_package: Path, testnet: Any, tmp_path: Path) -> None:
    musl_gcc = _musl_gcc()
    # roundtrip.c as a shared object that needs libuplinkc: dlopen of it
    # loads the library after start-up, as a musl Python's ctypes does.
    roundtrip = tmp_path / "roundtrip.so"
    driver = tmp_path / "dlopen_roundtrip"
    for command in (
            [musl_gcc, "-std=c11", "-Wall", "-Werror", "-shared", "-fPIC",
             "-Dmain=uplink_roundtrip_main", "-I", str(musl_package), "-o", str(roundtrip),
             str(ROUNDTRIP_C), "-L", str(musl_package), "-luplinkc",
             "-Wl,-rpath," + str(musl_package)],
            [musl_gcc, "-std=c11", "-Wall", "-Werror", "-o", str(driver),
             str(DLOPEN_ROUNDTRIP_C), "-lpthread"]):
        subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)
    # in the main thread, a thread older than the load, a thread younger than it
    _run_round_trip([str(driver), str(roundtrip)], testnet, runs=3)


def test_musl_round_trip_linked_at_start(musl_package: Path, testnet: Any,
                                         tmp_path: Path) -> None:
    # A C program linked against the library, which musl loads with it.
    program = tmp_path / "roundtrip"
    subprocess.run([_musl_gcc(), "-std=c11", "-Wall", "-Werror", "-I", str(musl_package),
                    "-o", str(program), str(ROUNDTRIP_C), "-L", str(musl_package), "-luplinkc",
                    "-Wl,-rpath," + str(musl_package)],
                   check=True, capture_output=True, text=True, timeout=120)
    _run_round_trip([str(program)], testnet, runs=1)


def test_glibc_library_is_not_rewired_for_musl() -> None:
    # musl_linux_amd64.c compiles to nothing against glibc, so setup.py
    # leaves the glibc build (this machine's wheel) as Go linked it.
    library = Path(_native.library_path())
    assert b"uplink-musl-tls1" not in library.read_bytes()
    assert re.search(r"R_\w+_TP(OFF|REL)64", _readelf("--relocs", str(library)))
