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

    UPLINK_TESTNET_INFO_FILE=/work/testnet/testnet.json PYTHONPATH=$PWD \\
        python benchmarks/interrupt_watch.py --rounds 20
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import statistics
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
    report(args, found)


def report(args: argparse.Namespace, found: Dict[str, Dict[bool, List[Any]]]) -> None:
    print(f"the Ctrl-C watch on vs paused, one process, {args.rounds} alternating rounds; "
          f"load average {os.getloadavg()[0]:.2f}")
    print()
    print("| workload | wall on / off | CPU on / off | wall on, off (median s) | "
          "CPU on, off (median s) |")
    print("|---|---|---|---|---|")
    for name, sides in found.items():
        pairs = list(zip(sides[True], sides[False]))
        wall = statistics.median(on[0] / off[0] for on, off in pairs)
        cpu = statistics.median(on[1] / off[1] for on, off in pairs if off[1] > 0)
        walls = [statistics.median(run[0] for run in sides[w]) for w in (True, False)]
        cpus = [statistics.median(run[1] for run in sides[w]) for w in (True, False)]
        print(f"| {name} | {wall:.3f}x | {cpu:.3f}x | {walls[0]:.3f}, {walls[1]:.3f} | "
              f"{cpus[0]:.3f}, {cpus[1]:.3f} |")


if __name__ == "__main__":
    main()
