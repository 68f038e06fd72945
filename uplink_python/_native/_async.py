"""Async operations: the native half of ``uplink_python.aio``.

libuplinkc runs each async call (``uplink_async_<call>``) on a goroutine and
returns an operation id at once. One waiter thread per process sits in
``uplink_async_wait``; for each batch of finished ids it takes the results
(``uplink_async_take`` copies ``<call>``'s own result struct), converts and
frees them with the sync calls' own takers, and hands the values to each
future's event loop with one ``loop.call_soon_threadsafe`` per loop and
batch. So a thousand calls in flight are a thousand goroutines and one
Python thread, any event loop works (Proactor included: nothing is watched
with ``add_reader``), and the loop's thread only sets futures.

Every start goes through the gate (``call(..., settle=...)``): the fork
check, the handles held until the operation ends (a close from another
thread interrupts it and waits for it), the error conversion.

Cancelling the awaiting task cancels the operation in Go at once
(``uplink_async_cancel``: the call's context, or the transfer's as
``uplink_cancel`` does). The task then waits for the operation to end,
which is immediate, so that buffers and handles are released before the
task sees CancelledError, and so that a commit that won the race is
reported as done (``settles``). Starts of transfers (``opens``) cannot be
interrupted in Go: their task is cancelled at once and the transfer they
open, if any, is freed (an upload is aborted) when the start returns.
"""

from __future__ import annotations

import asyncio
import atexit
import collections
import ctypes
import os
import threading
from ctypes import byref, sizeof
from typing import Any, Callable, Deque, Dict, Generic, List, Optional, Tuple, TypeVar

from .. import errors
from .. import module_def as d
from ..module_classes import (Bucket, Config, DeleteResult, DownloadOptions, EdgeConfig,
                              EdgeCredentials, Object, ObjectLockConfiguration, Retention,
                              RetentionMode, UploadInfo, UploadOptions, VersionedObject,
                              VersioningState)
from ._buffers import readable_buffer, writable_buffer
from ._calls import (_BUCKET, OBJECT, VERSIONED_OBJECT, _delete_batches, _delete_results,
                     _own_access, access_serialize)
from ._convert import (INT32, config_struct, custom_metadata, download_options,
                       edge_credentials_value, encode, enum_value, expect, expiry, flag,
                       integer, key_arg, lock_configuration_value, object_value,
                       retention_struct, retention_value, timeouts_struct, uint8_pointer,
                       upload_info_value, upload_options, version_arg, versioned_object_value)
from ._errors import check, pop_error, redacting
from ._gate import Handle, call, free, leave, scalar_taker, taker, value_taker
from ._listing import PAGE_SIZE, Cursor
from ._loader import check_fork, function
from ._whole import get_object_args, take_bytes
from ._streams import _MAX_EMPTY_READS, MAX_READ_SIZE, _own_stream, _take_read, _take_written

_T = TypeVar("_T")

# Finished operations taken per uplink_async_wait.
_BATCH = 512
# How long the waiter blocks in one uplink_async_wait (it also wakes at exit).
_WAIT_MILLISECONDS = 1000


class _Operation:
    """One async call in flight: what to take its result into and with."""

    __slots__ = ("id", "loop", "future", "result_type", "take", "held", "keep", "abandoned",
                 "outcome")

    def __init__(self, loop: asyncio.AbstractEventLoop, result_type: Any,
                 take: Callable[[Any], Any], keep: Any) -> None:
        self.id = 0
        self.loop = loop
        self.future: "asyncio.Future[Any]" = loop.create_future()
        self.result_type = result_type
        self.take = take
        self.held: List[Handle] = []
        self.keep = keep  # buffers Go reads or writes until the operation ends
        self.abandoned = False
        # (value, exception) once delivered to the loop.
        self.outcome: Optional[Tuple[Any, Optional[BaseException]]] = None


def _deliver(batch: List[Tuple[_Operation, Any, Optional[BaseException]]]) -> None:
    """Runs on the loop's thread: settles the futures of one batch."""
    for operation, value, exc in batch:
        operation.outcome = (value, exc)
        future = operation.future
        if future.done():
            continue
        if exc is not None:
            future.set_exception(exc)
        else:
            future.set_result(value)


def _taken(result: Any) -> None:
    raise AssertionError("an async result taken twice")


class _Dispatcher:
    """The operations in flight and the one waiter thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.operations: Dict[int, _Operation] = {}
        self.thread: Optional[threading.Thread] = None
        self.pid = 0
        self.stopping = False

    def start(self, name: str, args: Tuple[Any, ...], result_type: Any,
              take: Callable[[Any], Any], keep: Any) -> _Operation:
        check_fork()  # before anything is started in a forked child
        operation = _Operation(asyncio.get_running_loop(), result_type, take, keep)

        def settle(op_id: Any, held: List[Handle]) -> _Operation:
            operation.id = int(op_id)
            operation.held = held
            self.operations[operation.id] = operation
            return operation

        with self.lock:
            if self.thread is None or self.pid != os.getpid():
                self._start_thread()
            started: _Operation = call(name, *args, settle=settle)
            return started

    def _start_thread(self) -> None:
        self.pid = os.getpid()
        self.operations.clear()
        self.thread = threading.Thread(target=self._wait, name="uplink-async-waiter",
                                       daemon=True)
        self.thread.start()

    def _wait(self) -> None:
        wait = function("uplink_async_wait")
        ids = (ctypes.c_uint64 * _BATCH)()
        while not self.stopping:
            count = wait(_WAIT_MILLISECONDS, ids, _BATCH)
            if count:
                self._hand_over([ids[i] for i in range(count)])

    def _hand_over(self, ids: List[int]) -> None:
        """Finishes the operations of ``ids`` and hands them to their loops. (A
        function of its own, so that nothing of a batch outlives it.)"""
        with self.lock:
            finished = [self.operations.pop(op_id, None) for op_id in ids]
        batches: Dict[asyncio.AbstractEventLoop,
                      List[Tuple[_Operation, Any, Optional[BaseException]]]] = {}
        for operation in finished:
            if operation is None:
                continue
            value, exc = self._finish(operation)
            if not operation.abandoned:
                batches.setdefault(operation.loop, []).append((operation, value, exc))
        for loop, batch in batches.items():
            try:
                loop.call_soon_threadsafe(_deliver, batch)
            except RuntimeError:
                pass  # the loop was closed: nobody waits for these any more

    @staticmethod
    def _finish(operation: _Operation) -> Tuple[Any, Optional[BaseException]]:
        """Takes, converts and frees the result; ends the hold on the handles."""
        value: Any = None
        exc: Optional[BaseException] = None
        try:
            result = operation.result_type()
            check(function("uplink_async_take")(operation.id, byref(result), sizeof(result)))
            value = operation.take(result)
        except BaseException as error:  # pylint: disable=broad-except  # handed to the awaiter
            exc = error
        exc = leave(operation.held, exc)
        # What the operation held is let go now: the object itself may live on
        # (in a task's frame) after its handles should have been freed.
        operation.held = []
        operation.keep = None
        operation.take = _taken
        return value, exc

    def stop(self) -> None:
        self.stopping = True
        thread = self.thread
        if thread is not None and self.pid == os.getpid() and thread.is_alive():
            function("uplink_async_wake")()
            thread.join(timeout=2)

    def in_flight(self) -> int:
        with self.lock:
            return len(self.operations)


_DISPATCHER = _Dispatcher()
atexit.register(_DISPATCHER.stop)


def in_flight() -> int:
    """The number of async operations started and not yet delivered."""
    return _DISPATCHER.in_flight()


def native_count() -> int:
    """The number of async operations libuplinkc holds (running or not yet taken)."""
    return int(function("uplink_internal_AsyncCount")())


def _result_type(name: str) -> Any:
    return function(name).restype


def _uncancel() -> None:
    task = asyncio.current_task()
    uncancel = getattr(task, "uncancel", None)
    if uncancel is not None:
        uncancel()


async def run(name: str, *args: Any, take: Callable[[Any], _T], keep: Any = None,
              opens: bool = False, settles: bool = False) -> _T:
    """Runs ``name`` (a sync call's name: ``uplink_async_`` + its name without
    the prefix runs it) on a goroutine and returns ``take(result)``.

    ``opens``: the call starts a transfer, which Go cannot interrupt; a cancel
    abandons it. ``settles``: the call commits, and a commit that completed
    despite a cancel returns its result (the task's cancel is consumed).
    """
    short = name[len("uplink_"):] if name.startswith("uplink_") else name
    operation = _DISPATCHER.start("uplink_async_" + short, args, _result_type(name), take, keep)
    try:
        value: _T = await operation.future
        return value
    except asyncio.CancelledError:
        function("uplink_async_cancel")(operation.id)
        if opens:
            operation.abandoned = True
            raise
        value, exc = await _outcome(operation)
        if settles and exc is None:
            _uncancel()
            return value
        raise


async def _outcome(operation: _Operation) -> Tuple[Any, Optional[BaseException]]:
    """Waits for a cancelled operation to end (it does at once), through
    further cancels; returns (value, exception)."""
    while operation.outcome is None:
        operation.future = operation.loop.create_future()
        try:
            await operation.future
        except BaseException:  # pylint: disable=broad-except  # read from outcome
            pass
    return operation.outcome


# ---------------------------------------------------------------------------
# The calls, with the sync calls' argument checks and conversions

async def request_access(config: Optional[Config], satellite: str, api_key: str,
                         passphrase: str) -> Handle:
    """Requests an access grant from the satellite."""
    args = (encode(satellite, "satellite"), encode(api_key, "api_key"),
            encode(passphrase, "passphrase"))
    timeouts = timeouts_struct(config)
    with redacting(api_key, passphrase):
        access: Handle = await run("uplink_config_request_access_with_passphrase2",
                                   config_struct(config), byref(timeouts), *args,
                                   take=_own_access, keep=timeouts, opens=True)
        return access


async def edge_register_access(config: EdgeConfig, access: Handle,
                               is_public: bool) -> EdgeCredentials:
    """Registers an access with an edge auth service; returns S3 credentials."""
    expect(config, EdgeConfig, "config")
    pem = config.certificate_pem
    struct = d._EdgeConfigStruct(
        encode(config.auth_service_address, "config.auth_service_address"),
        None if pem is None else encode(pem, "config.certificate_pem"),
        flag(config.insecure_unencrypted_connection, "config.insecure_unencrypted_connection"))
    options = d._EdgeRegisterAccessOptionsStruct(flag(is_public, "is_public"))
    with redacting(access_serialize(access)):
        credentials: EdgeCredentials = await run(
            "edge_register_access", struct, access, byref(options),
            take=value_taker("credentials", "edge_free_credentials_result",
                             edge_credentials_value), keep=options, opens=True)
        return credentials


async def revoke_access(project: Handle, access: Handle) -> None:
    """Revokes an access grant derived from the project's access."""
    await run("uplink_revoke_access", project, access, take=check)


async def bucket_call(name: str, project: Handle, bucket: str) -> Bucket:
    """Runs one of the ``(Project*, bucket) -> BucketResult`` calls."""
    value: Bucket = await run(name, project, encode(bucket, "bucket_name"), take=_BUCKET)
    return value


async def stat_object(project: Handle, bucket: str, key: str) -> Object:
    """Information about an object."""
    info: Object = await run("uplink_stat_object", project, encode(bucket, "bucket_name"),
                             key_arg(key, "storj_path"), take=OBJECT)
    return info


async def delete_object(project: Handle, bucket: str, key: str) -> Optional[Object]:
    """Deletes an object; returns what was deleted (None when nothing)."""
    deleted: Optional[Object] = await run(
        "uplink_delete_object", project, encode(bucket, "bucket_name"),
        key_arg(key, "storj_path"),
        take=taker("object", "uplink_free_object_result", object_value))
    return deleted


async def copy_object(project: Handle, old_bucket: str, old_key: str, new_bucket: str,
                      new_key: str) -> Object:
    """Copies an object server-side."""
    copied: Object = await run("uplink_copy_object", project, encode(old_bucket, "old_bucket"),
                               key_arg(old_key, "old_key"), encode(new_bucket, "new_bucket"),
                               key_arg(new_key, "new_key"), None, take=OBJECT, settles=True)
    return copied


async def move_object(project: Handle, old_bucket: str, old_key: str, new_bucket: str,
                      new_key: str) -> None:
    """Moves (renames) an object server-side."""
    await run("uplink_move_object", project, encode(old_bucket, "old_bucket"),
              key_arg(old_key, "old_key"), encode(new_bucket, "new_bucket"),
              key_arg(new_key, "new_key"), None, take=check, settles=True)


async def update_object_metadata(project: Handle, bucket: str, key: str, metadata: Any) -> None:
    """Replaces the custom metadata of an object."""
    struct = custom_metadata(metadata)
    await run("uplink_update_object_metadata", project, encode(bucket, "bucket_name"),
              key_arg(key, "storj_path"), struct, None, take=check, keep=struct)


async def put_object(project: Handle, bucket: str, key: str, data: Any,
                     options: Optional[UploadOptions]) -> Object:
    """Stores ``data`` (any bytes-like object, read in place) as bucket/key."""
    opts = upload_options(options)
    with readable_buffer(data, None, "data", "size") as (pointer, count):
        stored: Object = await run("uplink_put_object", project, encode(bucket, "bucket_name"),
                                   key_arg(key, "key"), pointer, count, opts, take=OBJECT,
                                   keep=(data, opts), settles=True)
        return stored


async def get_object(project: Handle, bucket: str, key: str, offset: int,
                     length: int) -> bytes:
    """The bytes of bucket/key from ``offset``, ``length`` of them (-1: all)."""
    data: bytes = await run("uplink_get_object", project,
                            *get_object_args(bucket, key, offset, length), take=take_bytes)
    return data


# ---------------------------------------------------------------------------
# Versions and Object Lock

async def stat_object_version(project: Handle, bucket: str, key: str,
                              version: Any) -> VersionedObject:
    """One version of an object (the latest for None)."""
    data, length = version_arg(version)
    info: VersionedObject = await run("uplink_stat_object_version", project,
                                      encode(bucket, "bucket_name"), key_arg(key, "key"), data,
                                      length, take=VERSIONED_OBJECT)
    return info


async def delete_object_version(project: Handle, bucket: str, key: str, version: Any,
                                bypass_governance_retention: bool) -> Optional[VersionedObject]:
    """Deletes one version (or, for None, the latest / adds a delete marker)."""
    data, length = version_arg(version)
    options = d._DeleteObjectOptionsStruct(
        flag(bypass_governance_retention, "bypass_governance_retention"))
    deleted: Optional[VersionedObject] = await run(
        "uplink_delete_object_version", project, encode(bucket, "bucket_name"),
        key_arg(key, "key"), data, length, byref(options),
        take=taker("object", "uplink_free_versioned_object_result", versioned_object_value),
        keep=options)
    return deleted


async def delete_objects(project: Handle, bucket: str, items: List[Tuple[str, Any]],
                         bypass_governance_retention: bool, quiet: bool) -> List[DeleteResult]:
    """Deletes many objects (key, version or None), in as many requests as needed."""
    encoded = []
    for index, (key, version) in enumerate(items):
        data, length = version_arg(version, f"items[{index}].version")
        encoded.append((key_arg(key, f"items[{index}].key"), data, length))
    options = d._DeleteObjectsOptionsStruct(
        flag(bypass_governance_retention, "bypass_governance_retention"), flag(quiet, "quiet"))
    bucket_name = encode(bucket, "bucket_name")
    results: List[DeleteResult] = []
    for batch in _delete_batches(encoded):
        array = (d._DeleteObjectsItemStruct * len(batch))(
            *(d._DeleteObjectsItemStruct(key, uint8_pointer(data), length)
              for key, data, length in batch))
        results += await run("uplink_delete_objects", project, bucket_name, array, len(batch),
                             byref(options), take=_delete_results, keep=(array, batch, options))
    return results


async def get_bucket_versioning(project: Handle, bucket: str) -> Any:
    """The bucket's VersioningState."""
    state = await run("uplink_get_bucket_versioning", project, encode(bucket, "bucket_name"),
                      take=scalar_taker("uplink_free_int32_result"))
    return enum_value(VersioningState, int(state))


async def set_bucket_versioning(project: Handle, bucket: str, enabled: bool) -> None:
    """Enables, or suspends, versioning of a bucket."""
    await run("uplink_set_bucket_versioning", project, encode(bucket, "bucket_name"),
              flag(enabled, "enabled"), take=check)


async def create_bucket_with_object_lock(project: Handle, bucket: str, enabled: bool) -> Bucket:
    """Creates a bucket with Object Lock enabled when ``enabled``."""
    created: Bucket = await run("uplink_create_bucket_with_object_lock", project,
                                encode(bucket, "bucket_name"),
                                flag(enabled, "object_lock_enabled"), take=_BUCKET)
    return created


async def get_bucket_object_lock_configuration(project: Handle,
                                               bucket: str) -> ObjectLockConfiguration:
    """The bucket's Object Lock configuration."""
    configuration: ObjectLockConfiguration = await run(
        "uplink_get_bucket_object_lock_configuration", project, encode(bucket, "bucket_name"),
        take=value_taker("configuration", "uplink_free_object_lock_configuration_result",
                         lock_configuration_value))
    return configuration


async def set_bucket_object_lock_configuration(project: Handle, bucket: str,
                                               configuration: ObjectLockConfiguration) -> None:
    """Sets the bucket's Object Lock configuration."""
    expect(configuration, ObjectLockConfiguration, "configuration")
    struct = d._ObjectLockConfigurationStruct(
        flag(configuration.enabled, "configuration.enabled"),
        int(RetentionMode(configuration.default_retention_mode)),
        integer(configuration.default_retention_days, "configuration.default_retention_days",
                0, INT32[1]),
        integer(configuration.default_retention_years, "configuration.default_retention_years",
                0, INT32[1]))
    await run("uplink_set_bucket_object_lock_configuration", project,
              encode(bucket, "bucket_name"), byref(struct), take=check, keep=struct)


async def set_object_retention(project: Handle, bucket: str, key: str, version: Any,
                               retention: Optional[Retention],
                               bypass_governance_retention: bool) -> None:
    """Sets (or, with None, removes) the retention of an object version."""
    data, length = version_arg(version)
    await run("uplink_set_object_retention", project, encode(bucket, "bucket_name"),
              key_arg(key, "key"), data, length, retention_struct(retention, "retention"),
              flag(bypass_governance_retention, "bypass_governance_retention"), take=check)


async def get_object_retention(project: Handle, bucket: str, key: str,
                               version: Any) -> Optional[Retention]:
    """The retention of an object version, None when it has none."""
    data, length = version_arg(version)
    retention: Optional[Retention] = await run(
        "uplink_get_object_retention", project, encode(bucket, "bucket_name"),
        key_arg(key, "key"), data, length,
        take=taker("retention", "uplink_free_retention_result", retention_value))
    return retention


async def set_object_legal_hold(project: Handle, bucket: str, key: str, version: Any,
                                enabled: bool) -> None:
    """Places or removes a legal hold on an object version."""
    data, length = version_arg(version)
    await run("uplink_set_object_legal_hold", project, encode(bucket, "bucket_name"),
              key_arg(key, "key"), data, length, flag(enabled, "enabled"), take=check)


async def get_object_legal_hold(project: Handle, bucket: str, key: str, version: Any) -> bool:
    """Whether a legal hold is placed on an object version."""
    data, length = version_arg(version)
    return bool(await run("uplink_get_object_legal_hold", project,
                          encode(bucket, "bucket_name"), key_arg(key, "key"), data, length,
                          take=scalar_taker("uplink_free_bool_result")))


# ---------------------------------------------------------------------------
# Multipart

async def begin_upload(project: Handle, bucket: str, key: str,
                       options: Optional[UploadOptions]) -> UploadInfo:
    """Starts a multipart upload."""
    opts = upload_options(options)
    info: UploadInfo = await run(
        "uplink_begin_upload", project, encode(bucket, "bucket_name"), key_arg(key, "key"),
        opts, take=value_taker("info", "uplink_free_upload_info_result", upload_info_value),
        keep=opts)
    return info


async def commit_upload(project: Handle, bucket: str, key: str, upload_id: str,
                        metadata: Any) -> Object:
    """Commits a multipart upload."""
    options = None
    if metadata is not None:
        options = d._CommitUploadOptionsStruct(custom_metadata(metadata))
    committed: Object = await run(
        "uplink_commit_upload", project, encode(bucket, "bucket_name"), key_arg(key, "key"),
        encode(upload_id, "upload_id"), None if options is None else byref(options),
        take=value_taker("object", "uplink_free_commit_upload_result", object_value),
        keep=options, settles=True)
    return committed


async def abort_upload(project: Handle, bucket: str, key: str, upload_id: str) -> None:
    """Aborts a multipart upload."""
    await run("uplink_abort_upload", project, encode(bucket, "bucket_name"), key_arg(key, "key"),
              encode(upload_id, "upload_id"), take=check)


async def upload_part(project: Handle, bucket: str, key: str, upload_id: str,
                      part_number: int) -> Handle:
    """Starts the upload of one part."""
    number = integer(part_number, "part_number", 0, INT32[1])
    handle: Handle = await run(
        "uplink_upload_part", project, encode(bucket, "bucket_name"), key_arg(key, "key"),
        encode(upload_id, "upload_id"), number,
        take=lambda result: _own_stream(result, "part_upload", "part upload", project),
        opens=True)
    return handle


# ---------------------------------------------------------------------------
# Transfers

async def upload_object(project: Handle, bucket: str, key: str,
                        options: Optional[UploadOptions], retention: Optional[Retention] = None,
                        legal_hold: bool = False, if_none_match: Optional[str] = None) -> Handle:
    """Starts an upload."""
    def take(result: Any) -> Handle:
        return _own_stream(result, "upload", "upload", project)
    if retention is None and not legal_hold and if_none_match is None:
        opts = upload_options(options)
        handle: Handle = await run("uplink_upload_object", project,
                                   encode(bucket, "bucket_name"), key_arg(key, "storj_path"),
                                   opts, take=take, keep=opts, opens=True)
        return handle
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
    handle = await run("uplink_upload_object2", project, encode(bucket, "bucket_name"),
                       key_arg(key, "storj_path"), byref(struct), take=take, keep=struct,
                       opens=True)
    return handle


_WRITES = {"upload": ("uplink_upload_write", "uplink_upload_commit"),
           "part upload": ("uplink_part_upload_write", "uplink_part_upload_commit")}


async def upload_write(upload: Handle, data: Any) -> int:
    """Writes all of ``data`` (any bytes-like object, read in place); returns its size."""
    write_name = _WRITES[upload.kind][0]
    with readable_buffer(data, None, "data", "size") as (pointer, count):
        if count == 0:
            upload.check()
            return 0
        start = ctypes.cast(pointer, ctypes.c_void_p).value or 0
        done = 0
        while done < count:
            written: int = await run(write_name, upload, start + done, count - done,
                                     take=_take_written, keep=data)
            if written <= 0 or written > count - done:
                raise errors.InternalError(f"libuplinkc reported {written} bytes written")
            done += written
        return count


async def upload_commit(upload: Handle) -> None:
    """Commits an upload or part upload; a commit that completes despite a cancel
    counts as done."""
    await run(_WRITES[upload.kind][1], upload, take=check, settles=True)


async def download_object(project: Handle, bucket: str, key: str,
                          options: Optional[DownloadOptions], version: Any = None) -> Handle:
    """Starts a download (of one version when ``version`` is given)."""
    def take(result: Any) -> Handle:
        return _own_stream(result, "download", "download", project)
    opts = download_options(options)
    if version is None:
        handle: Handle = await run("uplink_download_object", project,
                                   encode(bucket, "bucket_name"), key_arg(key, "storj_path"),
                                   opts, take=take, keep=opts, opens=True)
        return handle
    data, length = version_arg(version)
    handle = await run("uplink_download_object_version", project, encode(bucket, "bucket_name"),
                       key_arg(key, "storj_path"), data, length, opts, take=take,
                       keep=(opts, data), opens=True)
    return handle


async def download_readinto(download: Handle, target: Any, full: bool) -> Tuple[int, bool]:
    """Reads into a writable buffer in place; returns (bytes read, at EOF). With
    ``full`` it fills the buffer unless the object ends; without, it returns once
    data arrived, with all that is there."""
    name = "uplink_download_read_full" if full else "uplink_download_read_some"
    with writable_buffer(target, "buffer") as (pointer, count):
        if count == 0:
            download.check()
            return 0, False
        for _ in range(_MAX_EMPTY_READS):
            got, eof = await run(name, download, pointer, count, take=_take_read, keep=target)
            if got > count or (full and got < count and not eof):
                raise errors.InternalError(f"libuplinkc read {got} bytes into {count}")
            if got or eof:
                return got, eof
    raise errors.InternalError(f"download returned no data {_MAX_EMPTY_READS} times in a row")


async def download_read(download: Handle, count: int) -> Tuple[bytes, bool]:
    """Reads what arrived, up to ``count`` bytes; returns (data, at EOF)."""
    count = min(count, MAX_READ_SIZE)
    if count <= 0:
        download.check()
        return b"", False
    buffer = bytearray(count)
    got, eof = await download_readinto(download, buffer, full=False)
    del buffer[got:]
    return bytes(buffer), eof


# ---------------------------------------------------------------------------
# Listings

_Page = Tuple[List[Any], bool, Optional[BaseException]]


class AsyncCursor(Generic[_T]):
    """Pages of one native listing, fetched ahead: while the caller works on
    one page, the next is on its way."""

    def __init__(self, cursor: "Cursor[_T]") -> None:
        self._cursor = cursor
        self._buffer: Deque[_T] = collections.deque()
        self._ahead: Optional["asyncio.Task[_Page]"] = None
        self._ended = False
        self._error: Optional[BaseException] = None

    def _fetch(self) -> "asyncio.Task[_Page]":
        page = run("uplink_iterator_next_page", self._cursor.handle, PAGE_SIZE,
                   take=self._cursor._take_page)
        return asyncio.ensure_future(page)

    async def next(self) -> Optional[_T]:
        """The next item, or None at the end; raises the listing's error after
        the items that came before it."""
        while not self._buffer:
            if self._error is not None:
                pending, self._error = self._error, None
                raise pending
            if self._ended:
                return None
            ahead, self._ahead = self._ahead or self._fetch(), None
            try:
                values, more, error = await ahead
            except BaseException:
                self.close()
                raise
            values, repeated = self._cursor._guard.admit(values, self._cursor._identity)
            self._buffer.extend(values)
            if repeated is not None:
                more, error = False, repeated
            if more:
                self._ahead = self._fetch()
            else:
                self._ended = True
                self._error = error
                self._cursor.handle.release()
        return self._buffer.popleft()

    def close(self) -> None:
        """Stops the listing; it is freed once the page in flight (if any) ended."""
        self._ended = True
        self._buffer.clear()
        ahead, self._ahead = self._ahead, None
        if ahead is not None and not ahead.done():
            ahead.cancel()
            ahead.add_done_callback(lambda _: self._cursor.handle.release())
            return
        if ahead is not None and not ahead.cancelled():
            ahead.exception()  # retrieved: the error of a page nobody reads is dropped
        self._cursor.handle.release()
