"""The gate: the one place every call into libuplinkc passes through.

``call(name, *args, take=...)``

* refuses in a child forked after the library was loaded (ForkError), so no
  object made before a fork ever runs Go code in the child;
* holds each ``Handle`` argument for the length of the call and passes its C
  pointer: ``release()`` from another thread first interrupts the call (it
  cancels the handle's work in libuplinkc), then waits for it to leave, so a
  handle is never freed under a call; the interrupted call raises ClosedError;
* converts the result with ``take`` (which frees it and raises its error)
  while the handles are still held.

Calls on one upload, download, part upload or listing take turns inside
libuplinkc (a lock per handle, so C callers are protected as well); cancelling
does not wait for that lock, which is how it interrupts a call in progress.
"""

from __future__ import annotations

import threading
import weakref
from ctypes import byref, pointer
from typing import Any, Callable, List, Optional, TypeVar

from .. import errors
from .. import module_def as d
from ._errors import check, pop_error
from ._loader import check_fork, forked, function

_T = TypeVar("_T")


def free(name: str, result: Any) -> None:
    """Frees a native result with its ``uplink_free_*`` function; in a forked
    child the memory is left alone (the Go runtime that owns it is gone)."""
    if not forked():
        function(name)(result)


def _release(free_name: str, owned: Any, parent: Optional["Handle"]) -> None:
    """Frees one native allocation. ``parent`` is only carried so that it outlives the child."""
    del parent
    free(free_name, owned)


def _cancel(handle: "Handle") -> None:
    check(function("uplink_cancel")(byref(d._HandleStruct(handle._id))))


class Handle:
    """Owns one native handle (and the result that carries it); frees it exactly once.

    The id is copied into Python-owned memory, so a stale use after release
    reaches libuplinkc as an unknown id (INVALID_HANDLE), never as freed memory.
    ``cancellable`` handles (uploads, downloads, part uploads, listings) are
    cancelled when released during a call, so that the call returns at once.
    """

    __slots__ = ("kind", "_id", "_struct", "_ref", "_finalizer", "_cancellable", "_mutex",
                 "_lock", "_calls", "_closing", "__weakref__")

    def __init__(self, kind: str, c_pointer: Any, free_name: str, owned: Any,
                 parent: Optional["Handle"] = None, cancellable: bool = False) -> None:
        self.kind = kind
        self._id = int(c_pointer.contents._handle)
        self._struct = type(c_pointer.contents)
        self._ref = byref(self._struct(self._id))
        self._cancellable = cancellable
        # Calls take the plain lock (a C-level with-block, cheap on the hot
        # path); release() waits on the condition built on it.
        self._mutex = threading.Lock()
        self._lock = threading.Condition(self._mutex)
        self._calls = 0
        self._closing = False
        self._finalizer = weakref.finalize(self, _release, free_name, owned, parent)

    def _enter(self) -> Any:
        with self._mutex:
            if self._closing or not self._finalizer.alive:
                raise errors.ClosedError(f"the {self.kind} is closed")
            self._calls += 1
        return self._ref

    def _exit(self) -> None:
        with self._mutex:
            self._calls -= 1
            if self._calls == 0 and self._closing:
                self._lock.notify_all()

    def check(self) -> None:
        """Raises ClosedError once released (or being released), ForkError in a
        forked child."""
        check_fork()
        if self._closing or not self._finalizer.alive:
            raise errors.ClosedError(f"the {self.kind} is closed")

    @property
    def alive(self) -> bool:
        """False once released (or being released)."""
        return not self._closing and self._finalizer.alive

    def c_pointer(self) -> Any:
        """A new C pointer to a copy of the handle struct, in the original
        uplink-python's shape (``.contents._handle`` is the id)."""
        self.check()
        return pointer(self._struct(self._id))

    def release(self, close: Optional[str] = None) -> None:
        """Frees the native handle; later calls do nothing.

        A call in progress on another thread is interrupted (a cancellable
        handle is cancelled; ``close`` interrupts the others) and waited for,
        and raises ClosedError. ``close`` names a ``(T*) -> UplinkError*``
        function run before freeing (uplink_close_project, an abort, ...); its
        error is raised after the handle is freed, unless the handle had to be
        cancelled, which makes that error moot.
        """
        with self._lock:
            if self._closing or not self._finalizer.alive:
                return
            self._closing = True
            interrupt = self._calls > 0 and self._cancellable
        if forked():
            self._finalizer.detach()
            return
        error: Optional[BaseException] = None
        try:
            if interrupt:
                _cancel(self)
            if close is not None:
                check(function(close)(self._ref))
        except errors.StorjException as exc:
            error = exc
        with self._lock:
            self._lock.wait_for(lambda: self._calls == 0)
        self._finalizer()
        if error is not None and not interrupt:
            raise error


def _raise_if_closed_under(handle: Handle, exc: errors.StorjException) -> None:
    """A call that release() interrupted raises ClosedError, whatever it failed with."""
    if handle._closing and not isinstance(exc, errors.ClosedError):
        raise errors.ClosedError(
            f"the {handle.kind} was closed while a call on it was in progress") from exc


def call(name: str, *args: Any, take: Optional[Callable[[Any], Any]] = None,
         settle: Optional[Callable[[Any, List[Handle]], Any]] = None) -> Any:
    """Calls libuplinkc's ``name`` through the gate (see the module docstring)
    and returns ``take(result)``, or the raw result without ``take``.

    ``settle`` is for calls that only start an operation (uplink_async_*):
    it gets the result and the held handles and returns ``settle``'s value;
    the handles stay held until the operation ends, when ``leave`` lets them go.
    """
    func = function(name)
    held: List[Handle] = []
    try:
        c_args = []
        for arg in args:
            if type(arg) is Handle:  # pylint: disable=unidiomatic-typecheck
                c_args.append(arg._enter())
                held.append(arg)
            else:
                c_args.append(arg)
        result = func(*c_args)
        if settle is not None:
            holding, held = held, []
            return settle(result, holding)
        return result if take is None else take(result)
    except errors.StorjException as exc:
        for handle in held:
            _raise_if_closed_under(handle, exc)
        raise
    finally:
        for handle in held:
            handle._exit()


def leave(held: List[Handle], exc: Optional[BaseException] = None) -> Optional[BaseException]:
    """Ends the hold of a ``settle`` call's handles once its operation ended;
    returns ``exc`` as the call would raise it (ClosedError when a release
    interrupted the operation)."""
    try:
        if isinstance(exc, errors.StorjException):
            for handle in held:
                try:
                    _raise_if_closed_under(handle, exc)
                except errors.ClosedError as closed:
                    exc = closed
    finally:
        for handle in held:
            handle._exit()
    return exc


def handle_caller(name: str, take: Callable[[Any], _T]) -> Callable[..., _T]:
    """``call(name, handle, *args, take=take)`` for hot paths (reads, writes,
    listing pages) whose only Handle is the first argument: the same rules,
    without scanning the arguments or building a closure per call."""
    def call_on(handle: Handle, *args: Any) -> _T:
        func = function(name)  # refuses in a forked child
        ref = handle._enter()
        try:
            return take(func(ref, *args))
        except errors.StorjException as exc:
            _raise_if_closed_under(handle, exc)
            raise
        finally:
            handle._exit()
    call_on.__name__ = f"call_{name}"
    return call_on


def cancel(handle: Handle) -> None:
    """Cancels what an upload, download, part upload or listing is doing, from any
    thread, without waiting for the call in progress; raises ClosedError once released."""
    handle.check()
    _cancel(handle)


def own(result: Any, field: str, free_name: str, kind: str,
        parent: Optional[Handle] = None, cancellable: bool = False) -> Handle:
    """Takes ownership of a ``{T* x; UplinkError* error;}`` result holding a handle."""
    exc = pop_error(result)
    c_pointer = getattr(result, field)
    if exc is not None or not c_pointer:
        free(free_name, result)
        raise exc or errors.InternalError(f"libuplinkc returned no {kind}")
    return Handle(kind, c_pointer, free_name, result, parent, cancellable)


def taker(field: str, free_name: str, convert: Callable[[Any], _T],
          attach: Optional[str] = None) -> Callable[[Any], Optional[_T]]:
    """A ``take`` for ``{T* field; UplinkError* error;}`` results: converts the
    value (None for NULL), frees the result, and raises its error if any. With
    ``attach``, a value returned together with an error is set on the exception."""
    def take(result: Any) -> Optional[_T]:
        try:
            exc = pop_error(result)
            c_pointer = getattr(result, field)
            value = convert(c_pointer.contents) if c_pointer else None
        finally:
            free(free_name, result)
        if exc is not None:
            if attach and value is not None:
                setattr(exc, attach, value)
            raise exc
        return value
    return take


def value_taker(field: str, free_name: str, convert: Callable[[Any], _T],
                attach: Optional[str] = None) -> Callable[[Any], _T]:
    """Like taker, for calls that always return a value on success."""
    take = taker(field, free_name, convert, attach)

    def take_value(result: Any) -> _T:
        value = take(result)
        if value is None:
            raise errors.InternalError(f"libuplinkc returned no {field}")
        return value
    return take_value


def take_string(result: Any) -> str:
    """Copies the string out of a StringResult, frees it, and raises its error if any."""
    try:
        exc = pop_error(result)
        raw = result.string
    finally:
        free("uplink_free_string_result", result)
    if exc is not None:
        raise exc
    return raw.decode("utf-8", "surrogateescape") if raw else ""


def scalar_taker(free_name: str) -> Callable[[Any], Any]:
    """A ``take`` for ``{value; UplinkError*}`` results."""
    def take(result: Any) -> Any:
        try:
            exc = pop_error(result)
            value = result.value
        finally:
            free(free_name, result)
        if exc is not None:
            raise exc
        return value
    return take


class HandleOwner:
    """What the objects owning one native handle share: ``closed``, and a ``with``
    block that refuses a closed object and closes it at the end."""

    _handle: Handle

    def close(self) -> None:
        raise NotImplementedError

    @property
    def closed(self) -> bool:
        """True once closed."""
        return not self._handle.alive

    def __enter__(self: Any) -> Any:
        self._handle.check()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


class LibraryView:
    """``Uplink.m_libuplink``: the original's library object, read-only. Each
    function goes through the gate with the declared signature; assigning
    ``argtypes``/``restype``, as original programs do before each call, is
    accepted and leaves the declarations alone."""

    def __getattr__(self, name: str) -> "_ViewFunction":
        try:
            function(name)
        except KeyError:
            raise AttributeError(f"libuplinkc has no function {name}") from None
        return _ViewFunction(name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("m_libuplink is read-only")


class _ViewFunction:
    _name: str

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_name", name)

    @property
    def argtypes(self) -> Any:
        return function(self._name).argtypes

    @property
    def restype(self) -> Any:
        return function(self._name).restype

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in ("argtypes", "restype"):
            raise AttributeError(f"{self._name} is read-only")

    def __call__(self, *args: Any) -> Any:
        return call(self._name, *args)
