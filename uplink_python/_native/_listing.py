"""Listings: one Cursor over each kind of libuplinkc iterator."""

from __future__ import annotations

import threading
from typing import Any, Callable, Generic, Optional, Set, Tuple, TypeVar

from .. import errors
from ..module_classes import (Bucket, ListBucketsOptions, ListObjectsOptions,
                              ListObjectVersionsOptions, ListUploadPartsOptions,
                              ListUploadsOptions, Object, Part, UploadInfo, VersionedObject)
from ._convert import (bucket_value, encode, key_arg, list_buckets_options,
                       list_object_versions_options,
                       list_objects_options, list_upload_parts_options, list_uploads_options,
                       object_value, part_value, upload_info_value, versioned_object_value)
from ._errors import check
from ._gate import Handle, call, cancel, free
from ._loader import check_fork

_T = TypeVar("_T")


class _RepeatGuard:
    """Detects a listing that yields the same entry twice (storj/uplink#174 loops)."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.seen: Set[int] = set()

    def check(self, entry: Tuple[Any, ...]) -> None:
        marker = hash(entry)
        if marker in self.seen:
            raise errors.InternalError(
                f"{self.what} listing returned {entry[0]!r} twice; stopped to avoid an "
                "endless loop (storj/uplink#174)")
        self.seen.add(marker)


class Cursor(Generic[_T]):
    """One native listing. ``next()`` returns the next item, converted and its
    native copy freed at once, or None at the end, after the listing's error
    (if any) was raised. The iterator handle is released at the end, on an
    error, or by ``close()``.

    Threads may share a cursor: each ``next()`` runs alone (advancing and
    reading the item are two native calls), while ``cancel()`` and ``close()``
    interrupt one in progress.
    """

    def __init__(self, kind: str, prefix: str, c_pointer: Any, parent: Handle,
                 convert: Callable[[Any], _T], identity: Callable[[_T], Tuple[Any, ...]],
                 free_item: str) -> None:
        if not c_pointer:
            raise errors.InternalError(f"libuplinkc returned no {kind} iterator")
        self.kind = kind
        self.handle = Handle(f"{kind} listing", c_pointer, f"uplink_free_{prefix}_iterator",
                             c_pointer, parent=parent, cancellable=True)
        self._next = f"uplink_{prefix}_iterator_next"
        self._err = f"uplink_{prefix}_iterator_err"
        self._item = f"uplink_{prefix}_iterator_item"
        self._free_item = free_item
        self._convert = convert
        self._identity = identity
        self._guard = _RepeatGuard(kind)
        self._turn = threading.Lock()
        self.closed_by_caller = False

    def next(self) -> Optional[_T]:
        """The next item, or None once the listing is over; raises ClosedError
        once closed by ``close()`` (also when that interrupted this call)."""
        # Before the lock: a fork may have copied it held by another thread.
        check_fork()
        with self._turn:
            if not self.handle.alive:
                if self.closed_by_caller:
                    raise errors.ClosedError(f"the {self.kind} listing is closed")
                return None
            try:
                while call(self._next, self.handle):
                    item = call(self._item, self.handle)
                    if not item:
                        continue
                    try:
                        value = self._convert(item.contents)
                    finally:
                        free(self._free_item, item)
                    self._guard.check(self._identity(value))
                    return value
                call(self._err, self.handle, take=check)
            except BaseException:
                self.handle.release()
                raise
            self.handle.release()
            return None

    def cancel(self) -> None:
        """Stops the listing from any thread; the ``next()`` in progress (or the
        next one) raises CancelledError. Does nothing once the listing is over."""
        if not self.handle.alive:
            return
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
            free_item: str, *args: Any) -> Cursor[_T]:
    """Starts a listing with ``list_name(project, *args)`` and wraps its iterator."""
    cursor: Cursor[_T] = call(
        list_name, project, *args,
        take=lambda c_pointer: Cursor(kind, prefix, c_pointer, project, convert, identity,
                                      free_item))
    return cursor


def iter_buckets(project: Handle, options: Optional[ListBucketsOptions]) -> Cursor[Bucket]:
    """Starts a bucket listing."""
    return _cursor("uplink_list_buckets", "bucket", "bucket", project, bucket_value, lambda b: (b.name,),
                   "uplink_free_bucket", list_buckets_options(options))


def iter_objects(project: Handle, bucket: str,
                 options: Optional[ListObjectsOptions]) -> Cursor[Object]:
    """Starts an object listing."""
    return _cursor("uplink_list_objects", "object", "object", project, object_value, lambda o: (o.key, o.is_prefix),
                   "uplink_free_object", encode(bucket, "bucket_name"),
                   list_objects_options(options))


def iter_uploads(project: Handle, bucket: str,
                 options: Optional[ListUploadsOptions]) -> Cursor[UploadInfo]:
    """Starts a listing of pending multipart uploads."""
    return _cursor("uplink_list_uploads", "upload", "upload", project, upload_info_value,
                   lambda u: (u.key, u.upload_id, u.is_prefix), "uplink_free_upload_info",
                   encode(bucket, "bucket_name"), list_uploads_options(options))


def iter_upload_parts(project: Handle, bucket: str, key: str, upload_id: str,
                      options: Optional[ListUploadPartsOptions]) -> Cursor[Part]:
    """Starts a listing of the parts of a multipart upload."""
    return _cursor("uplink_list_upload_parts", "part", "part", project, part_value, lambda p: (p.part_number,),
                   "uplink_free_part", encode(bucket, "bucket_name"), key_arg(key, "key"),
                   encode(upload_id, "upload_id"), list_upload_parts_options(options))


def iter_object_versions(project: Handle, bucket: str,
                         options: Optional[ListObjectVersionsOptions]
                         ) -> Cursor[VersionedObject]:
    """Starts a listing of object versions."""
    return _cursor("uplink_list_object_versions", "object version", "versioned_object", project, versioned_object_value,
                   lambda o: (o.key, o.version, o.is_prefix), "uplink_free_versioned_object",
                   encode(bucket, "bucket_name"), list_object_versions_options(options))
