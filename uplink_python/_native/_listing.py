"""Listings: one Cursor over each kind of libuplinkc iterator."""

from __future__ import annotations

import collections
import ctypes
import threading
from ctypes import POINTER
from typing import (Any, Callable, Deque, Generic, List, NoReturn, Optional, Sequence, Set,
                    Tuple, TypeVar)

from .. import errors
from .. import module_def as d
from ..module_classes import Bucket, Object, Part, UploadInfo, VersionedObject
from ._convert import (bucket_value, object_value, part_value, upload_info_value,
                       versioned_object_value)
from ._errors import pop_error
from ._gate import Handle, call, cancel, explain_refusal, free
from ._row import Result

_T = TypeVar("_T")


class _RepeatGuard:
    """Detects a listing that yields the same entry twice (storj/uplink#174 loops)."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.seen: Set[int] = set()

    def check(self, entry: Tuple[Any, ...]) -> None:
        marker = hash(entry)
        if marker in self.seen:
            raise self._error(entry)
        self.seen.add(marker)

    def admit(self, values: List[_T], identity: Callable[[_T], Tuple[Any, ...]]
              ) -> Tuple[List[_T], Optional[errors.InternalError]]:
        """Checks a page at once: returns the values before the first repeated
        one, and the error to raise once they were handed out (None: all new)."""
        seen = self.seen
        for index, value in enumerate(values):
            entry = identity(value)
            marker = hash(entry)
            if marker in seen:
                return values[:index], self._error(entry)
            seen.add(marker)
        return values, None

    def _error(self, entry: Tuple[Any, ...]) -> errors.InternalError:
        return errors.InternalError(
            f"{self.what} listing returned {entry[0]!r} twice; stopped to avoid an "
            "endless loop (storj/uplink#174)")


# Items per native call: the satellite's own page size, so one call mostly
# costs one round trip, and a page of converted values stays small.
PAGE_SIZE = 1000

# The UPLINK_ITEM_* kinds of a listing page (uplink_extensions.h), and the C
# struct of each.
ITEM_OBJECT, ITEM_BUCKET, ITEM_UPLOAD_INFO, ITEM_PART, ITEM_VERSIONED_OBJECT = 1, 2, 3, 4, 5
_ITEM_STRUCTS = {ITEM_OBJECT: d._ObjectStruct, ITEM_BUCKET: d._BucketStruct,
                 ITEM_UPLOAD_INFO: d._UploadInfoStruct, ITEM_PART: d._PartStruct,
                 ITEM_VERSIONED_OBJECT: d._VersionedObjectStruct}


class Cursor(Generic[_T]):
    """One native listing. ``next()`` returns the next item, or None at the
    end, after the listing's error (if any) was raised. Items come from
    libuplinkc a page at a time (one native call per ``PAGE_SIZE`` items,
    converted and their native copies freed at once). The iterator handle is
    released at the end, on an error, or by ``close()``.

    Threads may share a cursor: each ``next()`` runs alone, while ``cancel()``
    and ``close()`` interrupt one in progress.
    """

    def __init__(self, kind: str, free_name: str, c_pointer: Any, parent: Handle,
                 convert: Callable[[Any], _T], identity: Callable[[_T], Tuple[Any, ...]],
                 item_kind: int) -> None:
        if not c_pointer:
            raise errors.InternalError(f"libuplinkc returned no {kind} iterator")
        self.kind = kind
        self.handle = Handle(f"{kind} listing", c_pointer, free_name,
                             c_pointer, parent=parent, cancellable=True)
        self._item_kind = item_kind
        self._item_pointer = POINTER(POINTER(_ITEM_STRUCTS[item_kind]))
        self._convert = convert
        self._identity = identity
        self._guard = _RepeatGuard(kind)
        self._turn = threading.Lock()
        self._buffer: Deque[_T] = collections.deque()
        self._ended = False
        self._error: Optional[BaseException] = None
        self._parent = parent
        self._cancelled = False
        self.closed_by_caller = False

    def _take_page(self, result: Any) -> Tuple[List[_T], bool, Optional[BaseException]]:
        """Converts a page's items and frees it; returns (values, more, error)."""
        try:
            exc = pop_error(result)
            if exc is not None:
                explain_refusal(self.handle, exc)
            count = int(result.count)
            values: List[_T] = []
            if count:
                if result.kind != self._item_kind:
                    raise errors.InternalError(
                        f"libuplinkc returned items of kind {result.kind} for a {self.kind} "
                        "listing")
                convert = self._convert
                items = ctypes.cast(result.items, self._item_pointer)
                values = [convert(item.contents) for item in items[:count]]
            more = bool(result.more)
        finally:
            free("uplink_free_list_page_result", result)
        return values, more and exc is None, exc

    def _abandon(self, exc: errors.StorjException) -> NoReturn:
        """Ends the listing with ``exc``: fetched items and a pending error are dropped."""
        self._buffer.clear()
        self._ended = True
        self._error = None
        raise exc

    def next(self) -> Optional[_T]:
        """The next item, or None once the listing is over; raises ClosedError
        once closed by ``close()`` (also when that interrupted this call)."""
        # Before the lock: a fork may have copied it held by another thread.
        self.handle.check_fork()
        with self._turn:
            buffer = self._buffer
            if buffer and not self._cancelled and not self.closed_by_caller \
                    and self._parent.alive:
                # The common case: the next item of the page already fetched.
                return buffer.popleft()
            if not self.handle.alive:
                if self.closed_by_caller:
                    raise errors.ClosedError(f"the {self.kind} listing is closed")
                return None
            try:
                while not self._buffer and not self._ended:
                    values, more, self._error = call(
                        "uplink_iterator_next_page", self.handle, PAGE_SIZE,
                        take=self._take_page)
                    values, repeated = self._guard.admit(values, self._identity)
                    self._buffer.extend(values)
                    self._ended = not more
                    if repeated is not None:
                        # Raised once the items before the repeated one were handed out.
                        self._ended, self._error = True, repeated
                if self.closed_by_caller:
                    # close() interrupted this call: its one documented outcome.
                    self._abandon(errors.ClosedError(f"the {self.kind} listing is closed"))
                if self._buffer and (self._cancelled or not self._parent.alive):
                    # Items fetched before a cancel are not handed out, as
                    # when they came one native call at a time.
                    self._abandon(errors.CancelledError(
                        "the listing was cancelled" if self._cancelled
                        else "the project of the listing was closed"))
                if self._buffer:
                    return self._buffer.popleft()
            except BaseException:
                self._buffer.clear()
                self.handle.release()
                raise
            self.handle.release()
            if self._error is not None:
                error, self._error = self._error, None
                raise error
            return None

    def cancel(self) -> None:
        """Stops the listing from any thread; the ``next()`` in progress (or the
        next one) raises CancelledError. Does nothing once the listing is over."""
        if not self.handle.alive:
            return
        self._cancelled = True
        try:
            cancel(self.handle)
        except (errors.ClosedError, errors.InvalidHandleError):
            pass  # it ended (and was freed) meanwhile

    def close(self) -> None:
        """Frees the listing; later calls do nothing. A listing that was still
        running raises ClosedError from ``next()`` from now on, and a ``next()``
        in progress on another thread is interrupted with ClosedError."""
        if self.handle.alive:
            self.closed_by_caller = True
        self.handle.release()


class Listed(Result[Cursor[_T]]):
    """The result of a ``uplink_list_*`` call: its iterator, as a Cursor that
    keeps the project (the call's first argument) alive and frees the iterator
    with ``free``. ``identity`` tells two items apart (for the repeat guard);
    ``item_kind`` is the UPLINK_ITEM_* kind of its pages."""

    def __init__(self, iterator: Any, kind: str, free: Any, item_kind: int,
                 convert: Callable[[Any], _T], identity: Callable[[_T], Tuple[Any, ...]]
                 ) -> None:
        self.restype = POINTER(iterator)
        self.kind = kind
        self.free = free.name
        self.item_kind = item_kind
        self.convert = convert
        self.identity = identity

    def take(self, result: Any, args: Sequence[Any]) -> Cursor[_T]:
        return Cursor(self.kind, self.free, result, args[0], self.convert, self.identity,
                      self.item_kind)


def buckets(iterator: Any, free: Any) -> Listed[Bucket]:
    """The result of uplink_list_buckets."""
    return Listed(iterator, "bucket", free, ITEM_BUCKET, bucket_value, lambda b: (b.name,))


def objects(iterator: Any, free: Any) -> Listed[Object]:
    """The result of uplink_list_objects."""
    return Listed(iterator, "object", free, ITEM_OBJECT, object_value,
                  lambda o: (o.key, o.is_prefix))


def uploads(iterator: Any, free: Any) -> Listed[UploadInfo]:
    """The result of uplink_list_uploads."""
    return Listed(iterator, "upload", free, ITEM_UPLOAD_INFO, upload_info_value,
                  lambda u: (u.key, u.upload_id, u.is_prefix))


def parts(iterator: Any, free: Any) -> Listed[Part]:
    """The result of uplink_list_upload_parts."""
    return Listed(iterator, "part", free, ITEM_PART, part_value, lambda p: (p.part_number,))


def object_versions(iterator: Any, free: Any) -> Listed[VersionedObject]:
    """The result of uplink_list_object_versions."""
    return Listed(iterator, "object version", free, ITEM_VERSIONED_OBJECT,
                  versioned_object_value, lambda o: (o.key, o.version, o.is_prefix))
