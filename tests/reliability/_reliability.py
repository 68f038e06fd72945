"""Shared pieces of the reliability tier (tests/reliability/test_*.py).

Scenarios that may crash or hang the interpreter on a broken library run in a child
Python process (tests/reliability/reliability_worker.py): a death by signal (SIGABRT from a Go
panic, SIGSEGV) or a timeout is a test failure with the child's output, never a dead
or stuck pytest.

Knobs (scripts/fuzz.sh sets them for long runs):
  UPLINK_RELIABILITY_ROUNDS  multiplies every round count and budget (default 1: CI)
  UPLINK_RELIABILITY_SEED    the seed of every random choice (default: new per run,
                             printed in every failure message)
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from _testnet import NetworkInfo

WORKER = Path(__file__).resolve().parent / "reliability_worker.py"


def rounds_factor() -> float:
    """UPLINK_RELIABILITY_ROUNDS as a number (default 1)."""
    value = os.environ.get("UPLINK_RELIABILITY_ROUNDS", "")
    try:
        factor = float(value) if value else 1.0
    except ValueError:
        pytest.fail(f"UPLINK_RELIABILITY_ROUNDS={value!r} is not a number", pytrace=False)
        raise
    if factor <= 0:
        pytest.fail(f"UPLINK_RELIABILITY_ROUNDS={value!r} must be positive", pytrace=False)
    return factor


def rounds(ci_rounds: int) -> int:
    """The number of rounds of a test: its CI count times UPLINK_RELIABILITY_ROUNDS."""
    return max(1, int(ci_rounds * rounds_factor()))


_SEED: Optional[int] = None


def seed() -> int:
    """This run's seed (UPLINK_RELIABILITY_SEED, or chosen once per pytest session)."""
    global _SEED
    if _SEED is None:
        value = os.environ.get("UPLINK_RELIABILITY_SEED", "")
        _SEED = int(value) if value else random.SystemRandom().randrange(2**32)
    return _SEED


def signal_name(code: int) -> str:
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


def run_worker(testnet: NetworkInfo, scenario: str, timeout: float,
               **params: Any) -> Dict[str, Any]:
    """Runs one scenario of reliability_worker.py in a child process and returns the
    JSON object it prints last. Fails the test when the child dies by a signal (crash),
    outlives `timeout` seconds (hang: it is killed), exits non-zero or prints no result;
    the message names the scenario, the seed and the child's output."""
    params.setdefault("seed", seed())
    env = dict(os.environ)
    env["UPLINK_TESTNET_INFO_FILE"] = testnet.info_file
    env["PYTHONFAULTHANDLER"] = "1"  # a Python traceback of every thread on SIGABRT/SIGSEGV
    args = [sys.executable, str(WORKER), scenario, json.dumps(params)]
    started = time.monotonic()
    process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        # Ask for Python's stack dump first (faulthandler prints it on SIGABRT), then kill.
        os.killpg(process.pid, signal.SIGABRT)
        try:
            stdout, stderr = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
        _heal(testnet)
        pytest.fail(f"HANG: scenario {scenario} (seed {params['seed']}) did not finish within "
                    f"{timeout:.0f}s and was killed\n{_output(stdout, stderr)}", pytrace=False)
    elapsed = time.monotonic() - started
    code = process.returncode
    if code < 0:
        _heal(testnet)
        pytest.fail(f"CRASH: scenario {scenario} (seed {params['seed']}) died of "
                    f"{signal_name(code)} after {elapsed:.1f}s\n{_output(stdout, stderr)}",
                    pytrace=False)
    result = _last_json(stdout)
    if code != 0 or result is None:
        _heal(testnet)
        pytest.fail(f"scenario {scenario} (seed {params['seed']}) exited with code {code} "
                    f"after {elapsed:.1f}s\n{_output(stdout, stderr)}", pytrace=False)
    assert result is not None
    result["_elapsed"] = elapsed
    result["_stderr"] = stderr
    return result


def _heal(testnet: NetworkInfo) -> None:
    """A child that died mid-fault cannot leave the shared network broken."""
    try:
        testnet.heal()
    except Exception as exc:  # the failure being reported matters more
        sys.stderr.write(f"could not lift the faults: {exc}\n")


def _last_json(stdout: str) -> Optional[Dict[str, Any]]:
    for line in reversed(stdout.splitlines()):
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
    return None


def _output(stdout: str, stderr: str, limit: int = 6000) -> str:
    text = f"--- stdout ---\n{stdout[-limit:]}\n--- stderr ---\n{stderr[-limit:]}"
    return text


def problems(result: Dict[str, Any]) -> List[str]:
    """The `problems` a worker reported (each a line saying what went wrong)."""
    return list(result.get("problems", []))


def assert_no_problems(result: Dict[str, Any]) -> None:
    """Fails with every problem the worker reported, one per line, and the seed."""
    found = problems(result)
    if found:
        pytest.fail(f"{len(found)} problem(s) (seed {seed()}; rerun with "
                    f"UPLINK_RELIABILITY_SEED={seed()}):\n  " + "\n  ".join(found), pytrace=False)


def report(name: str, result: Dict[str, Any]) -> None:
    """Prints a scenario's figures (pytest shows them with -s, and on failure)."""
    figures = {k: v for k, v in result.items() if not k.startswith("_") and k != "problems"}
    print(f"[reliability] {name} (seed {seed()}): {json.dumps(figures, sort_keys=True)}")


def report_internal_errors(result: Dict[str, Any]) -> None:
    """Prints a fuzz scenario's plain InternalErrors, one line per distinct Go text
    with the calls that raised it: each should be a failure no input can cause (a
    caller's mistake gets a class of its own)."""
    print(f"[reliability] InternalError: {result['internal errors']} of "
          f"{result['calls']} calls")
    for text, entry in result["internal errors by text"].items():
        print(f"[reliability]   {entry['count']:6d}  {text}  <- {entry['calls']}")
