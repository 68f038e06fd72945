"""The error choke point: copies code and message out of an UplinkError,
frees it, and maps the code to its StorjException class. EOF is not an error.
"""

from __future__ import annotations

import contextlib
import ctypes
import re
from typing import Any, Iterator, Optional, Tuple

from .. import errors
from .. import module_def as d
from . import _interrupt
from ._loader import EOF, function

ERROR: Any = ctypes.POINTER(d._Error)   # UplinkError*


def _copy_and_free_error(err: Any) -> Optional[Tuple[int, str]]:
    """Copies code and message out of an UplinkError* and frees it; None for NULL."""
    if not err:
        return None
    try:
        code = int(err.contents.code)
        raw = err.contents.message
    finally:
        function("uplink_free_error")(err)
    return code, _without_go_frames(raw.decode("utf-8", "replace")) if raw else ""


# uplink-c's messages are Go's "%+v": the text, then one "\tpkg.Func:line" line per
# stack frame. The frames say nothing to a Python caller.
_GO_FRAME = re.compile(r"^\t\S+:\d+$")


def _without_go_frames(message: str) -> str:
    return "\n".join(line for line in message.splitlines() if not _GO_FRAME.match(line))


def take_error(err: Any) -> Optional[errors.StorjException]:
    """Returns the exception for an UplinkError* (freeing it), None for NULL or EOF."""
    copied = _copy_and_free_error(err)
    if copied is None or copied[0] == EOF:
        return None
    return _exception(*copied)


def _exception(code: int, details: str) -> errors.StorjException:
    if code == errors.ERROR_INTERRUPTED:
        # A signal cancelled the call: its handler runs now, and what it raises
        # (KeyboardInterrupt) replaces the call's error.
        _interrupt.run_handlers()
    return errors._storj_exception(code, details)  # pylint: disable=protected-access


def check(err: Any) -> None:
    """Frees an UplinkError* and raises its exception, if any."""
    exc = take_error(err)
    if exc is not None:
        raise exc


def pop_error(result: Any) -> Optional[errors.StorjException]:
    """Moves the error out of a result struct so that freeing the result leaves it alone."""
    if not result.error:
        return None
    # A pointer read from a struct field is a view of the field: copy it first.
    err = ctypes.cast(result.error, ERROR)
    result.error = None
    return take_error(err)


def pop_read_error(result: Any) -> bool:
    """Like _pop_error for read results: True at EOF; raises any other error."""
    if not result.error:
        return False
    err = ctypes.cast(result.error, ERROR)
    result.error = None
    copied = _copy_and_free_error(err)
    assert copied is not None
    if copied[0] == EOF:
        return True
    raise _exception(*copied)


@contextlib.contextmanager
def redacting(*secrets: Optional[str]) -> Iterator[None]:
    """Removes the given secrets from the text of any StorjException raised inside."""
    try:
        yield
    except errors.StorjException as exc:
        for secret in secrets:
            if secret and len(secret) >= 4:
                exc.message = exc.message.replace(secret, "<redacted>")
                exc.details = exc.details.replace(secret, "<redacted>")
        exc.args = (exc.message, exc.code, exc.details)
        raise


