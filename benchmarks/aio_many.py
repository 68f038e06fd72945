"""Many small objects at once: uplink_python.aio against Go, in one run.

``--count`` objects of ``--size`` KiB are put, then read back whole, then
stat'ed, ``--concurrency`` calls in flight at a time, by:

* ``go``: storj.io/uplink with an errgroup of ``--concurrency`` goroutines
  (benchmarks/gobench ``-mode many-<op>``);
* ``aio``: ``uplink_python.aio`` (put_object / get_object / stat_object,
  bounded by a semaphore);
* ``threads``: the sync Project on a ThreadPoolExecutor of ``--concurrency``;
* ``to_thread``: the sync Project through ``asyncio.to_thread``, bounded alike.

Each side runs in a fresh process, against the same local network (the
runner itself stays small: a child's peak RSS starts at its parent's); rounds are
interleaved (the side that goes first rotates) and the table shows medians of
each round's ratios: objects per second relative to Go (higher is better) and
client CPU (user + system of the process during the measured part) relative
to Go (lower is better), and each side's peak RSS. Then the event loop's lag
(p50 / p99 / max of a 1 ms ticker) while ``aio`` gets one ``--large`` MiB
object, and the number of Python threads with all calls in flight.

    UPLINK_TESTNET_INFO_FILE=/work/testnet/testnet.json PYTHONPATH=$PWD \\
        python benchmarks/aio_many.py --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import json
import os
import resource
import secrets
import statistics
import subprocess
import sys
import threading
import time
from typing import Any, Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))
GOBENCH = os.path.join(HERE, "build", "gobench")
OPS = ("put", "get", "stat")
SIDES = ("go", "aio", "threads", "to_thread")


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def key(prefix: str, index: int) -> str:
    return f"{prefix}object-{index:06d}"


# ---------------------------------------------------------------------------
# The Python worker (a process of its own per measurement).

def worker(args: argparse.Namespace) -> Dict[str, float]:
    from uplink_python import Uplink, aio  # pylint: disable=import-outside-toplevel

    data = os.urandom(args.size * 1024)
    access = Uplink().parse_access(args.access)
    project = access.open_project()
    keys = [key(args.prefix, i) for i in range(args.count)]
    threads = [0]

    def one(name: str) -> Any:
        if args.op == "put":
            return project.put_object(args.bucket, name, data)
        if args.op == "get":
            got = project.get_object(args.bucket, name)
            assert len(got) == len(data)
            return got
        return project.stat_object(args.bucket, name)

    async def aio_side() -> None:
        aproject = aio.AsyncProject(project)
        limit = asyncio.Semaphore(args.concurrency)

        async def call(name: str) -> None:
            async with limit:
                threads[0] = max(threads[0], threading.active_count())
                if args.op == "put":
                    await aproject.put_object(args.bucket, name, data)
                elif args.op == "get":
                    got = await aproject.get_object(args.bucket, name)
                    assert len(got) == len(data)
                else:
                    await aproject.stat_object(args.bucket, name)

        await asyncio.gather(*(call(name) for name in keys))

    async def to_thread_side() -> None:
        limit = asyncio.Semaphore(args.concurrency)

        async def call(name: str) -> None:
            async with limit:
                await asyncio.to_thread(one, name)
                threads[0] = max(threads[0], threading.active_count())

        await asyncio.gather(*(call(name) for name in keys))

    start_cpu, start = cpu_seconds(), time.perf_counter()
    if args.side == "aio":
        asyncio.run(aio_side())
    elif args.side == "to_thread":
        asyncio.run(to_thread_side())
    else:
        with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
            list(pool.map(one, keys))
        threads[0] = args.concurrency + 1
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - start_cpu
    project.close()
    access.close()
    return {"seconds": seconds, "cpu_seconds": cpu, "threads": threads[0],
            "max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


def lag_worker(args: argparse.Namespace) -> Dict[str, float]:
    """The loop's lag while aio gets one large object."""
    from uplink_python import Uplink, aio  # pylint: disable=import-outside-toplevel

    access = Uplink().parse_access(args.access)
    project = access.open_project()
    lags: List[float] = []

    async def main() -> None:
        aproject = aio.AsyncProject(project)
        done = False

        async def ticker() -> None:
            while not done:
                before = time.perf_counter()
                await asyncio.sleep(0.001)
                lags.append(max(0.0, time.perf_counter() - before - 0.001))

        await aproject.put_object(args.bucket, "large", os.urandom(args.large * 1024 * 1024))
        tick = asyncio.ensure_future(ticker())
        got = await aproject.get_object(args.bucket, "large")
        done = True
        await tick
        assert len(got) == args.large * 1024 * 1024

    asyncio.run(main())
    project.close()
    access.close()
    lags.sort()
    return {"p50_ms": lags[len(lags) // 2] * 1000, "p99_ms": lags[int(len(lags) * 0.99)] * 1000,
            "max_ms": lags[-1] * 1000, "ticks": len(lags)}


# ---------------------------------------------------------------------------
# The runner.

def run_json(command: List[str]) -> Dict[str, float]:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} failed:\n{result.stderr[-3000:]}")
    value: Dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return value


def measure(side: str, op: str, args: argparse.Namespace, access: str, bucket: str,
            prefix: str) -> Dict[str, float]:
    if side == "go":
        return run_json([GOBENCH, "-access", access, "-mode", f"many-{op}", "-bucket", bucket,
                         "-prefix", prefix, "-count", str(args.count), "-concurrency",
                         str(args.concurrency), "-size", str(args.size * 1024)])
    return run_json([sys.executable, __file__, "--worker", "--side", side, "--op", op,
                     "--access", access, "--bucket", bucket, "--prefix", prefix,
                     "--count", str(args.count), "--concurrency", str(args.concurrency),
                     "--size", str(args.size)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--size", type=int, default=16, help="KiB per object")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--large", type=int, default=80, help="MiB of the lag measurement")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--lag-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--side", help=argparse.SUPPRESS)
    parser.add_argument("--op", help=argparse.SUPPRESS)
    parser.add_argument("--access", help=argparse.SUPPRESS)
    parser.add_argument("--bucket", help=argparse.SUPPRESS)
    parser.add_argument("--prefix", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args)))
        return
    if args.lag_worker:
        print(json.dumps(lag_worker(args)))
        return

    with open(os.environ["UPLINK_TESTNET_INFO_FILE"], encoding="utf-8") as info:
        access = json.load(info)["access"]
    subprocess.run(["go", "build", "-o", GOBENCH, "."], cwd=os.path.join(HERE, "gobench"),
                   check=True, env=dict(os.environ, GOTOOLCHAIN="local"))
    from uplink_python import Uplink  # pylint: disable=import-outside-toplevel
    bucket = f"aio-bench-{secrets.token_hex(4)}"
    with Uplink().parse_access(access) as parsed, parsed.open_project() as project:
        project.create_bucket(bucket)
        try:
            results: Dict[str, Dict[str, List[Dict[str, float]]]] = {
                op: {side: [] for side in SIDES} for op in OPS}
            for round_index in range(args.rounds):
                order = SIDES[round_index % len(SIDES):] + SIDES[:round_index % len(SIDES)]
                for side in order:
                    prefix = f"{side}-{round_index}/"
                    for op in OPS:   # put first: get and stat read what it stored
                        results[op][side].append(
                            measure(side, op, args, access, bucket, prefix))
            lag = run_json([sys.executable, __file__, "--lag-worker", "--access", access,
                            "--bucket", bucket, "--large", str(args.large)])
        finally:
            project.delete_bucket_with_objects(bucket)
    report(args, results, lag)


def report(args: argparse.Namespace, results: Dict[str, Dict[str, List[Dict[str, float]]]],
           lag: Dict[str, float]) -> None:
    print(f"{args.count} x {args.size} KiB, concurrency {args.concurrency}, medians of "
          f"{args.rounds} interleaved rounds; load average {os.getloadavg()[0]:.2f}")
    print()
    print("| op | side | objects/s | speed vs Go | CPU vs Go | peak RSS MiB | Python threads |")
    print("|---|---|---|---|---|---|---|")
    for op in OPS:
        go_runs = results[op]["go"]
        for side in SIDES:
            runs = results[op][side]
            rate = statistics.median(args.count / run["seconds"] for run in runs)
            speed = statistics.median(go["seconds"] / run["seconds"]
                                      for go, run in zip(go_runs, runs))
            cpu = statistics.median(run["cpu_seconds"] / max(go["cpu_seconds"], 1e-9)
                                    for go, run in zip(go_runs, runs))
            rss = statistics.median(run["max_rss_kib"] for run in runs) / 1024
            threads = "" if side == "go" else str(int(max(run["threads"] for run in runs)))
            print(f"| {op} | {side} | {rate:.0f} | {speed:.2f}x | {cpu:.2f}x | {rss:.0f} | "
                  f"{threads} |")
    print()
    print(f"event-loop lag during a {args.large} MiB aio get_object: p50 {lag['p50_ms']:.2f} ms, "
          f"p99 {lag['p99_ms']:.2f} ms, max {lag['max_ms']:.2f} ms ({int(lag['ticks'])} ticks)")


if __name__ == "__main__":
    main()
