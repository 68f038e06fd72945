"""Whole-file transfers: Project.upload_file and Project.download_file.

A file no larger than ``part_size`` (or any file with ``concurrency=1``)
moves through one Upload or Download. A larger one is split:

* upload: a multipart upload, whose parts (``part_size`` bytes each, the last
  one shorter) are sent by ``concurrency`` threads and committed together;
* download: ranged downloads of ``part_size`` bytes by ``concurrency``
  threads, all of the version that was the latest when the transfer began.

Memory: each thread holds one 1 MiB buffer, whatever ``part_size`` is; the
file is read (or written) in place at each part's offset, with os.pread and
os.pwrite when it has a file descriptor (else seek and read or write under a
lock), so the parallel mode needs a seekable file.

``progress``, when given, is called with the number of bytes moved since
the previous call (like boto3's ``Callback``), from whichever thread moved
them, one call at a time. The deltas add up to the size of the file.

If anything fails (or the caller is interrupted), the other threads are
cancelled, a multipart upload is aborted, a partial download to a path is
removed, and the first error is raised.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import threading
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import (IO, TYPE_CHECKING, Any, Callable, Iterator, List, Mapping, Optional, Set,
                    Tuple, Union)

from ._args import at_least, binary_source, binary_target
from .errors import InternalError, StorjException
from .module_classes import CustomMetadata, DownloadOptions, Object, UploadOptions
from .multipart import MIN_PART_SIZE

if TYPE_CHECKING:
    from .download import Download
    from .multipart import PartUpload
    from .project import Project

MIB = 1024 * 1024
# 64 MiB is Storj's segment size: parts of that size map to whole segments.
DEFAULT_PART_SIZE = 64 * MIB
DEFAULT_CONCURRENCY = 4
CHUNK_SIZE = MIB
# Downloads write to the file in smaller pieces: a piece just decrypted is
# still in the CPU cache when the kernel copies it into the page cache (with
# 1 MiB pieces that copy, from memory, cost a fifth of download_file's CPU).
WRITE_CHUNK_SIZE = 256 * 1024

@dataclass(frozen=True)
class TransferConfig:
    """How large transfers are split, for upload_file, download_file and open
    (as s3transfer's TransferConfig): checked once, when it is made.

    ``part_size``: bytes per part (default 64 MiB, Storj's segment size); an
    upload's parts must be at least 5 MiB (MIN_PART_SIZE), ranged downloads
    take any size. ``concurrency``: threads moving parts at once (default 4;
    1 streams through a single upload or download).

    Memory: upload_file and download_file hold one 1 MiB buffer per thread
    (``file_memory``), whatever ``part_size`` is; an ObjectWriter (``open(...,
    "wb")``) gathers whole parts, up to ``concurrency`` x ``part_size`` bytes
    (``writer_memory``). Raises TypeError/ValueError naming a bad field.
    """

    part_size: int = DEFAULT_PART_SIZE
    concurrency: int = DEFAULT_CONCURRENCY

    def __post_init__(self) -> None:
        at_least(self.part_size, "part_size", 1)
        at_least(self.concurrency, "concurrency", 1)

    @property
    def file_memory(self) -> int:
        """The most bytes upload_file or download_file buffer at once."""
        return self.concurrency * CHUNK_SIZE

    @property
    def writer_memory(self) -> int:
        """The most bytes an ObjectWriter buffers at once."""
        return self.concurrency * self.part_size

    def for_upload(self) -> "TransferConfig":
        """Itself; raises ValueError when its parts are too small for a multipart upload."""
        if self.part_size < MIN_PART_SIZE:
            raise ValueError(f"part_size must be at least {MIN_PART_SIZE} (5 MiB) for an "
                             f"upload, got {self.part_size}")
        return self

    def splits(self, size: Optional[int]) -> bool:
        """Whether a transfer of ``size`` bytes (None: unknown, a file that cannot
        seek) goes in parts rather than through one upload or download."""
        return self.concurrency > 1 and size is not None and size > self.part_size

    @classmethod
    def of(cls, config: Optional["TransferConfig"], part_size: Optional[int] = None,
           concurrency: Optional[int] = None) -> "TransferConfig":
        """The config of a call: ``config`` (None: the defaults) with the
        ``part_size`` and ``concurrency`` keywords, which came before it, in
        place of its fields when given."""
        if config is None:
            config = cls()
        elif not isinstance(config, TransferConfig):
            raise TypeError(f"transfer_config must be a TransferConfig, "
                            f"not {type(config).__name__}")
        if part_size is None and concurrency is None:
            return config
        return cls(config.part_size if part_size is None else part_size,
                   config.concurrency if concurrency is None else concurrency)


PathOrFile = Union[str, "os.PathLike[str]", IO[bytes]]
Progress = Optional[Callable[[int], Any]]


class _Progress:
    """Reports byte deltas to the caller's callback, one call at a time."""

    def __init__(self, callback: Progress) -> None:
        if callback is not None and not callable(callback):
            raise TypeError(f"progress must be callable, not {type(callback).__name__}")
        self._callback = callback
        self._lock = threading.Lock()

    def __call__(self, count: int) -> None:
        if self._callback is not None and count:
            with self._lock:
                self._callback(count)


class _Stopped(Exception):
    """Raised in a worker thread once the transfer was stopped."""


class _Workers:
    """The transfers in flight, so that one failure can cancel the others."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active: Set[Union["PartUpload", "Download"]] = set()
        self.stopped = False

    def started(self, transfer: Union["PartUpload", "Download"]) -> None:
        with self._lock:
            if self.stopped:
                raise _Stopped()
            self._active.add(transfer)

    def finished(self, transfer: Union["PartUpload", "Download"]) -> None:
        with self._lock:
            self._active.discard(transfer)

    def check(self) -> None:
        if self.stopped:
            raise _Stopped()

    def stop(self) -> None:
        with self._lock:
            self.stopped = True
            active = list(self._active)
        for transfer in active:
            try:
                transfer.cancel()
            except StorjException:
                pass  # it finished (and was closed) meanwhile

    def run(self, jobs: List[Callable[[], None]], concurrency: int) -> None:
        """Runs the jobs on up to ``concurrency`` threads; raises the first failure
        after stopping the rest."""
        pool = ThreadPoolExecutor(max_workers=min(concurrency, len(jobs)),
                                  thread_name_prefix="uplink-transfer")
        futures: List["Future[None]"] = []
        try:
            futures = [pool.submit(job) for job in jobs]
            wait(futures, return_when=FIRST_EXCEPTION)
            for future in futures:
                if future.done() and not future.cancelled() and future.exception() is not None:
                    raise future.exception()  # type: ignore[misc]
        except BaseException:
            self.stop()
            for future in futures:
                future.cancel()
            raise
        finally:
            pool.shutdown(wait=True)


def _read_into(source: Any, view: memoryview) -> int:
    """Fills ``view`` from a binary file object as far as one read goes; 0 at the end."""
    readinto = getattr(source, "readinto", None)
    if readinto is not None:
        return int(readinto(view) or 0)
    data = source.read(len(view))
    if isinstance(data, str):
        raise TypeError("the source must be opened in binary mode")
    view[:len(data)] = data
    return len(data)


def _span(handle: Any) -> Tuple[int, Optional[int]]:
    """(start position, bytes left) of a file object; bytes left is None when it
    cannot seek."""
    try:
        seekable = bool(handle.seekable())
    except (AttributeError, ValueError, OSError):
        seekable = False
    if not seekable:
        return 0, None
    start = handle.tell()
    end = handle.seek(0, io.SEEK_END)
    handle.seek(start)
    return start, max(end - start, 0)


def _descriptor(handle: Any) -> Optional[int]:
    """The OS file descriptor for positional reads and writes (os.pread/os.pwrite,
    which need no lock and no seek), or None when the file object has none."""
    if not hasattr(os, "pwrite"):
        return None
    try:
        handle.flush()  # what the file object buffered must land before, not after
        return int(handle.fileno())
    except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
        return None


def part_ranges(size: int, part_size: int) -> List[Tuple[int, int]]:
    """(offset, length) of each part."""
    return [(offset, min(part_size, size - offset)) for offset in range(0, size, part_size)]


def _pread_into(descriptor: int, view: memoryview, position: int) -> int:
    if hasattr(os, "preadv"):  # straight into the buffer
        return os.preadv(descriptor, [view], position)
    data = os.pread(descriptor, len(view), position)
    view[:len(data)] = data
    return len(data)


def _pwrite_all(descriptor: int, view: memoryview, position: int) -> None:
    while len(view):
        written = os.pwrite(descriptor, view, position)
        view, position = view[written:], position + written


def upload_setup(source: PathOrFile, progress: Progress, part_size: Optional[int],
                 concurrency: Optional[int], transfer_config: Optional[TransferConfig]
                 ) -> Tuple[TransferConfig, _Progress]:
    """The checked arguments of an upload_file (the sync one or aio's)."""
    config = TransferConfig.of(transfer_config, part_size, concurrency).for_upload()
    report = _Progress(progress)
    if not isinstance(source, (str, os.PathLike)):
        binary_source(source, "source")
    return config, report


def download_setup(target: PathOrFile, progress: Progress, part_size: Optional[int],
                   concurrency: Optional[int], transfer_config: Optional[TransferConfig]
                   ) -> Tuple[TransferConfig, _Progress]:
    """The checked arguments of a download_file (the sync one or aio's)."""
    config = TransferConfig.of(transfer_config, part_size, concurrency)
    report = _Progress(progress)
    if not isinstance(target, (str, os.PathLike)):
        binary_target(target, "target")
    return config, report


@contextlib.contextmanager
def opened_source(source: PathOrFile) -> Iterator[Any]:
    """The file object to read: a path opened (and closed after), or ``source``."""
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as handle:
            yield handle
    else:
        yield source


def file_ended(position: int, size: int) -> ValueError:
    """The error of a local file that shrank while its parts were uploaded."""
    return ValueError(f"the file ended at {position} bytes while it was uploaded; it had "
                      f"{size} when the upload began")


def check_range_end(offset: int, length: int, position: int) -> None:
    """Raises InternalError when the range at ``offset`` ended short of ``length``."""
    if position != offset + length:
        raise InternalError(f"the range at {offset} ended after {position - offset} of "
                            f"{length} bytes")


# ---------------------------------------------------------------------------
# Upload

def upload_file(project: "Project", bucket: str, key: str, source: PathOrFile, *,
                progress: Progress = None, part_size: Optional[int] = None,
                concurrency: Optional[int] = None,
                upload_options: Optional[UploadOptions] = None,
                custom_metadata: Optional[Union[CustomMetadata, Mapping[Any, Any]]] = None,
                transfer_config: Optional[TransferConfig] = None) -> Object:
    """Uploads a path or a binary file object to bucket/key; returns the stored Object.

    Raises StorjException, OSError for the local file, TypeError/ValueError for
    bad arguments (``part_size`` below 5 MiB, ``concurrency`` below 1).
    """
    config, report = upload_setup(source, progress, part_size, concurrency, transfer_config)
    part_size, concurrency = config.part_size, config.concurrency
    with opened_source(source) as handle:
        start, size = _span(handle)
        if config.splits(size):
            assert size is not None
            return _upload_parts(project, bucket, key, handle, start, size, report, part_size,
                                 concurrency, upload_options, custom_metadata)
        return _upload_stream(project, bucket, key, handle, report, upload_options,
                              custom_metadata)


def _upload_stream(project: "Project", bucket: str, key: str, handle: Any, report: _Progress,
                   upload_options: Optional[UploadOptions], custom_metadata: Any) -> Object:
    buffer = bytearray(CHUNK_SIZE)
    with project.upload_object(bucket, key, upload_options) as upload, \
            memoryview(buffer) as view:
        if custom_metadata is not None:
            upload.set_custom_metadata(custom_metadata)
        while True:
            count = _read_into(handle, view)
            if not count:
                break
            upload.write(view, count)
            report(count)
        upload.commit()
        return upload.info()


def _upload_parts(project: "Project", bucket: str, key: str, handle: Any, start: int, size: int,
                  report: _Progress, part_size: int, concurrency: int,
                  upload_options: Optional[UploadOptions], custom_metadata: Any) -> Object:
    upload_id = project.begin_upload(bucket, key, upload_options).upload_id
    file_lock = threading.Lock()
    workers = _Workers()
    descriptor = _descriptor(handle)

    def send(number: int, offset: int, length: int) -> None:
        buffer = bytearray(min(CHUNK_SIZE, length))
        with project.upload_part(bucket, key, upload_id, number) as part, \
                memoryview(buffer) as view:
            workers.started(part)
            try:
                done = 0
                while done < length:
                    workers.check()
                    want = min(len(buffer), length - done)
                    if descriptor is not None:
                        count = _pread_into(descriptor, view[:want], start + offset + done)
                    else:
                        with file_lock:
                            handle.seek(start + offset + done)
                            count = _read_into(handle, view[:want])
                    if not count:
                        raise file_ended(offset + done, size)
                    part.write(view, count)
                    done += count
                    report(count)
            finally:
                workers.finished(part)

    jobs: List[Callable[[], None]] = [
        functools.partial(send, number, offset, length)
        for number, (offset, length) in enumerate(part_ranges(size, part_size), start=1)]
    try:
        workers.run(jobs, concurrency)
        stored = project.commit_upload(bucket, key, upload_id, custom_metadata)
    except BaseException:
        with contextlib.suppress(StorjException):
            project.abort_upload(bucket, key, upload_id)
        raise
    handle.seek(start + size)
    return stored


# ---------------------------------------------------------------------------
# Download

def download_file(project: "Project", bucket: str, key: str, target: PathOrFile, *,
                  progress: Progress = None, part_size: Optional[int] = None,
                  concurrency: Optional[int] = None, version: Optional[bytes] = None,
                  transfer_config: Optional[TransferConfig] = None) -> Object:
    """Downloads bucket/key (one ``version`` of it when given) into a path or a binary
    file object; returns the Object.

    Raises StorjException (ObjectNotFoundError, ...), OSError for the local file,
    TypeError/ValueError for bad arguments.
    """
    config, report = download_setup(target, progress, part_size, concurrency, transfer_config)
    if not isinstance(target, (str, os.PathLike)):
        return _download_into(project, bucket, key, target, report, config, version)
    with replacing(target) as handle:
        return _download_into(project, bucket, key, handle, report, config, version)


@contextlib.contextmanager
def replacing(path: Union[str, "os.PathLike[str]"]) -> Iterator[IO[bytes]]:
    """A new file beside ``path`` that replaces it on success and is removed on failure."""
    final = os.fspath(path)
    directory, name = os.path.split(os.path.abspath(final))
    temporary = os.path.join(directory, f".{name}.{os.urandom(6).hex()}.part")
    # Mode 0o666 less the umask, as open() would give the file itself.
    descriptor = os.open(temporary, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "w+b") as handle:
            yield handle
        os.replace(temporary, final)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _download_into(project: "Project", bucket: str, key: str, handle: Any, report: _Progress,
                   config: TransferConfig, version: Optional[bytes]) -> Object:
    if config.concurrency > 1:
        start, room = _span(handle)
        if room is not None:
            latest = project.stat_object_version(bucket, key, version)
            size = latest.system.content_length
            if config.splits(size):
                _download_parts(project, bucket, key, handle, start, size, report,
                                config.part_size, config.concurrency, latest.version or version)
                return latest
    return _download_stream(project, bucket, key, handle, report, version)


def _download_stream(project: "Project", bucket: str, key: str, handle: Any,
                     report: _Progress, version: Optional[bytes]) -> Object:
    buffer = bytearray(WRITE_CHUNK_SIZE)
    with project.download_object(bucket, key, version=version) as download, \
            memoryview(buffer) as view:
        while True:
            count = download.readinto(view)
            if not count:
                break
            handle.write(view[:count])
            report(count)
        return download.versioned_info()


def _download_parts(project: "Project", bucket: str, key: str, handle: Any, start: int,
                    size: int, report: _Progress, part_size: int, concurrency: int,
                    version: Optional[bytes]) -> None:
    file_lock = threading.Lock()
    workers = _Workers()
    descriptor = _descriptor(handle)

    def fetch(offset: int, length: int) -> None:
        buffer = bytearray(min(WRITE_CHUNK_SIZE, length))
        options = DownloadOptions(offset=offset, length=length)
        with project.download_object(bucket, key, options, version=version) as download, \
                memoryview(buffer) as view:
            workers.started(download)
            try:
                position = offset
                while True:
                    workers.check()
                    count = download.readinto(view)
                    if not count:
                        break
                    if descriptor is not None:
                        _pwrite_all(descriptor, view[:count], start + position)
                    else:
                        with file_lock:
                            handle.seek(start + position)
                            handle.write(view[:count])
                    position += count
                    report(count)
            finally:
                workers.finished(download)
        check_range_end(offset, length, position)

    jobs: List[Callable[[], None]] = [
        functools.partial(fetch, offset, length) for offset, length in part_ranges(size, part_size)]
    workers.run(jobs, concurrency)
    handle.seek(start + size)
