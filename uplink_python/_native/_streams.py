"""Moving bytes: writes to uploads and part uploads, reads from downloads,
without copies in Python."""

from __future__ import annotations

import ctypes
import threading
from typing import Any, Tuple

from .. import errors
from . import _calls as calls
from ._buffers import readable_buffer, writable_buffer
from ._gate import Handle
from ._row import Row


def write(row: Row[int], upload: Handle, data: Any, size: Any) -> int:
    """Writes ``size`` bytes of ``data`` (all when None) with ``row`` (an
    upload's or a part upload's write) without copying; returns the count written."""
    with readable_buffer(data, size, "data_to_write", "size_to_write") as (pointer, count):
        if count == 0:
            upload.check()
            return 0
        return row(upload, pointer, count)


# ---------------------------------------------------------------------------
# Download

# Go may return 0 bytes without an error at segment boundaries (storj/uplink#99);
# past this many in a row the download is declared stuck rather than spun on.
_MAX_EMPTY_READS = 10_000

# read(n) allocates at most this much (Storj's segment size); it may return
# fewer bytes than asked anyway, so a huge n never means a huge allocation.
MAX_READ_SIZE = 64 * 1024 * 1024


# The streaming read waits for the first byte, then returns all that is
# already downloaded and decrypted (libuplinkc reads ahead on a goroutine):
# what a streaming consumer wants, in one call rather than one per 7 KiB
# block. The full read fills the buffer in one native call, returning early
# only at the end of the object or an error.
_read_one = calls.download_read_some
_read_full = calls.download_read_full


def _read_some(download: Handle, pointer: Any, count: int, full: bool) -> Tuple[int, bool]:
    """Reads up to ``count`` bytes into ``pointer``; returns (bytes read, at EOF).

    Returns at least one byte unless at EOF; with ``full``, ``count`` bytes
    unless at EOF.
    """
    if full:
        got, eof = _read_full(download, pointer, count)
        if got > count or (got < count and not eof):
            raise errors.InternalError(f"libuplinkc read {got} bytes into {count} without EOF")
        return got, eof
    for _ in range(_MAX_EMPTY_READS):
        got, eof = _read_one(download, pointer, count)
        if got > count:
            raise errors.InternalError(f"libuplinkc reported {got} bytes read into {count}")
        if got or eof:
            return got, eof
    raise errors.InternalError(f"download returned no data {_MAX_EMPTY_READS} times in a row")


class _Scratch(threading.local):
    """A per-thread buffer that read(n) receives into before copying out the
    bytes that came: zero-filling a new n-byte buffer on every call cost more
    than the read when n is large and the read brings a few blocks of ~7 KiB."""

    def __init__(self) -> None:
        super().__init__()
        self.buffer = ctypes.create_string_buffer(0)


_SCRATCH = _Scratch()
# The scratch never grows past this (read(n) streams at most 1 MiB per call);
# larger full reads get a buffer of their own.
_SCRATCH_LIMIT = 1024 * 1024


def download_read(download: Handle, count: int, full: bool = False) -> Tuple[bytes, bool]:
    """Reads up to ``count`` bytes; returns (data, at EOF). Without ``full`` it
    returns once data arrived, with all that is there (at least one byte
    unless at EOF); with ``full`` it waits for ``count`` bytes or the end of
    the object."""
    if count == 0:
        download.check()
        return b"", False
    count = min(count, MAX_READ_SIZE)
    if full and count > _SCRATCH_LIMIT:
        data = bytearray(count)
        got, eof = download_readinto(download, data, full=True)
        del data[got:]
        return bytes(data), eof
    count = min(count, _SCRATCH_LIMIT)
    scratch: Any = _SCRATCH.buffer  # a c_char array: slicing it gives bytes
    if len(scratch) < count:
        scratch = _SCRATCH.buffer = ctypes.create_string_buffer(
            _SCRATCH_LIMIT if full else max(count, 64 * 1024))
    got, eof = _read_some(download, scratch, count, full)
    return scratch[:got], eof  # a slice of a char array is a bytes copy


def check_writable(target: Any, what: str) -> None:
    """Raises TypeError/ValueError unless ``target`` is a writable contiguous buffer."""
    with writable_buffer(target, what):
        pass


def download_readinto(download: Handle, target: Any, full: bool = True) -> Tuple[int, bool]:
    """Reads into a writable buffer without copying; returns (bytes read, at EOF).
    With ``full`` (the default) it fills the buffer unless the object ends;
    without, it returns once data arrived, with all that is there."""
    kind = type(target)
    if kind is bytearray or (kind is memoryview and not target.readonly
                             and target.c_contiguous and target.format == "B"):
        # The hot path: a ctypes view of the caller's buffer, no context manager.
        count = target.nbytes if kind is memoryview else len(target)
        if count == 0:
            download.check()
            return 0, False
        pointer = (ctypes.c_char * count).from_buffer(target)
        try:
            return _read_some(download, pointer, count, full)
        finally:
            del pointer
    with writable_buffer(target, "buffer") as (pointer, count):
        if count == 0:
            download.check()
            return 0, False
        return _read_some(download, pointer, count, full)
