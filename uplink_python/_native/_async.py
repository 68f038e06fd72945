"""Async operations: the native half of ``uplink_python.aio``.

libuplinkc runs each async call (``uplink_async_<call>``, whose row
``calls.ASYNC`` derives from ``<call>``'s) on a goroutine and returns an
operation id at once. One waiter thread per process sits in
``uplink_async_wait``; for each batch of finished ids it takes the results
(``uplink_async_take`` copies ``<call>``'s own result struct), converts and
frees them with the sync row's Result, and hands the values to each
future's event loop with one ``loop.call_soon_threadsafe`` per loop and
batch. So a thousand calls in flight are a thousand goroutines and one
Python thread, and any event loop works (Proactor included).

A loop that can watch a descriptor (``add_reader``: asyncio's selector
loops, uvloop) gets a completion queue of its own instead
(``uplink_async_queue_open``): the operations its thread starts report
there, the queue's pipe becomes readable, and the loop takes, converts and
delivers the results itself, with no thread in between (no hand-over of
the GIL, no wake-up of a second thread per batch). A get_object of 1 MiB or
more still reports to the waiter thread (libuplinkc decides when it ends),
whose copy of a large object releases the GIL. Once a second the waiter
closes the queues of closed loops (what they left in flight then ends
through the waiter: nobody awaits it any more) and takes over what a loop
left in its queue for a second (a loop that is not running, or whose
thread is busy), so that results never wait for a loop to release their
handles.

Every start goes through the gate (``apply(row, args, settle=...)``): the
argument conversions and checks of the sync row, the fork check, the
handles held until the operation ends (a close from another thread
interrupts it and waits for it), the error conversion.

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
import time
from ctypes import byref, sizeof
from typing import Any, Callable, Deque, Dict, Generic, List, Optional, Tuple, TypeVar, cast

from .. import errors
from ..module_classes import DeleteResult, Object, UploadOptions
from . import _calls as calls
from ._buffers import readable_buffer, writable_buffer
from ._errors import redacting
from ._gate import Completions, Handle, apply, leave
from ._listing import PAGE_SIZE, Cursor
from ._row import AsyncRow, Row
from ._streams import _MAX_EMPTY_READS
from ._whole import new_bytes

_T = TypeVar("_T")

# Finished operations taken per uplink_async_wait.
_BATCH = 512
# How long the waiter blocks in one uplink_async_wait (it also wakes at exit).
_WAIT_MILLISECONDS = 1000
# Seconds a loop may leave results in its queue before the waiter takes them.
_QUEUE_PATIENCE = 1.0
# The most one AsyncDownload.read(n) returns (as the sync read(n)): its bytes
# are copied out of the read buffer on the loop's thread, which must stay short.
LOOP_READ_SIZE = 1024 * 1024


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
        self.keep = keep  # what Go reads or writes until the operation ends
        self.abandoned = False
        # (value, exception) once delivered to the loop.
        self.outcome: Optional[Tuple[Any, Optional[BaseException]]] = None


# An operation, its value and its exception, once finished.
_Outcome = Tuple[_Operation, Any, Optional[BaseException]]


def _deliver(batch: List[_Outcome]) -> None:
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


class _Queue:
    """A loop's completion queue: its id, its descriptor and the thread of its loop."""

    __slots__ = ("id", "fd", "thread", "ids")

    def __init__(self, queue_id: int, fd: int) -> None:
        self.id = queue_id
        self.fd = fd
        self.thread = threading.get_ident()
        self.ids = (ctypes.c_uint64 * _BATCH)()


class _Dispatcher:
    """The operations in flight, the one waiter thread and the loops' queues."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.operations: Dict[int, _Operation] = {}
        self.thread: Optional[threading.Thread] = None
        self.pid = 0
        self.stopping = False
        # Each loop's queue, or None for a loop that cannot watch a descriptor.
        self.queues: Dict[asyncio.AbstractEventLoop, Optional[_Queue]] = {}
        self.local = threading.local()  # .queue: the queue this thread's starts use

    def start(self, row: AsyncRow, args: Tuple[Any, ...], take: Callable[[Any], Any],
              keep: Any) -> _Operation:
        loop = asyncio.get_running_loop()
        operation = _Operation(loop, row.sync.restype, take, keep)

        def settle(op_id: Any, held: List[Handle], c_args: List[Any]) -> _Operation:
            operation.id = int(op_id)
            operation.held = held
            operation.keep = (keep, c_args)
            self.operations[operation.id] = operation
            return operation

        with self.lock:
            if self.thread is None or self.pid != os.getpid():
                self._start_thread()
            queue = self._queue_of(loop) if _QUEUES else 0
            if getattr(self.local, "queue", 0) != queue:
                calls.async_queue_use(queue)
                self.local.queue = queue
            return cast(_Operation, apply(row, args, settle))

    def _start_thread(self) -> None:
        self.pid = os.getpid()
        self.operations.clear()
        self.queues.clear()  # a forked child's library has none of the parent's
        self.local = threading.local()
        self.thread = threading.Thread(target=self._wait, name="uplink-async-waiter",
                                       daemon=True)
        self.thread.start()

    def _wait(self) -> None:
        ids = (ctypes.c_uint64 * _BATCH)()
        looked = time.monotonic()
        while not self.stopping:
            count = calls.async_wait(_WAIT_MILLISECONDS, ids, _BATCH)
            if count:
                self._hand_over(ids[:count])
            if self.queues and time.monotonic() - looked >= _QUEUE_PATIENCE:
                looked = time.monotonic()
                self._look_after_queues(ids)

    def _look_after_queues(self, ids: Any) -> None:
        """Closes the queues of closed loops (what they held goes to the waiter)
        and takes over the results that a loop has left in its queue for a second
        (a loop stopped between two run_until_complete, or one whose thread is
        busy): they end now, and release their handles, as the waiter's do; the
        loop gets them with call_soon_threadsafe when it runs again."""
        with self.lock:
            self._close_queues_of_closed_loops()
            queues = [queue for queue in self.queues.values() if queue is not None]
        for queue in queues:
            count = calls.async_queue_take_stale(queue.id, int(_QUEUE_PATIENCE * 1000), ids,
                                                 _BATCH)
            if count:
                self._hand_over(ids[:count])

    # -- completion queues (the lock held)

    def _queue_of(self, loop: asyncio.AbstractEventLoop) -> int:
        """The id of ``loop``'s queue, opened at its first operation; 0 when the
        loop cannot watch a descriptor (its operations go to the waiter)."""
        try:
            queue = self.queues[loop]
        except KeyError:
            self._close_queues_of_closed_loops()
            queue = self.queues[loop] = self._open_queue(loop)
        return 0 if queue is None else queue.id

    def _open_queue(self, loop: asyncio.AbstractEventLoop) -> Optional[_Queue]:
        fd = ctypes.c_int(-1)
        queue_id = calls.async_queue_open(byref(fd))
        if not queue_id:
            return None
        queue = _Queue(queue_id, fd.value)
        try:
            loop.add_reader(queue.fd, self._take_queue, queue)
        except (NotImplementedError, AttributeError):  # Proactor; a loop of its own kind
            calls.async_queue_close(queue_id)
            return None
        return queue

    def _close_queues_of_closed_loops(self) -> None:
        for loop, queue in list(self.queues.items()):
            if loop.is_closed():
                del self.queues[loop]
                if queue is not None:
                    calls.async_queue_close(queue.id)

    # -- taking results

    def _take_queue(self, queue: _Queue) -> None:
        """On the loop's thread, when the queue's descriptor is readable: finishes
        the operations that the queue hands out and settles their futures."""
        if self.pid != os.getpid():
            return  # a forked child running its parent's loop: the parent's queue
        count = calls.async_queue_take(queue.id, queue.ids, _BATCH)
        if count:
            _deliver(self._finish_all(queue.ids[:count]))

    def take_own(self) -> bool:
        """Takes what the queues of the calling thread's loops hold (for a thread
        that waits for a handle's calls to end); False when it has no queue."""
        if self.pid != os.getpid():
            return False
        thread = threading.get_ident()
        with self.lock:
            own = [queue for queue in self.queues.values()
                   if queue is not None and queue.thread == thread]
        for queue in own:
            self._take_queue(queue)
        return bool(own)

    def _hand_over(self, ids: List[int]) -> None:
        """Finishes the operations of ``ids`` and hands them to their loops. (A
        function of its own, so that nothing of a batch outlives it.)"""
        batches: Dict[asyncio.AbstractEventLoop, List[_Outcome]] = {}
        for outcome in self._finish_all(ids):
            batches.setdefault(outcome[0].loop, []).append(outcome)
        for loop, batch in batches.items():
            try:
                loop.call_soon_threadsafe(_deliver, batch)
            except RuntimeError:
                pass  # the loop was closed: nobody waits for these any more

    def _finish_all(self, ids: List[int]) -> List["_Outcome"]:
        """Finishes the operations of ``ids`` (each handed out once); returns the
        outcomes of those that someone still awaits."""
        with self.lock:
            finished = [self.operations.pop(op_id, None) for op_id in ids]
        outcomes: List[_Outcome] = []
        for operation in finished:
            if operation is None:
                continue
            value, exc = self._finish(operation)
            if not operation.abandoned:
                outcomes.append((operation, value, exc))
        return outcomes

    @staticmethod
    def _finish(operation: _Operation) -> Tuple[Any, Optional[BaseException]]:
        """Takes, converts and frees the result; ends the hold on the handles."""
        value: Any = None
        exc: Optional[BaseException] = None
        try:
            result = operation.result_type()
            calls.async_take(operation.id, byref(result), sizeof(result))
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
            calls.async_wake()
            thread.join(timeout=2)

    def in_flight(self) -> int:
        with self.lock:
            return len(self.operations)


# UPLINK_ASYNC_QUEUES=0: every result goes through the waiter thread (to compare).
_QUEUES = os.environ.get("UPLINK_ASYNC_QUEUES", "1") != "0"
_DISPATCHER = _Dispatcher()
atexit.register(_DISPATCHER.stop)
Completions.take_own = staticmethod(_DISPATCHER.take_own)  # type: ignore[method-assign]


def in_flight() -> int:
    """The number of async operations started and not yet delivered."""
    return _DISPATCHER.in_flight()


def native_count() -> int:
    """The number of async operations libuplinkc holds (running or not yet taken)."""
    return calls.internal_AsyncCount()


def _uncancel() -> None:
    task = asyncio.current_task()
    uncancel = getattr(task, "uncancel", None)
    if uncancel is not None:
        uncancel()


async def run(row: "Row[_T]", *args: Any, take: Optional[Callable[[Any], _T]] = None,
              keep: Any = None) -> _T:
    """Runs the sync ``row``'s async twin (``calls.ASYNC``) with the same Python
    arguments on a goroutine and returns what ``row`` would: its Result takes
    the result (or ``take(result)``). ``keep``: what Go reads or writes until
    the operation ends (a buffer).

    A cancel abandons a transfer being opened (Go cannot interrupt that); a
    commit that completed despite a cancel returns its result (the task's
    cancel is consumed). A failure names no secret of ``row.redact``.
    """
    twin = calls.ASYNC[row.name]
    if take is None:
        result_of = row.result

        def take_result(result: Any) -> _T:
            return result_of.take(result, args)
        take = take_result
    if not twin.redact:
        return await _run(twin, args, take, keep)
    with redacting(*(args[index] for index in twin.redact if isinstance(args[index], str))):
        return await _run(twin, args, take, keep)


async def _run(twin: AsyncRow, args: Tuple[Any, ...], take: Callable[[Any], _T],
               keep: Any) -> _T:
    operation = _DISPATCHER.start(twin, args, take, keep)
    try:
        value: _T = await operation.future
        return value
    except asyncio.CancelledError:
        calls.async_cancel(operation.id)
        if twin.opens:
            operation.abandoned = True
            raise
        value, exc = await _outcome(operation)
        if twin.settles and exc is None:
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
# The calls that are more than one row: bytes in place, batches

async def put_object(project: Handle, bucket: str, key: str, data: Any,
                     options: Optional[UploadOptions]) -> Object:
    """Stores ``data`` (any bytes-like object, read in place) as bucket/key."""
    with readable_buffer(data, None, "data", "size") as (pointer, count):
        return await run(calls.put_object, project, bucket, key, pointer, count, options,
                         keep=data)


async def delete_objects(project: Handle, bucket: str, items: List[Tuple[str, Any]],
                         bypass_governance_retention: bool, quiet: bool) -> List[DeleteResult]:
    """Deletes many objects (key, version or None), in as many requests as needed."""
    results: List[DeleteResult] = []
    for array, count, batch in calls.delete_batches(bucket, items):
        done: List[DeleteResult] = await run(calls._delete_objects, project, bucket, array,
                                             count, bypass_governance_retention, quiet,
                                             keep=(array, batch))
        results += done
    return results


_WRITES = {"upload": (calls.upload_write, calls.upload_commit),
           "part upload": (calls.part_upload_write, calls.part_upload_commit)}


async def upload_write(upload: Handle, data: Any) -> int:
    """Writes all of ``data`` (any bytes-like object, read in place); returns its size."""
    write_row = _WRITES[upload.kind][0]
    with readable_buffer(data, None, "data", "size") as (pointer, count):
        if count == 0:
            upload.check()
            return 0
        start = ctypes.cast(pointer, ctypes.c_void_p).value or 0
        done = 0
        while done < count:
            written = await run(write_row, upload, start + done, count - done, keep=data)
            if written <= 0 or written > count - done:
                raise errors.InternalError(f"libuplinkc reported {written} bytes written")
            done += written
        return count


async def upload_commit(upload: Handle) -> None:
    """Commits an upload or part upload; a commit that completes despite a cancel
    counts as done."""
    await run(_WRITES[upload.kind][1], upload)


async def download_readinto(download: Handle, target: Any, full: bool) -> Tuple[int, bool]:
    """Reads into a writable buffer in place; returns (bytes read, at EOF). With
    ``full`` it fills the buffer unless the object ends; without, it returns once
    data arrived, with all that is there."""
    row = calls.download_read_full if full else calls.download_read_some
    with writable_buffer(target, "buffer") as (pointer, count):
        if count == 0:
            download.check()
            return 0, False
        for _ in range(_MAX_EMPTY_READS):
            got, eof = await run(row, download, pointer, count, keep=target)
            if got > count or (full and got < count and not eof):
                raise errors.InternalError(f"libuplinkc read {got} bytes into {count}")
            if got or eof:
                return got, eof
    raise errors.InternalError(f"download returned no data {_MAX_EMPTY_READS} times in a row")


async def download_read(download: Handle, count: int) -> Tuple[bytes, bool]:
    """Reads what arrived, up to ``count`` bytes and LOOP_READ_SIZE; returns
    (data, at EOF)."""
    count = min(count, LOOP_READ_SIZE)
    if count <= 0:
        download.check()
        return b"", False
    buffer = bytearray(count)
    got, eof = await download_readinto(download, buffer, full=False)
    del buffer[got:]
    return bytes(buffer), eof


async def download_read_bytes(download: Handle, count: int) -> Optional[Tuple[bytes, bool]]:
    """Reads ``count`` bytes (fewer only at the end of the object) straight into a
    new bytes object, which Go fills off the loop's thread: no copy and no
    zero-filling on the loop. Returns (data, at EOF), or None where a bytes
    object cannot be filled in place (then read into a buffer instead)."""
    made = new_bytes(count)
    if made is None:
        download.check()
        return None
    data, address = made
    got, eof = await run(calls.download_read_full, download, address, count, keep=data)
    if got > count or (got < count and not eof):
        raise errors.InternalError(f"libuplinkc read {got} bytes into {count}")
    if got < count:
        data = data[:got]  # the object was shorter than its size said: one copy
    return data, eof


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
        page = run(calls.iterator_next_page, self._cursor.handle, PAGE_SIZE,
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
