"""Whole objects in one native call: put_object and get_object (sync; the async
ones are in ``_async``)."""

from __future__ import annotations

import ctypes
import sys
from typing import Any, Optional

from ..module_classes import Object, UploadOptions
from ._buffers import readable_buffer
from ._calls import OBJECT
from ._convert import encode, integer, key_arg, upload_options
from ._errors import pop_error
from ._gate import Handle, call, free


def put_object(project: Handle, bucket: str, key: str, data: Any,
               options: Optional[UploadOptions]) -> Object:
    """Stores ``data`` (any bytes-like object, read in place) as bucket/key."""
    with readable_buffer(data, None, "data", "size") as (pointer, count):
        stored: Object = call("uplink_put_object", project, encode(bucket, "bucket_name"),
                              key_arg(key, "key"), pointer, count, upload_options(options),
                              take=OBJECT)
        return stored


def get_object(project: Handle, bucket: str, key: str, offset: int, length: int) -> bytes:
    """The bytes of bucket/key from ``offset``, ``length`` of them (-1: all)."""
    data: bytes = call("uplink_get_object", project, *get_object_args(bucket, key, offset, length),
                       take=take_bytes)
    return data


def get_object_args(bucket: str, key: str, offset: int, length: int) -> Any:
    """The checked arguments of uplink_get_object after the project."""
    return (encode(bucket, "bucket_name"), key_arg(key, "key"),
            integer(offset, "offset", 0, 2**63 - 1), integer(length, "length", -1, 2**63 - 1))


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
# large object's copy on the async waiter thread does not stall event loops.
_COPY_RELEASING_GIL = 1 << 20
_BYTES_DATA_OFFSET = bytes.__basicsize__ - 1  # PyBytesObject.ob_sval


def _copy_out(pointer: Optional[int], length: int) -> bytes:
    if not length or not pointer:
        return b""
    if length < _COPY_RELEASING_GIL or _MAKE_BYTES is None:
        return ctypes.string_at(pointer, length)
    data: bytes = _MAKE_BYTES(None, length)
    # Nobody else sees the new object until it is returned: filling it is safe.
    ctypes.memmove(id(data) + _BYTES_DATA_OFFSET, pointer, length)
    return data
