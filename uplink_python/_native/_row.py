"""The row: one native call said once, whole.

A ``Row`` names the C function and says how a call on it is made: its
arguments (``Arg``: the C types, and how a Python argument becomes them), its
result (``Result``: the C type, which field holds the value, which
``uplink_free_*`` row releases it, which converter makes the Python value),
and whether the call holds its handles. ``_calls`` holds one row per function
libuplinkc exports; the loader declares the argtypes and restypes from them,
and calling a row runs it through the gate (``_gate.apply``). So a new call is
its Go function, one row, the public method and a test.
"""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_bool, c_char_p, c_size_t, c_ssize_t, c_void_p
from typing import Any, Callable, Generic, List, Optional, Sequence, Tuple, TypeVar

from .. import errors
from .. import module_def as d
from ._convert import encode, flag, key_arg, version_arg
from ._errors import ERROR, check, pop_error
from ._gate import Handle, apply, free

_T = TypeVar("_T")
_P = POINTER

GO_INT = c_ssize_t      # Go's int: pointer sized


class ListPageResult(ctypes.Structure):
    """UplinkListPageResult (uplink_extensions.h): one page of any listing."""
    _fields_ = [("kind", ctypes.c_int32), ("items", _P(c_void_p)), ("count", c_size_t),
                ("more", c_bool), ("error", ERROR)]


# ---------------------------------------------------------------------------
# Arguments

class Arg:
    """How ``takes`` Python arguments (0 for a constant, usually 1) become the
    C arguments of ``ctypes``: ``convert`` gets the Python values and returns
    the C value (a tuple of them when ``ctypes`` has several). Without
    ``convert`` the value is passed as it is. ``handle``: the argument is a
    ``Handle``, which the gate holds (or refuses when closed) for the call."""

    __slots__ = ("ctypes", "convert", "takes", "handle")

    def __init__(self, *c_types: Any, convert: Optional[Callable[..., Any]] = None,
                 takes: int = 1, handle: bool = False) -> None:
        self.ctypes: Tuple[Any, ...] = c_types
        self.convert = convert
        self.takes = takes
        self.handle = handle


def raw(c_type: Any) -> Arg:
    """A C value passed as it is (a pointer, a size)."""
    return Arg(c_type)


def handle(struct: Any) -> Arg:
    """An owned native object (a ``Handle``), passed as a pointer to its struct."""
    return Arg(_P(struct), handle=True)


def text(what: str, allow_bytes: bool = False) -> Arg:
    """A str (a name, a secret) as a NUL-terminated UTF-8 string; ``what`` names
    it in the TypeError/ValueError of a bad value."""
    return Arg(c_char_p, convert=lambda value: encode(value, what, allow_bytes))


def key(what: str) -> Arg:
    """An object key (a str, checked against the longest key a request can carry)."""
    return Arg(c_char_p, convert=lambda value: key_arg(value, what))


def boolean(what: str) -> Arg:
    """A bool (``True``/``False`` only)."""
    return Arg(c_bool, convert=lambda value: flag(value, what))


def version(what: str = "version") -> Arg:
    """A version id (bytes, None for the latest) as ``uint8_t*`` + length."""
    return Arg(c_void_p, c_size_t, convert=lambda value: version_arg(value, what))


def constant(c_type: Any, value: Any) -> Arg:
    """A C argument the Python call does not take (a NULL options pointer)."""
    return Arg(c_type, convert=lambda: value, takes=0)


def converted(c_type: Any, convert: Callable[..., Any], takes: int = 1) -> Arg:
    """A value (a struct, an options pointer) built by ``convert`` from ``takes``
    Python arguments."""
    return Arg(c_type, convert=convert, takes=takes)


# ---------------------------------------------------------------------------
# Results

class Result(Generic[_T]):
    """What a call returns in C (``restype``) and how that becomes a Python
    value: ``take(result, args)`` converts it, frees it and raises its error;
    ``args`` are the Python arguments of the call."""

    restype: Any = None

    def take(self, result: Any, args: Sequence[Any]) -> _T:
        raise NotImplementedError


class Raw(Result[Any]):
    """The C value itself (a bool, a count, an iterator pointer, nothing)."""

    def __init__(self, restype: Any = None) -> None:
        self.restype = restype

    def take(self, result: Any, args: Sequence[Any]) -> Any:
        return result


class ErrorOnly(Result[None]):
    """An ``UplinkError*``: freed, and raised when not NULL."""

    restype = ERROR

    def take(self, result: Any, args: Sequence[Any]) -> None:
        check(result)


class Field(Result[_T]):
    """A ``{...; UplinkError* error;}`` result: ``convert`` makes the value from
    ``field`` (dereferenced when ``deref``; the whole struct when ``field`` is
    None); then ``free`` releases the result and its error is raised.

    A NULL pointer gives None when ``optional``, InternalError otherwise. With
    ``attach``, a value that came with an error is set on the exception.
    """

    def __init__(self, restype: Any, field: Optional[str], free: "Row[None]",
                 convert: Callable[[Any], Any], deref: bool = True, optional: bool = False,
                 attach: Optional[str] = None) -> None:
        self.restype = restype
        self.field = field
        self.free = free.name
        self.convert = convert
        self.deref = deref
        self.optional = optional
        self.attach = attach

    def take(self, result: Any, args: Sequence[Any]) -> _T:
        try:
            exc = pop_error(result)
            value = result if self.field is None else getattr(result, self.field)
            if self.deref:
                value = self.convert(value.contents) if value else None
            else:
                value = self.convert(value)
        finally:
            free(self.free, result)
        if exc is not None:
            if self.attach and value is not None:
                setattr(exc, self.attach, value)
            raise exc
        if value is None and self.deref and not self.optional:
            raise errors.InternalError(f"libuplinkc returned no {self.field}")
        converted_value: _T = value
        return converted_value


class Owned(Result[Handle]):
    """A ``{T* field; UplinkError* error;}`` result holding a handle: the value
    is a ``Handle`` that owns the result and frees it with ``free``.
    ``parent``: the index of the Python argument (a Handle) it keeps alive;
    ``cancellable``: a release during a call cancels its work."""

    def __init__(self, restype: Any, field: str, free: "Row[None]", kind: str,
                 parent: Optional[int] = None, cancellable: bool = False) -> None:
        self.restype = restype
        self.field = field
        self.free = free.name
        self.kind = kind
        self.parent = parent
        self.cancellable = cancellable

    def take(self, result: Any, args: Sequence[Any]) -> Handle:
        exc = pop_error(result)
        c_pointer = getattr(result, self.field)
        if exc is not None or not c_pointer:
            free(self.free, result)
            raise exc or errors.InternalError(f"libuplinkc returned no {self.kind}")
        parent = None if self.parent is None else args[self.parent]
        return Handle(self.kind, c_pointer, self.free, result, parent, self.cancellable)


class Taken(Result[_T]):
    """A result taken by its own function (reads, bulk deletes: results of
    several fields)."""

    def __init__(self, restype: Any, take: Callable[[Any], _T]) -> None:
        self.restype = restype
        self._take = take

    def take(self, result: Any, args: Sequence[Any]) -> _T:
        return self._take(result)


# ---------------------------------------------------------------------------
# The row

class Row(Generic[_T]):
    """One native call: ``name`` in C, its ``args`` and its ``result``. Calling
    the row with the Python arguments runs it through the gate and returns
    the result's Python value.

    ``hold``: the call holds each Handle argument, so that a release from
    another thread waits for it to leave (every call but ``uplink_cancel``,
    which must interrupt a call in progress rather than wait for it).
    ``redact``: indexes of arguments that are secrets, removed from the text
    of an error the call raises.
    ``quick``: the call never blocks and returns within microseconds (starting
    an async operation, taking its result, freeing a small result): it is
    bound so that the calling thread keeps the GIL. Releasing and taking the
    GIL again around such a call cost more than the call, and the async
    waiter thread and the event loop's thread took it from each other on
    every operation.
    """

    __slots__ = ("name", "args", "result", "hold", "redact", "argtypes", "arity", "plain",
                 "on_handle", "quick")

    def __init__(self, name: str, args: Sequence[Arg], result: Result[_T], *,
                 hold: bool = True, redact: Tuple[int, ...] = (), quick: bool = False) -> None:
        self.name = name
        self.args = tuple(args)
        self.result = result
        self.hold = hold
        self.redact = redact
        self.quick = quick
        self.argtypes: Tuple[Any, ...] = tuple(t for arg in self.args for t in arg.ctypes)
        self.arity = sum(arg.takes for arg in self.args)
        # Every argument passed as it is: the gate skips the conversion step.
        self.plain = all(arg.convert is None and arg.takes == 1 and len(arg.ctypes) == 1
                         for arg in self.args)
        # Plain, held, nothing to redact, and the first argument its only
        # Handle: the gate's hot path.
        self.on_handle = (self.plain and hold and not redact and bool(self.args)
                          and self.args[0].handle
                          and not any(arg.handle for arg in self.args[1:]))

    @property
    def restype(self) -> Any:
        """The C return type."""
        return self.result.restype

    def c_args(self, args: Sequence[Any]) -> List[Any]:
        """The C arguments for the Python ``args`` (Handles stay Handles: the
        gate holds them); raises TypeError/ValueError naming a bad one."""
        if len(args) != self.arity:
            raise TypeError(f"{self.name} takes {self.arity} arguments, got {len(args)}")
        c_args: List[Any] = []
        index = 0
        for arg in self.args:
            values = args[index:index + arg.takes]
            if arg.convert is None:
                if arg.handle and not isinstance(values[0], Handle):
                    raise TypeError(f"{self.name}: argument {index} must be a Handle, "
                                    f"not {type(values[0]).__name__}")
                index += 1
                c_args.extend(values)
                continue
            index += arg.takes
            value = arg.convert(*values)
            if len(arg.ctypes) == 1:
                c_args.append(value)
            else:
                c_args.extend(value)
        return c_args

    def __call__(self, *args: Any) -> _T:
        value: _T = apply(self, args)
        return value

    def __repr__(self) -> str:
        return f"<Row {self.name}>"


# ---------------------------------------------------------------------------
# Async rows

class Started(Result[int]):
    """The id of an operation an ``uplink_async_*`` call started."""

    restype = ctypes.c_uint64

    def take(self, result: Any, args: Sequence[Any]) -> int:
        return int(result)


class AsyncRow(Row[int]):
    """``uplink_async_<call>``: ``sync``'s arguments, said by ``sync``'s row;
    the call starts ``sync`` on a goroutine and returns an operation id, and
    the result (``sync``'s own result struct, taken later by id) is taken by
    ``sync``'s Result. Only ``_async.run`` calls it (through the gate, which
    holds its handles until the operation ends).

    ``opens``: the call opens a transfer (an Owned result), which Go cannot
    interrupt; ``settles``: the call commits, and a commit that completed
    despite a cancel is reported as done."""

    __slots__ = ("sync", "opens", "settles")

    def __init__(self, sync: Row[Any], settles: bool = False) -> None:
        short = sync.name[len("uplink_"):] if sync.name.startswith("uplink_") else sync.name
        super().__init__("uplink_async_" + short, sync.args, Started(), redact=sync.redact,
                         quick=True)
        self.sync = sync
        self.opens = isinstance(sync.result, Owned)
        self.settles = settles

    def __call__(self, *args: Any) -> int:
        raise TypeError(f"{self.name} starts an operation: await _async.run({self.sync.name!r} "
                        f"row, ...) instead")
