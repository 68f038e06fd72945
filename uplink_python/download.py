"""Download: a readable stream of one object."""

from __future__ import annotations

import io
import sys
import threading
from typing import TYPE_CHECKING, Any, Iterator, List, Optional, Tuple, TypeVar

from . import _native
from ._args import binary_target, check_buffer_size
from ._native import calls
from .errors import ClosedError
from .module_classes import Object, VersionedObject

if TYPE_CHECKING:
    from .project import Project
    from .uplink import Uplink

_COPY_BUFSIZE = 1024 * 1024
# read_file writes what it read while the bytes are still in the CPU cache
# (see transfer.WRITE_CHUNK_SIZE).
_WRITE_BUFSIZE = 256 * 1024
# read(n) below _SMALL_READ, readline and iteration ask the library for what
# has arrived, up to _SPARE_SIZE, and keep the rest for the next calls, so a
# loop of small reads costs one native call per 256 KiB rather than one per
# call (16 MiB by read(4096): client CPU 1.16x -> 1.10x Go's against 64 KiB).
_SMALL_READ = 64 * 1024
_SPARE_SIZE = 256 * 1024


_Self = TypeVar("_Self", bound="Download")


class Download:
    """A download in progress, from Project.download_object.

    ``read(n)`` keeps the original ``(data, size)`` shape, so a Download is not
    an ``io`` object: ``download.reader()`` (or ``Project.open``) gives a
    standard binary stream for ``shutil.copyfileobj``, ``json.load`` and the
    like. ``readinto`` fills a caller's buffer without copying; ``readline``
    and iteration yield bytes. Close it, or use it as a context manager; it
    keeps its Project alive.
    """

    def __init__(self, handle: _native.Handle, uplink: Optional["Uplink"] = None,
                 project: Optional["Project"] = None, bucket_name: str = "",
                 storj_path: str = "") -> None:
        self._handle = handle
        self._eof = False
        # Bytes that a small read fetched beyond what it returned: _spare[_spare_at:].
        self._spare = b""
        self._spare_at = 0
        self._cancelled = False
        # The reads take turns, so the spare bytes come out in the stream's order.
        self._turn = threading.Lock()
        self._stream_closed = False
        self.uplink = uplink
        self.project = project
        self.bucket_name = bucket_name
        self.storj_path = storj_path

    @property
    def download(self) -> Any:
        """The native handle in the original uplink-python's shape: a ctypes
        pointer to a copy of the C struct (``.contents._handle`` is its id).
        Read-only; raises ClosedError once closed."""
        return self._handle.c_pointer()

    def read(self, size_to_read: int = -1) -> Tuple[bytes, int]:
        """Reads up to ``size_to_read`` bytes (all that is left when negative).

        Returns ``(data, len(data))``; ``(b"", 0)`` at the end of the object.
        Raises StorjException (ClosedError once closed), TypeError/ValueError for a bad size.
        """
        if type(size_to_read) is not int and (  # pylint: disable=unidiomatic-typecheck
                isinstance(size_to_read, bool) or not isinstance(size_to_read, int)):
            raise TypeError(f"size_to_read must be an int, not {type(size_to_read).__name__}")
        if size_to_read > sys.maxsize:
            raise ValueError(f"size_to_read must be at most {sys.maxsize}, got {size_to_read}")
        if size_to_read < 0:
            data = self.readall()
            return data, len(data)
        self._handle.check_fork()  # before the turn: a fork may have copied it taken
        with self._turn:
            if self._spare:
                spare = self._take_spare(size_to_read)
                if spare is not None:
                    return spare, len(spare)
            if self._eof:
                self._check_at_end()
                return b"", 0
            if 0 < size_to_read < _SMALL_READ:
                data, self._eof = _native.download_read(self._handle, _SPARE_SIZE)
                if len(data) > size_to_read:
                    self._spare, self._spare_at = data, size_to_read
                    data = data[:size_to_read]
            else:
                data, self._eof = _native.download_read(self._handle, size_to_read)
            return data, len(data)

    def _take_spare(self, limit: int) -> Optional[bytes]:
        """Up to ``limit`` of the spare bytes; None when there are none. Raises
        ClosedError once closed, ForkError in a forked child, as a native call
        would. Once the download is cancelled or its project closed, the
        spare bytes are dropped (None), so that the native call that follows
        raises what it would have raised without them. The caller holds the turn."""
        spare, start = self._spare, self._spare_at
        if not spare:
            return None
        self._handle.check()
        if self._interrupted():
            self._spare = b""
            return None
        end = min(start + limit, len(spare))
        if end == len(spare):
            self._spare = b""
        else:
            self._spare_at = end
        return spare[start:end] if start or end != len(spare) else spare

    def _interrupted(self) -> bool:
        """Whether the download was cancelled or its project closed."""
        return self._cancelled or (self.project is not None and not self.project._handle.alive)

    def _check_at_end(self) -> None:
        """At the end of the object a read needs no native call, yet fails as
        one would: ClosedError once closed, and once interrupted whatever the
        library raises (CancelledError after a cancel). The caller holds the turn."""
        self._handle.check()
        if self._interrupted():
            _native.download_read(self._handle, 1)

    def readinto(self, buffer: Any) -> int:
        """Fills a writable bytes-like object without copying; returns the byte
        count, less than its size only at the end of the object (0 there).
        Raises StorjException, TypeError for a read-only buffer."""
        return self._readinto(buffer, full=True)

    def readinto1(self, buffer: Any) -> int:
        """Like readinto, but returns as soon as data arrived, with all that is
        there (at least one byte unless at the end): for consumers that stream
        what arrives rather than wait for a full buffer."""
        return self._readinto(buffer, full=False)

    def _readinto(self, buffer: Any, full: bool) -> int:
        self._handle.check_fork()  # before the turn: a fork may have copied it taken
        with self._turn:
            if self._spare:
                return self._readinto_after_spare(buffer, full)
            if self._eof:
                self._check_at_end()
                _native.check_writable(buffer, "buffer")
                return 0
            count, self._eof = _native.download_readinto(self._handle, buffer, full=full)
            return count

    def _readinto_after_spare(self, buffer: Any, full: bool) -> int:
        """readinto with spare bytes: they come first; a full read then
        fills the rest of the buffer from the library. The caller holds the turn."""
        _native.check_writable(buffer, "buffer")
        with memoryview(buffer) as view, view.cast("B") as target:
            data = self._take_spare(len(target))
            if data is None:  # interrupted: the library says how
                count, self._eof = _native.download_readinto(self._handle, buffer, full=full)
                return count
            count = len(data)
            target[:count] = data
            if full and count < len(target) and not self._eof:
                more, self._eof = _native.download_readinto(self._handle, target[count:],
                                                             full=True)
                count += more
            return count

    def readline(self, size: Optional[int] = -1) -> bytes:
        """Reads one line, up to ``size`` bytes (all of it when negative or None), as
        bytes; so iterating over the download yields lines. Raises StorjException,
        TypeError for a bad size."""
        if size is None:
            size = -1
        if isinstance(size, bool) or not isinstance(size, int):
            raise TypeError(f"size must be an int, not {type(size).__name__}")
        parts: List[bytes] = []
        left = size if size >= 0 else sys.maxsize
        self._handle.check_fork()  # before the turn: a fork may have copied it taken
        with self._turn:
            while left > 0:
                if self._spare:
                    spare, start = self._spare, self._spare_at
                    newline = spare.find(b"\n", start, start + left)
                    data = self._take_spare(newline + 1 - start if newline >= 0 else left)
                    if data is not None:
                        parts.append(data)
                        left -= len(data)
                        if data.endswith(b"\n"):
                            break
                        continue
                if self._eof:
                    self._check_at_end()
                    break
                data, self._eof = _native.download_read(self._handle, _SPARE_SIZE)
                self._spare, self._spare_at = data, 0
        return b"".join(parts)

    def readlines(self, hint: Optional[int] = -1) -> List[bytes]:
        """Reads the remaining lines as a list of bytes (stopping once ``hint`` bytes
        were read, when positive). Raises StorjException."""
        lines: List[bytes] = []
        total = 0
        for line in self:
            lines.append(line)
            total += len(line)
            if hint is not None and 0 < hint <= total:
                break
        return lines

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def readall(self) -> bytes:
        """Reads everything that is left; raises StorjException."""
        chunks: List[bytes] = []
        self._handle.check_fork()  # before the turn: a fork may have copied it taken
        with self._turn:
            spare = self._take_spare(sys.maxsize)
            if spare is not None:
                chunks.append(spare)
            elif self._eof:
                self._check_at_end()
            while not self._eof:
                data, self._eof = _native.download_read(self._handle, _COPY_BUFSIZE, full=True)
                chunks.append(data)
        self._handle.check()  # still fails when closed
        return b"".join(chunks)

    def read_file(self, file_handle: Any, buffer_size: int = 0) -> int:
        """Writes the rest of the object to a binary file object, then closes the
        download stream (info() still works). Returns the number of bytes written.
        Raises TypeError for a text or non-file object, ValueError for a bad buffer_size."""
        size = check_buffer_size(buffer_size) or _WRITE_BUFSIZE
        self._handle.check()  # fail when closed
        binary_target(file_handle, "file_handle")
        buffer = bytearray(size)
        total = 0
        with memoryview(buffer) as view:
            while True:
                count = self.readinto(view)
                if not count:
                    break
                file_handle.write(view[:count])
                total += count
        self._close_stream()
        return total

    def reader(self, buffer_size: int = io.DEFAULT_BUFFER_SIZE) -> io.BufferedReader:
        """Returns an io.BufferedReader over the rest of this download (closing it
        closes the download). Not seekable: Project.open gives a seekable file."""
        self._handle.check()  # fail when closed
        return io.BufferedReader(_RawDownload(self), buffer_size)

    def info(self) -> Object:
        """Returns the object being downloaded; raises StorjException."""
        return calls.download_info(self._handle)

    def versioned_info(self) -> VersionedObject:
        """Like info(), with the version being downloaded; raises StorjException."""
        return calls.download_info_versioned(self._handle)

    def file_size(self) -> int:
        """Returns the size of the whole object in bytes (no network round trip)."""
        return self.info().system.content_length

    @property
    def closed(self) -> bool:
        """True once close() was called."""
        return not self._handle.alive

    def _close_stream(self) -> None:
        if self._handle.alive and not self._stream_closed:
            self._stream_closed = True
            calls.close_download(self._handle)

    def cancel(self) -> None:
        """Stops the download from any thread: the call in progress (and any later one)
        raises CancelledError. The download must still be closed. Raises ClosedError
        once closed."""
        self._cancelled = True  # the spare bytes are not handed out either
        _native.cancel(self._handle)

    def close(self) -> None:
        """Closes the download and frees it; later calls do nothing. A read in
        progress on another thread is interrupted and raises ClosedError.
        Raises StorjException."""
        stream_open = self._handle.alive and not self._stream_closed
        self._stream_closed = True
        self._handle.release(close=calls.close_download if stream_open else None)

    def __enter__(self: _Self) -> _Self:
        self._handle.check()  # fail early when closed
        return self

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        if exc_type is None:
            self.close()
            return
        try:
            self.close()
        except Exception:  # pylint: disable=broad-except
            pass  # the exception already propagating matters more

    def __del__(self) -> None:
        handle = getattr(self, "_handle", None)
        if handle is not None:
            handle.release()

    def __reduce__(self) -> Any:
        raise TypeError("a Download cannot be pickled")

    def __repr__(self) -> str:
        state = "open" if self._handle.alive else "closed"
        return f"<Download {self.bucket_name}/{self.storj_path} {state}>"


class _RawDownload(io.RawIOBase):
    """The io face of a Download, for Download.reader()."""

    def __init__(self, download: Download) -> None:
        super().__init__()
        self._download = download

    @property
    def name(self) -> str:
        return f"sj://{self._download.bucket_name}/{self._download.storj_path}"

    def readable(self) -> bool:
        if self._download.closed:
            raise ClosedError("the download is closed")
        return True

    def readinto(self, buffer: Any) -> int:
        # What arrived: BufferedReader.read1 (and peek) then hand it out
        # instead of waiting for a full buffer.
        return self._download.readinto1(buffer)

    def close(self) -> None:
        try:
            self._download.close()
        finally:
            super().close()
