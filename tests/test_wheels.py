"""The cross-built Linux ARM64 wheel (scripts/build-dist.sh linux-aarch64).

Its library is checked as a file (ELF machine, glibc symbol versions no newer
than its manylinux_2_17 tag allows, the same exports as the signature table)
and then run: tests/c/roundtrip.c is cross-compiled against the wheel's
header and library and runs under qemu-user against the local network.
scripts/test.sh builds the wheel; scripts/setup.sh installs qemu-user and an
arm64 libc from Debian's multiarch packages.
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
from typing import Any

import pytest

from test_native_library import _exports
from uplink_fixtures import random_bucket_name
from uplink_python import _native

REPO = Path(__file__).resolve().parent.parent
ROUNDTRIP_C = REPO / "tests" / "c" / "roundtrip.c"
ZIG_PYTHON = REPO / "build" / "dist-venv" / "bin" / "python"   # has ziglang
EM_AARCH64 = 183
GLIBC_FLOOR = (2, 17)


@pytest.fixture(scope="module")
def aarch64_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The uplink_python directory of the aarch64 wheel of the installed version, unpacked."""
    version = importlib.metadata.version("uplink-python")
    pattern = f"uplink_python-{version}-py3-none-*manylinux_2_17_aarch64.whl"
    wheels = sorted((REPO / "dist").glob(pattern))
    assert wheels, f"no dist/{pattern}: run scripts/build-dist.sh linux-aarch64"
    out = tmp_path_factory.mktemp("aarch64-wheel")
    with zipfile.ZipFile(wheels[0]) as wheel:
        wheel.extractall(out)
    return out / "uplink_python"


def test_aarch64_library_is_a_64_bit_arm_elf(aarch64_package: Path) -> None:
    header = (aarch64_package / "libuplinkc.so").read_bytes()[:20]
    assert header[:4] == b"\x7fELF"
    assert header[4] == 2, "not a 64-bit ELF"
    assert header[5] == 1, "not little-endian"
    assert struct.unpack_from("<H", header, 16)[0] == 3, "not a shared object (ET_DYN)"
    assert struct.unpack_from("<H", header, 18)[0] == EM_AARCH64


def test_aarch64_library_needs_glibc_2_17_at_most(aarch64_package: Path) -> None:
    readelf = shutil.which("readelf")
    assert readelf, "readelf (binutils) is needed to read symbol versions"
    out = subprocess.run([readelf, "--version-info", "--wide",
                          str(aarch64_package / "libuplinkc.so")],
                         check=True, capture_output=True, text=True).stdout
    versions = {tuple(map(int, v.split("."))) for v in re.findall(r"Name: GLIBC_([\d.]+)", out)}
    assert versions, "no GLIBC_ symbol versions found"
    assert max(versions) == GLIBC_FLOOR, sorted(versions)
    needed = set(re.findall(r"Name: (lib[\w.+-]+\.so\.\d+)", out))
    # All of them are on the manylinux2014 list of libraries a system provides.
    assert needed <= {"libc.so.6", "libpthread.so.0", "libresolv.so.2", "libdl.so.2",
                      "libm.so.6", "librt.so.1"}, needed


def test_aarch64_library_exports_the_signature_table(aarch64_package: Path) -> None:
    assert _exports(str(aarch64_package / "libuplinkc.so")) == sorted(_native.symbol_names())


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
