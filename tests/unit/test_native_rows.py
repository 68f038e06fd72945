"""The table of calls (uplink_python/_native/_calls.py) without a network: every
row is consistent with itself and with the library, and a row alone makes a
working call."""

from __future__ import annotations

import ctypes

import pytest

from uplink_python import _native
from uplink_python._native import _calls, _row
from uplink_python.errors import ClosedError

from _libuplinkc import OFFLINE_ACCESS

pytestmark = pytest.mark.usefixtures("leak_check")


def test_one_row_per_export_and_the_loader_declares_them() -> None:
    names = [row.name for row in _calls.TABLE]
    assert len(names) == len(set(names))
    assert sorted(names) == sorted(_native.symbol_names())
    library = _native._loader.lib()
    for row in _calls.TABLE:
        function = getattr(library, row.name)
        assert tuple(function.argtypes) == row.argtypes, row.name
        assert function.restype == row.restype, row.name


def test_every_result_is_freed_by_a_row_that_takes_it() -> None:
    rows = {row.name: row for row in _calls.TABLE}
    frees = 0
    for row in _calls.TABLE:
        result = row.result
        if isinstance(result, (_row.Field, _row.Owned)):
            free = rows[result.free]
            assert free.argtypes == (result.restype,), (row.name, free.name)
            frees += 1
    assert frees > 40


def test_a_row_checks_its_arguments_before_the_call() -> None:
    with pytest.raises(TypeError, match="takes 1 arguments, got 2"):
        _calls.parse_access("a", "b")
    with pytest.raises(TypeError, match="argument 0 must be a Handle"):
        _calls.stat_bucket(object(), "bucket")
    with pytest.raises(TypeError, match="serialized_access must be str"):
        _calls.parse_access(b"bytes")


def test_rows_make_whole_calls() -> None:
    access = _calls.parse_access(OFFLINE_ACCESS)
    try:
        assert _calls.access_serialize(access) == OFFLINE_ACCESS
        assert "@" in _calls.access_satellite_address(access)
    finally:
        access.release()
    with pytest.raises(ClosedError):
        _calls.access_serialize(access)


def test_list_page_result_is_one_struct() -> None:
    assert _calls.iterator_next_page.restype is _row.ListPageResult
    assert issubclass(_row.ListPageResult, ctypes.Structure)


def test_async_rows_are_derived_from_the_sync_ones() -> None:
    asynchronous = [row for row in _calls.TABLE if row.name.startswith("uplink_async_")
                    and isinstance(row, _row.AsyncRow)]
    assert {row.sync.name for row in asynchronous} == set(_calls.ASYNC)
    for row in asynchronous:
        assert row is _calls.ASYNC[row.sync.name]
        assert row.args == row.sync.args, row.name   # the very Arg objects
        assert row.argtypes == row.sync.argtypes, row.name
        assert row.restype is ctypes.c_uint64
        assert row.redact == row.sync.redact
        assert row.opens == isinstance(row.sync.result, _row.Owned)
    assert _calls.ASYNC["uplink_upload_commit"].settles
    assert not _calls.ASYNC["uplink_stat_object"].settles
    # Starting one outside _async.run would leave its handles held and its result untaken.
    with pytest.raises(TypeError, match="starts an operation"):
        _calls.ASYNC["uplink_stat_object"](None, "bucket", "key")
