"""Listing: the lazy iterator behind every ``iter_*`` call of Project."""

from __future__ import annotations

from typing import Any, Iterator, Optional, TypeVar

from . import _native
from .errors import ClosedError

T = TypeVar("T")


class Listing(Iterator[T]):
    """Yields the items of one listing, fetching pages as needed.

    Each item is converted to a plain value and its native copy freed at
    once. The listing's error, if any, is raised once the items run out (so a
    loop may end with a StorjException). A listing that yields the same entry
    twice stops with InternalError instead of looping forever. ``cancel()``
    may be called from another thread; ``close()`` (or the end of a ``with``
    block, or of the loop) frees the native iterator.
    """

    def __init__(self, cursor: "_native.Cursor[T]") -> None:
        self._cursor = cursor

    def __iter__(self) -> "Listing[T]":
        return self

    def __next__(self) -> T:
        item: Optional[T] = self._cursor.next()
        if item is None:
            raise StopIteration
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

    def __enter__(self) -> "Listing[T]":
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
