"""Uploads, part uploads and downloads: starting them, moving bytes, finishing."""

from __future__ import annotations

import ctypes
import threading
from ctypes import byref
from typing import Any, Optional, Tuple

from .. import errors
from .. import module_def as d
from ..module_classes import DownloadOptions, Object, Retention, UploadOptions, VersionedObject
from ._buffers import readable_buffer, writable_buffer
from ._calls import OBJECT, VERSIONED_OBJECT
from ._convert import (INT32, custom_metadata, download_options, encode, expect, expiry, flag,
                       integer, key_arg, retention_struct, upload_options, version_arg)
from ._errors import check, pop_error, pop_read_error
from ._gate import Handle, call, free, handle_caller, own


def _started(name: str, project: Handle, *args: Any, field: str, kind: str) -> Handle:
    """Starts a transfer with ``name(project, *args)``; returns its cancellable handle."""
    handle: Handle = call(name, project, *args, take=lambda result: _own_stream(
        result, field, kind, project))
    return handle


def _own_stream(result: Any, field: str, kind: str, project: Handle) -> Handle:
    return own(result, field, f"uplink_free_{field}_result", kind, parent=project,
               cancellable=True)


# ---------------------------------------------------------------------------
# Upload

def upload_object(project: Handle, bucket: str, key: str,
                  options: Optional[UploadOptions]) -> Handle:
    """Starts an upload."""
    return _started("uplink_upload_object", project, encode(bucket, "bucket_name"),
                key_arg(key, "storj_path"), upload_options(options),
                    field="upload", kind="upload")


def upload_object2(project: Handle, bucket: str, key: str, options: Optional[UploadOptions],
                   retention: Optional[Retention], legal_hold: bool,
                   if_none_match: Optional[str]) -> Handle:
    """Starts an upload with retention, legal hold or if-none-match."""
    if options is not None:
        expect(options, UploadOptions, "upload_options")
    expires = expiry(options.expires, "upload_options.expires") if options else 0
    match = None
    if if_none_match is not None:
        match = encode(if_none_match, "if_none_match")
        if match not in (b"", b"*"):
            raise ValueError(f'if_none_match must be "*" (or None), got {if_none_match!r}')
    struct = d._UploadOptionsV2Struct(expires, retention_struct(retention, "retention"),
                                      flag(legal_hold, "legal_hold"), match)
    return _started("uplink_upload_object2", project, encode(bucket, "bucket_name"),
                key_arg(key, "storj_path"), byref(struct),
                    field="upload", kind="upload")


def upload_part(project: Handle, bucket: str, key: str, upload_id: str,
                part_number: int) -> Handle:
    """Starts the upload of one part."""
    number = integer(part_number, "part_number", 0, INT32[1])
    return _started("uplink_upload_part", project, encode(bucket, "bucket_name"),
                key_arg(key, "key"), encode(upload_id, "upload_id"), number,
                    field="part_upload", kind="part upload")


# The calls that differ between a whole-object upload and a part upload.
_WRITER_CALLS = {
    "upload": ("uplink_upload_write", "uplink_upload_commit", "uplink_upload_abort"),
    "part upload": ("uplink_part_upload_write", "uplink_part_upload_commit",
                    "uplink_part_upload_abort"),
}


def _take_written(result: Any) -> int:
    try:
        exc = pop_error(result)
        written = int(result.bytes_written)
    finally:
        free("uplink_free_write_result", result)
    if exc is not None:
        raise exc
    return written


def upload_write(upload: Handle, data: Any, size: Any) -> int:
    """Writes ``size`` bytes of ``data`` (all when None) to an upload or part upload;
    returns the count written."""
    write_name = _WRITER_CALLS[upload.kind][0]
    with readable_buffer(data, size, "data_to_write", "size_to_write") as (pointer, count):
        if count == 0:
            upload.check()
            return 0
        written: int = call(write_name, upload, pointer, count, take=_take_written)
        return written


def upload_commit(upload: Handle) -> None:
    """Commits an upload or part upload."""
    call(_WRITER_CALLS[upload.kind][1], upload, take=check)


def upload_abort(upload: Handle) -> None:
    """Aborts an upload or part upload."""
    call(_WRITER_CALLS[upload.kind][2], upload, take=check)


def close_upload(upload: Handle, abort: bool) -> None:
    """Frees an upload or part upload, aborting it first when ``abort``; a call in
    progress on another thread is interrupted and raises ClosedError."""
    upload.release(close=_WRITER_CALLS[upload.kind][2] if abort else None)


def upload_info(upload: Handle) -> Object:
    """The object being (or just) uploaded."""
    info: Object = call("uplink_upload_info", upload, take=OBJECT)
    return info


def upload_info_versioned(upload: Handle) -> VersionedObject:
    """The uploaded object with its version (complete after commit)."""
    info: VersionedObject = call("uplink_upload_info_versioned", upload, take=VERSIONED_OBJECT)
    return info


def upload_set_custom_metadata(upload: Handle, metadata: Any) -> None:
    """Sets the custom metadata the upload will commit."""
    call("uplink_upload_set_custom_metadata", upload, custom_metadata(metadata), take=check)


# ---------------------------------------------------------------------------
# Download

# Go may return 0 bytes without an error at segment boundaries (storj/uplink#99);
# past this many in a row the download is declared stuck rather than spun on.
_MAX_EMPTY_READS = 10_000

# read(n) allocates at most this much (Storj's segment size); it may return
# fewer bytes than asked anyway, so a huge n never means a huge allocation.
MAX_READ_SIZE = 64 * 1024 * 1024


def download_object(project: Handle, bucket: str, key: str,
                    options: Optional[DownloadOptions]) -> Handle:
    """Starts a download."""
    return _started("uplink_download_object", project, encode(bucket, "bucket_name"),
                key_arg(key, "storj_path"), download_options(options),
                    field="download", kind="download")


def download_object_version(project: Handle, bucket: str, key: str, version: Any,
                            options: Optional[DownloadOptions]) -> Handle:
    """Starts a download of one version of an object."""
    data, length = version_arg(version)
    return _started("uplink_download_object_version", project, encode(bucket, "bucket_name"),
                key_arg(key, "storj_path"), data, length, download_options(options),
                    field="download", kind="download")


def _take_read(result: Any) -> Tuple[int, bool]:
    if not result.error:  # the common case: nothing to free (the error is all it owns)
        return int(result.bytes_read), False
    try:
        eof = pop_read_error(result)
        got = int(result.bytes_read)
    finally:
        free("uplink_free_read_result", result)
    return got, eof


# The streaming read waits for the first byte, then returns all that is
# already downloaded and decrypted (libuplinkc reads ahead on a goroutine):
# what a streaming consumer wants, in one call rather than one per 7 KiB
# block. The full read fills the buffer in one native call, returning early
# only at the end of the object or an error.
_read_one = handle_caller("uplink_download_read_some", _take_read)
_read_full = handle_caller("uplink_download_read_full", _take_read)


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


def download_info(download: Handle) -> Object:
    """The object being downloaded."""
    info: Object = call("uplink_download_info", download, take=OBJECT)
    return info


def download_info_versioned(download: Handle) -> VersionedObject:
    """The downloaded object with its version."""
    info: VersionedObject = call("uplink_download_info_versioned", download, take=VERSIONED_OBJECT)
    return info


def close_download_stream(download: Handle) -> None:
    """Closes the download stream (the handle stays until released)."""
    call("uplink_close_download", download, take=check)


def close_download(download: Handle, stream_open: bool) -> None:
    """Frees a download, closing its stream first when ``stream_open``; a call in
    progress on another thread is interrupted and raises ClosedError."""
    download.release(close="uplink_close_download" if stream_open else None)
