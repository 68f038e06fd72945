"""Retrying calls that failed for a passing reason, and logging every call.

A :class:`RetryPolicy` retries a call that raised one of ``retry_on`` (by
default TooManyRequestsError, the satellite's rate limit, and NetworkError, a
connection lost during the call), waiting ``initial_delay`` seconds, then
``multiplier`` times longer each time up to ``max_delay``, each wait shortened
by a random part of at most ``jitter`` (so that many clients do not retry in
step), for at most ``attempts`` tries in all.

Only idempotent calls are retried unless ``retry_writes`` is set: Project's
stat and list calls (stat_bucket, stat_object, list_buckets, list_objects, the
version, upload and Object Lock queries), ensure_bucket, download_object (the
start of a download; a failure while reading is raised) and delete_object
(deleting twice deletes once; a retried delete may return None where the
first, lost reply would have returned the object). Writes (uploads, copies,
moves, bucket creation and deletion, metadata) are tried once, since a write
whose reply was lost may have happened. upload_file and download_file are
never retried as a whole (their progress and partial output would repeat);
the lazy iter_* listings are not retried either.

Not retried by default: SatelliteUnreachableError (Go uplink has already
retried the dial for a few seconds), StorjTimeoutError and NetworkTimeoutError
(the time budget is spent); name them in ``retry_on`` to retry them too.

Set ``project.retry`` to a policy, or to ``NO_RETRY``. Every call, retry and
its timing is logged at DEBUG level on the ``uplink_python`` logger, which is
silent unless the application configures logging.
"""

from __future__ import annotations

import logging
import random
import time
import functools
from typing import Any, Callable, Iterator, Optional, Tuple, Type, TypeVar, cast

from .errors import NetworkError, TooManyRequestsError

__all__ = ["RetryPolicy", "DEFAULT_RETRY", "NO_RETRY", "logger"]

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

logger = logging.getLogger("uplink_python")

DEFAULT_RETRY_ON: Tuple[Type[BaseException], ...] = (TooManyRequestsError, NetworkError)


class RetryPolicy:
    """How often and how patiently a failed call is retried (see the module docstring).

    Raises TypeError/ValueError for settings that make no sense (attempts below 1,
    negative delays, a multiplier below 1, jitter outside 0..1).
    """

    def __init__(self, attempts: int = 3, initial_delay: float = 0.5, multiplier: float = 2.0,
                 max_delay: float = 10.0, jitter: float = 0.25,
                 retry_on: Tuple[Type[BaseException], ...] = DEFAULT_RETRY_ON,
                 retry_writes: bool = False,
                 sleep: Callable[[float], Any] = time.sleep) -> None:
        if isinstance(attempts, bool) or not isinstance(attempts, int):
            raise TypeError(f"attempts must be an int, not {type(attempts).__name__}")
        if attempts < 1:
            raise ValueError(f"attempts must be 1 or more, got {attempts}")
        for name, value in (("initial_delay", initial_delay), ("max_delay", max_delay),
                            ("multiplier", multiplier), ("jitter", jitter)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"{name} must be a number, not {type(value).__name__}")
            if value < 0:
                raise ValueError(f"{name} must not be negative, got {value}")
        if multiplier < 1:
            raise ValueError(f"multiplier must be 1 or more, got {multiplier}")
        if jitter > 1:
            raise ValueError(f"jitter must be between 0 and 1, got {jitter}")
        if not isinstance(retry_on, tuple) or not all(
                isinstance(cls, type) and issubclass(cls, BaseException) for cls in retry_on):
            raise TypeError("retry_on must be a tuple of exception classes")
        self.attempts = attempts
        self.initial_delay = float(initial_delay)
        self.multiplier = float(multiplier)
        self.max_delay = float(max_delay)
        self.jitter = float(jitter)
        self.retry_on = retry_on
        self.retry_writes = bool(retry_writes)
        self.sleep = sleep

    def delays(self) -> Iterator[float]:
        """The waits before the 2nd, 3rd, ... attempt (``attempts - 1`` of them)."""
        delay = self.initial_delay
        for _ in range(self.attempts - 1):
            yield min(delay, self.max_delay) * (1 - self.jitter * random.random())
            delay *= self.multiplier

    def call(self, operation: str, function: Callable[[], T], *, idempotent: bool = True,
             describe: str = "") -> T:
        """Runs ``function``, retrying as this policy says; returns its result or raises
        its last exception. ``operation`` and ``describe`` name the call in log records
        (never put secrets in them)."""
        tries = self.attempts if idempotent or self.retry_writes else 1
        delays = self.delays()
        attempt = 1
        while True:
            start = time.perf_counter()
            try:
                result = function()
            except self.retry_on as exc:
                elapsed = time.perf_counter() - start
                if attempt >= tries:
                    logger.debug("%s(%s) failed after %.1f ms, attempt %d of %d: %s",
                                 operation, describe, elapsed * 1000, attempt, tries,
                                 type(exc).__name__)
                    raise
                delay = next(delays)
                logger.info("%s(%s) failed (%s: %s); retrying in %.2f s (attempt %d of %d)",
                            operation, describe, type(exc).__name__, exc, delay, attempt + 1,
                            tries)
                self.sleep(delay)
                attempt += 1
                continue
            except BaseException as exc:
                logger.debug("%s(%s) raised %s after %.1f ms", operation, describe,
                             type(exc).__name__, (time.perf_counter() - start) * 1000)
                raise
            logger.debug("%s(%s) took %.1f ms%s", operation, describe,
                         (time.perf_counter() - start) * 1000, _size_of(result))
            return result

    def __repr__(self) -> str:
        names = ", ".join(cls.__name__ for cls in self.retry_on)
        return (f"RetryPolicy(attempts={self.attempts}, initial_delay={self.initial_delay}, "
                f"multiplier={self.multiplier}, max_delay={self.max_delay}, "
                f"jitter={self.jitter}, retry_on=({names}), retry_writes={self.retry_writes})")


def _size_of(result: Any) -> str:
    """A log suffix with the size of what a call returned, when it has one."""
    system = getattr(result, "system", None)
    length: Optional[int] = getattr(system, "content_length", None)
    if isinstance(length, int):
        return f", {length} bytes"
    if isinstance(result, list):
        return f", {len(result)} items"
    return ""


DEFAULT_RETRY = RetryPolicy()
NO_RETRY = RetryPolicy(attempts=1)

READ, WRITE, ONCE = "read", "write", "once"


def _describe(args: Tuple[Any, ...]) -> str:
    """The arguments of a Project call for a log record: names and keys, the type of
    anything else (Project calls take no secrets; Access objects show no grant)."""
    parts = [repr(arg) if isinstance(arg, (str, int)) and not isinstance(arg, bool)
             else type(arg).__name__ for arg in args]
    text = ", ".join(parts)
    return text if len(text) <= 200 else text[:197] + "..."


def project_call(kind: str) -> Callable[[F], F]:
    """Decorates a Project method: logged, and retried by ``self.retry`` when ``kind``
    is READ (or WRITE with retry_writes); ONCE is logged only."""

    def decorate(method: F) -> F:
        @functools.wraps(method)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            policy: RetryPolicy = self.retry if kind != ONCE else NO_RETRY
            return policy.call(method.__name__, lambda: method(self, *args, **kwargs),
                               idempotent=kind == READ, describe=_describe(args))
        return cast(F, wrapper)
    return decorate
