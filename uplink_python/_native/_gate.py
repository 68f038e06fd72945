"""The gate: the one place every call into libuplinkc passes through.

``apply(row, args)`` (what calling a ``_row.Row`` does):

* converts the Python arguments as the row says (a bad one raises
  TypeError/ValueError before anything else happens);
* never passes a handle of an older library generation (one made before a
  fork, see ``_loader``): an Access or Project reopens itself in the child's
  library first, any other handle raises ForkError;
* holds each ``Handle`` argument for the length of the call and passes its C
  pointer: ``release()`` from another thread first interrupts the call (it
  cancels the handle's work in libuplinkc), then waits for it to leave, so a
  handle is never freed under a call; the interrupted call raises ClosedError;
* takes the result with the row's Result (which frees it, converts it and
  raises its error) while the handles are still held; a PermissionDeniedError
  on a handle whose grant is out of its time window (``Handle.time_bounds``)
  says so.

``call(name, *args, take=...)`` is the same path for C arguments as they are.

Calls on one upload, download, part upload or listing take turns inside
libuplinkc (a lock per handle, so C callers are protected as well); cancelling
does not wait for that lock, which is how it interrupts a call in progress.
"""

from __future__ import annotations

import os
import threading
import weakref
from ctypes import byref, pointer
from typing import TYPE_CHECKING, Any, Callable, List, Optional, Sequence, Tuple, TypeVar

from .. import errors
from ._errors import check, redacting
from ._loader import function, generation

if TYPE_CHECKING:
    from ._row import Row

_T = TypeVar("_T")
# Self (typing.Self is 3.11+): a with-block binds the object with its own class.
_Owner = TypeVar("_Owner", bound="HandleOwner")


def free(name: str, result: Any) -> None:
    """Frees a native result with its ``uplink_free_*`` function."""
    function(name)(result)


def _release(free_name: str, owned: Any, parent: Optional["Handle"], made_in: int) -> None:
    """Frees one native allocation, unless it belongs to a library of an earlier
    generation (a forked child leaves its parent's memory alone). ``parent`` is
    only carried so that it outlives the child."""
    del parent
    if made_in == generation():
        free(free_name, owned)


def _cancel(handle: "Handle") -> None:
    from ._calls import cancel as cancel_row  # pylint: disable=import-outside-toplevel
    apply(cancel_row, (handle,))


class Handle:
    """Owns one native handle (and the result that carries it); frees it exactly once.

    The id is copied into Python-owned memory, so a stale use after release
    reaches libuplinkc as an unknown id (INVALID_HANDLE), never as freed memory.
    ``cancellable`` handles (uploads, downloads, part uploads, listings) are
    cancelled when released during a call, so that the call returns at once.
    """

    __slots__ = ("kind", "_id", "_struct", "_ref", "_finalizer", "_cancellable", "_mutex",
                 "_lock", "_calls", "_closing", "_generation", "_reopen", "time_bounds",
                 "__weakref__")

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
        self._generation = generation()
        self._reopen: Optional[Callable[[], Handle]] = None
        # (not_before, not_after) in unix seconds of the grant a project was
        # opened with (Access sets it), inherited by what the project starts;
        # None when the grant has no time bounds. See _explain_refusal.
        self.time_bounds: Optional[Tuple[int, int]] = (
            parent.time_bounds if parent is not None else None)
        self._finalizer = weakref.finalize(self, _release, free_name, owned, parent,
                                           self._generation)

    def _enter(self) -> Any:
        if self._generation != generation():
            self._renew()
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
        """Raises ClosedError once released (or being released); see check_fork."""
        self.check_fork()
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

    def release(self, close: Optional["Row[None]"] = None) -> None:
        """Frees the native handle; later calls do nothing.

        A call in progress on another thread is interrupted (a cancellable
        handle is cancelled; ``close`` interrupts the others) and waited for,
        and raises ClosedError. ``close`` is the row of a ``(T*) -> UplinkError*``
        function run before freeing (uplink_close_project, an abort, ...); its
        error is raised after the handle is freed, unless the handle had to be
        cancelled, which makes that error moot.
        """
        if self._generation != generation() and self._forget():
            return
        with self._lock:
            if self._closing or not self._finalizer.alive:
                return
            self._closing = True
            interrupt = self._calls > 0 and self._cancellable
        error: Optional[BaseException] = None
        try:
            if interrupt:
                _cancel(self)
            if close is not None:
                check(function(close.name)(self._ref))
        except errors.StorjException as exc:
            error = exc
        self._wait_for_calls()
        self._finalizer()
        if error is not None and not interrupt:
            raise error

    def _wait_for_calls(self) -> None:
        """Waits until no call holds the handle. An async operation holds it until
        its result is taken, and an event loop with a completion queue takes its
        results on its own thread: waiting there, the thread takes them itself
        (``Completions``), or it would wait for itself."""
        while True:
            with self._lock:
                if self._calls == 0:
                    return
            own = Completions.take_own()
            with self._lock:
                if self._lock.wait_for(lambda: self._calls == 0,
                                       timeout=Completions.POLL if own else None):
                    return

    # -- library generations (reopening after fork(), see _loader)

    def reopen_with(self, recipe: Callable[[], "Handle"]) -> None:
        """Lets this handle reopen itself in a forked child: ``recipe`` makes an
        equivalent handle there (an Access from its grant, a Project from its
        grant and Config). Without one, a child's use raises ForkError."""
        self._reopen = recipe

    def check_fork(self) -> None:
        """In a forked child, reopens a handle made before the fork, or raises
        ForkError when it cannot be (uploads, downloads, listings, keys)."""
        if self._generation != generation():
            self._renew()

    def _renew(self) -> None:
        with _Renewal.lock:
            if self._generation == generation():
                return
            # A parent thread may have held these at the fork: they would never
            # be released here. No call can be on this handle in this process.
            self._mutex = threading.Lock()
            self._lock = threading.Condition(self._mutex)
            self._calls = 0
            if self._closing or not self._finalizer.alive:
                self._generation = generation()   # closed it stays
                return
            if self._reopen is None:
                raise errors.ForkError(
                    f"this {self.kind} was opened before this process ({os.getpid()}) was "
                    f"forked from its parent: it belongs to the parent's Go runtime, which "
                    f"does not survive fork(); open a new {self.kind} in this process")
            fresh = self._reopen()
            detached = fresh._finalizer.detach()
            assert detached is not None
            _, release, args, kwargs = detached
            self._finalizer.detach()   # the parent's memory is left alone
            self._id, self._ref = fresh._id, fresh._ref
            self._finalizer = weakref.finalize(self, release, *args, **kwargs)
            self._generation = fresh._generation

    def _forget(self) -> bool:
        """Releases a handle of an earlier generation without calling the library;
        False when it has been renewed meanwhile."""
        with _Renewal.lock:
            if self._generation == generation():
                return False
            self._closing = True
            self._finalizer.detach()
            return True


class Completions:
    """The async dispatcher's hook for a thread that waits for a handle's calls
    (``Handle.release``): ``take_own()`` takes the finished operations of the
    completion queues this thread's event loops watch and says whether there
    are any (then the wait polls every ``POLL`` seconds)."""

    POLL = 0.002

    @staticmethod
    def take_own() -> bool:
        return False


class _Renewal:
    # One handle renews at a time, so two threads never reopen the same one.
    lock = threading.RLock()


def _after_fork_in_child() -> None:
    _Renewal.lock = threading.RLock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def explain_refusal(handle: Handle, exc: BaseException) -> None:
    """A permission refusal on a handle whose grant is out of its time window
    (see Handle.time_bounds) says so."""
    if handle.time_bounds is not None and isinstance(exc, errors.PermissionDeniedError):
        exc._explain_time_bounds(*handle.time_bounds)  # pylint: disable=protected-access


def _raise_if_closed_under(handle: Handle, exc: errors.StorjException) -> None:
    """A call that release() interrupted raises ClosedError, whatever it failed with.
    A permission refusal under a grant out of its time window says so."""
    explain_refusal(handle, exc)
    if handle._closing and not isinstance(exc, errors.ClosedError):
        raise errors.ClosedError(
            f"the {handle.kind} was closed while a call on it was in progress") from exc


# What a call that only starts an operation (uplink_async_*) does with its
# result instead of taking it: ``settle(result, held, c_args)`` gets the result,
# the handles still held (until the operation ends: ``leave``) and the C
# arguments (kept alive until then), and returns the call's value.
Settle = Callable[[Any, List["Handle"], List[Any]], Any]


def _invoke(func: Any, c_args: List[Any], hold: bool,
            take: Callable[[Any, Sequence[Any]], _T], args: Sequence[Any],
            settle: Optional[Settle] = None) -> _T:
    """Calls ``func`` with ``c_args`` and returns ``take(result, args)``. A Handle
    among the arguments is held for the call (see the module docstring), or
    without ``hold`` passed as its pointer (the caller checked it). With
    ``settle`` the hold outlives the call (see ``Settle``)."""
    held: List[Handle] = []
    try:
        for index, arg in enumerate(c_args):
            if type(arg) is Handle:  # pylint: disable=unidiomatic-typecheck
                if hold:
                    c_args[index] = arg._enter()
                    held.append(arg)
                else:
                    c_args[index] = arg._ref
        result = func(*c_args)
        if settle is not None:
            holding, held = held, []
            settled: _T = settle(result, holding, c_args)
            return settled
        return take(result, args)
    except errors.StorjException as exc:
        for handle in held:
            _raise_if_closed_under(handle, exc)
        raise
    finally:
        for handle in held:
            handle._exit()


def leave(held: List[Handle], exc: Optional[BaseException] = None) -> Optional[BaseException]:
    """Ends the hold of a settled call's handles once its operation ended;
    returns ``exc`` as the call would have raised it (ClosedError when a
    release interrupted the operation)."""
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


def apply(row: "Row[_T]", args: Sequence[Any], settle: Optional[Settle] = None) -> _T:
    """The one path of every row (``_row.Row.__call__``): converts the Python
    arguments (a bad one raises TypeError/ValueError before anything is held),
    calls through the gate, and takes the result with the row's Result while
    the handles are still held; an error names no secret of ``row.redact``.
    ``settle``: the row only starts an operation (see ``Settle``)."""
    if row.plain:
        if len(args) != row.arity:
            raise TypeError(f"{row.name} takes {row.arity} arguments, got {len(args)}")
        handle = args[0] if args else None
        if (row.on_handle and settle is None
                and type(handle) is Handle):  # pylint: disable=unidiomatic-typecheck
            # The hot path (reads, writes): the same steps as _invoke for the
            # one Handle, without copying and scanning the arguments (an
            # operation that is only started, ``settle``, takes _invoke's).
            func = function(row.name)
            ref = handle._enter()  # renews, or refuses, a handle from before a fork
            try:
                return row.result.take(func(ref, *args[1:]), args)
            except errors.StorjException as exc:
                _raise_if_closed_under(handle, exc)
                raise
            finally:
                handle._exit()
        c_args = list(args)
    else:
        c_args = row.c_args(args)
    func = function(row.name)
    if not row.redact:
        return _invoke(func, c_args, row.hold, row.result.take, args, settle)
    with redacting(*(args[index] for index in row.redact if isinstance(args[index], str))):
        return _invoke(func, c_args, row.hold, row.result.take, args, settle)


def call(name: str, *args: Any, take: Optional[Callable[[Any], Any]] = None) -> Any:
    """Calls libuplinkc's ``name`` with C arguments as they are (Handles are
    held) and returns ``take(result)``, or the raw result without ``take``: for
    ``Uplink.m_libuplink``, the listing pages and tests; the library's own calls
    are rows."""
    return _invoke(function(name), list(args), True, _as_it_is if take is None else
                   lambda result, _: take(result), args)


def _as_it_is(result: Any, args: Sequence[Any]) -> Any:
    return result


def cancel(handle: Handle) -> None:
    """Cancels what an upload, download, part upload or listing is doing, from any
    thread, without waiting for the call in progress; raises ClosedError once released."""
    handle.check()
    _cancel(handle)


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

    def __enter__(self: _Owner) -> _Owner:
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
