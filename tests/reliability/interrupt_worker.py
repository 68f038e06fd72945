"""Child process of tests/reliability/test_interrupt.py: Ctrl-C during blocking calls.

For each call, with the default Config (whose bounds are tens of seconds), the
satellite or every storage node is frozen, a thread sends this process SIGINT half
a second into the call, and the call must raise KeyboardInterrupt. It prints one
JSON object: per call the outcome and the seconds from the signal to the
KeyboardInterrupt; whether the interrupted uploads stored anything; whether the
project still works; the native handles left.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import signal
import sys
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

_TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, _TESTS)
sys.path.insert(0, os.path.dirname(_TESTS))

from _testnet import load_info  # noqa: E402
from uplink_fixtures import delete_bucket_fully, random_bucket_name  # noqa: E402
from uplink_python import Uplink, _native, aio  # noqa: E402
from uplink_python._native import _async  # noqa: E402
from uplink_python.module_classes import ListObjectsOptions  # noqa: E402

MiB = 1024 * 1024
SIGNAL_AFTER = 0.5


def _interrupt_call(call: Callable[[], Any]) -> Dict[str, Any]:
    """Runs call; SIGINT arrives SIGNAL_AFTER seconds in. Returns the outcome and the
    seconds from the signal to the KeyboardInterrupt."""
    sent: List[float] = []

    def send() -> None:
        time.sleep(SIGNAL_AFTER)
        sent.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGINT)

    sender = threading.Thread(target=send)
    sender.start()
    outcome = "returned"
    ended = 0.0
    try:
        call()
    except KeyboardInterrupt:
        ended = time.monotonic()
        outcome = "KeyboardInterrupt"
    except BaseException as exc:  # noqa: BLE001
        ended = time.monotonic()
        outcome = f"{type(exc).__name__}: {str(exc)[:200]}"
    sender.join()
    if outcome == "returned":
        ended = time.monotonic()
        # The signal may be pending still: let its handler run here.
        try:
            time.sleep(0.2)
        except KeyboardInterrupt:
            pass
    return {"outcome": outcome, "elapsed": ended - sent[0] if sent else None}


def main() -> None:
    net = load_info(os.environ["UPLINK_TESTNET_INFO_FILE"])
    net.heal()
    uplink = Uplink()
    results: List[Dict[str, Any]] = []
    problems: List[str] = []
    access = uplink.parse_access(net.access)
    project = access.open_project()
    bucket = random_bucket_name("int")
    project.create_bucket(bucket)
    data = os.urandom(8 * MiB)
    with project.upload_object(bucket, "remote") as upload:
        upload.write(data)

    def freeze_satellite() -> Callable[[], None]:
        net.freeze_satellite()
        return net.thaw_satellite

    def freeze_nodes() -> Callable[[], None]:
        for index in range(5):
            net.freeze_node(index)

        def thaw() -> None:
            for index in range(5):
                net.thaw_node(index)
        return thaw

    def write_all(handle: Any) -> None:
        for _ in range(16):
            handle.write(data)
        handle.commit()

    def inline_upload(key: str) -> Any:
        upload = project.upload_object(bucket, key)
        upload.write(b"small, inline: the commit is one satellite request")
        return upload

    def part_upload(key: str) -> Any:
        return project.upload_part(bucket, key, project.begin_upload(bucket, key).upload_id, 1)

    # (name, fault, make the handle (or None), the blocking call on it, key it must not store)
    cases: List[Tuple[str, Callable[[], Callable[[], None]], Optional[Callable[[], Any]],
                      Callable[[Any], Any], Optional[str]]] = [
        ("stat_object", freeze_satellite, None,
         lambda _: project.stat_object(bucket, "remote"), None),
        ("list_objects", freeze_satellite, None,
         lambda _: project.list_objects(bucket, ListObjectsOptions(recursive=True)), None),
        ("delete_object", freeze_satellite, None,
         lambda _: project.delete_object(bucket, "absent"), None),
        ("request_access_with_passphrase", freeze_satellite, None,
         lambda _: uplink.request_access_with_passphrase(
             net.satellite_url, net.api_key, net.passphrase).close(), None),
        ("open_project + stat_object", freeze_satellite, None,
         lambda _: _stat_on_new_project(access, bucket), None),
        ("upload commit (inline)", freeze_satellite, lambda: inline_upload("inline"),
         lambda up: up.commit(), "inline"),
        ("download read", freeze_nodes, lambda: project.download_object(bucket, "remote"),
         lambda down: down.readall(), None),
        ("upload write and commit", freeze_nodes, lambda: project.upload_object(bucket, "big"),
         write_all, "big"),
        ("part upload write", freeze_nodes, lambda: part_upload("part"),
         write_all, None),
        # asyncio.run turns SIGINT into a cancel of its main task, which cancels the
        # native operation; asyncio.run then raises KeyboardInterrupt.
        ("aio stat_object", freeze_satellite, None,
         lambda _: _run_async(access, lambda p: p.stat_object(bucket, "remote")), None),
        ("aio get_object", freeze_nodes, None,
         lambda _: _run_async(access, lambda p: p.get_object(bucket, "remote")), None),
        ("aio upload write and commit", freeze_nodes, None,
         lambda _: _run_async(access, lambda p: _aio_upload(p, bucket, "aio-big", data)),
         "aio-big"),
    ]
    unstored: List[str] = []
    for name, fault, make, use, key in cases:
        project.stat_object(bucket, "remote")  # warm connections, as in real use
        handle = make() if make else None
        lift = fault()
        try:
            result = _interrupt_call(lambda: use(handle))
        finally:
            lift()
        if handle is not None:
            try:
                handle.close()
            except Exception as exc:  # noqa: BLE001
                problems.append(f"{name}: close after the interrupt raised {exc!r}")
        result["call"] = name
        results.append(result)
        if key:
            unstored.append(key)
        # The project still works after each interrupt.
        try:
            project.stat_object(bucket, "remote")
        except Exception as exc:  # noqa: BLE001
            problems.append(f"after {name}: stat_object raised {exc!r}")
    listed = {o.key for o in project.list_objects(bucket, ListObjectsOptions(recursive=True))}
    stored = sorted(set(unstored) & listed)
    with project.download_object(bucket, "remote") as download:
        intact = download.readall() == data
    project.close()
    access.close()
    delete_bucket_fully(net, bucket)
    gc.collect()
    print(json.dumps({"calls": results, "stored": stored, "intact": intact,
                      "problems": problems, "handles_left": _native.handle_count(),
                      "async_left": _async.in_flight() + _async.native_count()}))


def _run_async(access: Any, call: Callable[[Any], Any]) -> Any:
    async def main() -> Any:
        async with await aio.open_project(access) as project:
            return await call(project)
    return asyncio.run(main())


async def _aio_upload(project: Any, bucket: str, key: str, data: bytes) -> None:
    async with await project.upload_object(bucket, key) as upload:
        for _ in range(16):
            await upload.write(data)


def _stat_on_new_project(access: Any, bucket: str) -> None:
    with access.open_project() as fresh:
        fresh.stat_object(bucket, "remote")


if __name__ == "__main__":
    main()
