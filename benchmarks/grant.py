"""Times Access.serialize() and parse_access() of huge grants against Go.

Network-free: the grants are shares of an offline grant with one prefix of
16 KiB, 128 KiB and 1 MiB and with 10,000 prefixes. Each is serialized and
parsed through uplink_python (libuplinkc of this tree) and by Go's own
storj.io/uplink (benchmarks/gobench/grant) in the same run; the ratio is
Python's time over Go's. Go's base58 is quadratic (minutes from the 1 MiB
prefix on), so Go runs only on grants up to --go-max-chars characters.

    PYTHONPATH=$PWD python benchmarks/grant.py [--go-max-chars N] [--repeat N]

With --repeat N each step runs N times and the fastest run (by wall time)
is shown, with its CPU time: on a shared machine the others measure the
neighbours.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Callable, Dict, List, Optional, Tuple, TypeVar

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

from uplink_python import Uplink  # noqa: E402
from uplink_python.access import Access  # noqa: E402
from uplink_python.module_classes import Permission, SharePrefix  # noqa: E402

from _libuplinkc import OFFLINE_ACCESS  # noqa: E402

GOGRANT = os.path.join(HERE, "build", "gograntbench")
T = TypeVar("T")


def timed(call: Callable[[], T], repeat: int = 1) -> Tuple[T, float, float]:
    """call's result, wall seconds and process CPU seconds (all threads) of
    the fastest of repeat calls."""
    best: Optional[Tuple[T, float, float]] = None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = call()
        run = (result, time.perf_counter() - wall, time.process_time() - cpu)
        if best is None or run[1] < best[1]:
            best = run
    assert best is not None
    return best


def parse_and_close(uplink: Uplink, serialized: str) -> None:
    """Parses a grant and frees its handle."""
    uplink.parse_access(serialized).close()


def build_go() -> None:
    os.makedirs(os.path.dirname(GOGRANT), exist_ok=True)
    env = dict(os.environ, GOTOOLCHAIN=os.environ.get("GOTOOLCHAIN", "local"))
    subprocess.run(["go", "build", "-o", GOGRANT, "./grant"], cwd=os.path.join(HERE, "gobench"),
                   check=True, env=env)


def go_times(grant: str) -> Dict[str, float]:
    result = subprocess.run([GOGRANT], input=grant, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"gograntbench failed: {result.stderr[-2000:]}")
    times: Dict[str, float] = json.loads(result.stdout)
    return times


def ratio(mine: float, go: Optional[float]) -> str:
    return f"{mine / go:8.2f}x" if go else "        -"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--go-max-chars", type=int, default=600_000,
                        help="largest grant Go's quadratic encoder is given (default 600000)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs of each step, of which the fastest is shown (default 1)")
    args = parser.parse_args()
    build_go()
    uplink = Uplink()
    base = uplink.parse_access(OFFLINE_ACCESS)
    cases: List[Tuple[str, List[SharePrefix]]] = [
        (f"1 prefix of {size // 1024} KiB", [SharePrefix("offline-bucket", "p" * size)])
        for size in (16 << 10, 128 << 10, 1 << 20)]
    cases.append(("10,000 prefixes", [SharePrefix("offline-bucket", f"prefix-{i:05d}/") for i in range(10_000)]))
    print(f"{'grant':22} {'chars':>9}  {'step':9} {'wall s':>8} {'cpu s':>8}"
          f" {'Go wall':>8} {'Go cpu':>8} {'cpu/Go':>9}")
    for name, prefixes in cases:
        shared: Access = base.share(Permission(allow_download=True), prefixes)
        serialized, ser_wall, ser_cpu = timed(shared.serialize, args.repeat)
        shared.close()
        _, parse_wall, parse_cpu = timed(lambda: parse_and_close(uplink, serialized), args.repeat)
        go: Dict[str, float] = {}
        if len(serialized) <= args.go_max_chars:
            go = go_times(serialized)
        for step, wall, cpu in (("serialize", ser_wall, ser_cpu), ("parse", parse_wall, parse_cpu)):
            go_wall, go_cpu = go.get(f"{step}_wall"), go.get(f"{step}_cpu")
            go_text = f"{go_wall:8.3f} {go_cpu:8.3f}" if go_wall is not None and go_cpu is not None \
                else f"{'skipped':>17}"
            print(f"{name:22} {len(serialized):9d}  {step:9} {wall:8.3f} {cpu:8.3f} {go_text}"
                  f" {ratio(cpu, go_cpu)}")
    base.close()
    print(f"Go skipped: grants over {args.go_max_chars} characters (its base58 is quadratic).")


if __name__ == "__main__":
    main()
