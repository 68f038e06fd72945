"""Retries (uplink_python.retry) and the uplink_python logger.

The policy is unit tested with a recording sleep; its wiring into Project is
tested against the local network, where the "sleep" between two attempts
changes the network's state (uploads the object the first attempt missed).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from typing import Any, List

import pytest

from uplink_python import NO_RETRY, Project, RetryPolicy, Uplink
from uplink_python.errors import (BucketAlreadyExistError, InternalError, NetworkError,
                                  NetworkTimeoutError, ObjectNotFoundError,
                                  SatelliteUnreachableError, TooManyRequestsError)
from uplink_python.retry import DEFAULT_RETRY
from uplink_fixtures import put_object


class Flaky:
    """Fails with the given exceptions, then returns "done"."""

    def __init__(self, *failures: BaseException) -> None:
        self.failures = list(failures)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "done"


def _policy(sleeps: List[float], **kwargs: Any) -> RetryPolicy:
    return RetryPolicy(sleep=sleeps.append, **kwargs)


def test_rate_limits_and_lost_connections_are_retried_with_growing_waits() -> None:
    sleeps: List[float] = []
    policy = _policy(sleeps, attempts=4, initial_delay=1, multiplier=3, max_delay=5, jitter=0)
    flaky = Flaky(TooManyRequestsError("slow down"), NetworkError("connection reset"),
                  TooManyRequestsError("again"))
    assert policy.call("stat_object", flaky) == "done"
    assert flaky.calls == 4 and sleeps == [1, 3, 5]


def test_the_last_failure_is_raised_once_attempts_run_out() -> None:
    sleeps: List[float] = []
    policy = _policy(sleeps, attempts=2, initial_delay=0.1, jitter=0)
    flaky = Flaky(TooManyRequestsError("one"), TooManyRequestsError("two"), TooManyRequestsError())
    with pytest.raises(TooManyRequestsError, match="two"):
        policy.call("list_objects", flaky)
    assert flaky.calls == 2 and sleeps == [0.1]


def test_jitter_only_shortens_the_wait() -> None:
    policy = RetryPolicy(attempts=50, initial_delay=2, multiplier=1, jitter=0.5)
    delays = list(policy.delays())
    assert len(delays) == 49 and all(1 <= d <= 2 for d in delays) and len(set(delays)) > 1


@pytest.mark.parametrize("error", [SatelliteUnreachableError("dial"), NetworkTimeoutError("t"),
                                   InternalError("x"), ObjectNotFoundError("k"), KeyError("k")])
def test_other_errors_are_raised_at_once(error: BaseException) -> None:
    sleeps: List[float] = []
    flaky = Flaky(error)
    with pytest.raises(type(error)):
        _policy(sleeps).call("stat_object", flaky)
    assert flaky.calls == 1 and sleeps == []


def test_writes_are_tried_once_unless_asked() -> None:
    sleeps: List[float] = []
    flaky = Flaky(TooManyRequestsError())
    with pytest.raises(TooManyRequestsError):
        _policy(sleeps).call("upload_object", flaky, idempotent=False)
    assert flaky.calls == 1
    flaky = Flaky(TooManyRequestsError())
    assert _policy(sleeps, retry_writes=True).call("upload_object", flaky,
                                                   idempotent=False) == "done"
    assert flaky.calls == 2


def test_settings_are_checked() -> None:
    for kwargs, error in [({"attempts": 0}, ValueError), ({"attempts": 1.5}, TypeError),
                          ({"initial_delay": -1}, ValueError), ({"multiplier": 0.5}, ValueError),
                          ({"jitter": 2}, ValueError), ({"max_delay": "1"}, TypeError),
                          ({"retry_on": [KeyError]}, TypeError), ({"retry_on": (1,)}, TypeError)]:
        with pytest.raises(error):
            RetryPolicy(**kwargs)
    assert "TooManyRequestsError, NetworkError" in repr(DEFAULT_RETRY)
    assert NO_RETRY.attempts == 1


_SILENT = """
import sys
from uplink_python import RetryPolicy, Uplink
from uplink_python.errors import TooManyRequestsError
failures = [TooManyRequestsError("slow down")]
def flaky():
    if failures:
        raise failures.pop()
    return "done"
assert RetryPolicy(sleep=lambda _: None).call("stat_object", flaky) == "done"
with Uplink().parse_access(sys.argv[1]):
    pass
"""


def test_the_logger_is_silent_by_default(testnet: Any) -> None:
    logger = logging.getLogger("uplink_python")
    assert any(isinstance(h, logging.NullHandler) for h in logger.handlers)
    # A retry logs at INFO: an application without logging set up sees nothing.
    result = subprocess.run([sys.executable, "-c", _SILENT, testnet.access], capture_output=True,
                            text=True, timeout=120, check=False,
                            env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""


def test_project_reads_are_retried_with_the_project_policy(project: Project, bucket: str) -> None:
    def sleep(_: float) -> None:
        # Between the attempts the object appears: the retry finds it.
        put_object(project, bucket, "late", b"here now")
        waits.append(_)

    waits: List[float] = []
    project.retry = RetryPolicy(retry_on=(ObjectNotFoundError,), attempts=3, sleep=sleep)
    assert project.stat_object(bucket, "late").system.content_length == 8
    assert len(waits) == 1

    waits.clear()
    with pytest.raises(ObjectNotFoundError):
        project.retry = RetryPolicy(retry_on=(ObjectNotFoundError,), attempts=3,
                                    sleep=waits.append)
        project.stat_object(bucket, "never")
    assert len(waits) == 2
    with project.download_object(bucket, "late") as download:
        assert download.readall() == b"here now"


def test_project_writes_are_not_retried_unless_asked(project: Project, bucket: str) -> None:
    waits: List[float] = []
    project.retry = RetryPolicy(retry_on=(BucketAlreadyExistError,), sleep=waits.append)
    with pytest.raises(BucketAlreadyExistError):
        project.create_bucket(bucket)
    assert waits == []
    project.retry = RetryPolicy(retry_on=(BucketAlreadyExistError,), retry_writes=True,
                                attempts=2, sleep=waits.append)
    with pytest.raises(BucketAlreadyExistError):
        project.create_bucket(bucket)
    assert len(waits) == 1
    project.retry = NO_RETRY
    with pytest.raises(ObjectNotFoundError):
        project.stat_object(bucket, "missing")


def test_debug_log_has_calls_sizes_and_timings_but_no_secrets(
        caplog: pytest.LogCaptureFixture, testnet: Any, uplink: Uplink) -> None:
    with caplog.at_level(logging.DEBUG, logger="uplink_python"):
        with uplink.request_access_with_passphrase(testnet.satellite_url, testnet.api_key,
                                                   testnet.passphrase) as access, \
                access.open_project() as project:
            project.ensure_bucket("log-bucket")
            put_object(project, "log-bucket", "logged/key", b"x" * 1234)
            project.stat_object("log-bucket", "logged/key")
            project.list_objects("log-bucket")
            project.delete_bucket_with_objects("log-bucket")
            with pytest.raises(ObjectNotFoundError):
                project.stat_object("log-bucket", "gone")
        with uplink.parse_access(testnet.access):
            pass
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "request_access_with_passphrase(" in text and "took" in text
    assert "stat_object('log-bucket', 'logged/key') took" in text and "1234 bytes" in text
    assert "list_objects('log-bucket') took" in text and "items" in text
    assert "stat_object('log-bucket', 'gone') raised" in text
    assert "parse_access() took" in text
    for secret in (testnet.api_key, testnet.passphrase, testnet.access):
        assert secret not in text
