"""StorjFile: the file object of ``StorjFileSystem.open``, an fsspec
``AbstractBufferedFile`` (as s3fs's S3File).

Reading goes through fsspec's caches: each miss is one ranged download
(``_fetch_range``), so ``block_size``, every ``cache_type`` and the
``blockcache::``/``simplecache::``/``filecache::`` chains work. Writing fills
``block_size`` buffers; each full one is sent as a part of a multipart upload,
and the object appears when the file is committed: at close, or at the end of
``fs.transaction`` (which aborts every file of the block when it raises). A
file that fits in one buffer is sent as one upload at commit.

Every error is a builtin OSError (FileNotFoundError, PermissionError,
TimeoutError, ...), the Storj error as its cause, as in the other fs calls.
"""

from __future__ import annotations

import contextlib
import errno
import warnings
from typing import TYPE_CHECKING, Any, Dict, Iterator, Optional

from fsspec.asyn import AbstractAsyncStreamedFile
from fsspec.spec import AbstractBufferedFile

from . import errors
from .module_classes import DownloadOptions, UploadOptions
from .multipart import MIN_PART_SIZE

if TYPE_CHECKING:
    from ._aio_files import AsyncObjectReader, AsyncObjectWriter
    from .fs import StorjFileSystem
    from .project import Project

__all__ = ["StorjFile", "StorjAsyncFile"]


@contextlib.contextmanager
def file_errors(path: str) -> Iterator[None]:
    """Raises every StorjException as the builtin OSError that matches it."""
    from .fs import _translated  # pylint: disable=import-outside-toplevel
    try:
        with _translated(path):
            yield
    except (errors.ClosedError, errors.ForkError):
        raise   # a closed file is a ValueError, as in io; a fork is no I/O error
    except TimeoutError as exc:
        if isinstance(exc, errors.StorjException):
            raise TimeoutError(errno.ETIMEDOUT, exc.message or "timed out", path) from exc
        raise
    except errors.StorjException as exc:
        raise OSError(errno.EIO, exc.message or type(exc).__name__, path) from exc


class StorjFile(AbstractBufferedFile):  # type: ignore[misc]
    """An object opened through StorjFileSystem: ``"rb"`` (seekable, cached ranged
    reads), ``"wb"`` or ``"xb"`` (FileExistsError when the object exists).

    ``block_size`` is the read size of the cache, and for writes the part size
    (at least 5 MiB; by default the file system's transfer_config ``part_size``).
    Leaving a ``with`` block with an exception, ``discard()``, or dropping an
    unclosed file stores nothing. ``custom_metadata`` and ``expires`` apply to
    the stored object; ``version`` (bytes) reads an older version.
    """

    fs: "StorjFileSystem"

    def __init__(self, fs: "StorjFileSystem", path: str, mode: str = "rb",
                 block_size: Any = "default", autocommit: bool = True,
                 cache_type: str = "readahead", cache_options: Optional[Dict[str, Any]] = None,
                 size: Optional[int] = None, **kwargs: Any) -> None:
        if mode in ("ab", "ba"):
            raise ValueError("mode 'ab' is not supported: Storj objects cannot be appended "
                             "to; read the object and write it again in full")
        bucket, key = fs._split(path)
        if not key:
            raise IsADirectoryError(errno.EISDIR, "a bucket is no file", path)
        self.bucket = bucket
        self.key = key
        self.version: Optional[bytes] = kwargs.pop("version", None)
        self._metadata = kwargs.pop("custom_metadata", None)
        expires = kwargs.pop("expires", None)
        self._options = UploadOptions(expires=expires) if expires is not None else None
        self._upload_id: Optional[str] = None
        self._parts = 0
        self._pending: Optional[bytes] = None   # a file of one buffer, sent at commit
        self._finished = False
        if mode in ("wb", "xb") and block_size in ("default", None):
            block_size = fs.transfer_config.part_size
        elif mode in ("wb", "xb") and block_size < MIN_PART_SIZE:
            raise ValueError(f"block_size for writing must be at least {MIN_PART_SIZE} "
                             f"bytes (the smallest part), not {block_size}")
        if mode == "rb" and self.version is not None and size is None:
            with file_errors(path):
                size = fs.project.stat_object_version(bucket, key, self.version
                                                      ).system.content_length
        self._exclusive = mode == "xb"
        super().__init__(fs, path, mode, block_size, autocommit, cache_type=cache_type,
                         cache_options=cache_options, size=size, **kwargs)

    @property
    def _project(self) -> "Project":
        return self.fs.project

    # -- reading

    def _fetch_range(self, start: int, end: int) -> bytes:
        """The bytes ``[start:end]``, as one ranged download."""
        end = min(end, self.size)
        if end <= start:
            return b""
        options = DownloadOptions(start, end - start)
        with file_errors(self.path):
            with self._project.download_object(self.bucket, self.key, options,
                                               version=self.version) as download:
                data: bytes = download.readall()
        return data

    # -- writing

    def _initiate_upload(self) -> None:
        if self.forced and self.buffer.tell() < self.blocksize:
            return   # one buffer: one upload, at commit
        with file_errors(self.path):
            self._upload_id = self._project.begin_upload(self.bucket, self.key,
                                                         self._options).upload_id

    def _upload_chunk(self, final: bool = False) -> bool:
        data = self.buffer.getvalue()
        if self._upload_id is None:
            self._pending = data
        elif data:
            self._parts += 1
            with file_errors(self.path):
                with self._project.upload_part(self.bucket, self.key, self._upload_id,
                                               self._parts) as part:
                    part.write(data)
        if final and self.autocommit:
            self.commit()
        return True

    def commit(self) -> None:
        """Stores the object (at close, or at the end of ``fs.transaction``);
        raises OSError, and then nothing is stored. Later calls do nothing."""
        if self._finished:
            return
        if not self.forced:
            self.close()   # sends the last part; commits through here when autocommit
            if self._finished:
                return
        self._finished = True
        try:
            with file_errors(self.path):
                if self._upload_id is None:
                    self._put(self._pending or b"")
                else:
                    self._project.commit_upload(self.bucket, self.key, self._upload_id,
                                                self._metadata)
                    self._upload_id = None
        except BaseException:
            self._finished = False
            self.discard()
            raise
        finally:
            self._pending = None

    def _put(self, data: bytes) -> None:
        with self._project.upload_object(self.bucket, self.key, self._options,
                                         if_none_match="*" if self._exclusive else None
                                         ) as upload:
            upload.write(data)
            if self._metadata is not None:
                upload.set_custom_metadata(self._metadata)

    def discard(self) -> None:
        """Stores nothing: aborts the multipart upload, drops the buffers and
        closes the file. Later calls do nothing."""
        if self.readable():
            self.close()
            return
        self._finished = True
        self._pending = None
        self.closed = True
        upload_id, self._upload_id = self._upload_id, None
        if upload_id is not None:
            with contextlib.suppress(errors.StorjException):
                self._project.abort_upload(self.bucket, self.key, upload_id)

    def close(self) -> None:
        """Closes the file; when writing, sends the rest and (unless in a
        transaction) commits. Raises OSError, and then nothing is stored."""
        if self.closed:
            return
        if self.readable():
            super().close()
            return
        try:
            super().close()
        except BaseException:
            self.discard()
            raise

    def __exit__(self, exc_type: Any, *rest: Any) -> None:
        if exc_type is not None and not self.readable():
            self.discard()
        else:
            self.close()

    def __del__(self) -> None:
        # fsspec's would close(), which commits: a file dropped half-written (say, by
        # an exception outside a with block) must not become an object.
        if self.closed or self.readable():
            return
        warnings.warn(f"{self.full_name} was neither closed nor discarded: nothing is stored",
                      ResourceWarning, stacklevel=2, source=self)
        with contextlib.suppress(Exception):
            self.discard()

    def __reduce__(self) -> Any:
        raise TypeError("an open Storj file cannot be pickled")


class StorjAsyncFile(AbstractAsyncStreamedFile):  # type: ignore[misc]
    """The file of ``await fs.open_async(path, mode)``: fsspec's async streamed file
    over ``AsyncProject.open``'s reader or writer.

    ``"rb"``: ``await read(length=-1)`` reads from ``tell()`` (``seek`` moves it,
    as in fsspec's files; the next read then starts a ranged download), ``size``
    is the object's. ``"wb"``/``"xb"``: ``await write(data)`` (parts of the file
    system's transfer_config go out as tasks while the next fills), ``await
    close()`` stores the object (``"xb"``: FileExistsError when the key exists);
    ``await discard()``, or leaving ``async with`` with an exception, stores
    nothing. Errors are builtin OSErrors, as in the other fs calls.
    """

    def __init__(self, fs: "StorjFileSystem", path: str, mode: str,
                 reader: "Optional[AsyncObjectReader]" = None,
                 writer: "Optional[AsyncObjectWriter]" = None) -> None:
        # Not AbstractBufferedFile.__init__: it would stat the object synchronously.
        self.fs = fs
        self.path = path
        self.mode = mode
        self.loc = 0
        self.closed = False
        self.forced = False
        self._reader = reader
        self._writer = writer
        self.size: Optional[int] = None
        self._details: Optional[Dict[str, Any]] = None
        if reader is not None:
            self.details = {"name": path, "size": reader.size, "type": "file"}  # sets size
        self.blocksize = fs.transfer_config.part_size

    async def read(self, length: int = -1) -> bytes:
        """Up to ``length`` bytes from ``tell()`` (all that follows when negative)."""
        length = -1 if length is None else int(length)
        if self._reader is None:
            raise ValueError("File not in read mode")
        if self.closed:
            raise ValueError("I/O operation on closed file.")
        with file_errors(self.path):
            if await self._reader.tell() != self.loc:
                await self._reader.seek(self.loc)
            data = await self._reader.read(length)
        self.loc += len(data)
        return data

    async def write(self, data: Any) -> int:
        """Adds ``data`` (any bytes-like object) to the object; returns its size."""
        if self._writer is None:
            raise ValueError("File not in write mode")
        if self.closed:
            raise ValueError("I/O operation on closed file.")
        with file_errors(self.path):
            written = await self._writer.write(data)
        self.loc += written
        return written

    async def flush(self, force: bool = False) -> None:
        """Nothing to do: full parts are already on their way, the rest goes at close."""
        if self.closed:
            raise ValueError("Flush on closed file")

    async def close(self) -> None:
        """Stores the object (write modes) or ends the download; then the file is
        closed, even when storing failed."""
        await self._end(store=True)

    async def discard(self) -> None:
        """Stores nothing and closes the file (reading: closes it)."""
        await self._end(store=False)

    async def _end(self, store: bool) -> None:
        if self.closed:
            return
        self.closed = True
        with file_errors(self.path):
            if self._reader is not None:
                await self._reader.close()
            elif self._writer is not None and not store:
                await self._writer.abort()
            elif self._writer is not None:
                await self._writer.close()
                self.fs.invalidate_cache(self.path)
                self.fs.invalidate_cache(self.fs._parent(self.path))

    async def __aexit__(self, exc_type: Any, *rest: Any) -> None:
        if exc_type is not None:
            await self.discard()
        else:
            await self.close()

    def __del__(self) -> None:
        pass  # an unclosed writer's own finalizer aborts its upload

    def __reduce__(self) -> Any:
        raise TypeError("an open Storj object cannot be pickled")

    def __repr__(self) -> str:
        return f"<StorjAsyncFile {self.path} {self.mode}{' closed' if self.closed else ''}>"
