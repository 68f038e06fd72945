"""Reliability tier: random call sequences with misuse (hypothesis RuleBasedStateMachine,
tests/reliability/reliability_fuzz.py) in a child process: no crash, no hang, only StorjException /
ValueError / TypeError, and an empty handle table after each sequence. The calls include
input a caller may get wrong that only the library or the satellite can judge (expiry in
the past, empty or reversed permissions, ranges past the end, metadata too large, bogus
upload and version ids). It reports its plain InternalErrors per distinct Go text, and
fails when one comes without that text.

CI runs a short budget; scripts/fuzz.sh (UPLINK_RELIABILITY_ROUNDS) runs it longer.
The seed is printed on failure; UPLINK_RELIABILITY_SEED replays it.
"""

from __future__ import annotations

from _reliability import assert_no_problems, report, report_internal_errors, rounds, run_worker
from _testnet import NetworkInfo


def test_random_call_sequences_never_crash_hang_or_leak(testnet: NetworkInfo) -> None:
    sequences = rounds(40)
    result = run_worker(testnet, "fuzz", timeout=240 + 8 * sequences, sequences=sequences, steps=50)
    report("random call sequences", result)
    report_internal_errors(result)
    assert_no_problems(result)
