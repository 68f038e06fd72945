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
to Go (lower is better), and each side's peak RSS. Then the peak RSS of Go and
``aio`` with all ``--count`` gets (and stats) in flight at once (the issue's
bound: aio at most Go's + 30 MiB), and the event loop's lag (p50 / p99 / max of
a 1 ms ticker) while ``aio`` gets one ``--large`` MiB object (get_object, and
download_object + readall), beside two controls: the same loop idle, and idle
while Go's uplink downloads the object in another process (the lag the shared
machine's load alone causes).

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


LAG_MODES = ("aio get_object", "aio readall", "idle", "idle, Go downloading")


def lag_worker(args: argparse.Namespace) -> Dict[str, Dict[str, float]]:
    """The loop's lag (a 1 ms ticker) while aio gets one large object, whole
    (get_object) and through download_object + readall, and two controls: the
    same loop with nothing to do, and with nothing to do while Go's uplink
    downloads the same object in another process (what the machine's load
    alone does to a loop on this shared machine). Rounds are interleaved;
    each figure is the median of the rounds'."""
    from uplink_python import Uplink, aio  # pylint: disable=import-outside-toplevel

    access = Uplink().parse_access(args.access)
    project = access.open_project()
    size = args.large * 1024 * 1024
    found: Dict[str, List[Dict[str, float]]] = {mode: [] for mode in LAG_MODES}

    async def measure(aproject: Any, mode: str, seconds: float) -> float:
        lags: List[float] = []
        done = False

        async def ticker() -> None:
            while not done:
                before = time.perf_counter()
                await asyncio.sleep(0.001)
                lags.append(max(0.0, time.perf_counter() - before - 0.001))

        tick = asyncio.ensure_future(ticker())
        start = time.perf_counter()
        if mode == "aio get_object":
            got = await aproject.get_object(args.bucket, "large")
        elif mode == "aio readall":
            async with await aproject.download_object(args.bucket, "large") as download:
                got = await download.readall()
        elif mode == "idle":
            got = b""
            await asyncio.sleep(seconds)
        else:
            got = b""
            await asyncio.to_thread(run_json, [
                GOBENCH, "-access", args.access, "-mode", "read", "-bucket", args.bucket,
                "-key", "large", "-size", str(size)])
        took = time.perf_counter() - start
        done = True
        await tick
        assert mode.startswith("idle") or len(got) == size
        del got
        lags.sort()
        found[mode].append({"p50_ms": lags[len(lags) // 2] * 1000,
                            "p99_ms": lags[int(len(lags) * 0.99)] * 1000,
                            "max_ms": lags[-1] * 1000, "ticks": len(lags)})
        return took

    async def main() -> None:
        aproject = aio.AsyncProject(project)
        await aproject.put_object(args.bucket, "large", os.urandom(size))
        seconds = 2.0
        for round_index in range(args.lag_rounds):
            shift = round_index % len(LAG_MODES)
            for mode in LAG_MODES[shift:] + LAG_MODES[:shift]:
                took = await measure(aproject, mode, seconds)
                if mode == "aio get_object":
                    seconds = took  # the idle control lasts as long as a get

    asyncio.run(main())
    project.close()
    access.close()
    return {mode: {name: statistics.median(run[name] for run in runs)
                   for name in ("p50_ms", "p99_ms", "max_ms", "ticks")}
            for mode, runs in found.items()}


# ---------------------------------------------------------------------------
# The runner.

def run_json(command: List[str]) -> Dict[str, Any]:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} failed:\n{result.stderr[-3000:]}")
    value: Dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
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
    parser.add_argument("--flight-rounds", type=int, default=5,
                        help="interleaved rounds of the all-in-flight measurement")
    parser.add_argument("--lag-rounds", type=int, default=4,
                        help="interleaved rounds of the lag measurement")
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
            # Everything in flight at once, on what round 0 stored.
            flight = argparse.Namespace(**dict(vars(args), concurrency=args.count))
            in_flight: Dict[str, Dict[str, List[Dict[str, float]]]] = {
                op: {side: [] for side in ("go", "aio")} for op in ("get", "stat")}
            for round_index in range(args.flight_rounds):
                for side in (("go", "aio") if round_index % 2 == 0 else ("aio", "go")):
                    for op in ("get", "stat"):
                        in_flight[op][side].append(measure(side, op, flight, access, bucket,
                                                           f"{side}-0/"))
            lag = run_json([sys.executable, __file__, "--lag-worker", "--access", access,
                            "--bucket", bucket, "--large", str(args.large),
                            "--lag-rounds", str(args.lag_rounds)])
        finally:
            project.delete_bucket_with_objects(bucket)
    report(args, results, in_flight, lag)


def report(args: argparse.Namespace, results: Dict[str, Dict[str, List[Dict[str, float]]]],
           in_flight: Dict[str, Dict[str, List[Dict[str, float]]]],
           lag: Dict[str, Dict[str, float]]) -> None:
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
    print(f"peak RSS with all {args.count} calls in flight at once (medians of "
          f"{args.flight_rounds}, and each side's lowest and highest):")
    print()
    print("| op | Go MiB | aio MiB | aio - Go MiB | aio speed vs Go | aio CPU vs Go |")
    print("|---|---|---|---|---|---|")
    for op, sides in in_flight.items():
        go_all = sorted(run["max_rss_kib"] / 1024 for run in sides["go"])
        aio_all = sorted(run["max_rss_kib"] / 1024 for run in sides["aio"])
        go_rss, aio_rss = statistics.median(go_all), statistics.median(aio_all)
        speed = statistics.median(go["seconds"] / run["seconds"]
                                  for go, run in zip(sides["go"], sides["aio"]))
        cpu = statistics.median(run["cpu_seconds"] / max(go["cpu_seconds"], 1e-9)
                                for go, run in zip(sides["go"], sides["aio"]))
        print(f"| {op} | {go_rss:.0f} ({go_all[0]:.0f}-{go_all[-1]:.0f}) | {aio_rss:.0f} "
              f"({aio_all[0]:.0f}-{aio_all[-1]:.0f}) | {aio_rss - go_rss:+.0f} | {speed:.2f}x | "
              f"{cpu:.2f}x |")
    print()
    print(f"event-loop lag (1 ms ticker) around a {args.large} MiB download, medians of "
          f"{args.lag_rounds} interleaved rounds:")
    print()
    print("| loop | p50 ms | p99 ms | max ms | ticks |")
    print("|---|---|---|---|---|")
    for mode in LAG_MODES:
        row = lag[mode]
        print(f"| {mode} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} | {row['max_ms']:.2f} | "
              f"{int(row['ticks'])} |")

if __name__ == "__main__":
    main()
