"""uplink_python.aio's whole-file transfers and file objects against the local
network: multipart uploads and ranged downloads by tasks (byte-equal round
trips), a cancel or a failure that leaves no object, no pending upload, no
local file and no handle, AsyncProject.open's readers and writers, and
AsyncDownload.read's rule for -1 and None."""

from __future__ import annotations

import asyncio
import io
import os
import threading
from typing import Any, Awaitable, List

import pytest

from uplink_python import (Access, ClosedError, FailedPreconditionError, ObjectNotFoundError,
                           Project, TransferConfig, aio)

from test_aio import run   # main(project) on a new loop; no async operation left after

MIB = 1024 * 1024
PART = 5 * MIB


class Counting:
    """Counts the calls of one AsyncProject method (to see the parts go out)."""

    def __init__(self, monkeypatch: Any, name: str) -> None:
        self.count = 0
        original = getattr(aio.AsyncProject, name)

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return await original(*args, **kwargs)
        monkeypatch.setattr(aio.AsyncProject, name, counted)


def nothing_left(project: Project, bucket: str) -> None:
    assert project.list_objects(bucket, recursive=True) == []
    assert project.list_uploads(bucket) == []


def test_upload_and_download_file_in_parts(access: Access, project: Project, bucket: str,
                                           tmp_path: Any, monkeypatch: Any) -> None:
    data = os.urandom(3 * PART + 12345)
    source = tmp_path / "source.bin"
    source.write_bytes(data)
    parts = Counting(monkeypatch, "upload_part")
    ranges = Counting(monkeypatch, "download_object")

    async def main(aproject: aio.AsyncProject) -> None:
        await aproject.stat_bucket(bucket)   # the waiter thread is running
        threads = threading.active_count()
        sent: List[int] = []
        seen_threads: List[int] = []

        def progress(count: int) -> None:
            sent.append(count)
            seen_threads.append(threading.active_count())
        stored = await aproject.upload_file(bucket, "big", str(source), progress=progress,
                                            part_size=PART, concurrency=3,
                                            custom_metadata={"k": "v"})
        assert stored.system.content_length == len(data) == sum(sent)
        assert max(seen_threads) == threads   # parts are tasks, not threads
        assert parts.count == 4
        assert (await aproject.stat_object(bucket, "big")).custom.to_dict() == {"k": "v"}

        received: List[int] = []
        got = await aproject.download_file(bucket, "big", tmp_path / "back.bin",
                                           progress=received.append,
                                           transfer_config=TransferConfig(2 * MIB, 4))
        assert got.system.content_length == len(data) == sum(received)
        assert ranges.count == 8   # ceil(15 MiB + 12345 / 2 MiB) ranges
        # Into a file object without a descriptor, from its position.
        memory = io.BytesIO(b"head")
        memory.seek(4)
        await aproject.download_file(bucket, "big", memory, part_size=3 * MIB)
        assert memory.getvalue() == b"head" + data and memory.tell() == 4 + len(data)
        # From a file object without a descriptor, from its position.
        stored = await aproject.upload_file(bucket, "from-memory",
                                            io.BytesIO(b"skip" + data[:2 * PART + 1]),
                                            transfer_config=TransferConfig(PART, 2))
        assert stored.system.content_length == 4 + 2 * PART + 1
        assert await aproject.get_object(bucket, "from-memory") == b"skip" + data[:2 * PART + 1]
        # Concurrency 1 streams through one upload.
        before = parts.count
        await aproject.upload_file(bucket, "one", str(source), concurrency=1)
        assert parts.count == before

    run(main, access)
    assert (tmp_path / "back.bin").read_bytes() == data
    assert project.get_object(bucket, "one") == data
    assert sorted(os.listdir(tmp_path)) == ["back.bin", "source.bin"]
    assert project.list_uploads(bucket) == []


def test_upload_file_checks_arguments_as_the_sync_one(access: Access, bucket: str,
                                                      tmp_path: Any) -> None:
    source = tmp_path / "source.bin"
    source.write_bytes(b"x")

    async def main(aproject: aio.AsyncProject) -> None:
        with pytest.raises(ValueError, match="part_size"):
            await aproject.upload_file(bucket, "k", str(source), part_size=MIB)
        with pytest.raises(ValueError, match="concurrency"):
            await aproject.upload_file(bucket, "k", str(source), concurrency=0)
        with pytest.raises(TypeError, match="transfer_config"):
            await aproject.upload_file(bucket, "k", str(source),
                                       transfer_config=(PART, 2))  # type: ignore[arg-type]
        with open(source, "r", encoding="utf-8") as text:
            with pytest.raises(TypeError, match="binary"):
                await aproject.upload_file(bucket, "k", text)  # type: ignore[arg-type]
            with pytest.raises(TypeError, match="binary"):
                await aproject.download_file(bucket, "k", text)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="progress"):
            await aproject.download_file(bucket, "k", io.BytesIO(), progress=3)  # type: ignore
        with pytest.raises(ObjectNotFoundError):
            await aproject.download_file(bucket, "missing", tmp_path / "missing.bin",
                                         part_size=MIB)

    run(main, access)
    assert sorted(os.listdir(tmp_path)) == ["source.bin"]


async def _cancel_once_started(transfer: "Awaitable[Any]", started: asyncio.Event) -> None:
    task = asyncio.ensure_future(transfer)
    await asyncio.wait([task, asyncio.ensure_future(started.wait())],
                       return_when=asyncio.FIRST_COMPLETED)
    assert not task.done(), "the transfer ended before it could be cancelled"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def test_cancelled_upload_file_stores_nothing(access: Access, project: Project, bucket: str,
                                              tmp_path: Any) -> None:
    source = tmp_path / "source.bin"
    source.write_bytes(os.urandom(4 * PART))

    async def main(aproject: aio.AsyncProject) -> None:
        started = asyncio.Event()
        moved: List[int] = []

        def progress(count: int) -> None:
            moved.append(count)
            if sum(moved) >= 2 * MIB:   # parts are on their way
                started.set()
        await _cancel_once_started(
            aproject.upload_file(bucket, "cancelled", str(source), progress=progress,
                                 part_size=PART, concurrency=2), started)
        assert 0 < sum(moved) < 4 * PART
        # The project stays usable.
        await aproject.put_object(bucket, "after", b"fine")
        await aproject.delete_object(bucket, "after")

    run(main, access)
    nothing_left(project, bucket)


class FailingSource(io.BytesIO):
    """A seekable source without a descriptor whose reads fail after ``good`` bytes."""

    def __init__(self, data: bytes, good: int) -> None:
        super().__init__(data)
        self.good = good

    def readinto(self, buffer: Any) -> int:  # type: ignore[override]
        if self.tell() >= self.good:
            raise OSError("the disk failed")
        return super().readinto(buffer)


def test_failed_part_aborts_the_upload(access: Access, project: Project, bucket: str) -> None:
    source = FailingSource(os.urandom(3 * PART), good=PART + 1)

    async def main(aproject: aio.AsyncProject) -> None:
        with pytest.raises(OSError, match="the disk failed"):
            await aproject.upload_file(bucket, "failed", source, part_size=PART,
                                       concurrency=2)

    run(main, access)
    nothing_left(project, bucket)


def test_cancelled_or_failed_download_file_leaves_no_file(access: Access, project: Project,
                                                          bucket: str, tmp_path: Any) -> None:
    data = os.urandom(6 * MIB)
    project.put_object(bucket, "big", data)
    target = tmp_path / "target.bin"
    target.write_bytes(b"old")

    async def main(aproject: aio.AsyncProject) -> None:
        started = asyncio.Event()

        def progress(count: int) -> None:
            started.set()
        await _cancel_once_started(
            aproject.download_file(bucket, "big", target, progress=progress, part_size=MIB,
                                   concurrency=2), started)
        # A failing target file object: the error, and the parts stop.
        failing = FailingSource(b"", good=0)
        failing.write = lambda data: (_ for _ in ()).throw(OSError("full"))  # type: ignore
        with pytest.raises(OSError, match="full"):
            await aproject.download_file(bucket, "big", failing, part_size=MIB, concurrency=3)

    run(main, access)
    assert target.read_bytes() == b"old"   # replaced only when complete
    assert os.listdir(tmp_path) == ["target.bin"]


def test_open_writes_and_reads_an_object(access: Access, project: Project, bucket: str,
                                         monkeypatch: Any) -> None:
    data = os.urandom(2 * PART + 77)
    parts = Counting(monkeypatch, "upload_part")

    async def main(aproject: aio.AsyncProject) -> None:
        async with await aproject.open(bucket, "written", "wb", part_size=PART, concurrency=3,
                                       custom_metadata={"a": "b"}) as writer:
            assert writer.writable() and writer.mode == "wb"
            view = memoryview(data)
            for start in range(0, len(data), 1_000_003):
                assert await writer.write(view[start:start + 1_000_003]) == len(
                    view[start:start + 1_000_003])
            assert await writer.tell() == len(data)
        assert writer.closed and writer.object is not None
        assert writer.object.system.content_length == len(data)
        assert parts.count == 3
        assert (await aproject.stat_object(bucket, "written")).custom.to_dict() == {"a": "b"}

        reader = await aproject.open(bucket, "written", buffer_size=64 * 1024)
        async with reader:
            assert reader.size == len(data) and reader.name == f"sj://{bucket}/written"
            assert await reader.read(10) == data[:10]
            assert await reader.tell() == 10
            assert await reader.seek(-5, io.SEEK_END) == len(data) - 5
            assert await reader.read() == data[-5:]
            assert await reader.read(3) == b""
            await reader.seek(PART - 3)
            buffer = bytearray(100_000)
            assert await reader.readinto(buffer) == len(buffer)
            assert buffer == data[PART - 3:PART - 3 + len(buffer)]
            await reader.seek(1000)
            await reader.seek(10, io.SEEK_CUR)   # inside what was read ahead
            assert await reader.read(None) == data[1010:]
            await reader.seek(len(data) + 10)
            assert await reader.read(-1) == b"" and await reader.readline() == b""
            with pytest.raises(ValueError):
                await reader.seek(-1)
            with pytest.raises(ValueError):
                await reader.seek(0, 3)
            with pytest.raises(TypeError):
                await reader.read("3")  # type: ignore[arg-type]
        with pytest.raises(ClosedError):
            await reader.read(1)

        # Small files: one upload; lines; "xb".
        async with await aproject.open(bucket, "lines.txt", "wb") as writer:
            await writer.write(b"first\nsecond\nno newline")
        async with await aproject.open(bucket, "lines.txt") as reader:
            assert [line async for line in reader] == [b"first\n", b"second\n", b"no newline"]
            await reader.seek(0)
            assert await reader.readline(3) == b"fir"
            assert await reader.readlines() == [b"st\n", b"second\n", b"no newline"]
        writer = await aproject.open(bucket, "lines.txt", "xb")
        await writer.write(b"refused")
        with pytest.raises(FailedPreconditionError):
            await writer.close()
        assert await aproject.get_object(bucket, "lines.txt") == b"first\nsecond\nno newline"

    run(main, access)
    assert project.get_object(bucket, "written") == data
    # As with the sync "xb": a refused inline (small) upload stays pending (library.md,
    # "Conditional uploads"); nothing else does.
    assert [upload.key for upload in project.list_uploads(bucket)] == ["lines.txt"]


def test_open_refuses_what_the_sync_open_refuses(access: Access, bucket: str) -> None:
    async def main(aproject: aio.AsyncProject) -> None:
        with pytest.raises(ValueError, match="mode"):
            await aproject.open(bucket, "k", "r")  # type: ignore[call-overload]
        with pytest.raises(TypeError, match="version"):
            await aproject.open(bucket, "k", "wb", version=b"v")  # type: ignore[call-overload]
        with pytest.raises(TypeError, match="custom_metadata"):
            await aproject.open(bucket, "k", custom_metadata={})  # type: ignore[call-overload]
        with pytest.raises(ValueError, match="part_size"):
            await aproject.open(bucket, "k", "wb", part_size=MIB)
        with pytest.raises(TypeError, match="custom_metadata"):
            await aproject.open(bucket, "k", "wb", custom_metadata=3)  # type: ignore
        with pytest.raises(ObjectNotFoundError):
            await aproject.open(bucket, "missing")
        with pytest.raises(ValueError):
            await aproject.open(bucket, "k", buffer_size=0)

    run(main, access)


def test_writer_that_fails_or_is_cancelled_stores_nothing(access: Access, project: Project,
                                                          bucket: str) -> None:
    async def main(aproject: aio.AsyncProject) -> None:
        with pytest.raises(RuntimeError):
            async with await aproject.open(bucket, "failed", "wb", part_size=PART,
                                           concurrency=2) as writer:
                await writer.write(os.urandom(2 * PART + 1))   # two parts went out
                raise RuntimeError("the block fails")

        started = asyncio.Event()

        async def write_forever() -> None:
            async with await aproject.open(bucket, "cancelled", "wb", part_size=PART,
                                           concurrency=3) as writer:
                chunk = os.urandom(MIB)
                while True:
                    await writer.write(chunk)
                    if await writer.tell() > PART:
                        started.set()
        await _cancel_once_started(write_forever(), started)

        writer = await aproject.open(bucket, "aborted", "wb", concurrency=1)
        await writer.write(b"dropped")
        await writer.abort()
        await writer.abort()
        with pytest.raises(ClosedError):
            await writer.write(b"more")

    run(main, access)
    nothing_left(project, bucket)


def test_download_read_takes_minus_one_and_none(access: Access, project: Project,
                                                bucket: str) -> None:
    data = os.urandom(3 * MIB + 1)
    project.put_object(bucket, "k", data)

    async def main(aproject: aio.AsyncProject) -> None:
        for argument in ((), (-1,), (None,), (-7,)):
            async with await aproject.download_object(bucket, "k") as download:
                assert await download.read(5) == data[:5]
                assert await download.read(*argument) == data[5:]
                assert await download.read(*argument) == b""
        async with await aproject.download_object(bucket, "k") as download:
            for bad in ("3", 2.0, True):
                with pytest.raises(TypeError, match="int or None"):
                    await download.read(bad)  # type: ignore[arg-type]
            assert (await download.read(0)) == b""
            assert download.versioned_info().system.content_length == len(data)

    run(main, access)


def test_cancelled_commit_upload_reports_the_true_outcome(access: Access, project: Project,
                                                          bucket: str) -> None:
    # A commit_upload cut off while the satellite carried it out used to raise
    # CancelledError for a stored object (the async fuzz tier found it).
    outcomes: List[str] = []

    async def main(aproject: aio.AsyncProject) -> None:
        for attempt in range(16):
            key = f"commit-{attempt}"
            upload_id = (await aproject.begin_upload(bucket, key)).upload_id
            part = await aproject.upload_part(bucket, key, upload_id, 1)
            async with part:
                await part.write(b"x" * 1000)
            task = asyncio.ensure_future(aproject.commit_upload(bucket, key, upload_id))
            for _ in range(attempt % 8):
                await asyncio.sleep(0)   # a few loop turns: the request is on its way
            if attempt >= 8:
                await asyncio.sleep(0.001 * (attempt - 8))
            task.cancel()
            try:
                stored = await task
            except asyncio.CancelledError:
                outcomes.append("cancelled")
                pending = [u.upload_id for u in await aproject.list_uploads(bucket)]
                assert upload_id in pending, f"attempt {attempt}: reported cancelled, not pending"
                with pytest.raises(ObjectNotFoundError):
                    await aproject.stat_object(bucket, key)
                await aproject.abort_upload(bucket, key, upload_id)
            else:
                outcomes.append("committed")
                assert stored.system.content_length == 1000
                assert (await aproject.stat_object(bucket, key)).system.content_length == 1000

    run(main, access)
    assert project.list_uploads(bucket) == []
    assert "cancelled" in outcomes   # the cancels came early enough, some of them


def test_writer_dropped_unfinished_stores_nothing_and_warns(access: Access, project: Project,
                                                            bucket: str) -> None:
    async def main(aproject: aio.AsyncProject) -> None:
        writer = await aproject.open(bucket, "dropped", "wb", part_size=PART, concurrency=2)
        await writer.write(os.urandom(PART + 10))   # one part is on its way
        with pytest.warns(ResourceWarning, match="neither closed nor aborted"):
            del writer
            import gc
            gc.collect()
        await asyncio.sleep(0.1)   # the cancelled part ends

    run(main, access)
    nothing_left(project, bucket)
