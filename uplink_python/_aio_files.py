"""Whole files and file objects for uplink_python.aio: AsyncProject.upload_file,
download_file and open.

The planning is the sync one's (uplink_python.transfer, uplink_python.files):
the same TransferConfig, argument checks, part ranges, temporary target and
seek rules. What differs is who moves the parts: ``concurrency`` tasks on the
event loop, each awaiting native calls that run as goroutines, instead of
threads. The local file is read and written in place (os.pread/os.pwrite when
it has a descriptor), one 1 MiB (upload) or 256 KiB (download) step at a time
on the loop's thread.

Cancelling the task that awaits upload_file or download_file (or one part
failing) cancels every part: a multipart upload is aborted, a download to a
path leaves no file behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import warnings
import weakref
from typing import (TYPE_CHECKING, AbstractSet, Any, AsyncIterator, Awaitable, Callable, Iterator, List,
                    Optional, Set, Union)

from ._args import at_least
from .errors import ClosedError, InternalError, StorjException
from .files import (DEFAULT_BUFFER_SIZE, Metadata, ObjectFile, check_metadata,
                    check_same_object, range_length, seek_target)
from .module_classes import DownloadOptions, Object, UploadOptions, VersionedObject
from .transfer import (CHUNK_SIZE, WRITE_CHUNK_SIZE, PathOrFile, Progress, TransferConfig,
                       _descriptor, check_range_end, _Progress, _pread_into, _pwrite_all, _read_into, _span,
                       download_setup, file_ended, opened_source, part_ranges, replacing,
                       upload_setup)

if TYPE_CHECKING:
    import datetime

    from .aio import AsyncDownload, AsyncProject, AsyncUpload

Job = Callable[[], Awaitable[None]]


async def _settle(tasks: "AbstractSet[asyncio.Future[Any]]") -> None:
    """Waits until every task has ended, through cancels of the caller."""
    while any(not task.done() for task in tasks):
        with contextlib.suppress(BaseException):
            await asyncio.wait(tasks)


async def run_jobs(jobs: List[Job], concurrency: int) -> None:
    """Runs the jobs, ``concurrency`` at a time, as tasks of the running loop; the
    first failure (or a cancel of the caller) cancels the rest, waits for them
    to end and is raised."""
    queue: Iterator[Job] = iter(jobs)

    async def worker() -> None:
        for job in queue:
            await job()

    tasks = {asyncio.ensure_future(worker()) for _ in range(min(concurrency, len(jobs)))}
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            error = task.exception()
            if error is not None:
                raise error
    except BaseException:
        for task in tasks:
            task.cancel()
        await _settle(tasks)
        for task in tasks:   # retrieved: only the first failure is raised
            if not task.cancelled():
                task.exception()
        raise


# ---------------------------------------------------------------------------
# upload_file

async def upload_file(project: "AsyncProject", bucket: str, key: str, source: PathOrFile, *,
                      progress: Progress = None, part_size: Optional[int] = None,
                      concurrency: Optional[int] = None,
                      upload_options: Optional[UploadOptions] = None,
                      custom_metadata: Metadata = None,
                      transfer_config: Optional[TransferConfig] = None) -> Object:
    """AsyncProject.upload_file (see there)."""
    config, report = upload_setup(source, progress, part_size, concurrency, transfer_config)
    with opened_source(source) as handle:
        start, size = _span(handle)
        if config.splits(size):
            assert size is not None
            return await _upload_parts(project, bucket, key, handle, start, size, report,
                                       config, upload_options, custom_metadata)
        return await _upload_stream(project, bucket, key, handle, report, upload_options,
                                    custom_metadata)


async def _upload_stream(project: "AsyncProject", bucket: str, key: str, handle: Any,
                         report: _Progress, upload_options: Optional[UploadOptions],
                         custom_metadata: Metadata) -> Object:
    upload = await project.upload_object(bucket, key, upload_options)
    async with upload:
        if custom_metadata is not None:
            upload.set_custom_metadata(custom_metadata)
        buffer = bytearray(CHUNK_SIZE)
        with memoryview(buffer) as view:
            while True:
                count = _read_into(handle, view)
                if not count:
                    break
                await upload.write(view[:count])
                report(count)
        await upload.commit()
        return upload.info()


async def _upload_parts(project: "AsyncProject", bucket: str, key: str, handle: Any,
                        start: int, size: int, report: _Progress, config: TransferConfig,
                        upload_options: Optional[UploadOptions],
                        custom_metadata: Metadata) -> Object:
    upload_id = await begin_upload(project, bucket, key, upload_options)
    descriptor = _descriptor(handle)

    async def send(number: int, offset: int, length: int) -> None:
        part = await project.upload_part(bucket, key, upload_id, number)
        async with part:   # commits on a clean exit, aborts when cancelled or failed
            buffer = bytearray(min(CHUNK_SIZE, length))
            with memoryview(buffer) as view:
                done = 0
                while done < length:
                    want = view[:min(len(buffer), length - done)]
                    if descriptor is not None:
                        count = _pread_into(descriptor, want, start + offset + done)
                    else:   # no await between the seek and the read: no other part moves it
                        handle.seek(start + offset + done)
                        count = _read_into(handle, want)
                    if not count:
                        raise file_ended(offset + done, size)
                    await part.write(view[:count])
                    done += count
                    report(count)

    jobs: List[Job] = [
        _bind(send, number, offset, length)
        for number, (offset, length) in enumerate(part_ranges(size, config.part_size), start=1)]
    try:
        await run_jobs(jobs, config.concurrency)
        stored = await project.commit_upload(bucket, key, upload_id, custom_metadata)
    except BaseException:
        await _abort_upload(project, bucket, key, upload_id)
        raise
    handle.seek(start + size)
    return stored


async def _abort_upload(project: "AsyncProject", bucket: str, key: str, upload_id: str) -> None:
    """Aborts a multipart upload, even when the caller is cancelled meanwhile
    (the abort then goes on in its own task)."""
    with contextlib.suppress(StorjException, asyncio.CancelledError):
        await asyncio.shield(project.abort_upload(bucket, key, upload_id))


async def begin_upload(project: "AsyncProject", bucket: str, key: str,
                       upload_options: Optional[UploadOptions]) -> str:
    """Begins a multipart upload; returns its id. When the caller is cancelled
    meanwhile, the begin is waited for and what it began is aborted."""
    begin = asyncio.ensure_future(project.begin_upload(bucket, key, upload_options))
    try:
        return (await asyncio.shield(begin)).upload_id
    except asyncio.CancelledError:
        await _settle({begin})
        if not begin.cancelled() and begin.exception() is None:
            await _abort_upload(project, bucket, key, begin.result().upload_id)
        raise


def _bind(function: Callable[..., Awaitable[None]], *args: Any) -> Job:
    def job() -> Awaitable[None]:
        return function(*args)
    return job


# ---------------------------------------------------------------------------
# download_file

async def download_file(project: "AsyncProject", bucket: str, key: str, target: PathOrFile, *,
                        progress: Progress = None, part_size: Optional[int] = None,
                        concurrency: Optional[int] = None, version: Optional[bytes] = None,
                        transfer_config: Optional[TransferConfig] = None) -> VersionedObject:
    """AsyncProject.download_file (see there)."""
    config, report = download_setup(target, progress, part_size, concurrency, transfer_config)
    if not isinstance(target, (str, os.PathLike)):
        return await _download_into(project, bucket, key, target, report, config, version)
    with replacing(target) as handle:
        return await _download_into(project, bucket, key, handle, report, config, version)


async def _download_into(project: "AsyncProject", bucket: str, key: str, handle: Any,
                         report: _Progress, config: TransferConfig,
                         version: Optional[bytes]) -> VersionedObject:
    if config.concurrency > 1:
        start, room = _span(handle)
        if room is not None:
            latest = await project.stat_object_version(bucket, key, version)
            size = latest.system.content_length
            if config.splits(size):
                await _download_parts(project, bucket, key, handle, start, size, report,
                                      config, latest.version or version)
                return latest
    return await _download_stream(project, bucket, key, handle, report, version)


async def _download_stream(project: "AsyncProject", bucket: str, key: str, handle: Any,
                           report: _Progress, version: Optional[bytes]) -> VersionedObject:
    download = await project.download_object(bucket, key, version=version)
    async with download:
        buffer = bytearray(WRITE_CHUNK_SIZE)
        with memoryview(buffer) as view:
            while True:
                count = await download.readinto(view)
                if not count:
                    break
                handle.write(view[:count])
                report(count)
        return download.versioned_info()


async def _download_parts(project: "AsyncProject", bucket: str, key: str, handle: Any,
                          start: int, size: int, report: _Progress, config: TransferConfig,
                          version: Optional[bytes]) -> None:
    descriptor = _descriptor(handle)

    async def fetch(offset: int, length: int) -> None:
        download = await project.download_object(
            bucket, key, DownloadOptions(offset=offset, length=length), version=version)
        async with download:
            buffer = bytearray(min(WRITE_CHUNK_SIZE, length))
            position = offset
            with memoryview(buffer) as view:
                while True:
                    # readinto fills the buffer unless the range ends: no short writes.
                    count = await download.readinto(view)
                    if not count:
                        break
                    if descriptor is not None:
                        _pwrite_all(descriptor, view[:count], start + position)
                    else:
                        handle.seek(start + position)
                        handle.write(view[:count])
                    position += count
                    report(count)
        check_range_end(offset, length, position)

    await run_jobs([_bind(fetch, offset, length)
                    for offset, length in part_ranges(size, config.part_size)],
                   config.concurrency)
    handle.seek(start + size)


# ---------------------------------------------------------------------------
# open

class AsyncObjectReader(ObjectFile):
    """A readable, seekable async binary file over one version of an object, from
    ``await AsyncProject.open(bucket, key)``: ``await read(n=-1)``, ``await
    readinto(buffer)``, ``await readline()``, ``await seek(offset, whence)``,
    ``await tell()``, ``async for line in file``, ``async with``. ``size`` and
    ``object`` (the VersionedObject read) as ObjectReader's. Reads follow
    io.BufferedReader's: ``read(n)`` returns ``n`` bytes unless the object ends.
    Raises StorjException while reading."""

    def __init__(self, project: "AsyncProject", bucket_name: str, key: str,
                 download: "AsyncDownload", version: Optional[bytes],
                 buffer_size: int) -> None:
        self._project = project
        self.bucket_name = bucket_name
        self.key = key
        self._block_size = buffer_size
        self._download: Optional["AsyncDownload"] = download
        self._range_end: Optional[int] = None
        self.object: VersionedObject = download.versioned_info()
        self.size = self.object.system.content_length
        self._version = self.object.version or version
        self._position = 0          # of the next byte the caller reads
        self._buffer = b""          # bytes read ahead, from _position on
        self._closed = False

    @classmethod
    async def open(cls, project: "AsyncProject", bucket_name: str, key: str, *,
                   version: Optional[bytes] = None,
                   buffer_size: int = DEFAULT_BUFFER_SIZE) -> "AsyncObjectReader":
        """Opens the object (one request: its size and version come with the download)."""
        at_least(buffer_size, "buffer_size", 1)
        download = await project.download_object(bucket_name, key, version=version)
        try:
            return cls(project, bucket_name, key, download, version, buffer_size)
        except BaseException:
            download.close()
            raise

    @property
    def closed(self) -> bool:
        """True once closed."""
        return self._closed

    def readable(self) -> bool:
        """True (raises ClosedError once closed)."""
        self._check_open()
        return True

    def seekable(self) -> bool:
        """True (raises ClosedError once closed)."""
        self._check_open()
        return True

    async def tell(self) -> int:
        """The position of the next byte read."""
        self._check_open()
        return self._position

    async def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Moves the position (past the end is allowed: reads there return b"");
        downloads nothing. Raises ValueError for a negative result or a bad whence."""
        self._check_open()
        target = seek_target(self._position, self.size, offset, whence)
        if target != self._position:
            ahead = target - self._position
            if 0 < ahead < len(self._buffer):
                self._buffer = self._buffer[ahead:]
            else:
                self._buffer = b""
                self._close_download()
            self._position = target
        return target

    async def read(self, n: Optional[int] = -1) -> bytes:
        """``n`` bytes from the position (fewer at the end, b"" past it); -1 or None
        reads to the end."""
        self._check_open()
        if n is None or _count(n, "n") < 0:
            n = max(self.size - self._position, 0)
        if n < self._block_size or n <= len(self._buffer):
            while len(self._buffer) < n and await self._fill():
                pass
            data, self._buffer = self._buffer[:n], self._buffer[n:]
            self._position += len(data)
            return data
        buffer = bytearray(min(n, max(self.size - self._position, 0)))
        filled = await self.readinto(buffer)
        del buffer[filled:]
        return bytes(buffer)

    async def readinto(self, buffer: Any) -> int:
        """Fills ``buffer`` (any writable bytes-like object, in place) unless the
        object ends first; returns the count (0 at the end)."""
        self._check_open()
        with memoryview(buffer) as view, view.cast("B") as target:
            filled = min(len(self._buffer), len(target))
            target[:filled] = self._buffer[:filled]
            self._buffer = self._buffer[filled:]
            self._position += filled
            while filled < len(target):
                count = await self._fetch(target[filled:])
                if not count:
                    break
                self._position += count
                filled += count
            return filled

    async def readline(self, size: Optional[int] = -1) -> bytes:
        """The next line, up to and including b"\\n" (at most ``size`` bytes when
        that is not -1 or None); b"" at the end."""
        self._check_open()
        limit = -1 if size is None else _count(size, "size")
        while True:
            end = self._buffer.find(b"\n") + 1
            if not end and (limit < 0 or len(self._buffer) < limit):
                if await self._fill():
                    continue
                end = len(self._buffer)
            if limit >= 0:
                end = min(end, limit) if end else limit
            line, self._buffer = self._buffer[:end], self._buffer[end:]
            self._position += len(line)
            return line

    async def readlines(self) -> List[bytes]:
        """The remaining lines as a list."""
        return [line async for line in self]

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._lines()

    async def _lines(self) -> AsyncIterator[bytes]:
        while True:
            line = await self.readline()
            if not line:
                return
            yield line

    async def _fill(self) -> int:
        """Reads up to one block more into the read-ahead buffer; returns the count
        (0 at the end of the object)."""
        more = bytearray(self._block_size)
        with memoryview(more) as view:
            count = await self._fetch(view)
        if count:
            self._buffer += more[:count]
        return count

    async def _fetch(self, target: memoryview) -> int:
        """Reads from the network into ``target`` at the end of the read-ahead
        buffer (position + len(buffer)); 0 at the end of the object."""
        at = self._position + len(self._buffer)
        wanted = min(len(target), self.size - at)
        if wanted <= 0:
            return 0
        while True:
            download = self._download or await self._open_range(at, wanted)
            count = await download.readinto(target[:wanted])
            if count:
                return count
            if self._range_end != at:
                raise InternalError(f"{self.name} ended after {at} of its {self.size} bytes")
            # Reading went on past a range: from here on it is sequential.
            self._close_download()
            await self._open(at, -1)

    async def _open_range(self, at: int, wanted: int) -> "AsyncDownload":
        return await self._open(at, range_length(at, self.size, wanted, self._block_size))

    async def _open(self, at: int, length: int) -> "AsyncDownload":
        download = await self._project.download_object(
            self.bucket_name, self.key, DownloadOptions(offset=at, length=length),
            version=self._version)
        try:
            check_same_object(self.object, download.info(), self.name)
        except BaseException:
            download.close()
            raise
        self._download = download
        self._range_end = None if length < 0 else at + length
        return download

    def _close_download(self) -> None:
        download, self._download = self._download, None
        if download is not None:
            download.close()

    def _check_open(self) -> None:
        if self._closed:
            raise ClosedError(f"{self.name} is closed")

    async def close(self) -> None:
        """Stops the download in progress; later calls do nothing."""
        self._closed = True
        self._buffer = b""
        self._close_download()

    async def __aenter__(self) -> "AsyncObjectReader":
        self._check_open()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"at {self._position} of {self.size}"
        return f"<AsyncObjectReader {self.name} {state}>"


async def _put_part(project: "AsyncProject", bucket_name: str, key: str, upload_id: str,
                    number: int, data: bytearray) -> None:
    part = await project.upload_part(bucket_name, key, upload_id, number)
    async with part:
        await part.write(data)


def _count(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int or None, not {type(value).__name__}")
    return value


class AsyncObjectWriter(ObjectFile):
    """An async binary file that becomes one object when it is closed, from
    ``await AsyncProject.open(bucket, key, "wb")``: ``await write(data)``, then
    ``await close()`` (or the end of an ``async with`` block) stores it;
    ``await abort()``, or a block that raises or is cancelled, stores nothing.
    Parts are gathered and sent as ObjectWriter's (``part_size`` buffers, up
    to ``concurrency - 1`` of them going out as tasks while the next fills;
    ``concurrency`` 1 or mode "xb" stream into one upload)."""

    def __init__(self, project: "AsyncProject", bucket_name: str, key: str,
                 config: TransferConfig, custom_metadata: Metadata,
                 options: Optional[UploadOptions], upload: Optional["AsyncUpload"]) -> None:
        self._project = project
        self.bucket_name = bucket_name
        self.key = key
        self._part_size, self._concurrency = config.part_size, config.concurrency
        self._metadata = custom_metadata
        self._options = options
        self._upload = upload
        self._written = 0
        self._done = False
        self._closed = False
        self.object: Optional[Object] = None
        self._buffer = bytearray()
        self._upload_id: Optional[str] = None
        self._number = 0
        self._parts: Set["asyncio.Task[None]"] = set()
        self._failed: Optional[BaseException] = None

    @classmethod
    async def open(cls, project: "AsyncProject", bucket_name: str, key: str, *,
                   custom_metadata: Metadata = None,
                   expires: "Union[int, datetime.datetime, None]" = None,
                   part_size: Optional[int] = None, concurrency: Optional[int] = None,
                   exclusive: bool = False,
                   transfer_config: Optional[TransferConfig] = None) -> "AsyncObjectWriter":
        """Checks the arguments; opens the upload at once when it streams."""
        project._handle.check()  # pylint: disable=protected-access
        config = TransferConfig.of(transfer_config, part_size, concurrency).for_upload()
        check_metadata(custom_metadata)
        options = UploadOptions(expires=expires) if expires is not None else None
        upload: Optional["AsyncUpload"] = None
        if exclusive:
            upload = await project.upload_object(bucket_name, key, options, if_none_match="*")
        elif config.concurrency == 1:
            upload = await project.upload_object(bucket_name, key, options)
        return cls(project, bucket_name, key, config, custom_metadata, options, upload)

    _MODE = "wb"

    @property
    def closed(self) -> bool:
        """True once closed or aborted."""
        return self._closed

    def writable(self) -> bool:
        """True (raises ClosedError once closed)."""
        self._check_open()
        return True

    async def tell(self) -> int:
        """The number of bytes written so far."""
        self._check_open()
        return self._written

    async def write(self, data: Any) -> int:
        """Takes all of a bytes-like object; returns its length. Raises
        StorjException (from a part sent earlier), TypeError for a non-buffer."""
        self._check_open()
        with memoryview(data) as view, view.cast("B") as chunk:
            count = len(chunk)
            if self._upload is not None:
                await self._upload.write(chunk)
            else:
                await self._gather(chunk)
        self._written += count
        return count

    async def flush(self) -> None:
        """Does nothing but check the file is open: nothing is visible before close()."""
        self._check_open()

    async def _gather(self, chunk: memoryview) -> None:
        self._raise_failed_part()
        start = 0
        while start < len(chunk):
            room = self._part_size - len(self._buffer)
            self._buffer += chunk[start:start + room]
            start += room
            if len(self._buffer) == self._part_size:
                await self._send_part()

    async def _send_part(self) -> None:
        if self._upload_id is None:
            self._upload_id = await begin_upload(self._project, self.bucket_name, self.key,
                                                 self._options)
        # At most concurrency buffers: the one filling and concurrency - 1 going out.
        while len(self._parts) >= max(self._concurrency - 1, 1):
            await asyncio.wait(self._parts, return_when=asyncio.FIRST_COMPLETED)
            self._raise_failed_part()
        data, self._buffer = self._buffer, bytearray()
        self._number += 1
        # The task holds no reference to the writer: a writer dropped unfinished is
        # collected (and its upload aborted) while its parts are in flight.
        task = asyncio.ensure_future(_put_part(self._project, self.bucket_name, self.key,
                                               self._upload_id, self._number, data))
        self._parts.add(task)
        writer = weakref.ref(self)

        def done(task: "asyncio.Task[None]") -> None:
            alive = writer()
            if alive is not None:
                alive._part_done(task)  # pylint: disable=protected-access
            elif not task.cancelled():
                task.exception()  # retrieved: the writer that would report it is gone
        task.add_done_callback(done)

    def _part_done(self, task: "asyncio.Task[None]") -> None:
        self._parts.discard(task)
        if not task.cancelled() and task.exception() is not None and self._failed is None:
            self._failed = task.exception()

    def _raise_failed_part(self) -> None:
        if self._failed is not None:
            raise self._failed

    async def close(self) -> None:
        """Commits the object (``object`` then holds it); later calls do nothing.
        Raises StorjException, and then nothing is stored."""
        if self._closed:
            return
        try:
            if not self._done:
                self._done = True
                self.object = await self._commit()
        except BaseException:
            await self._discard()
            raise
        finally:
            self._closed = True

    async def _commit(self) -> Object:
        if self._upload is not None:
            upload = self._upload
            if self._metadata is not None:
                upload.set_custom_metadata(self._metadata)
            await upload.commit()
            stored: Object = upload.info()
            self._upload = None
            upload.close()
            return stored
        if self._upload_id is None:
            upload = await self._project.upload_object(self.bucket_name, self.key,
                                                       self._options)
            async with upload:
                await upload.write(self._buffer)
                if self._metadata is not None:
                    upload.set_custom_metadata(self._metadata)
                await upload.commit()
                self._buffer = bytearray()
                return upload.info()
        if self._buffer:
            await self._send_part()
        while self._parts:
            await asyncio.wait(self._parts)
        self._raise_failed_part()
        stored = await self._project.commit_upload(self.bucket_name, self.key,
                                                   self._upload_id, self._metadata)
        self._upload_id = None
        return stored

    async def abort(self) -> None:
        """Discards what was written and closes the file; nothing is stored. Later
        calls do nothing."""
        if self._closed:
            return
        self._done = True
        try:
            await self._discard()
        finally:
            self._closed = True

    async def _discard(self) -> None:
        self._buffer = bytearray()
        upload, self._upload = self._upload, None
        if upload is not None:
            upload.close()   # aborts what was not committed
        parts = set(self._parts)
        for task in parts:
            task.cancel()
        await _settle(parts)
        upload_id, self._upload_id = self._upload_id, None
        if upload_id is not None:
            await _abort_upload(self._project, self.bucket_name, self.key, upload_id)

    def _check_open(self) -> None:
        if self._closed:
            raise ClosedError(f"{self.name} is closed")

    async def __aenter__(self) -> "AsyncObjectWriter":
        self._check_open()
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        if exc_type is None:
            await self.close()
        else:
            await self.abort()

    def __del__(self) -> None:
        # Nothing can be awaited here: a writer dropped unfinished stores nothing
        # (its upload handle's finalizer aborts it), and a multipart upload
        # it began is aborted through the sync project.
        if getattr(self, "_closed", True):
            return
        if self._written:
            warnings.warn(f"{self.name} was neither closed nor aborted: nothing is stored",
                          ResourceWarning, stacklevel=2, source=self)
        for task in self._parts:
            task.cancel()
        if self._upload_id is not None:
            with contextlib.suppress(Exception):
                self._project.sync.abort_upload(self.bucket_name, self.key, self._upload_id)

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"{self._written} bytes written"
        return f"<AsyncObjectWriter {self.name} {state}>"
