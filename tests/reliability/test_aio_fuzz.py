"""Reliability tier, asyncio: random sequences of uplink_python.aio calls
(tests/reliability/reliability_aio_fuzz.py) with misuse, cancels at random points and
several calls in flight, in a child process: no crash, no hang, only allowed exception
classes, bytes read back equal bytes written, nothing stored by a cancelled put or commit,
and no operation in flight nor handle left after each sequence.

CI runs a short budget; UPLINK_RELIABILITY_ROUNDS scales it. The seed is printed on
failure; UPLINK_RELIABILITY_SEED replays it.
"""

from __future__ import annotations

from _reliability import assert_no_problems, report, report_internal_errors, rounds, run_worker
from _testnet import NetworkInfo


def test_random_async_call_sequences_never_crash_hang_lose_or_leak(testnet: NetworkInfo) -> None:
    sequences = rounds(8)
    result = run_worker(testnet, "aio_fuzz", timeout=240 + 20 * sequences, sequences=sequences,
                        steps=40)
    report("random async call sequences", result)
    report_internal_errors(result)
    assert result["sequences"] == sequences and result["calls"] > 0
    assert_no_problems(result)
