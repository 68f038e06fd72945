"""Listing: the lazy iterator behind every ``iter_*`` call of Project."""

from __future__ import annotations

from typing import Any, Callable, Iterator, Optional, Tuple, TypeVar

from . import _native
from .errors import ClosedError
from .module_classes import ListObjectsOptions, Object

T = TypeVar("T")
# Self: what a with-block on a Listing (or a subclass) binds.
_Self = TypeVar("_Self", bound="Listing[Any]")


class Listing(Iterator[T]):
    """Yields the items of one listing, fetching pages as needed.

    Each item is converted to a plain value and its native copy freed at
    once. The listing's error, if any, is raised once the items run out (so a
    loop may end with a StorjException). A listing that yields the same entry
    twice stops with InternalError instead of looping forever. ``cancel()``
    may be called from another thread; ``close()`` (or the end of a ``with``
    block, or of the loop) frees the native iterator.

    ``keep`` filters the items; ``sort_key`` sorts them, which reads the whole
    listing at the first ``next()``.
    """

    def __init__(self, cursor: "_native.Cursor[T]", keep: Optional[Callable[[T], bool]] = None,
                 sort_key: Optional[Callable[[T], Any]] = None) -> None:
        self._cursor = cursor
        self._keep = keep
        self._sort_key = sort_key
        self._sorted: Optional[Iterator[T]] = None

    def __iter__(self) -> "Listing[T]":
        return self

    def __next__(self) -> T:
        if self._sort_key is not None:
            if self._sorted is None:
                self._sorted = iter(sorted(self._unsorted(), key=self._sort_key))
            return next(self._sorted)
        return self._next_kept()

    def _unsorted(self) -> Iterator[T]:
        while True:
            try:
                yield self._next_kept()
            except StopIteration:
                return

    def _next_kept(self) -> T:
        while True:
            item: Optional[T] = self._cursor.next()
            if item is None:
                raise StopIteration
            if self._keep is None or self._keep(item):
                return item

    def cancel(self) -> None:
        """Stops the listing from any thread: the ``next()`` in progress, or the
        next one, raises CancelledError. Does nothing once the listing is over."""
        self._cursor.cancel()

    def close(self) -> None:
        """Stops the listing and frees it; later calls do nothing. After closing a
        listing that had not ended, ``next()`` raises ClosedError."""
        self._cursor.close()

    @property
    def closed(self) -> bool:
        """True once the listing ended or was closed."""
        return not self._cursor.handle.alive

    def __enter__(self: _Self) -> _Self:
        if self._cursor.closed_by_caller:
            raise ClosedError(f"the {self._cursor.kind} listing is closed")
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __reduce__(self) -> Any:
        raise TypeError("a Listing cannot be pickled")

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<Listing of {self._cursor.kind}s {state}>"


def object_listing(list_object_options: Optional[ListObjectsOptions], prefix: Optional[str],
                   recursive: Optional[bool], sort: bool
                   ) -> Tuple[Any, Optional[Callable[[Object], bool]],
                              Optional[Callable[[Object], Any]]]:
    """What ``iter_objects(bucket, list_object_options, prefix=, recursive=, sort=)``
    (sync or async) lists: the native options, the filter and the sort key.
    Without options the objects come with their system metadata."""
    if list_object_options is None:
        list_object_options = ListObjectsOptions(
            prefix=prefix if prefix is not None else "",
            recursive=False if recursive is None else _native.flag(recursive, "recursive"),
            system=True)
    elif prefix is not None or recursive is not None:
        raise TypeError("give prefix and recursive either in list_object_options "
                        "or as keywords, not both")
    if sort is not True and sort is not False:
        raise TypeError("sort must be a bool")
    options, keep = object_listing_options(list_object_options)
    return options, keep, by_key if sort else None


def object_listing_options(options: Any) -> Tuple[Any, Optional[Callable[[Object], bool]]]:
    """The options to ask the satellite for, and the filter to apply, so that any
    prefix works as on S3: Go uplink takes only prefixes that end in "/" (the
    satellite stores keys encrypted, component by component), so a prefix such
    as ``logs/2024-`` lists ``logs/`` and keeps the keys that start with it."""
    if not isinstance(options, ListObjectsOptions) or not isinstance(options.prefix, str) \
            or not options.prefix or options.prefix.endswith("/"):
        return options, None   # nothing to rewrite; _native checks the types
    prefix = options.prefix
    _native.encode(prefix, "list_object_options.prefix")   # what the native call would check
    parent = prefix[:prefix.rfind("/") + 1]
    # The cursor is relative to the prefix, and so becomes relative to its parent.
    cursor = prefix[len(parent):] + options.cursor if options.cursor else options.cursor
    wide = ListObjectsOptions(prefix=parent, cursor=cursor, recursive=options.recursive,
                              system=options.system, custom=options.custom)
    return wide, lambda item: item.key.startswith(prefix)


def by_key(item: Object) -> str:
    """Sort key of listed objects: the key, as S3 orders them (by UTF-8 bytes,
    which orders like the code points of str)."""
    return item.key
