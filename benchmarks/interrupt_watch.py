"""What the Ctrl-C watch (issue 19) costs the hot paths, in one process.

The watch (uplink_interrupt_watch) makes every blocking call on the main
thread interruptible by a signal; its per-call cost is a context and a lock
in libuplinkc. This runs the same workload with the watch on and paused
(uplink_internal_PauseInterruptWatch, a benchmark hook), alternating round by
round in one process, on one project and connection, so that the machine's
drift and the network's state cancel out better than across processes:

* ``read(4096)``: a ``--size`` MiB object read 4096 bytes at a time
  (Download.read, the seed pair);
* ``stat``: ``--stats`` sequential stat_object calls.

It prints, per workload, the medians of each round's ratio on/off of wall
time and of the process's CPU time (user + system, Go's threads included):
1.02x = the watch costs 2%. The goal is at most 1.02x.

A shared machine's noise (a few percent between rounds) is larger than that
goal, so it also prints the watch's own cost, which does not depend on the
noise: what one call pays on the watched thread (libuplinkc's Go benchmark
BenchmarkInterruptible, median of five runs) times the calls a round makes
(one per read, one per stat), over the round's CPU time with the watch
paused. That is the share of the workload the watch adds.

    UPLINK_TESTNET_INFO_FILE=/work/testnet/testnet.json PYTHONPATH=$PWD \\
        python benchmarks/interrupt_watch.py --rounds 20
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import re
import secrets
import statistics
import subprocess
import time
from typing import Any, Callable, Dict, List, Tuple


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(work: Callable[[], None]) -> Tuple[float, float]:
    start_cpu, start = cpu_seconds(), time.perf_counter()
    work()
    return time.perf_counter() - start, cpu_seconds() - start_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--size", type=int, default=16, help="MiB read by read(4096)")
    parser.add_argument("--stats", type=int, default=200, help="stat_object calls per round")
    args = parser.parse_args()

    # pylint: disable=import-outside-toplevel
    from uplink_python import Uplink
    from uplink_python._native import _calls

    with open(os.environ["UPLINK_TESTNET_INFO_FILE"], encoding="utf-8") as info:
        access = json.load(info)["access"]
    bucket = f"watch-bench-{secrets.token_hex(4)}"
    with Uplink().parse_access(access) as grant, grant.open_project() as project:
        if not _calls.internal_PauseInterruptWatch(False):
            raise SystemExit("the interrupt watch is not installed (main thread, no "
                             "UPLINK_PYTHON_BENCH_INTERRUPT_WATCH=0?)")
        project.create_bucket(bucket)
        try:
            project.put_object(bucket, "object", os.urandom(args.size * 1024 * 1024))

            def read() -> None:
                with project.download_object(bucket, "object") as download:
                    while download.read(4096)[1]:
                        pass

            def stat() -> None:
                for _ in range(args.stats):
                    project.stat_object(bucket, "object")

            workloads: Dict[str, Callable[[], None]] = {"read(4096)": read, "stat": stat}
            calls = {"read(4096)": args.size * 1024 * 1024 // 4096 + 1, "stat": args.stats}
            found: Dict[str, Dict[bool, List[Tuple[float, float]]]] = {
                name: {True: [], False: []} for name in workloads}
            for name, work in workloads.items():
                work()  # warm: connections, caches
                for round_index in range(args.rounds):
                    order = (True, False) if round_index % 2 == 0 else (False, True)
                    for watched in order:
                        _calls.internal_PauseInterruptWatch(not watched)
                        found[name][watched].append(measure(work))
            _calls.internal_PauseInterruptWatch(False)
        finally:
            project.delete_bucket_with_objects(bucket)
    report(args, found, calls, watch_cost_ns())


def watch_cost_ns() -> float:
    """What one call pays for the watch on the watched thread, in ns (the
    median of five runs of libuplinkc's BenchmarkInterruptible)."""
    here = os.path.dirname(os.path.abspath(__file__))
    result = subprocess.run(
        ["go", "test", "-run", "^$", "-bench", "Interruptible/watched_thread$",
         "-benchtime", "2000000x", "-count", "5", "."],
        cwd=os.path.join(here, "..", "libuplinkc"), capture_output=True, text=True, check=True,
        env=dict(os.environ, GOTOOLCHAIN="local"))
    found = [float(match) for match in re.findall(r"([0-9.]+) ns/op", result.stdout)]
    if len(found) != 5:
        raise SystemExit(f"BenchmarkInterruptible printed no figures:\n{result.stdout}")
    return statistics.median(found)


def report(args: argparse.Namespace, found: Dict[str, Dict[bool, List[Any]]],
           calls: Dict[str, int], cost_ns: float) -> None:
    print(f"the Ctrl-C watch on vs paused, one process, {args.rounds} alternating rounds; "
          f"load average {os.getloadavg()[0]:.2f}")
    print()
    print(f"one call pays {cost_ns:.0f} ns for the watch on the watched thread "
          f"(BenchmarkInterruptible)")
    print()
    print("| workload | wall on / off | CPU on / off | wall on, off (median s) | "
          "CPU on, off (median s) | watch's own cost |")
    print("|---|---|---|---|---|---|")
    for name, sides in found.items():
        pairs = list(zip(sides[True], sides[False]))
        wall = statistics.median(on[0] / off[0] for on, off in pairs)
        cpu = statistics.median(on[1] / off[1] for on, off in pairs if off[1] > 0)
        walls = [statistics.median(run[0] for run in sides[w]) for w in (True, False)]
        cpus = [statistics.median(run[1] for run in sides[w]) for w in (True, False)]
        own = cost_ns * 1e-9 * calls[name] / cpus[1]
        print(f"| {name} | {wall:.3f}x | {cpu:.3f}x | {walls[0]:.3f}, {walls[1]:.3f} | "
              f"{cpus[0]:.3f}, {cpus[1]:.3f} | {own:.2%} ({calls[name]} calls) |")


if __name__ == "__main__":
    main()
