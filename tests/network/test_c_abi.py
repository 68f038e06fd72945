"""C code written against uplink-c's API compiles and runs against libuplinkc.

tests/c/roundtrip.c uses only uplink-c names and structs. It is built with
gcc against the header that ships with the library and run against the local
network; it checks its own results and the handle table.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from uplink_python import _native
from uplink_fixtures import random_bucket_name

SOURCE = Path(__file__).resolve().parents[1] / "c" / "roundtrip.c"
REPO_GO = Path(__file__).resolve().parents[2] / "libuplinkc"


def _headers(into: Path) -> None:
    """Puts uplink.h and the headers it includes into ``into``."""
    library = Path(_native.library_path())
    for generated in (library.parent / "uplink.h", library.with_suffix(".h")):
        if generated.exists():
            shutil.copy(generated, into / "uplink.h")
            break
    else:
        raise AssertionError(f"no generated header beside {library}")
    for name in ("uplink_definitions.h", "uplink_extensions.h"):
        beside = library.parent / name
        shutil.copy(beside if beside.exists() else REPO_GO / name, into / name)


def test_uplink_c_program_round_trip(testnet: Any, tmp_path: Path) -> None:
    gcc = shutil.which("gcc")
    assert gcc, "gcc is needed to build the C test program"
    _headers(tmp_path)
    library = _native.library_path()
    program = tmp_path / "roundtrip"
    subprocess.run([gcc, "-std=c11", "-Wall", "-Werror", "-I", str(tmp_path), "-o", str(program),
                    str(SOURCE), library, "-Wl,-rpath," + os.path.dirname(library)],
                   check=True, capture_output=True, text=True)
    env = dict(os.environ, UPLINK_C_ACCESS=testnet.access,
               UPLINK_C_BUCKET=random_bucket_name("c-abi"))
    result = subprocess.run([str(program)], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
