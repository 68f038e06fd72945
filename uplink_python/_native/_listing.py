"""Listings: one Cursor over each kind of libuplinkc iterator."""

from __future__ import annotations

import collections
import ctypes
import threading
from ctypes import POINTER
from typing import (Any, Callable, Deque, Generic, List, NoReturn, Optional, Set, Tuple,
                    TypeVar)

from .. import errors
from .. import module_def as d
from ..module_classes import (Bucket, ListBucketsOptions, ListObjectsOptions,
                              ListObjectVersionsOptions, ListUploadPartsOptions,
                              ListUploadsOptions, Object, Part, UploadInfo, VersionedObject)
from ._convert import (bucket_value, encode, key_arg, list_buckets_options,
                       list_object_versions_options,
                       list_objects_options, list_upload_parts_options, list_uploads_options,
                       object_value, part_value, upload_info_value, versioned_object_value)
from ._errors import pop_error
from ._gate import Handle, call, cancel, free

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
_ITEM_OBJECT, _ITEM_BUCKET, _ITEM_UPLOAD_INFO, _ITEM_PART, _ITEM_VERSIONED_OBJECT = 1, 2, 3, 4, 5
_ITEM_STRUCTS = {_ITEM_OBJECT: d._ObjectStruct, _ITEM_BUCKET: d._BucketStruct,
                 _ITEM_UPLOAD_INFO: d._UploadInfoStruct, _ITEM_PART: d._PartStruct,
                 _ITEM_VERSIONED_OBJECT: d._VersionedObjectStruct}


class Cursor(Generic[_T]):
    """One native listing. ``next()`` returns the next item, or None at the
    end, after the listing's error (if any) was raised. Items come from
    libuplinkc a page at a time (one native call per ``PAGE_SIZE`` items,
    converted and their native copies freed at once). The iterator handle is
    released at the end, on an error, or by ``close()``.

    Threads may share a cursor: each ``next()`` runs alone, while ``cancel()``
    and ``close()`` interrupt one in progress.
    """

    def __init__(self, kind: str, prefix: str, c_pointer: Any, parent: Handle,
                 convert: Callable[[Any], _T], identity: Callable[[_T], Tuple[Any, ...]],
                 item_kind: int) -> None:
        if not c_pointer:
            raise errors.InternalError(f"libuplinkc returned no {kind} iterator")
        self.kind = kind
        self.handle = Handle(f"{kind} listing", c_pointer, f"uplink_free_{prefix}_iterator",
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


def _cursor(list_name: str, kind: str, prefix: str, project: Handle,
            convert: Callable[[Any], _T], identity: Callable[[_T], Tuple[Any, ...]],
            item_kind: int, *args: Any) -> Cursor[_T]:
    """Starts a listing with ``list_name(project, *args)`` and wraps its iterator."""
    cursor: Cursor[_T] = call(
        list_name, project, *args,
        take=lambda c_pointer: Cursor(kind, prefix, c_pointer, project, convert, identity,
                                      item_kind))
    return cursor


def iter_buckets(project: Handle, options: Optional[ListBucketsOptions]) -> Cursor[Bucket]:
    """Starts a bucket listing."""
    return _cursor("uplink_list_buckets", "bucket", "bucket", project, bucket_value, lambda b: (b.name,),
                   _ITEM_BUCKET, list_buckets_options(options))


def iter_objects(project: Handle, bucket: str,
                 options: Optional[ListObjectsOptions]) -> Cursor[Object]:
    """Starts an object listing."""
    return _cursor("uplink_list_objects", "object", "object", project, object_value, lambda o: (o.key, o.is_prefix),
                   _ITEM_OBJECT, encode(bucket, "bucket_name"),
                   list_objects_options(options))


def iter_uploads(project: Handle, bucket: str,
                 options: Optional[ListUploadsOptions]) -> Cursor[UploadInfo]:
    """Starts a listing of pending multipart uploads."""
    return _cursor("uplink_list_uploads", "upload", "upload", project, upload_info_value,
                   lambda u: (u.key, u.upload_id, u.is_prefix), _ITEM_UPLOAD_INFO,
                   encode(bucket, "bucket_name"), list_uploads_options(options))


def iter_upload_parts(project: Handle, bucket: str, key: str, upload_id: str,
                      options: Optional[ListUploadPartsOptions]) -> Cursor[Part]:
    """Starts a listing of the parts of a multipart upload."""
    return _cursor("uplink_list_upload_parts", "part", "part", project, part_value, lambda p: (p.part_number,),
                   _ITEM_PART, encode(bucket, "bucket_name"), key_arg(key, "key"),
                   encode(upload_id, "upload_id"), list_upload_parts_options(options))


def iter_object_versions(project: Handle, bucket: str,
                         options: Optional[ListObjectVersionsOptions]
                         ) -> Cursor[VersionedObject]:
    """Starts a listing of object versions."""
    return _cursor("uplink_list_object_versions", "object version", "versioned_object", project, versioned_object_value,
                   lambda o: (o.key, o.version, o.is_prefix), _ITEM_VERSIONED_OBJECT,
                   encode(bucket, "bucket_name"), list_object_versions_options(options))
