"""Upload: a writable stream to one object, committed as a whole or not at all."""

from __future__ import annotations

import io
import warnings
from typing import TYPE_CHECKING, Any, Mapping, Optional, TypeVar, Union

from . import _native
from ._native import calls
from ._args import binary_source, check_buffer_size
from .errors import ClosedError, UploadDoneError
from .module_classes import CustomMetadata, Object, VersionedObject

if TYPE_CHECKING:
    from .project import Project
    from .uplink import Uplink

_COPY_BUFSIZE = 1024 * 1024

_W = TypeVar("_W", bound="UploadStream")


class UploadStream(io.RawIOBase):
    """What Upload and PartUpload share: a writable, zero-copy stream that is a
    transaction. Write the data, then ``commit()``; as a context manager it
    commits when the block ends normally and aborts when it raises.
    ``close()`` aborts what was not committed and frees the native handle; a
    forgotten stream is freed (and never committed) when collected.
    """

    _WHAT = "upload"
    # The rows that differ between a whole-object upload and a part upload.
    _WRITE, _COMMIT, _ABORT = calls.upload_write, calls.upload_commit, calls.upload_abort

    def __init__(self, handle: _native.Handle) -> None:
        super().__init__()
        self._handle = handle
        self._finished = False
        self._cancelled = False
        self._wrote = False

    def write(self, data_to_write: Any, size_to_write: Optional[int] = None) -> int:
        """Uploads the first ``size_to_write`` bytes (default: all) of a bytes-like object
        without copying it. Returns the number of bytes written.

        Raises StorjException (ClosedError once closed, CancelledError after cancel()),
        TypeError for a non-buffer, ValueError when size_to_write is negative or larger
        than the data.
        """
        self._check_not_finished()
        count = _native.write(self._WRITE, self._handle, data_to_write, size_to_write)
        self._wrote = self._wrote or count > 0
        return count

    def readable(self) -> bool:
        if not self._handle.alive:
            raise ClosedError(f"the {self._WHAT} is closed")
        return False

    def _write_only(self, *_args: Any, **_kwargs: Any) -> Any:
        self.readable()  # ClosedError once closed, as io's files do
        raise io.UnsupportedOperation(f"this {self._WHAT} is write-only: it cannot be read")

    # io.RawIOBase would raise NotImplementedError, or OverflowError for a huge size.
    read = readall = readinto = readline = readlines = _write_only

    def write_file(self, file_handle: Any, buffer_size: int = 0) -> int:
        """Uploads everything left in a binary file object (read in ``buffer_size`` chunks,
        default 1 MiB). Does not commit. Returns the number of bytes written.
        Raises TypeError for a text or non-file object, ValueError for a bad buffer_size."""
        size = check_buffer_size(buffer_size) or _COPY_BUFSIZE
        self._handle.check()  # fail when closed
        self._check_not_finished()
        readinto = binary_source(file_handle, "file_handle")
        buffer = bytearray(size)
        total = 0
        with memoryview(buffer) as view:
            while True:
                if readinto is not None:
                    count = readinto(view)
                    if not count:
                        break
                    total += self.write(view, count)
                else:
                    chunk = file_handle.read(size)
                    if not chunk:
                        break
                    total += self.write(chunk)
        return total

    def commit(self) -> None:
        """Makes the written data permanent. Raises StorjException (UploadDoneError when
        already committed or aborted, CancelledError after cancel())."""
        try:
            self._COMMIT(self._handle)
        finally:
            # Go uplink takes a commit that failed as done (it refuses a second commit
            # and an abort alike), and libuplinkc has aborted a cancelled transfer:
            # either way close() has nothing left to abort.
            self._finished = True

    def abort(self) -> None:
        """Throws the written data away; nothing is stored. Raises StorjException."""
        self._ABORT(self._handle)
        self._finished = True

    def writable(self) -> bool:
        if not self._handle.alive:
            raise ClosedError(f"the {self._WHAT} is closed")
        return True

    def cancel(self) -> None:
        """Stops the transfer from any thread: the call in progress (and any later one)
        raises CancelledError and nothing is stored (libuplinkc aborts it). It must still
        be closed. Raises ClosedError once closed."""
        self._cancelled = True
        _native.cancel(self._handle)

    @property
    def cancelled(self) -> bool:
        """True once cancel() was called."""
        return self._cancelled

    def _check_not_finished(self) -> None:
        # Go reports a write after commit/abort as a plain error; say what it is.
        if self._finished and self._handle.alive:
            raise UploadDoneError(f"the {self._WHAT} was already committed or aborted")

    def close(self) -> None:
        """Aborts unless committed or aborted, then frees the native handle.
        Later calls do nothing. Warns (ResourceWarning) when written data is thrown
        away that way: call commit() or abort() first."""
        self._close(warn=True)

    def _forgotten(self) -> bool:
        """True when data was written and neither commit(), abort() nor cancel() followed."""
        return self._handle.alive and self._wrote and not self._finished and not self._cancelled

    def _warn_forgotten(self, how: str) -> None:
        warnings.warn(f"{self!r} was {how} without commit() or abort(): its data was "
                      "discarded", ResourceWarning, stacklevel=3, source=self)

    def _close(self, warn: bool) -> None:
        if warn and self._forgotten():
            self._warn_forgotten("closed")
        try:
            abort = self._handle.alive and not self._finished
            self._finished = True
            try:
                self._handle.release(close=self._ABORT if abort else None)
            except UploadDoneError:
                pass  # Go holds it finished already: there is nothing to abort
        finally:
            super().close()

    def __enter__(self: _W) -> _W:
        self._handle.check()  # fail early when closed
        return self

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        if exc_type is None and not self._finished:
            try:
                self.commit()
            except BaseException:
                self._close_quietly()
                raise
        if exc_type is None:
            self.close()
        else:
            self._close_quietly()

    def _close_quietly(self) -> None:
        try:
            self._close(warn=False)   # the with block aborts on purpose
        except Exception:  # pylint: disable=broad-except
            pass  # the exception already propagating matters more than a failed abort

    def __del__(self) -> None:
        # Freeing the handle cancels an unfinished transfer without a network call.
        handle = getattr(self, "_handle", None)
        if handle is not None:
            if getattr(self, "_wrote", False) and self._forgotten():
                self._warn_forgotten("collected")
            handle.release()

    def __reduce__(self) -> Any:
        raise TypeError(f"{type(self).__name__} objects cannot be pickled")

    def _state(self) -> str:
        if not self._handle.alive:
            return "closed"
        if self._cancelled:
            return "cancelled"
        return "finished" if self._finished else "open"


class Upload(UploadStream):
    """An upload in progress, from Project.upload_object.

    Write the data, then ``commit()``. As a context manager it commits when
    the block ends normally and aborts when it raises. ``close()`` aborts an
    upload that was not committed and frees it; a forgotten upload is freed
    (and never committed) when collected. It is an ``io.RawIOBase``, so
    ``shutil.copyfileobj(source, upload)`` works.
    """

    def __init__(self, handle: _native.Handle, uplink: Optional["Uplink"] = None,
                 project: Optional["Project"] = None, bucket_name: str = "",
                 storj_path: str = "") -> None:
        super().__init__(handle)
        self.uplink = uplink
        self.project = project
        self.bucket_name = bucket_name
        self.storj_path = storj_path

    @property
    def upload(self) -> Any:
        """The native handle in the original uplink-python's shape: a ctypes
        pointer to a copy of the C struct (``.contents._handle`` is its id).
        Read-only; raises ClosedError once closed."""
        return self._handle.c_pointer()

    def set_custom_metadata(self, custom_metadata: Union[CustomMetadata, Mapping[Any, Any]]
                            ) -> None:
        """Sets the custom metadata stored at commit (a CustomMetadata or a dict).
        Raises StorjException, TypeError for other types."""
        calls.upload_set_custom_metadata(self._handle, custom_metadata)

    def info(self) -> Object:
        """Returns the object as known so far (after commit: as stored). Raises StorjException."""
        return calls.upload_info(self._handle)

    def versioned_info(self) -> VersionedObject:
        """Like info(), with the version the upload created (known after commit).
        Raises StorjException."""
        return calls.upload_info_versioned(self._handle)

    def __repr__(self) -> str:
        return f"<Upload {self.bucket_name}/{self.storj_path} {self._state()}>"
