"""Reliability tier: threads sharing each kind of handle, and cancel() / close() from
another thread during a blocked call (issue 7, defects 1 and 5).

Every scenario runs in a child process (tests/reliability/reliability_worker.py), so a Go panic
that aborts the interpreter is a failed test with its output, not a dead pytest.
Rounds scale with UPLINK_RELIABILITY_ROUNDS (scripts/fuzz.sh).
"""

from __future__ import annotations

from _reliability import assert_no_problems, report, rounds, run_worker
from _testnet import NetworkInfo


def test_threads_reading_one_download_get_whole_chunks_that_tile_the_object(
        testnet: NetworkInfo) -> None:
    result = run_worker(testnet, "download_shared", timeout=240 + 60 * rounds(3),
                        rounds=rounds(3), threads=4)
    report("download shared by 4 threads", result)
    assert_no_problems(result)


def test_threads_writing_one_upload_store_every_block_once(testnet: NetworkInfo) -> None:
    result = run_worker(testnet, "upload_shared", timeout=240 + 60 * rounds(3),
                        rounds=rounds(3), threads=4, blocks=32)
    report("upload shared by 4 threads", result)
    assert_no_problems(result)


def test_threads_sharing_one_project(testnet: NetworkInfo) -> None:
    result = run_worker(testnet, "project_shared", timeout=300 + 30 * rounds(4),
                        threads=6, objects=rounds(4))
    report("project shared by 6 threads", result)
    assert_no_problems(result)


def test_threads_consuming_one_listing_of_each_kind(testnet: NetworkInfo) -> None:
    result = run_worker(testnet, "listing_shared", timeout=300, threads=4, items=rounds(30))
    report("listings shared by 4 threads", result)
    assert_no_problems(result)


def test_cancel_and_close_from_another_thread_during_a_blocked_call(testnet: NetworkInfo) -> None:
    """Documented outcomes: cancel() -> CancelledError, close() -> ClosedError, within
    a few seconds, for Project, listings, Download, Upload (write and commit), PartUpload."""
    result = run_worker(testnet, "interrupt", timeout=600)
    report("cancel/close during blocked calls", result)
    assert_no_problems(result)
