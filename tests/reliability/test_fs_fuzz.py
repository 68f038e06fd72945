"""Fuzzing the fsspec file system: random calls on random paths raise builtin
exceptions a caller can handle (OSError and its subclasses, ValueError,
TypeError, NotImplementedError), never a StorjException or anything else, and
leave no handle behind.

Runs against the local network in one scratch bucket plus buckets that do not
exist. 40 examples, times UPLINK_RELIABILITY_ROUNDS (scripts/fuzz.sh), or
UPLINK_FS_FUZZ_EXAMPLES.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any, Callable, Dict, List, Tuple

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from _reliability import rounds
from uplink_python.errors import StorjException
from uplink_python.fs import StorjFileSystem

EXAMPLES = int(os.environ.get("UPLINK_FS_FUZZ_EXAMPLES", "0")) or rounds(40)
BUCKET = "fs-fuzz-scratch"
PATHS = ["", "/", "sj://", "sj:///k", BUCKET, f"{BUCKET}/", f"{BUCKET}/a", f"{BUCKET}/a/",
         f"{BUCKET}/a/b", f"{BUCKET}/dir/x", f"{BUCKET}/dir", f"{BUCKET}//x",
         f"sj://{BUCKET}/a", "fs-fuzz-none-7f3a/k", "UPPER/k", "b/" + "k" * 1100,
         f"{BUCKET}/\0", f"{BUCKET}/ü/ß"]
ALLOWED = (OSError, ValueError, TypeError, NotImplementedError)


def _calls(fs: StorjFileSystem, path: Any, other: Any, data: Any,
           scratch: str) -> Dict[str, Callable[[], Any]]:
    local = os.path.join(scratch, "local")
    return {
        "ls": lambda: fs.ls(path),
        "info": lambda: fs.info(path),
        "exists": lambda: fs.exists(path),
        "find": lambda: fs.find(path),
        "cat": lambda: fs.cat(path),
        "cat_range": lambda: fs.cat_file(path, start=1, end=3),
        "pipe": lambda: fs.pipe(path, data),
        "rm": lambda: fs.rm(path),
        "rm_r": lambda: fs.rm(path, recursive=True),
        "mkdir": lambda: fs.mkdir(path),
        "rmdir": lambda: fs.rmdir(path),
        "cp": lambda: fs.cp(path, other),
        "mv": lambda: fs.mv(path, other),
        "get": lambda: fs.get(path, local),
        "put": lambda: fs.put(local, path),
        "open_read": lambda: fs.open(path, "rb").read(),
        "open_write": lambda: _write(fs, path, data),
        "open_append": lambda: fs.open(path, "ab"),
        "du": lambda: fs.du(path),
        "glob": lambda: fs.glob(str(path) + "*"),
    }


def _write(fs: StorjFileSystem, path: Any, data: Any) -> None:
    with fs.open(path, "wb") as handle:
        handle.write(data)


names = st.sampled_from(sorted(_calls(None, "", "", b"", "")))  # type: ignore[arg-type]
# Paths are strings: fsspec's own wrappers (pipe, cat of a list) handle other types
# before the file system sees them.
paths = st.one_of(st.sampled_from(PATHS), st.text(max_size=10))
datas = st.one_of(st.binary(max_size=64), st.sampled_from(["text", None, 3]))


@pytest.fixture
def fs(testnet: Any, leak_check: None) -> Any:
    """A file system of its own; after the test it is closed and the leak check
    finds the handle table empty."""
    made = StorjFileSystem(access=testnet.access, skip_instance_cache=True)
    made.mkdir(BUCKET)
    yield made
    if made.exists(BUCKET):  # a fuzzed rm -r may have removed it
        made.rm(BUCKET, recursive=True)
    made.close()


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(st.tuples(names, paths, paths, datas), min_size=1, max_size=5))
def test_random_fs_calls_raise_only_builtin_errors(
        fs: StorjFileSystem, steps: List[Tuple[str, Any, Any, Any]]) -> None:
    with tempfile.TemporaryDirectory(prefix="fs-fuzz-") as scratch:
        with open(os.path.join(scratch, "local"), "wb") as handle:
            handle.write(b"local bytes")
        for name, path, other, data in steps:
            try:
                _calls(fs, path, other, data, scratch)[name]()
            except ALLOWED as exc:
                assert not isinstance(exc, StorjException), (name, path, other, repr(exc))
            except Exception as exc:  # pylint: disable=broad-except
                raise AssertionError(
                    f"fs.{name}({path!r}, {other!r}) raised {type(exc).__name__}: {exc}") from exc
