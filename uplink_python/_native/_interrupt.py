"""Ctrl-C during a blocking native call.

Python runs signal handlers only when the main thread is back in the
interpreter, so a signal during a long native call would wait for the call to
end. At load, when the main thread loads the library and no wakeup fd is set or
one can be chained, the write end of a pipe becomes ``signal.set_wakeup_fd``'s
and libuplinkc watches the read end (``uplink_interrupt_watch``): each signal
with a Python handler, except those whose default is to be ignored (SIGCHLD,
SIGWINCH, SIGURG, SIGCONT: notices, whose handlers do not raise), cancels the
main thread's call in flight, which returns UPLINK_ERROR_INTERRUPTED; ``run_handlers`` then runs the handler at once, so a
Ctrl-C raises KeyboardInterrupt. A wakeup fd set before is chained (it still
gets every byte); one set later replaces ours and calls are no longer
interrupted.
"""

from __future__ import annotations

import ctypes
import os
import signal
import threading
from typing import Any, Callable, Optional

_check_signals: Optional[Callable[[], int]] = None

# Signals that only tell something (their default action is to ignore them):
# cancelling a transfer for a terminal resize would be wrong.
_NOTICES = {getattr(signal, name) for name in ("SIGCHLD", "SIGWINCH", "SIGURG", "SIGCONT")
            if hasattr(signal, name)}
INTERRUPTING = sum(1 << int(number) for number in signal.valid_signals()
                   if 0 < int(number) < 64 and number not in _NOTICES)


def install(watch: Callable[[int, int, int], None]) -> bool:
    """Installs the wakeup pipe and starts libuplinkc's watch on it; True when
    done. Only on the main thread, which must be the caller."""
    global _check_signals  # pylint: disable=global-statement
    if threading.current_thread() is not threading.main_thread():
        return False
    read_fd, write_fd = os.pipe()
    try:
        os.set_blocking(write_fd, False)
        previous = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
    except (ValueError, OSError):
        os.close(read_fd)
        os.close(write_fd)
        return False
    try:
        watch(read_fd, previous, INTERRUPTING)
    except BaseException:
        signal.set_wakeup_fd(previous)
        os.close(read_fd)
        os.close(write_fd)
        raise
    # libuplinkc owns read_fd now; write_fd lives as long as the process.
    _check_signals = ctypes.pythonapi.PyErr_CheckSignals
    _check_signals.restype = ctypes.c_int
    _check_signals.argtypes = ()
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=lambda: _forget(write_fd, previous))
    return True


def _forget(write_fd: int, previous: int) -> None:
    # The child has no Go runtime to read the pipe, and the parent's must not
    # see the child's signals.
    try:
        if signal.set_wakeup_fd(previous) == write_fd:
            os.close(write_fd)
    except (ValueError, OSError):
        pass


def run_handlers() -> None:
    """Runs the pending signal handlers now; what a handler raises
    (KeyboardInterrupt) propagates."""
    if _check_signals is not None and threading.current_thread() is threading.main_thread():
        _check_signals()
