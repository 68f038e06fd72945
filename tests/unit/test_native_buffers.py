"""Zero-copy buffer helpers of the native layer (no network)."""

from __future__ import annotations

import array
import ctypes
import mmap
from typing import Any

import pytest

from uplink_python import _native


def _address(pointer: Any) -> int:
    if isinstance(pointer, bytes):
        return ctypes.cast(ctypes.c_char_p(pointer), ctypes.c_void_p).value or 0
    if isinstance(pointer, ctypes.c_void_p):
        return pointer.value or 0
    return ctypes.addressof(pointer)


def _base(buffer: Any) -> int:
    return ctypes.addressof((ctypes.c_char * len(buffer)).from_buffer(buffer))


def test_bytes_are_passed_in_place() -> None:
    data = b"immutable payload"
    with _native.readable_buffer(data, None, "data", "size") as (pointer, count):
        assert pointer is data and count == len(data)
        assert ctypes.string_at(_address(pointer), count) == data


def test_writable_buffers_are_passed_in_place() -> None:
    data = bytearray(b"0123456789")
    with _native.readable_buffer(data, 4, "data", "size") as (pointer, count):
        assert _address(pointer) == _base(data) and count == 4
    with memoryview(data) as whole:
        with _native.readable_buffer(whole[3:], None, "data", "size") as (pointer, count):
            assert _address(pointer) == _base(data) + 3 and count == 7
    del pointer
    data.append(0)  # every buffer export was released


def test_read_only_views_are_passed_in_place() -> None:
    data = b"abcdefghij" * 10
    view = memoryview(data)[5:25]
    with _native.readable_buffer(view, None, "data", "size") as (pointer, count):
        start = ctypes.cast(ctypes.c_char_p(data), ctypes.c_void_p).value or 0
        assert _address(pointer) == start + 5 and count == 20
        assert ctypes.string_at(_address(pointer), count) == data[5:25]


def test_typed_arrays_and_mmap() -> None:
    words = array.array("H", [1, 2, 3])
    with _native.readable_buffer(words, None, "data", "size") as (pointer, count):
        assert count == 6
    with mmap.mmap(-1, 4096) as mapped:
        with _native.readable_buffer(mapped, 100, "data", "size") as (pointer, count):
            assert count == 100
        del pointer  # the caller's reference is the last one: then mmap can close


@pytest.mark.parametrize("size,error", [(11, ValueError), (-1, ValueError), (2**70, ValueError),
                                        ("1", TypeError), (1.0, TypeError), (True, TypeError)])
def test_sizes_are_checked_against_the_data(size: Any, error: type) -> None:
    with pytest.raises(error, match="size"):
        with _native.readable_buffer(bytearray(10), size, "data", "size"):
            pass


@pytest.mark.parametrize("value", ["text", None, 42, [1, 2]])
def test_non_buffers_are_refused(value: Any) -> None:
    with pytest.raises(TypeError, match="data must be a bytes-like object"):
        with _native.readable_buffer(value, None, "data", "size"):
            pass


def test_writable_targets() -> None:
    target = bytearray(16)
    with _native.writable_buffer(memoryview(target)[8:], "buffer") as (pointer, count):
        assert _address(pointer) == _base(target) + 8 and count == 8
    with pytest.raises(TypeError, match="writable"):
        with _native.writable_buffer(b"read only", "buffer"):
            pass
    with pytest.raises(ValueError, match="contiguous"):
        with _native.writable_buffer(memoryview(target)[::2], "buffer"):
            pass
