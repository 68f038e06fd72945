"""Objects as standard binary file objects: Project.open.

Reading gives an :class:`ObjectReader`, an ``io.BufferedReader`` over a raw
stream that turns ``seek`` into ranged downloads: a seek only moves the
position, the bytes it skips are never fetched. Reading from the start
streams the whole object through one download; after a seek, each download
covers ``buffer_size`` bytes (or what the read asked for) until the reads go
on sequentially past its end, when the next one runs to the end of the
object. Every read is of the version that was the latest when the file was
opened; in a bucket without versioning, where an overwrite replaces the
object, a read after the object was replaced raises FailedPreconditionError
rather than mix two objects' bytes.

Writing gives an :class:`ObjectWriter`, which stores the object when it is
closed (at the end of a ``with`` block) and discards it when the block
raises or when it is ``abort()``-ed.
"""

from __future__ import annotations

import contextlib
import io
import threading
import warnings
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, List, Mapping, Optional, TypeVar, Union

from ._args import at_least
from .errors import ClosedError, FailedPreconditionError, InternalError, StorjException
from .module_classes import CustomMetadata, DownloadOptions, Object, UploadOptions
from .transfer import TransferConfig

if TYPE_CHECKING:
    import datetime

    from .download import Download
    from .module_classes import VersionedObject
    from .project import Project
    from .upload import Upload

# Big enough that a read from a file opened on the network is not dominated by
# the cost of one native call, small enough to hold one per open file.
DEFAULT_BUFFER_SIZE = 1024 * 1024

Metadata = Optional[Union[CustomMetadata, Mapping[Any, Any]]]


def seek_target(position: int, size: int, offset: int, whence: int) -> int:
    """The position a seek(offset, whence) moves to; raises TypeError/ValueError."""
    if isinstance(offset, bool) or not isinstance(offset, int):
        raise TypeError(f"offset must be an int, not {type(offset).__name__}")
    if whence == io.SEEK_SET:
        target = offset
    elif whence == io.SEEK_CUR:
        target = position + offset
    elif whence == io.SEEK_END:
        target = size + offset
    else:
        raise ValueError(f"whence must be 0, 1 or 2, not {whence!r}")
    if target < 0:
        raise ValueError(f"cannot seek to a negative position ({target})")
    return target


def range_length(position: int, size: int, wanted: int, block_size: int) -> int:
    """The length of the ranged download a read of ``wanted`` bytes at ``position``
    (after a seek) opens: at least ``block_size``; -1 when it runs to the end."""
    length = max(wanted, block_size)
    return -1 if position + length >= size else length


def check_same_object(opened: "VersionedObject", info: Object, name: str) -> None:
    """Refuses a range of another object than the one opened: a bucket without
    versioning has no version to pin, and an overwrite replaces the object."""
    system, first = info.system, opened.system
    if (system.created, system.content_length) != (first.created, first.content_length):
        raise FailedPreconditionError(f"{name} was replaced while it was read")


def open_mode(mode: str, version: Optional[bytes], custom_metadata: Metadata, expires: Any,
              transfer_config: Optional[TransferConfig]) -> Optional[bool]:
    """Checks the mode of an open and the keywords that apply to it: None to
    read, False to write, True to write exclusively ("xb")."""
    if mode in ("rb", "br"):
        for name, value in (("custom_metadata", custom_metadata), ("expires", expires),
                            ("transfer_config", transfer_config)):
            if value is not None:
                raise TypeError(f"{name} applies to mode 'wb' only")
        return None
    if mode in ("wb", "bw", "xb", "bx"):
        if version is not None:
            raise TypeError("version applies to mode 'rb' only")
        return "x" in mode
    raise ValueError(f"mode must be 'rb', 'wb' or 'xb', not {mode!r} (wrap a binary file "
                     "in io.TextIOWrapper for text)")


def check_metadata(custom_metadata: Metadata) -> None:
    """Raises TypeError unless ``custom_metadata`` is None, a CustomMetadata or a dict."""
    if custom_metadata is not None and not isinstance(custom_metadata,
                                                      (CustomMetadata, Mapping)):
        raise TypeError("custom_metadata must be a CustomMetadata or a dict, "
                        f"not {type(custom_metadata).__name__}")


class ObjectFile:
    """What every file over a Storj object shares, sync or async: its address as
    ``name``, its ``mode``, and no pickling (it holds native handles)."""

    bucket_name: str
    key: str
    _MODE = "rb"

    @property
    def name(self) -> str:
        """The object's address, ``sj://bucket/key``."""
        return f"sj://{self.bucket_name}/{self.key}"

    @property
    def mode(self) -> str:
        """``"rb"`` for a reader, ``"wb"`` for a writer."""
        return self._MODE

    def __reduce__(self) -> Any:
        raise TypeError("an open Storj object cannot be pickled")


class RawObjectReader(ObjectFile, io.RawIOBase):
    """A seekable raw binary stream over one version of an object, under the
    buffer of an ObjectReader. Raises StorjException while reading."""

    def __init__(self, project: "Project", bucket_name: str, key: str, *,
                 version: Optional[bytes] = None,
                 block_size: int = DEFAULT_BUFFER_SIZE) -> None:
        super().__init__()
        self._project = project
        self.bucket_name = bucket_name
        self.key = key
        self._block_size = at_least(block_size, "buffer_size", 1)
        self._download: Optional["Download"] = None
        self._range_end: Optional[int] = None   # end of the open download; None: the object's
        # Opening the download at once costs no more than a stat (one request to the
        # satellite) and tells the size and the version to pin later ranges to.
        self._download = project.download_object(bucket_name, key, version=version)
        try:
            info = self._download.versioned_info()
        except BaseException:
            self.close()
            raise
        self.object: "VersionedObject" = info
        self.size = info.system.content_length
        self._version = info.version or version
        self._position = 0

    def readable(self) -> bool:
        self._check_open()
        return True

    def seekable(self) -> bool:
        self._check_open()
        return True

    def tell(self) -> int:
        self._check_open()
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Moves the position (past the end is allowed: reads there return nothing).
        Downloads nothing. Raises ValueError for a negative result or a bad whence."""
        self._check_open()
        target = seek_target(self._position, self.size, offset, whence)
        if target != self._position:
            self._close_download()
            self._position = target
        return target

    def readinto(self, buffer: Any) -> int:
        """Fills ``buffer`` from the current position; returns the byte count, 0 at
        the end. Raises StorjException."""
        self._check_open()
        with memoryview(buffer) as view, view.cast("B") as target:
            wanted = min(len(target), self.size - self._position)
            if wanted <= 0:
                return 0
            while True:
                download = self._download or self._open_range(wanted)
                count = download.readinto(target[:wanted])
                if count:
                    self._position += count
                    return count
                if self._range_end != self._position:
                    raise InternalError(f"{self.name} ended after {self._position} of its "
                                        f"{self.size} bytes")
                # Reading went on past a range: from here on it is sequential.
                self._close_download()
                self._open_to_end()

    def readall(self) -> bytes:
        """Reads the rest of the object in one buffer of its size (io's default
        would read 8 KiB at a time)."""
        self._check_open()
        buffer = bytearray(max(self.size - self._position, 0))
        filled = 0
        with memoryview(buffer) as view:
            while filled < len(buffer):
                count = self.readinto(view[filled:])
                if not count:
                    break
                filled += count
        del buffer[filled:]
        return bytes(buffer)

    def _open_range(self, wanted: int) -> "Download":
        length = range_length(self._position, self.size, wanted, self._block_size)
        if length < 0:
            return self._open_to_end()
        self._download = self._checked(self._project.download_object(
            self.bucket_name, self.key, DownloadOptions(offset=self._position, length=length),
            version=self._version))
        self._range_end = self._position + length
        return self._download

    def _open_to_end(self) -> "Download":
        self._download = self._checked(self._project.download_object(
            self.bucket_name, self.key, DownloadOptions(offset=self._position, length=-1),
            version=self._version))
        self._range_end = None
        return self._download

    def _checked(self, download: "Download") -> "Download":
        """Refuses a range of another object than the one opened: a bucket without
        versioning has no version to pin, and an overwrite replaces the object."""
        try:
            check_same_object(self.object, download.info(), self.name)
        except BaseException:
            download.close()
            raise
        return download

    def _close_download(self) -> None:
        download, self._download = self._download, None
        if download is not None:
            download.close()

    def _check_open(self) -> None:
        if self.closed:
            raise ClosedError(f"{self.name} is closed")

    def close(self) -> None:
        """Stops the download in progress; later calls do nothing."""
        try:
            if not self.closed:
                self._close_download()
        finally:
            super().close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"at {self._position} of {self.size}"
        return f"<RawObjectReader {self.name} {state}>"


class ObjectReader(io.BufferedReader):
    """A readable, seekable binary file over one version of an object, from
    ``Project.open(bucket, key)``: an ``io.BufferedReader``, with ``size``
    (bytes) and ``object`` (the VersionedObject read) beside. ``name`` is
    ``"sj://bucket/key"``. Raises StorjException while reading.
    """

    def __init__(self, raw: RawObjectReader, buffer_size: int = DEFAULT_BUFFER_SIZE) -> None:
        super().__init__(raw, buffer_size)
        self.size = raw.size
        self.object = raw.object
        self.bucket_name = raw.bucket_name
        self.key = raw.key

    def __reduce__(self) -> Any:
        raise TypeError("an open Storj object cannot be pickled")

    def __repr__(self) -> str:
        return f"<ObjectReader {self.name}{' closed' if self.closed else ''}>"


_WriterSelf = TypeVar("_WriterSelf", bound="ObjectWriter")


class ObjectWriter(ObjectFile, io.BufferedIOBase):
    """A binary file object that becomes one object when it is closed.

    From ``Project.open(bucket, key, "wb")``. ``close()`` (or the end of a
    ``with`` block) commits; ``abort()``, or a ``with`` block that raises,
    stores nothing. With ``concurrency`` 1 the bytes stream straight into one
    upload; so do they with ``exclusive`` (mode ``"xb"``), where the commit
    raises FailedPreconditionError when the key exists. Otherwise they are gathered in ``part_size`` buffers: an object
    that fits in one is sent as one upload at close, a larger one as a
    multipart upload whose full parts go out on ``concurrency - 1`` threads
    while the caller fills the next, so up to ``concurrency`` x ``part_size``
    bytes are held.
    A writer dropped without close or abort stores nothing and warns
    (ResourceWarning), as it cannot tell a finished file from a failed one.
    """

    def __init__(self, project: "Project", bucket_name: str, key: str, *,
                 custom_metadata: Metadata = None,
                 expires: "Union[int, datetime.datetime, None]" = None,
                 part_size: Optional[int] = None, concurrency: Optional[int] = None,
                 exclusive: bool = False,
                 transfer_config: Optional[TransferConfig] = None) -> None:
        # Fail now, not at close, when the project is closed.
        project._handle.check()  # pylint: disable=protected-access
        super().__init__()
        self._project = project
        self.bucket_name = bucket_name
        self.key = key
        config = TransferConfig.of(transfer_config, part_size, concurrency).for_upload()
        self._part_size, self._concurrency = config.part_size, config.concurrency
        check_metadata(custom_metadata)
        self._metadata = custom_metadata
        self._options = UploadOptions(expires=expires) if expires is not None else None
        self._written = 0
        self._done = False
        self.object: Optional[Object] = None
        self._upload: Optional["Upload"] = None
        self._buffer = bytearray()
        self._upload_id: Optional[str] = None
        self._parts: List["Future[None]"] = []
        self._pool: Optional[ThreadPoolExecutor] = None
        self._slots = threading.Semaphore(max(self._concurrency - 1, 1))
        if exclusive:
            # Only a single upload can be made conditional on the key being free.
            self._upload = project.upload_object(bucket_name, key, self._options,
                                                 if_none_match="*")
        elif self._concurrency == 1:
            self._upload = project.upload_object(bucket_name, key, self._options)

    _MODE = "wb"

    def writable(self) -> bool:
        self._check_open()
        return True

    def tell(self) -> int:
        """The number of bytes written so far."""
        self._check_open()
        return self._written

    def write(self, data: Any) -> int:
        """Takes all of a bytes-like object; returns its length. Raises StorjException
        (from a part sent earlier), TypeError for a non-buffer."""
        self._check_open()
        with memoryview(data) as view, view.cast("B") as chunk:
            count = len(chunk)
            if self._upload is not None:
                self._upload.write(chunk)
            else:
                self._gather(chunk)
        self._written += count
        return count

    def _gather(self, chunk: memoryview) -> None:
        self._raise_failed_part()
        start = 0
        while start < len(chunk):
            room = self._part_size - len(self._buffer)
            self._buffer += chunk[start:start + room]
            start += room
            if len(self._buffer) == self._part_size:
                self._send_part()

    def _send_part(self) -> None:
        if self._upload_id is None:
            self._upload_id = self._project.begin_upload(
                self.bucket_name, self.key, self._options).upload_id
            self._pool = ThreadPoolExecutor(max_workers=max(self._concurrency - 1, 1),
                                            thread_name_prefix="uplink-writer")
        data, self._buffer = self._buffer, bytearray()
        number = len(self._parts) + 1
        # Wait for a free slot, so that at most concurrency buffers exist at once.
        self._slots.acquire()
        assert self._pool is not None
        try:
            self._parts.append(self._pool.submit(self._put_part, self._upload_id, number, data))
        except BaseException:
            self._slots.release()
            raise

    def _put_part(self, upload_id: str, number: int, data: bytearray) -> None:
        try:
            with self._project.upload_part(self.bucket_name, self.key, upload_id,
                                           number) as part:
                part.write(data)
        finally:
            self._slots.release()

    def _raise_failed_part(self) -> None:
        for part in self._parts:
            if part.done() and part.exception() is not None:
                raise part.exception()  # type: ignore[misc]

    def flush(self) -> None:
        """Does nothing but check the file is open: nothing is visible before close()."""
        self._check_open()

    def close(self) -> None:
        """Commits the object (``object`` then holds it); later calls do nothing.
        Raises StorjException, and then nothing is stored."""
        if self.closed:
            return
        try:
            if not self._done:
                self._done = True
                self.object = self._commit()
        except BaseException:
            self._discard()
            raise
        finally:
            super().close()

    def _commit(self) -> Object:
        if self._upload is not None:
            upload = self._upload
            if self._metadata is not None:
                upload.set_custom_metadata(self._metadata)
            upload.commit()
            stored: Object = upload.info()
            self._upload = None
            upload.close()
            return stored
        if self._upload_id is None:
            with self._project.upload_object(self.bucket_name, self.key,
                                             self._options) as upload:
                upload.write(self._buffer)
                if self._metadata is not None:
                    upload.set_custom_metadata(self._metadata)
                upload.commit()
                self._buffer = bytearray()
                return upload.info()
        if self._buffer:
            self._send_part()
        for part in self._parts:
            part.result()
        self._shutdown_pool()
        stored = self._project.commit_upload(self.bucket_name, self.key, self._upload_id,
                                             self._metadata)
        self._upload_id = None
        return stored

    def abort(self) -> None:
        """Discards what was written and closes the file; nothing is stored.
        Later calls do nothing."""
        if self.closed:
            return
        self._done = True
        try:
            self._discard()
        finally:
            super().close()

    def _discard(self) -> None:
        self._buffer = bytearray()
        upload, self._upload = self._upload, None
        if upload is not None:
            with contextlib.suppress(StorjException):
                upload.abort()   # fails only when a failed commit finished it already
            upload.close()
        for part in self._parts:
            part.cancel()
        self._shutdown_pool()
        upload_id, self._upload_id = self._upload_id, None
        if upload_id is not None:
            try:
                self._project.abort_upload(self.bucket_name, self.key, upload_id)
            except StorjException:
                pass  # the error that made us discard matters more

    def _shutdown_pool(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def _check_open(self) -> None:
        if self.closed:
            raise ClosedError(f"{self.name} is closed")

    def __enter__(self: _WriterSelf) -> _WriterSelf:
        self._check_open()
        return self

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def __del__(self) -> None:
        # io.IOBase would close(), which commits: a file dropped half-written (say,
        # by an exception outside a with block) must not become an object.
        if getattr(self, "_done", True) or self.closed:
            return
        if self._written:
            warnings.warn(f"{self.name} was neither closed nor aborted: nothing is stored",
                          ResourceWarning, stacklevel=2, source=self)
        try:
            self.abort()
        except Exception:  # pylint: disable=broad-except
            pass  # a finalizer must not raise

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"{self._written} bytes written"
        return f"<ObjectWriter {self.name} {state}>"


def open_object(project: "Project", bucket_name: str, key: str, mode: str = "rb", *,
                buffer_size: int = DEFAULT_BUFFER_SIZE, version: Optional[bytes] = None,
                custom_metadata: Metadata = None,
                expires: "Union[int, datetime.datetime, None]" = None,
                part_size: Optional[int] = None, concurrency: Optional[int] = None,
                transfer_config: Optional[TransferConfig] = None
                ) -> Union[ObjectReader, ObjectWriter]:
    """What Project.open does (see there)."""
    exclusive = open_mode(mode, version, custom_metadata, expires, transfer_config)
    if exclusive is None:
        raw = RawObjectReader(project, bucket_name, key, version=version,
                              block_size=buffer_size)
        return ObjectReader(raw, buffer_size)
    return ObjectWriter(project, bucket_name, key, custom_metadata=custom_metadata,
                        expires=expires, part_size=part_size, concurrency=concurrency,
                        exclusive=exclusive, transfer_config=transfer_config)
