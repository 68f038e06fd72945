"""Waiting for a forked child in a test: its exit code, or a failed test when it died
by a signal (a crash) or outlived a generous ceiling (a hang; it is killed)."""

from __future__ import annotations

import os
import select
import signal
import time
from typing import Iterator, Optional

import pytest

# Far above what a child of these tests needs on a loaded machine: only a hang gets here.
CHILD_CEILING = 120.0


def wait_exit(pid: int, timeout: float = CHILD_CEILING) -> int:
    """The exit code of child `pid`; fails the test if it was killed by a signal or is
    still running after `timeout` seconds (then it is killed and reaped)."""
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail(f"the forked child {pid} still ran after {timeout:.0f}s (killed)")
        time.sleep(0.05)
    if os.WIFSIGNALED(status):
        pytest.fail(f"the forked child {pid} died of {signal.Signals(os.WTERMSIG(status)).name}")
    assert os.WIFEXITED(status), f"child {pid}: status {status:#x}"
    return os.WEXITSTATUS(status)


class ChildHung(Exception):
    """A child wrote nothing more within its bound."""


def pipe_chunks(read_end: int, *, total: Optional[float] = None,
                idle: Optional[float] = None) -> Iterator[bytes]:
    """What a child writes to the pipe `read_end` (which this closes), chunk by chunk,
    until the child closes its end. Raises ChildHung when no byte arrives for `idle`
    seconds or the whole read outlasts `total` seconds."""
    deadline = None if total is None else time.monotonic() + total
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        while True:
            waits = [bound for bound in (idle, None if deadline is None
                                         else deadline - time.monotonic()) if bound is not None]
            ready, _, _ = select.select([pipe], [], [], max(min(waits), 0) if waits else None)
            if not ready:
                raise ChildHung()
            chunk = pipe.read(65536)
            if not chunk:
                return
            yield chunk
