"""The benchmark suite still runs: every case, tiny sizes, one round.

No timing is asserted (timings belong to benchmarks/run.sh); this only keeps
the harness, the Go reference program and the Python worker from rotting.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

from _testnet import NetworkInfo

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SUITE = os.path.join(ROOT, "benchmarks", "suite.py")
CASES = ("upload", "readinto", "seed read", "read(4096)", "readline",
         "read(4096) over io.BufferedReader", "readline over io.BufferedReader", "read_file",
         "download_file", "upload_file", "threads", "stat_object", "list")


def test_the_suite_prints_its_table(testnet: NetworkInfo) -> None:
    env = dict(os.environ, UPLINK_TESTNET_INFO_FILE=testnet.info_file)
    result = subprocess.run(
        [sys.executable, SUITE, "--rounds", "1", "--size", "0.25", "--small-size", "0.125",
         "--file-size", "6", "--part-size", "5", "--concurrency", "2", "--threads", "2",
         "--stat-count", "2", "--list-count", "3"],
        capture_output=True, text=True, env=env, timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert re.match(r"medians of 1 interleaved rounds; load average before [\d./]+", lines[0])
    rows = [line for line in lines if line.startswith("| ") and "---" not in line][1:]
    assert len(rows) == len(CASES), result.stdout
    for row, case in zip(rows, CASES):
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert case in cells[0], row
        speed, cpu = float(cells[3].rstrip("x")), float(cells[4].rstrip("x"))
        assert speed > 0 and (cpu > 0 or cpu != cpu), row  # nan: Go used no measurable CPU
        go_rss, py_rss = (int(value) for value in cells[5].split("/"))
        assert go_rss > 0 and py_rss > 0, row


def test_an_environment_variant_gets_its_paired_table(testnet: NetworkInfo) -> None:
    # What measures the Ctrl-C watch's cost (issue 19): the same Python side
    # with the watch off, compared round by round with the plain side.
    env = dict(os.environ, UPLINK_TESTNET_INFO_FILE=testnet.info_file)
    result = subprocess.run(
        [sys.executable, SUITE, "--rounds", "1", "--only", "stat_object", "--stat-count", "2",
         "--small-size", "0.125", "--file-size", "1",
         "--variant-env", "nowatch=UPLINK_PYTHON_BENCH_INTERRUPT_WATCH=0"],
        capture_output=True, text=True, env=env, timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [line for line in result.stdout.splitlines()
            if line.startswith("| stat_object") and "nowatch" in line]
    # One row in the main table (the variant against Go), one in the pairs.
    assert len(rows) == 2, result.stdout
    cells = [cell.strip() for cell in rows[1].strip("|").split("|")]
    assert cells[1] == "nowatch" and float(cells[2].rstrip("x")) > 0, rows[1]
