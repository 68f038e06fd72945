"""Whole objects in one native call (``calls.put_object``, ``calls.get_object``
and their async rows): the bytes result of uplink_get_object, copied out once."""

from __future__ import annotations

import ctypes
import sys
from ctypes import c_size_t, c_void_p
from typing import Any, Optional, Tuple

from ._errors import ERROR, pop_error
from ._gate import free


class BytesResult(ctypes.Structure):
    """UplinkBytesResult (uplink_extensions.h): the bytes of uplink_get_object."""
    _fields_ = [("data", c_void_p), ("length", c_size_t), ("error", ERROR)]



def take_bytes(result: Any) -> bytes:
    """Copies the bytes out of a BytesResult (one copy; a large one with the GIL
    released), frees it, and raises its error if any."""
    try:
        exc = pop_error(result)
        data = _copy_out(result.data, int(result.length)) if exc is None else b""
    finally:
        free("uplink_free_bytes_result", result)
    if exc is not None:
        raise exc
    return data


def _bytes_maker() -> Any:
    """PyBytes_FromStringAndSize(NULL, n): a bytes object not zero-filled (CPython,
    where an object's id is its address)."""
    if sys.implementation.name != "cpython":
        return None
    try:
        make = ctypes.pythonapi.PyBytes_FromStringAndSize
    except AttributeError:  # not CPython
        return None
    make.restype = ctypes.py_object
    make.argtypes = (ctypes.c_void_p, ctypes.c_ssize_t)
    return make


_MAKE_BYTES = _bytes_maker()
# From this size the copy runs in ctypes.memmove, which releases the GIL: a
# large object's copy on the async waiter thread does not stall event loops
# (libuplinkc hands such results to the waiter, async.go's largeResult).
_COPY_RELEASING_GIL = 1 << 20
_BYTES_DATA_OFFSET = bytes.__basicsize__ - 1  # PyBytesObject.ob_sval


def new_bytes(length: int) -> Optional[Tuple[bytes, int]]:
    """A new bytes object of ``length`` bytes, not yet filled, and the address
    of its bytes, for a native call to fill before anyone else sees it; None
    where that is not possible (not CPython)."""
    if _MAKE_BYTES is None or length <= 0:
        return None
    data: bytes = _MAKE_BYTES(None, length)
    return data, id(data) + _BYTES_DATA_OFFSET


def _copy_out(pointer: Optional[int], length: int) -> bytes:
    if not length or not pointer:
        return b""
    if length < _COPY_RELEASING_GIL or _MAKE_BYTES is None:
        return ctypes.string_at(pointer, length)
    data: bytes = _MAKE_BYTES(None, length)
    # Nobody else sees the new object until it is returned: filling it is safe.
    ctypes.memmove(id(data) + _BYTES_DATA_OFFSET, pointer, length)
    return data
