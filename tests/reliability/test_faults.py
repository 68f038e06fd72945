"""Reliability tier: faults of the network (issue 7, defect 3), made with the harness's
fault control (tests/testnet/faults_test.go, NetworkInfo.stop_node & co.).

- 1 of 5 storage nodes down: every download is byte-exact (RS 2-of-4).
- Satellite frozen (accepts TCP, answers nothing): every call fails within its bound
  with a timeout error (a StorjException that is also a builtin TimeoutError), and the
  same process works again after the thaw.
- Every storage node frozen mid-transfer: the transfer fails within its stall bound.

The frozen-satellite and stalled-transfer scenarios run in a child process with a
timeout, because a call that is not bounded never returns.
"""

from __future__ import annotations

import os
from typing import Iterator

import pytest

from _reliability import assert_no_problems, report, run_worker
from _testnet import NetworkInfo
from uplink_fixtures import put_object
from uplink_python import Project
from uplink_python._native import _convert
from uplink_python.module_classes import Config, DownloadOptions

MiB = 1024 * 1024

# Small timeouts for the tests (milliseconds), and how long a call may take with them.
# The timeout error proves a bound ended the call; these ceilings prove it was the
# configured one, being below the defaults that would end it otherwise (10 s dial for
# CONFIGURED_BOUND, 30 s request for STALL_BOUND), with seconds of slack over the
# configured times for a loaded 2-core machine.
DIAL_MS, REQUEST_MS, STALL_MS = 1000, 2000, 2000
CONFIGURED_BOUND = 9.0
STALL_BOUND = 20.0
# With the default Config a call against a frozen satellite must still end; this is
# the most a user should wait for one call (the library documents its defaults).
DEFAULT_BOUND = 45.0


@pytest.fixture
def faults(testnet: NetworkInfo) -> Iterator[NetworkInfo]:
    yield testnet
    testnet.heal()


def test_config_timeouts_reach_the_native_structs() -> None:
    """What the scenarios below configure is what libuplinkc is handed."""
    config = Config(dial_timeout_milliseconds=DIAL_MS, request_timeout_milliseconds=REQUEST_MS,
                    stall_timeout_milliseconds=STALL_MS)
    assert _convert.config_struct(config).dial_timeout_milliseconds == DIAL_MS
    timeouts = _convert.timeouts_struct(config)
    assert (timeouts.request_timeout_milliseconds, timeouts.stall_timeout_milliseconds) == \
        (REQUEST_MS, STALL_MS)
    with pytest.raises(TypeError, match="stall_timeout_milliseconds"):
        _convert.timeouts_struct(Config(stall_timeout_milliseconds="2s"))  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [5000, MiB + 7, 5 * MiB + 3])
def test_downloads_are_byte_exact_with_one_node_down(faults: NetworkInfo, project: Project,
                                                     bucket: str, size: int) -> None:
    data = os.urandom(size)
    put_object(project, bucket, "object", data)
    for node in range(5):
        with faults.nodes_stopped(node):
            with project.download_object(bucket, "object") as download:
                assert download.readall() == data, f"node {node} down"
            with project.download_object(bucket, "object",
                                         DownloadOptions(offset=size // 3, length=size // 2)) as d:
                assert d.readall() == data[size // 3:size // 3 + size // 2], f"node {node} down"


def test_uploads_commit_and_read_back_with_one_node_down(faults: NetworkInfo, project: Project,
                                                         bucket: str) -> None:
    """A node that is down is not needed: 4 of 5 nodes hold the 4 pieces."""
    data = os.urandom(MiB + 11)
    with faults.nodes_stopped(1):
        put_object(project, bucket, "object", data)
    with project.download_object(bucket, "object") as download:
        assert download.readall() == data


def test_frozen_satellite_calls_fail_within_the_configured_timeouts(testnet: NetworkInfo) -> None:
    result = run_worker(testnet, "satellite_frozen", timeout=420, dial_ms=DIAL_MS,
                        request_ms=REQUEST_MS, bound=CONFIGURED_BOUND)
    report("satellite frozen, configured timeouts", result)
    assert_no_problems(result)


def test_frozen_satellite_calls_fail_within_the_default_timeouts(testnet: NetworkInfo) -> None:
    result = run_worker(testnet, "satellite_frozen", timeout=6 * DEFAULT_BOUND + 120, dial_ms=0,
                        request_ms=0, bound=DEFAULT_BOUND, configured=False, all_calls=False)
    report("satellite frozen, default Config", result)
    assert_no_problems(result)


def test_stalled_transfer_fails_within_the_configured_bound(testnet: NetworkInfo) -> None:
    result = run_worker(testnet, "stalled_transfer", timeout=300, stall_ms=STALL_MS,
                        bound=STALL_BOUND)
    report("storage nodes frozen mid-transfer", result)
    assert_no_problems(result)
