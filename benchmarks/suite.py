"""uplink_python against Go's own client, case by case, in one run.

Every case runs once with Go's storj.io/uplink (benchmarks/gobench) and once
with uplink_python through libuplinkc, each in a fresh process, against the
same local network; the cases are interleaved round by round and the table
shows medians:

* ``speed vs Go``: Go's wall time / Python's (1.00 = as fast as Go, higher is faster);
* ``CPU vs Go``: Python's client CPU time / Go's (user + system of the client
  process during the measured part; lower is better). On a shared machine
  this is the steadier figure;
* both ratios are the median of each round's own ratio: a round runs the
  sides back to back, so a slow drift of the machine's load cancels out
  (the MiB/s and ms columns are the medians of the sides' runs); the side
  that goes first rotates from round to round, so no side always runs
  on the network as the one before it left it (use a multiple of the
  number of sides as --rounds);
* the peak RSS of each side's process, and the load average before and after.

Run it with ``benchmarks/run.sh`` (sets up and starts a network), or against a
running one:
    UPLINK_TESTNET_INFO_FILE=/tmp/net.json .venv/bin/python benchmarks/suite.py --rounds 3
``PYTHONPATH`` selects the uplink_python the workers import; ``--variant
LABEL=PATH`` (repeatable) adds another checkout's uplink_python to the same
run, as its own rows (e.g. ``--variant main=/tmp/main-checkout`` beside the
installed one, for a before/after table under the same load). ``--go-twice``
runs Go's side a second time as the rows ``go-again``: how far Go's ratios
against itself stray from 1.00x is the resolution of that run.

``--variant-env LABEL=NAME=VALUE`` (repeatable) adds a variant that runs the
same uplink_python with the environment variable NAME set to VALUE, and a
second table compares each variant with the plain Python side directly (the
median of each round's ratio, wall and CPU). The cost of the Ctrl-C watch
(issue 19: at most 2% on read(4096) and stat) is measured so, with the
benchmark-only switch that leaves the watch off:
    benchmarks/suite.py --rounds 6 --only "read(4096)" stat_object --stat-count 200 \
        --variant-env nowatch=UPLINK_PYTHON_BENCH_INTERRUPT_WATCH=0
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any, Callable, Dict, List, NamedTuple, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
GOBENCH = os.path.join(HERE, "build", "gobench")
# The Python side, in a process of its own that imports only what a user's
# program would (the harness's own modules would count in its RSS).
WORKER = os.path.join(HERE, "pyworker.py")
MIB = 1024 * 1024


# ---------------------------------------------------------------------------
# The runner.

class Case(NamedTuple):
    name: str
    mib: float  # bytes moved, in MiB; 0 for latency cases
    go: Dict[str, Any]  # gobench flags (without -access)
    py: Dict[str, Any]  # python_case arguments


def run_json(command: List[str], env: Dict[str, str]) -> Dict[str, float]:
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command[:3])} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def build_gobench() -> None:
    os.makedirs(os.path.dirname(GOBENCH), exist_ok=True)
    env = dict(os.environ, GOTOOLCHAIN=os.environ.get("GOTOOLCHAIN", "local"))
    subprocess.run(["go", "build", "-o", GOBENCH, "."], cwd=os.path.join(HERE, "gobench"),
                   check=True, env=env)


def cases(args: argparse.Namespace, bucket: str, workdir: str) -> List[Case]:
    size, small, big = (int(args.size * MIB), int(args.small_size * MIB),
                        int(args.file_size * MIB))
    part = int(args.part_size * MIB)

    def both(name: str, mib: float, mode: str, go_mode: str, key: str, length: int,
             chunk: int = MIB, **extra: Any) -> Case:
        go = {"mode": go_mode, "bucket": bucket, "key": key, "size": length, "chunk": chunk}
        py = {"mode": mode, "bucket": bucket, "key": key, "size": length, "chunk": chunk}
        go.update({k.replace("_", "-"): v for k, v in extra.items()})
        py.update(extra)
        return Case(name, mib, go, py)

    path = os.path.join(workdir, "target.bin")
    return [
        both(f"upload {args.size:g} MiB, write 1 MiB", args.size, "upload", "upload",
             "up-{side}", size),
        both(f"download {args.size:g} MiB, readinto 1 MiB", args.size, "readinto", "read",
             "src-main", size),
        both(f"download {args.size:g} MiB, seed read(1 MiB)", args.size, "read", "read",
             "src-main", size),
        both(f"download {args.small_size:g} MiB, read(4096)", args.small_size, "read", "read",
             "src-small", small, chunk=4096),
        both(f"download {args.small_size:g} MiB, readline", args.small_size, "readline",
             "readline", "src-small", small),
        both(f"download {args.small_size:g} MiB, read(4096) over io.BufferedReader",
             args.small_size, "bufread", "read", "src-small", small, chunk=4096),
        both(f"download {args.small_size:g} MiB, readline over io.BufferedReader",
             args.small_size, "bufreadline", "readline", "src-small", small),
        both(f"read_file {args.size:g} MiB vs io.Copy", args.size, "readfile", "readfile",
             "src-main", size, path=path + "-{side}"),
        both(f"download_file {args.file_size:g} MiB vs Go ranged x{args.concurrency}",
             args.file_size, "downloadfile", "rangedfile", "src-file", big,
             path=path + "-{side}", concurrency=args.concurrency, part_size=part),
        both(f"upload_file {args.file_size:g} MiB vs Go multipart x{args.concurrency}",
             args.file_size, "uploadfile", "multipartfile", "upf-{side}", big,
             path=os.path.join(workdir, "source.bin"), concurrency=args.concurrency,
             part_size=part),
        both(f"{args.threads} threads x {args.small_size:g} MiB downloads, one project",
             args.threads * args.small_size, "threads", "threads", "src-small", small,
             threads=args.threads),
        both(f"stat_object p50 of {args.stat_count}", 0, "stat", "stat", "src-small", small,
             count=args.stat_count),
        both(f"list {args.list_count} objects", 0, "list", "list", "", 0,
             prefix="list/", count=args.list_count),
    ]


def go_command(access: str, flags: Dict[str, Any]) -> List[str]:
    command = [GOBENCH, "-access", access]
    for name, value in flags.items():
        command += [f"-{name}", str(value)]
    return command


def loadavg() -> str:
    return "/".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--size", type=float, default=64, metavar="MIB",
                        help="object size of the upload/download shapes")
    parser.add_argument("--small-size", type=float, default=16, metavar="MIB",
                        help="object size of read(4096) and of each thread's download")
    parser.add_argument("--file-size", type=float, default=256, metavar="MIB",
                        help="file size of download_file/upload_file")
    parser.add_argument("--part-size", type=float, default=64, metavar="MIB",
                        help="Go's range/part size (upload_file/download_file's default)")
    parser.add_argument("--concurrency", type=int, default=4,
                        help="Go's parallel ranges/parts (the file helpers' default)")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--stat-count", type=int, default=50)
    parser.add_argument("--list-count", type=int, default=10_000)
    parser.add_argument("--only", nargs="*", default=[],
                        help="run only the cases whose name contains one of these words")
    parser.add_argument("--variant", action="append", default=[], metavar="LABEL=PATH",
                        help="also run the Python side with PATH first on PYTHONPATH")
    parser.add_argument("--variant-env", action="append", default=[],
                        metavar="LABEL=NAME=VALUE",
                        help="also run the Python side with the environment variable NAME "
                             "set to VALUE, compared with the plain side in a second table")
    parser.add_argument("--go-twice", action="store_true",
                        help="also run Go's side a second time, as the rows 'go-again': "
                             "Go against itself shows how far this run's noise moves a ratio")
    args = parser.parse_args()

    info_file = os.environ.get("UPLINK_TESTNET_INFO_FILE")
    if not info_file:
        raise SystemExit("set UPLINK_TESTNET_INFO_FILE to the JSON of a running local network "
                         "(benchmarks/run.sh does this)")
    with open(info_file, encoding="utf-8") as handle:
        access = json.load(handle)["access"]

    build_gobench()
    env = dict(os.environ)
    # A variant's environment for the Python worker; None: Go's program again.
    variants: Dict[str, Optional[Dict[str, str]]] = {"python": env}
    for spec in args.variant:
        label, _, path = spec.partition("=")
        if not label or not path:
            raise SystemExit(f"--variant wants LABEL=PATH, got {spec!r}")
        variants[label] = dict(env, PYTHONPATH=os.pathsep.join(
            [os.path.abspath(path)] + [p for p in [env.get("PYTHONPATH")] if p]))
    paired: List[str] = []
    for spec in args.variant_env:
        label, _, setting = spec.partition("=")
        name, _, value = setting.partition("=")
        if not label or not name or label in variants:
            raise SystemExit(f"--variant-env wants a new LABEL=NAME=VALUE, got {spec!r}")
        variants[label] = dict(env, **{name: value})
        paired.append(label)
    if args.go_twice:
        variants["go-again"] = None
    bucket = "bench-" + secrets.token_hex(4)
    workdir = tempfile.mkdtemp(prefix="uplink-bench-")
    load_before = loadavg()
    all_cases = [case for case in cases(args, bucket, workdir)
                 if not args.only or any(word in case.name for word in args.only)]
    go = lambda **flags: run_json(go_command(access, flags), env)  # noqa: E731
    try:
        go(mode="mkbucket", bucket=bucket)
        # Only what the selected cases read (the network keeps every byte).
        used = {case.go.get("key") for case in all_cases} | {
            case.go.get("mode") for case in all_cases}
        for key, mib in (("src-main", args.size), ("src-small", args.small_size),
                         ("src-file", args.file_size)):
            if key in used:
                go(mode="put", bucket=bucket, key=key, size=int(mib * MIB))
        if "list" in used:
            go(mode="fill", bucket=bucket, prefix="list/", count=args.list_count)
        with open(os.path.join(workdir, "source.bin"), "wb") as source:
            for offset in range(0, int(args.file_size * MIB), MIB):
                source.write(os.urandom(min(MIB, int(args.file_size * MIB) - offset)))

        sides = ["go", *variants]
        runs: Dict[str, Dict[str, List[Dict[str, float]]]] = {
            case.name: {side: [] for side in sides} for case in all_cases}
        for round_number in range(args.rounds):
            # Each round starts with the next side: whoever runs first or
            # last in a round (a fresher or a fuller network) takes turns.
            turn = round_number % len(sides)
            for case in all_cases:
                for side in sides[turn:] + sides[:turn]:
                    fill: Callable[[Any], Any] = lambda value: (  # noqa: E731
                        value.format(side=f"{side}{round_number}")
                        if isinstance(value, str) else value)
                    worker_env = variants.get(side)
                    if worker_env is None:
                        flags = {k: fill(v) for k, v in case.go.items()}
                        runs[case.name][side].append(run_json(go_command(access, flags), env))
                    else:
                        worker = json.dumps({k: fill(v) for k, v in case.py.items()})
                        runs[case.name][side].append(run_json(
                            [sys.executable, WORKER, access, worker], worker_env))
        print_table(all_cases, runs, list(variants), args.rounds, load_before, loadavg())
        if paired:
            print_pairs(all_cases, runs, paired)
    finally:
        try:
            go(mode="rmbucket", bucket=bucket)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


def print_table(all_cases: List[Case], runs: Dict[str, Dict[str, List[Dict[str, float]]]],
                variants: List[str], rounds: int, load_before: str, load_after: str) -> None:
    """Prints one line per case: rate (or latency), speed and CPU ratios, peak RSS."""
    print(f"medians of {rounds} interleaved rounds; load average before {load_before}, "
          f"after {load_after} (1/5/15 min)")
    header = (f"| {'case':<48} | {'Go':>11} | {'Python':>17} | {'speed vs Go':>11} | "
              f"{'CPU vs Go':>9} | {'RSS Go/Py MiB':>13} |")
    print(header)
    print("|" + "|".join("-" * (len(cell)) for cell in header.split("|")[1:-1]) + "|")
    for case in all_cases:
        for variant in variants:
            print_row(case, runs[case.name]["go"], runs[case.name][variant],
                      "" if len(variants) == 1 else variant)


def print_row(case: Case, go: List[Dict[str, float]], py: List[Dict[str, float]],
              label: str) -> None:
    """One line of the table."""
    go_wall = statistics.median(run["seconds"] for run in go)
    py_wall = statistics.median(run["seconds"] for run in py)
    go_rss = max(run["max_rss_kib"] for run in go) / 1024
    py_rss = max(run["max_rss_kib"] for run in py) / 1024
    if case.mib:
        go_cell, py_cell = f"{case.mib / go_wall:.0f} MiB/s", f"{case.mib / py_wall:.0f} MiB/s"
    else:
        go_cell, py_cell = f"{go_wall * 1000:.1f} ms", f"{py_wall * 1000:.1f} ms"
    py_cell = f"{label} {py_cell}".strip()
    # Each round's ratio, then their median (see the module docstring).
    speed = statistics.median(g["seconds"] / p["seconds"] for g, p in zip(go, py))
    cpu_ratios = [p["cpu_seconds"] / g["cpu_seconds"] for g, p in zip(go, py)
                  if g["cpu_seconds"] > 0]
    cpu_ratio = statistics.median(cpu_ratios) if cpu_ratios else float("nan")
    rss = f"{go_rss:.0f}/{py_rss:.0f}"
    print(f"| {case.name:<48} | {go_cell:>11} | {py_cell:>17} | {speed:>10.2f}x "
          f"| {cpu_ratio:>8.2f}x | {rss:>13} |", flush=True)


def print_pairs(all_cases: List[Case], runs: Dict[str, Dict[str, List[Dict[str, float]]]],
                labels: List[str]) -> None:
    """The plain Python side against each environment variant, round by round:
    the medians of the rounds' ratios (plain / variant; 1.02x = the plain side
    takes 2% longer, or 2% more CPU)."""
    print()
    header = (f"| {'case':<48} | {'python vs':>9} | {'wall ratio':>10} | {'CPU ratio':>9} | "
              f"{'rounds: wall ratios':<30} |")
    print(header)
    print("|" + "|".join("-" * (len(cell)) for cell in header.split("|")[1:-1]) + "|")
    for case in all_cases:
        plain = runs[case.name]["python"]
        for label in labels:
            other = runs[case.name][label]
            walls = [p["seconds"] / o["seconds"] for p, o in zip(plain, other)]
            cpus = [p["cpu_seconds"] / o["cpu_seconds"] for p, o in zip(plain, other)
                    if o["cpu_seconds"] > 0]
            cpu = statistics.median(cpus) if cpus else float("nan")
            each = " ".join(f"{ratio:.3f}" for ratio in walls)
            print(f"| {case.name:<48} | {label:>9} | {statistics.median(walls):>9.3f}x "
                  f"| {cpu:>8.3f}x | {each:<30} |", flush=True)


if __name__ == "__main__":
    main()
