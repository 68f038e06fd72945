"""Upload and download throughput of uplink_python, as a ratio to Go's uplink.

Each round uploads N MiB of random bytes and downloads them again, once with
Go's storj.io/uplink (benchmarks/gobench) and once with uplink_python through
libuplinkc, both in fresh processes, against the same local network, with
the same chunk size per call. It prints the rates, the ratio of the times
(python / go: 1.00 means as fast as Go) and each process's peak RSS.

Run it with benchmarks/run.sh, or against a running network:
    UPLINK_TESTNET_INFO_FILE=/path/testnet.json python benchmarks/transfer.py --sizes 64 256
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import secrets
import statistics
import subprocess
import sys
import time
from typing import Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))
GOBENCH = os.path.join(HERE, "build", "gobench")
MIB = 1024 * 1024


def python_worker(access: str, bucket: str, key: str, size: int, chunk: int) -> Dict[str, float]:
    """The Python side of one round; runs in its own process."""
    from uplink_python.uplink import Uplink

    data = os.urandom(size)
    with Uplink().parse_access(access) as grant, grant.open_project() as project:
        start = time.perf_counter()
        with project.upload_object(bucket, key) as upload, memoryview(data) as view:
            for offset in range(0, size, chunk):
                upload.write(view[offset:offset + chunk])
        upload_seconds = time.perf_counter() - start

        start = time.perf_counter()
        digest = hashlib.sha256()
        buffer = bytearray(chunk)
        received = 0
        with project.download_object(bucket, key) as download, memoryview(buffer) as view:
            while True:
                count = download.readinto(view)
                if not count:
                    break
                digest.update(view[:count])
                received += count
        download_seconds = time.perf_counter() - start

        if received != size or digest.digest() != hashlib.sha256(data).digest():
            raise SystemExit("downloaded bytes differ from the uploaded ones")
        project.delete_object(bucket, key)
    return {"upload_seconds": upload_seconds, "download_seconds": download_seconds,
            "max_rss_kib": float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)}


def run_json(command: List[str]) -> Dict[str, float]:
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def build_gobench() -> None:
    os.makedirs(os.path.dirname(GOBENCH), exist_ok=True)
    env = dict(os.environ, GOTOOLCHAIN=os.environ.get("GOTOOLCHAIN", "local"))
    subprocess.run(["go", "build", "-o", GOBENCH, "."], cwd=os.path.join(HERE, "gobench"),
                   check=True, env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[16, 128], metavar="MIB")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=MIB, help="bytes per write/read call")
    parser.add_argument("--worker", nargs=4, metavar=("BUCKET", "KEY", "SIZE", "CHUNK"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()

    info_file = os.environ.get("UPLINK_TESTNET_INFO_FILE")
    if not info_file:
        raise SystemExit("set UPLINK_TESTNET_INFO_FILE to the JSON of a running local network "
                         "(benchmarks/run.sh does this)")
    with open(info_file, encoding="utf-8") as handle:
        access = json.load(handle)["access"]

    if args.worker:
        bucket, key, size, chunk = args.worker
        print(json.dumps(python_worker(access, bucket, key, int(size), int(chunk))))
        return

    from uplink_python.uplink import Uplink

    build_gobench()
    bucket = "bench-" + secrets.token_hex(4)
    with Uplink().parse_access(access) as grant, grant.open_project() as project:
        project.create_bucket(bucket)
        try:
            print(f"{'MiB':>6} {'op':>8} {'go MiB/s':>9} {'py MiB/s':>9} {'py/go time':>10} "
                  f"{'go RSS MiB':>10} {'py RSS MiB':>10}")
            for size_mib in args.sizes:
                size = size_mib * MIB
                go_runs, py_runs = [], []
                for round_number in range(args.rounds):
                    key = f"round-{round_number}"
                    go_runs.append(run_json([GOBENCH, "-access", access, "-bucket", bucket,
                                             "-key", key, "-size", str(size),
                                             "-chunk", str(args.chunk)]))
                    py_runs.append(run_json([sys.executable, __file__, "--worker", bucket, key,
                                             str(size), str(args.chunk)]))
                for op in ("upload", "download"):
                    go = statistics.median(run[f"{op}_seconds"] for run in go_runs)
                    py = statistics.median(run[f"{op}_seconds"] for run in py_runs)
                    go_rss = max(run["max_rss_kib"] for run in go_runs) / 1024
                    py_rss = max(run["max_rss_kib"] for run in py_runs) / 1024
                    print(f"{size_mib:>6} {op:>8} {size_mib / go:>9.1f} {size_mib / py:>9.1f} "
                          f"{py / go:>10.2f} {go_rss:>10.0f} {py_rss:>10.0f}", flush=True)
        finally:
            project.delete_bucket_with_objects(bucket)


if __name__ == "__main__":
    main()
