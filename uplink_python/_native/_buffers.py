"""Zero-copy buffer helpers: C pointers into the caller's bytes-like objects,
with sizes checked against the buffer before Go sees them."""

from __future__ import annotations

import contextlib
import ctypes
import sys
from ctypes import (POINTER, PYFUNCTYPE, Structure, byref, c_char, c_char_p, c_int,
                    c_ssize_t, c_void_p, py_object)
from typing import Any, Iterator, Tuple

from ._convert import integer

_P = POINTER

class _PyBuffer(Structure):
    _fields_ = [("buf", c_void_p), ("obj", c_void_p), ("len", c_ssize_t),
                ("itemsize", c_ssize_t), ("readonly", c_int), ("ndim", c_int),
                ("format", c_char_p), ("shape", c_void_p), ("strides", c_void_p),
                ("suboffsets", c_void_p), ("internal", c_void_p)]


_get_buffer: Any
_release_buffer: Any
try:
    # Own prototypes, so that nobody else's argtypes on ctypes.pythonapi matter.
    _get_buffer = PYFUNCTYPE(c_int, py_object, _P(_PyBuffer), c_int)(
        ("PyObject_GetBuffer", ctypes.pythonapi))
    _release_buffer = PYFUNCTYPE(None, _P(_PyBuffer))(("PyBuffer_Release", ctypes.pythonapi))
except (AttributeError, OSError):  # not CPython
    _get_buffer = _release_buffer = None


def _memoryview(data: Any, what: str) -> memoryview:
    try:
        view = memoryview(data)
    except TypeError:
        raise TypeError(f"{what} must be a bytes-like object, "
                        f"not {type(data).__name__}") from None
    if not view.c_contiguous:
        view.release()
        raise ValueError(f"{what} must be a C-contiguous buffer")
    if view.format != "B" or view.ndim != 1:
        view = view.cast("B")
    return view


def _size(size: Any, available: int, what: str) -> int:
    if size is None:
        return available
    number = integer(size, what, 0, sys.maxsize)
    if number > available:
        raise ValueError(f"{what} ({number}) is larger than the data ({available} bytes)")
    return number


@contextlib.contextmanager
def readable_buffer(data: Any, size: Any, what: str,
                    size_name: str) -> Iterator[Tuple[Any, int]]:
    """Yields a C pointer to ``data`` and the checked byte count, without copying."""
    if type(data) is bytes:  # pylint: disable=unidiomatic-typecheck
        # A bytes argument reaches C as a pointer to its own (immutable) storage.
        # Not a subclass: its __len__ could claim more bytes than it holds.
        yield data, _size(size, len(data), size_name)
        return
    view = _memoryview(data, what)
    with view:
        count = _size(size, view.nbytes, size_name)
        if not view.readonly:
            array = (c_char * view.nbytes).from_buffer(view)
            try:
                yield array, count
            finally:
                del array
        elif _get_buffer is not None:
            buffer = _PyBuffer()
            _get_buffer(view, byref(buffer), 0)
            try:
                yield c_void_p(buffer.buf), count
            finally:
                _release_buffer(byref(buffer))
        else:
            yield view.tobytes(), count


@contextlib.contextmanager
def writable_buffer(buffer: Any, what: str) -> Iterator[Tuple[Any, int]]:
    """Yields a C pointer into a writable buffer and its size, without copying."""
    view = _memoryview(buffer, what)
    with view:
        if view.readonly:
            raise TypeError(f"{what} must be a writable bytes-like object "
                            f"(e.g. bytearray), not read-only {type(buffer).__name__}")
        array = (c_char * view.nbytes).from_buffer(view)
        try:
            yield array, view.nbytes
        finally:
            del array




# The v1 API's data arguments and results are ctypes pointers (POINTER(c_ubyte)).

def pointer_view(data: Any, length: int) -> Any:
    """A zero-copy view of ``length`` bytes at a ctypes pointer, the value of a
    c_char_p, or ``data`` itself for anything else (a bytes-like object)."""
    if isinstance(length, bool) or not isinstance(length, int):
        raise TypeError(f"length must be an int, not {type(length).__name__}")
    if isinstance(data, ctypes._Pointer):  # pylint: disable=protected-access
        if length < 0:
            raise ValueError(f"length must not be negative, got {length}")
        if not data:
            raise ValueError("data is a NULL pointer")
        address = ctypes.cast(data, c_void_p).value or 0
        return memoryview((ctypes.c_ubyte * length).from_address(address)).cast("B")
    if isinstance(data, c_char_p):
        return data.value or b""
    return data


def ubyte_buffer(size: int) -> Tuple[Any, memoryview]:
    """A new zeroed C array of ``size`` bytes (at least one) as a POINTER(c_ubyte),
    with a writable view of its first ``size`` bytes."""
    array = (ctypes.c_ubyte * max(size, 1))()
    return ctypes.cast(array, _P(ctypes.c_ubyte)), memoryview(array).cast("B")[:size]
