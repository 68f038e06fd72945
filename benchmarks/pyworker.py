"""The Python side of benchmarks/suite.py: runs one case and prints its figures.

    python pyworker.py ACCESS '{"mode": "readinto", ...}'

It imports only the standard modules the cases use, so that its peak RSS is
the library's and the interpreter's, not the harness's.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import threading
import time
from typing import Any, Dict, List


def _cpu() -> float:
    return time.process_time()


def _drain_readinto(download: Any, chunk: int) -> int:
    buffer = bytearray(chunk)
    received = 0
    with memoryview(buffer) as view:
        while True:
            count = download.readinto(view)
            if not count:
                return received
            received += count


class _Delegating:
    """Download.read and readline as they would be over an io.BufferedReader of
    a raw reader that hands out what the library has (readinto1), with the
    same argument checks and buffer size (256 KiB) as Download's own buffer."""

    def __init__(self, download: Any) -> None:
        import io

        from uplink_python import _native

        class _Raw(io.RawIOBase):
            def readable(self) -> bool:
                return True

            def readinto(self, buffer: Any) -> int:
                count, _ = _native.download_readinto(download._handle, buffer, full=False)
                return count

        self._buffered = io.BufferedReader(_Raw(), 256 * 1024)
        self._turn = threading.Lock()
        self._check_fork = _native.check_fork

    def read(self, size: int) -> Any:
        if type(size) is not int and (isinstance(size, bool) or not isinstance(size, int)):
            raise TypeError("size_to_read must be an int")
        if size > sys.maxsize:
            raise ValueError("size_to_read too large")
        self._check_fork()
        with self._turn:
            data = self._buffered.read1(size)
        return data, len(data)

    def readline(self, size: int = -1) -> bytes:
        if isinstance(size, bool) or not isinstance(size, int):
            raise TypeError("size must be an int")
        self._check_fork()
        with self._turn:
            return self._buffered.readline(size)


def python_case(access: str, args: Dict[str, Any]) -> Dict[str, float]:
    """Runs one case; returns wall seconds, CPU seconds and peak RSS."""
    from uplink_python.module_classes import ListObjectsOptions
    from uplink_python.uplink import Uplink

    mode, bucket, key = args["mode"], args["bucket"], args["key"]
    size, chunk = int(args["size"]), int(args["chunk"])
    data = os.urandom(size) if mode == "upload" else b""
    seconds = 0.0
    with Uplink().parse_access(access) as grant, grant.open_project() as project:
        start_cpu, start = _cpu(), time.perf_counter()
        received = size
        if mode == "upload":
            with project.upload_object(bucket, key) as upload, memoryview(data) as view:
                for offset in range(0, size, chunk):
                    upload.write(view[offset:offset + chunk])
                upload.commit()
        elif mode == "readinto":
            with project.download_object(bucket, key) as download:
                received = _drain_readinto(download, chunk)
        elif mode == "read":
            received = 0
            with project.download_object(bucket, key) as download:
                while True:
                    _, count = download.read(chunk)
                    if not count:
                        break
                    received += count
        elif mode == "readline":
            with project.download_object(bucket, key) as download:
                received = sum(len(line) for line in iter(download.readline, b""))
        elif mode in ("bufread", "bufreadline"):
            # What Download would be with its buffering delegated to an
            # io.BufferedReader over a raw reader (library.md, design notes).
            with project.download_object(bucket, key) as download:
                buffered = _Delegating(download)
                if mode == "bufreadline":
                    received = sum(len(line) for line in iter(buffered.readline, b""))
                else:
                    received = 0
                    while True:
                        _, count = buffered.read(chunk)
                        if not count:
                            break
                        received += count
        elif mode == "readfile":
            with open(args["path"], "wb") as target, \
                    project.download_object(bucket, key) as download:
                received = download.read_file(target)
            os.unlink(args["path"])
        elif mode == "downloadfile":
            project.download_file(bucket, key, args["path"])
            received = os.path.getsize(args["path"])
            os.unlink(args["path"])
        elif mode == "uploadfile":
            project.upload_file(bucket, key, args["path"])
        elif mode == "threads":
            results: List[int] = []

            def fetch() -> None:
                with project.download_object(bucket, key) as download:
                    results.append(_drain_readinto(download, chunk))

            threads = [threading.Thread(target=fetch) for _ in range(int(args["threads"]))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            if results != [size] * len(threads):
                raise SystemExit(f"threads read {results}, want {size} each")
        elif mode == "stat":
            times = []
            for _ in range(int(args["count"])):
                begin = time.perf_counter()
                project.stat_object(bucket, key)
                times.append(time.perf_counter() - begin)
            seconds = sorted(times)[len(times) // 2]  # as Go's side takes it
        elif mode == "list":
            options = ListObjectsOptions(prefix=args["prefix"], recursive=True, system=True,
                                         custom=True)
            # Counted as they come, as Go's side does (list_objects would keep them).
            received = sum(1 for _ in project.iter_objects(bucket, options))
            if received != int(args["count"]):
                raise SystemExit(f"listed {received} objects, want {args['count']}")
            received = size
        else:
            raise SystemExit(f"unknown mode {mode}")
        seconds = seconds or time.perf_counter() - start
        cpu = _cpu() - start_cpu
        if received != size:
            raise SystemExit(f"{mode}: {received} bytes, want {size}")
    if mode == "stat":
        cpu /= int(args["count"])
    return {"seconds": seconds, "cpu_seconds": cpu,
            "max_rss_kib": float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)}


if __name__ == "__main__":
    print(json.dumps(python_case(sys.argv[1], json.loads(sys.argv[2]))))
