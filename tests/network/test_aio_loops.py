"""uplink_python.aio on every kind of event loop: a loop that can watch a
descriptor takes its results from its own completion queue, any other gets
them through ``loop.call_soon_threadsafe`` from the one waiter thread; the
selector loop, uvloop, a Proactor-like loop, a loop on a worker thread and
several loops at once on several threads all get their own results, and
cancelling a task on any of them cancels the native operation (nothing is
stored, nothing leaks)."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from typing import Any, Dict, List

import pytest

from uplink_python import Access, Object, ObjectNotFoundError, Project, aio
from uplink_python._native import _async


async def exercise(access: Access, bucket: str, name: str) -> Dict[str, Any]:
    """A round trip, an error, a listing and a cancelled put on the running loop."""
    data = os.urandom(100_000)
    async with await aio.open_project(access) as project:
        await project.put_object(bucket, f"{name}/object", data)
        back = await project.get_object(bucket, f"{name}/object")
        missing = None
        try:
            await project.stat_object(bucket, f"{name}/missing")
        except ObjectNotFoundError as error:
            missing = error
        keys = [item.key async for item in project.iter_objects(bucket, prefix=f"{name}/")]
        # An upload cancelled while its data is still on the way stores nothing.
        async def write_forever() -> None:
            async with await project.upload_object(bucket, f"{name}/cancelled") as upload:
                chunk = os.urandom(256 * 1024)
                while True:
                    await upload.write(chunk)

        task = asyncio.ensure_future(write_forever())
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return {"equal": back == data, "missing": missing, "keys": keys,
                "thread": threading.get_ident()}


def check(result: Dict[str, Any], name: str, project: Project, bucket: str) -> None:
    assert result["equal"]
    assert isinstance(result["missing"], ObjectNotFoundError)
    assert result["keys"] == [f"{name}/object"]
    with pytest.raises(ObjectNotFoundError):
        project.stat_object(bucket, f"{name}/cancelled")


def settled(within: float = 0.0) -> None:
    """No async operation is left, in Python or in libuplinkc (after at most
    `within` seconds, for operations nobody awaited)."""
    deadline = time.monotonic() + within
    while (_async.in_flight() or _async.native_count()) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _async.in_flight() == 0
    assert _async.native_count() == 0


def test_selector_event_loop(access: Access, project: Project, bucket: str) -> None:
    loop = asyncio.SelectorEventLoop()
    try:
        result = loop.run_until_complete(exercise(access, bucket, "selector"))
    finally:
        loop.close()
    check(result, "selector", project, bucket)
    settled()


def test_uvloop(access: Access, project: Project, bucket: str) -> None:
    import uvloop  # requirements-test.txt: a missing uvloop fails, never skips

    loop = uvloop.new_event_loop()
    try:
        assert type(loop).__module__.startswith("uvloop")
        result = loop.run_until_complete(exercise(access, bucket, "uvloop"))
    finally:
        loop.close()
    check(result, "uvloop", project, bucket)
    settled()


def test_loops_on_several_threads_at_once(access: Access, project: Project,
                                          bucket: str) -> None:
    """Four threads, each with its own loop, share the one waiter thread: every
    result is delivered to the loop (thread) that started the call."""
    results: Dict[str, Dict[str, Any]] = {}
    failures: List[BaseException] = []
    names = [f"thread-{n}" for n in range(4)]
    barrier = threading.Barrier(len(names))

    def thread_main(name: str) -> None:
        async def main() -> Dict[str, Any]:
            barrier.wait(timeout=30)
            return await exercise(access, bucket, name)
        try:
            results[name] = asyncio.run(main())
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)

    threads = [threading.Thread(target=thread_main, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive(), "a loop thread did not finish"
    assert not failures, failures
    assert sorted(results) == names
    assert len({result["thread"] for result in results.values()}) == len(names)
    for name in names:
        check(results[name], name, project, bucket)
    settled()


def test_a_loop_closed_with_calls_in_flight_leaks_nothing(access: Access,
                                                          bucket: str) -> None:
    """A loop stopped while calls are in flight (a service shutting down
    without awaiting them): the operations still end in Go, their results are
    freed, and nothing is delivered to the closed loop."""
    loop = asyncio.new_event_loop()
    project = loop.run_until_complete(aio.open_project(access))

    async def start() -> None:
        for n in range(8):
            asyncio.ensure_future(project.put_object(bucket, f"abandoned/{n}", b"x" * 1000))
        await asyncio.sleep(0)

    loop.run_until_complete(start())
    loop.run_until_complete(project.close())
    loop.close()
    settled(within=30)


class _CountingLoop(asyncio.SelectorEventLoop):
    """A selector loop that counts the callbacks other threads hand it."""

    def __init__(self) -> None:
        super().__init__()
        self.handed_over = 0

    def call_soon_threadsafe(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self.handed_over += 1
        return super().call_soon_threadsafe(*args, **kwargs)


class _ProactorLikeLoop(_CountingLoop):
    """A loop that cannot watch a descriptor, as Windows' Proactor loop."""

    def add_reader(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        raise NotImplementedError


async def _stats(access: Access, bucket: str, name: str, count: int) -> int:
    async with await aio.open_project(access) as project:
        await project.put_object(bucket, name, b"stat me")
        found = await asyncio.gather(*(project.stat_object(bucket, name) for _ in range(count)))
        return sum(item.system.content_length for item in found)


async def _put_get(access: Access, bucket: str, name: str, data: bytes) -> bool:
    async with await aio.open_project(access) as project:
        await project.put_object(bucket, name, data)
        return await project.get_object(bucket, name) == data


def test_a_selector_loop_takes_its_own_results(access: Access, project: Project,
                                               bucket: str) -> None:
    """A loop that can watch a descriptor gets its results through its own
    completion queue: no other thread hands them over, but for the copy of a
    large object."""
    loop = _CountingLoop()
    try:
        assert loop.run_until_complete(_stats(access, bucket, "own-queue", 50)) == 50 * 7
        assert loop.handed_over == 0
        result = loop.run_until_complete(exercise(access, bucket, "own-queue-exercise"))
        # A get_object of 1 MiB or more is copied out by the waiter thread, off the loop.
        large = os.urandom((1 << 20) + 1)
        assert loop.run_until_complete(_put_get(access, bucket, "own-queue-large", large))
        assert loop.handed_over == 1
    finally:
        loop.close()
    check(result, "own-queue-exercise", project, bucket)
    settled()


def test_a_loop_that_cannot_watch_a_descriptor_gets_results_from_the_waiter(
        access: Access, project: Project, bucket: str) -> None:
    """Proactor's way: add_reader is not implemented, so the waiter thread hands
    every result over with call_soon_threadsafe."""
    loop = _ProactorLikeLoop()
    try:
        assert loop.run_until_complete(_stats(access, bucket, "proactor-like", 50)) == 50 * 7
        assert loop.handed_over > 0
        result = loop.run_until_complete(exercise(access, bucket, "proactor-like-exercise"))
    finally:
        loop.close()
    check(result, "proactor-like-exercise", project, bucket)
    settled()


def test_a_sync_close_on_the_loop_thread_takes_the_results_it_waits_for(
        access: Access, bucket: str) -> None:
    """Closing the sync Project under an AsyncProject, on the loop's own thread,
    while its operations are in flight: the close waits for them, and their
    results reach this very thread's queue, so the waiting close takes them
    itself instead of waiting for the loop it blocks."""
    outcome: Dict[str, Any] = {}

    def run_loop() -> None:
        sync_project = access.open_project()

        async def main() -> List[Any]:
            project = aio.AsyncProject(sync_project)
            tasks = [asyncio.ensure_future(project.put_object(bucket, f"sync-close/{n}",
                                                              os.urandom(50_000)))
                     for n in range(8)]
            await asyncio.sleep(0.05)  # started, and some perhaps finished
            sync_project.close()       # blocks this thread until none is held
            outcome["closed"] = True
            return await asyncio.gather(*tasks, return_exceptions=True)

        outcome["results"] = asyncio.run(main())

    thread = threading.Thread(target=run_loop, daemon=True)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive(), "the close waited for the loop it blocks"
    assert outcome["closed"]
    for result in outcome["results"]:
        assert isinstance(result, (Object, Exception)), result
        if isinstance(result, Exception):
            assert type(result).__name__ == "ClosedError", repr(result)
    settled(within=5)


def test_results_a_stopped_loop_leaves_in_its_queue_are_taken_over(access: Access,
                                                                    bucket: str) -> None:
    """A loop stopped between two run_until_complete, with calls in flight: their
    results do not wait in its queue for it to run again (holding their handles,
    so that a close from another thread would wait too): within a couple of
    seconds the waiter thread takes them, and the loop gets them when it runs."""
    loop = _CountingLoop()
    try:
        project = loop.run_until_complete(aio.open_project(access))

        async def start() -> List["asyncio.Future[Object]"]:
            tasks = [asyncio.ensure_future(project.put_object(bucket, f"stopped/{n}", b"x" * n))
                     for n in range(1, 9)]
            await asyncio.sleep(0)  # started
            return tasks

        tasks = loop.run_until_complete(start())
        deadline = time.monotonic() + 30
        while _async.in_flight() and time.monotonic() < deadline:
            time.sleep(0.05)  # the loop does not run meanwhile
        assert _async.in_flight() == 0
        assert loop.handed_over >= 1
        stored = loop.run_until_complete(asyncio.gather(*tasks))
        assert [item.system.content_length for item in stored] == list(range(1, 9))
        loop.run_until_complete(project.close())
    finally:
        loop.close()
    settled(within=5)
