"""The native layer without a network: loader, signature table, errors, handles, fork."""

from __future__ import annotations

import ctypes
import gc
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Dict, Optional

import pytest

from uplink_python import Uplink, _native
from uplink_python.errors import (ClosedError, ForkError, InternalError, LibUplinkSoError,
                                  StorjException)
from uplink_python.module_classes import Permission, SharePrefix

from _child import wait_exit
from _libuplinkc import OFFLINE_ACCESS, exports

pytestmark = pytest.mark.usefixtures("leak_check")


@pytest.fixture
def offline_access() -> str:
    """A serialized access grant that parses without a network."""
    return OFFLINE_ACCESS


def test_signature_table_equals_exports() -> None:
    exported = exports(_native.library_path())
    declared = sorted(_native.symbol_names())
    assert len(declared) == len(set(declared)), "a function is declared twice"
    assert set(declared) - set(exported) == set(), "declared but not exported"
    assert set(exported) - set(declared) == set(), "exported but not declared"
    assert _native.missing_symbols() == ()


# The 84 public functions of storj.io/uplink-c v1.14, by name.
UPLINK_C_FUNCTIONS = (
    "edge_free_credentials", "edge_free_credentials_result", "edge_join_share_url",
    "edge_register_access", "uplink_abort_upload", "uplink_access_override_encryption_key",
    "uplink_access_satellite_address", "uplink_access_serialize", "uplink_access_share",
    "uplink_begin_upload", "uplink_bucket_iterator_err", "uplink_bucket_iterator_item",
    "uplink_bucket_iterator_next", "uplink_close_download", "uplink_close_project",
    "uplink_commit_upload", "uplink_config_open_project",
    "uplink_config_request_access_with_passphrase", "uplink_copy_object",
    "uplink_create_bucket", "uplink_delete_bucket", "uplink_delete_bucket_with_objects",
    "uplink_delete_object", "uplink_derive_encryption_key", "uplink_download_info",
    "uplink_download_object", "uplink_download_read", "uplink_ensure_bucket",
    "uplink_free_access_result", "uplink_free_bucket", "uplink_free_bucket_iterator",
    "uplink_free_bucket_result", "uplink_free_commit_upload_result",
    "uplink_free_download_result", "uplink_free_encryption_key_result", "uplink_free_error",
    "uplink_free_object", "uplink_free_object_iterator", "uplink_free_object_result",
    "uplink_free_part", "uplink_free_part_iterator", "uplink_free_part_result",
    "uplink_free_part_upload_result", "uplink_free_project_result", "uplink_free_read_result",
    "uplink_free_string_result", "uplink_free_upload_info", "uplink_free_upload_info_result",
    "uplink_free_upload_iterator", "uplink_free_upload_result", "uplink_free_write_result",
    "uplink_list_buckets", "uplink_list_objects", "uplink_list_upload_parts",
    "uplink_list_uploads", "uplink_move_object", "uplink_object_iterator_err",
    "uplink_object_iterator_item", "uplink_object_iterator_next", "uplink_open_project",
    "uplink_parse_access", "uplink_part_iterator_err", "uplink_part_iterator_item",
    "uplink_part_iterator_next", "uplink_part_upload_abort", "uplink_part_upload_commit",
    "uplink_part_upload_info", "uplink_part_upload_set_etag", "uplink_part_upload_write",
    "uplink_request_access_with_passphrase", "uplink_revoke_access", "uplink_stat_bucket",
    "uplink_stat_object", "uplink_update_object_metadata", "uplink_upload_abort",
    "uplink_upload_commit", "uplink_upload_info", "uplink_upload_iterator_err",
    "uplink_upload_iterator_item", "uplink_upload_iterator_next", "uplink_upload_object",
    "uplink_upload_part", "uplink_upload_set_custom_metadata", "uplink_upload_write",
)


def test_table_covers_uplink_c() -> None:
    assert len(UPLINK_C_FUNCTIONS) == len(set(UPLINK_C_FUNCTIONS)) == 84
    exported = set(exports(_native.library_path()))
    missing = [name for name in UPLINK_C_FUNCTIONS + ("uplink_internal_UniverseIsEmpty",)
               if name not in exported]
    assert missing == []
    assert set(UPLINK_C_FUNCTIONS) <= set(_native.symbol_names())


def _header_signatures() -> Dict[str, int]:
    """Argument counts of every export in the header cgo generated next to the library."""
    library = _native.library_path()
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    candidates = [os.path.splitext(library)[0] + ".h",                # go build -o x.so: x.h
                  os.path.join(os.path.dirname(library), "uplink.h"),  # as pip installs it
                  os.path.join(repo, "libuplinkc", "libuplinkc.h")]
    for header in candidates:
        if os.path.exists(header):
            text = open(header, encoding="utf-8").read()
            break
    else:
        raise AssertionError(f"no generated header found in {candidates}")
    counts = {}
    for match in re.finditer(r"^extern .*?\b((?:uplink|edge)_\w+)\((.*?)\);", text, re.M):
        args = match.group(2).strip()
        counts[match.group(1)] = 0 if args in ("", "void") else args.count(",") + 1
    return counts


def test_argument_counts_match_the_generated_header() -> None:
    header = _header_signatures()
    native = _native._loader.lib()
    for name in _native.symbol_names():
        assert name in header, name
        assert len(getattr(native, name).argtypes) == header[name], name


def test_share_count_is_a_go_int() -> None:
    argtypes = _native._loader.lib().uplink_access_share.argtypes
    assert ctypes.sizeof(argtypes[3]) == ctypes.sizeof(ctypes.c_void_p)
    assert _native._loader.lib().uplink_internal_UniverseIsEmpty.restype is ctypes.c_bool


@pytest.mark.parametrize("garbage", ["", "garbage", "1" * 300, "13Yq" + "A" * 80])
def test_parse_access_of_garbage_raises(garbage: str) -> None:
    with pytest.raises(InternalError) as info:
        Uplink().parse_access(garbage)
    assert info.value.code == 0x02
    assert "invalid access grant" in info.value.details


@pytest.mark.parametrize("bad,error", [(None, TypeError), (5, TypeError), (b"\0", TypeError),
                                       ("a\0b", ValueError)])
def test_parse_access_rejects_bad_types(bad: object, error: type) -> None:
    with pytest.raises(error, match="serialized_access"):
        Uplink().parse_access(bad)  # type: ignore[arg-type]


def test_error_text_never_contains_the_secret() -> None:
    secret = "13Yq" + "S3CRET" * 20
    with pytest.raises(StorjException) as info:
        Uplink().parse_access(secret)
    assert "S3CRET" not in str(info.value) and "S3CRET" not in repr(info.value)


def test_derived_key_and_closed_handles(offline_access: str) -> None:
    access = Uplink().parse_access(offline_access)
    key = access.derive_encryption_key("passphrase", b"\x00salt\xff")
    key2 = access.derive_encryption_key("passphrase", "salt")
    assert _native.handle_count() == 3
    key.close()
    key.close()
    assert key.closed
    with pytest.raises(ClosedError):
        access.override_encryption_key("bucket", "prefix/", key)
    other = access.override_encryption_key("offline-bucket", "prefix/", key2)
    assert other.serialize() != access.serialize()
    key2.close()
    other.close()
    access.close()
    access.close()
    for call in (access.serialize, access.satellite_address, access.open_project,
                 lambda: access.share(Permission(allow_list=True), [SharePrefix("offline-bucket")]),
                 lambda: access.derive_encryption_key("p", "s") and access.serialize()):
        with pytest.raises(ClosedError):
            call()
    assert _native.universe_is_empty()


def test_share_is_local_and_validated(offline_access: str) -> None:
    with Uplink().parse_access(offline_access) as access:
        with access.share(Permission(allow_download=True), [SharePrefix(bucket="offline-bucket", prefix="p/")]) \
                as shared:
            assert shared.serialize() != access.serialize()
            assert shared.satellite_address() == access.satellite_address()
        with pytest.raises(TypeError, match="permissions"):
            access.share("all", [])  # type: ignore[arg-type]
        with pytest.raises(TypeError, match=r"shared_prefix\[0\]"):
            access.share(Permission(), [42])  # type: ignore[list-item]
        with pytest.raises(ValueError, match="bucket must not be empty"):
            access.share(Permission(), [SharePrefix(bucket="")])
        with pytest.raises(TypeError, match="shared_prefix"):
            access.share(Permission(), "bucket")  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="encryption_key"):
            access.override_encryption_key("b", "p", "key")  # type: ignore[arg-type]


def test_handles_freed_by_the_collector(offline_access: str) -> None:
    accesses = [Uplink().parse_access(offline_access) for _ in range(5)]
    assert _native.handle_count() == 5
    del accesses
    gc.collect()
    assert _native.universe_is_empty()


def test_stale_handle_is_reported_not_crashed(offline_access: str) -> None:
    access = Uplink().parse_access(offline_access)
    handle = access._handle  # pylint: disable=protected-access
    stale_ref = handle._ref  # pylint: disable=protected-access
    access.close()
    # Even bypassing the Python guard, libuplinkc sees a stale id, not freed memory.
    result = _native._loader.lib().uplink_access_serialize(stale_ref)
    with pytest.raises(StorjException) as info:
        _native.calls.access_serialize.result.take(result, ())
    assert info.value.code == 0x04


def test_loader_lists_every_path_tried(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    bogus = [os.path.join(str(tmp_path), "nope.so"), "/definitely/not/here/libuplinkc.so"]
    not_a_library = os.path.join(str(tmp_path), "broken.so")
    with open(not_a_library, "wb") as handle:
        handle.write(b"not an ELF file")
    monkeypatch.setattr(_native._loader, "candidate_paths", lambda: bogus + [not_a_library])
    with pytest.raises(LibUplinkSoError) as info:
        _native._loader._load()  # pylint: disable=protected-access
    for path in bogus + [not_a_library]:
        assert path in info.value.details


def test_candidate_paths_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_native.ENV_LIBRARY, "/custom/libuplinkc.so")
    paths = list(_native.candidate_paths())
    assert "/custom/libuplinkc.so" not in paths, "the override is never one candidate among others"
    assert paths[0].endswith(os.path.join("uplink_python", _native.library_filename()))


def _run_python(code: str, cwd: str, env: Optional[Dict[str, str]] = None,
                isolated: bool = False) -> str:
    """Runs code in a new interpreter; returns stdout (the test code prints its verdict)."""
    command = [sys.executable] + (["-S"] if isolated else []) + ["-c", code]
    return subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True,
                          text=True, timeout=60).stdout


_TRY_LOAD = ("from uplink_python import _native, LibUplinkSoError\n"
             "try:\n    print('LOADED', _native.library_path())\n"
             "except LibUplinkSoError as e:\n    print('ERROR', e.details)\n")


@pytest.mark.parametrize("content", [None, b"not a shared library"])
def test_env_override_that_cannot_load_is_an_error_naming_it(tmp_path: Path,
                                                             content: Optional[bytes]) -> None:
    override = tmp_path / "libuplinkc.so"
    if content is not None:
        override.write_bytes(content)
    env = dict(os.environ, **{_native.ENV_LIBRARY: str(override)})
    out = _run_python(_TRY_LOAD, cwd=str(tmp_path), env=env)
    # No silent fall-back to the bundled library, which loads fine.
    assert out.startswith("ERROR"), out
    assert str(override) in out and _native.ENV_LIBRARY in out


def _copy_package(into: Path) -> None:
    source = Path(_native.__file__).resolve().parent.parent
    shutil.copytree(source, into / "uplink_python",
                    ignore=shutil.ignore_patterns("*.so", "*.dylib", "*.dll", "__pycache__"))


def test_source_tree_without_library_finds_the_installed_one(tmp_path: Path) -> None:
    # What `python script.py` in the repository root does after `pip install .`:
    # the source tree's package (no library) is imported, not site-packages'.
    _copy_package(tmp_path)
    (tmp_path / "libuplinkc").mkdir()
    (tmp_path / "libuplinkc" / "go.mod").write_text("module uplinkpython/libuplinkc\n")
    out = _run_python("import uplink_python; print(uplink_python.__file__)\n" + _TRY_LOAD,
                      cwd=str(tmp_path))
    imported, verdict = out.splitlines()
    assert imported.startswith(str(tmp_path)), "the test did not import the source tree"
    assert verdict.startswith("LOADED "), verdict
    # The installed distribution's library, also when this process runs the source
    # tree's (scripts/test.sh --quick puts the checkout first on sys.path).
    installed = Path(sysconfig.get_paths()["purelib"], "uplink_python",
                     Path(_native.library_path()).name)
    assert os.path.realpath(verdict[len("LOADED "):]) == os.path.realpath(str(installed))


def test_source_tree_without_any_library_says_what_to_do(tmp_path: Path) -> None:
    _copy_package(tmp_path)
    (tmp_path / "libuplinkc").mkdir()
    (tmp_path / "libuplinkc" / "go.mod").write_text("module uplinkpython/libuplinkc\n")
    # -S: no site-packages, so no installed uplink-python to fall back on.
    out = _run_python(_TRY_LOAD, cwd=str(tmp_path), isolated=True)
    assert out.startswith("ERROR"), out
    assert "source tree" in out and "scripts/setup.sh" in out


def test_installed_package_without_library_says_reinstall(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    _copy_package(site)
    out = _run_python("import sys; sys.path.insert(0, %r)\n" % str(site) + _TRY_LOAD,
                      cwd=str(tmp_path), isolated=True)
    assert out.startswith("ERROR"), out
    assert "reinstall" in out and "go build" not in out


def test_bundled_library_loads_without_reading_distribution_metadata(tmp_path: Path) -> None:
    # importlib.metadata (email, zipfile, csv...) and hashlib's OpenSSL cost
    # about 7 MiB of RSS; a package that carries its library needs neither.
    site = tmp_path / "site"
    site.mkdir()
    _copy_package(site)
    shutil.copy(_native.library_path(), site / "uplink_python" / _native.library_filename())
    code = ("import sys; sys.path.insert(0, %r)\n" % str(site) + _TRY_LOAD +
            "print(sorted(m for m in ('importlib.metadata', '_hashlib', 'email') "
            "if m in sys.modules))\n")
    out = _run_python(code, cwd=str(tmp_path), isolated=True)
    verdict, heavy = out.splitlines()
    assert verdict == "LOADED " + str(site / "uplink_python" / _native.library_filename())
    assert heavy == "[]", heavy


def test_env_override_is_used_in_a_new_process() -> None:
    path = _native.library_path()
    code = ("from uplink_python import _native; print(_native.library_path())")
    env = dict(os.environ, **{_native.ENV_LIBRARY: path})
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                         capture_output=True, text=True).stdout.strip()
    assert out == path


def test_missing_library_message_in_a_new_process(tmp_path: object) -> None:
    code = ("import uplink_python._native._loader as n\n"
            "n.candidate_paths = lambda: ['/nowhere/libuplinkc.so']\n"
            "from uplink_python import Uplink, LibUplinkSoError\n"
            "try:\n    Uplink().parse_access('x')\n"
            "except LibUplinkSoError as e:\n    print('OK', e.details)\n")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout
    assert out.startswith("OK") and "/nowhere/libuplinkc.so" in out


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork() on this platform")
def test_forked_child_parses_its_access_again(offline_access: str) -> None:
    access = Uplink().parse_access(offline_access)
    pid = os.fork()
    if pid == 0:  # child: a private copy of the library; the access parses its grant there
        status = 3
        try:
            same = access.serialize() == offline_access
            moved = _native.library_path().startswith("/proc/")
            access.close()
            status = 0 if same and moved and _native.universe_is_empty() else 2
        except BaseException:  # pylint: disable=broad-except
            status = 1
        os._exit(status)
    # 0 only when the child's checks held: a crash or a hang fails in wait_exit.
    assert wait_exit(pid) == 0
    assert access.serialize() == offline_access
    access.close()
