"""Multipart uploads against the local network: parts, listings, commit, abort, threads."""

from __future__ import annotations

import hashlib
import os
import random
import threading
from typing import Any, Dict, List

import pytest

from uplink_python import Listing, PartUpload, Project
from uplink_python.errors import (CancelledError, ClosedError, InternalError,
                                  ObjectNotFoundError, UploadDoneError, UploadIdInvalidError)
from uplink_python.module_classes import (ListUploadPartsOptions, ListUploadsOptions, Object,
                                          Part, UploadInfo, UploadOptions)
from uplink_python.multipart import MIN_PART_SIZE

pytestmark = pytest.mark.usefixtures("leak_check")

MIB = 1024 * 1024


def _get(project: Project, bucket: str, key: str) -> bytes:
    with project.download_object(bucket, key) as download:
        return download.readall()


def test_multipart_round_trip(project: Project, bucket: str) -> None:
    first, second = os.urandom(MIN_PART_SIZE), os.urandom(1234)
    info = project.begin_upload(bucket, "mp/object")
    assert isinstance(info, UploadInfo) and info.key == "mp/object" and info.upload_id
    with project.upload_part(bucket, "mp/object", info.upload_id, 1) as part:
        assert isinstance(part, PartUpload) and part.writable()
        assert part.write(memoryview(first)[:MIB]) == MIB        # zero-copy views work
        assert part.write(bytearray(first[MIB:])) == len(first) - MIB
        part.set_etag("etag-one")
    with project.upload_part(bucket, "mp/object", info.upload_id, 2) as part:
        part.write(second)
        assert part.info().part_number == 2
        part.set_etag(b"etag-two")
        part.commit()
        committed = part.info()
        assert isinstance(committed, Part) and committed.size == len(second)
    assert "closed" in repr(part) and "part 2" in repr(part)

    parts = project.list_upload_parts(bucket, "mp/object", info.upload_id)
    assert [(p.part_number, p.size, p.etag) for p in parts] == [
        (1, len(first), b"etag-one"), (2, len(second), b"etag-two")]
    assert all(p.modified > 0 for p in parts)
    later = project.list_upload_parts(bucket, "mp/object", info.upload_id,
                                      ListUploadPartsOptions(cursor=1))
    assert [p.part_number for p in later] == [2]

    stored = project.commit_upload(bucket, "mp/object", info.upload_id, {"kind": "multipart"})
    assert isinstance(stored, Object) and stored.key == "mp/object"
    assert stored.system.content_length == len(first) + len(second)
    assert stored.custom.to_dict() == {"kind": "multipart"}
    assert _get(project, bucket, "mp/object") == first + second
    assert project.list_uploads(bucket) == []


def test_parts_are_assembled_in_number_order(project: Project, bucket: str) -> None:
    a, b = os.urandom(MIN_PART_SIZE), b"tail"
    info = project.begin_upload(bucket, "ordered")
    with project.upload_part(bucket, "ordered", info.upload_id, 2) as part:
        part.write(b)
    with project.upload_part(bucket, "ordered", info.upload_id, 1) as part:
        part.write(a)
    project.commit_upload(bucket, "ordered", info.upload_id)
    assert _get(project, bucket, "ordered") == a + b


def test_list_and_iter_uploads(project: Project, bucket: str) -> None:
    expires = 2_000_000_000
    started = {key: project.begin_upload(bucket, key, UploadOptions(expires=expires)).upload_id
               for key in ("a/1", "a/2", "b")}
    listed = project.list_uploads(bucket, ListUploadsOptions(recursive=True))
    assert {(u.key, u.upload_id) for u in listed} == set(started.items())
    top = project.list_uploads(bucket)
    assert sorted((u.key, u.is_prefix) for u in top) == [("a/", True), ("b", False)]
    under_a = project.list_uploads(bucket, ListUploadsOptions(prefix="a/", system=True))
    assert sorted(u.key for u in under_a) == ["a/1", "a/2"]
    assert all(u.system.expires == expires for u in under_a)

    listing = project.iter_uploads(bucket, ListUploadsOptions(recursive=True))
    assert isinstance(listing, Listing)
    first = next(listing)
    assert first.key in started
    listing.close()
    assert listing.closed

    for key, upload_id in started.items():
        project.abort_upload(bucket, key, upload_id)
    assert project.list_uploads(bucket, ListUploadsOptions(recursive=True)) == []


def test_iter_parts_is_lazy_and_frees_each_item(project: Project, bucket: str) -> None:
    info = project.begin_upload(bucket, "many")
    for number in range(1, 6):
        with project.upload_part(bucket, "many", info.upload_id, number) as part:
            part.write(bytes([number]) * 10)
    with project.iter_parts(bucket, "many", info.upload_id) as parts:
        assert next(parts).part_number == 1
        assert [p.part_number for p in parts] == [2, 3, 4, 5]
        assert parts.closed   # exhausted: the native iterator is gone already
    assert [p.size for p in project.iter_upload_parts(bucket, "many", info.upload_id)] == [10] * 5
    project.abort_upload(bucket, "many", info.upload_id)


def test_abort_upload(project: Project, bucket: str) -> None:
    info = project.begin_upload(bucket, "aborted")
    with project.upload_part(bucket, "aborted", info.upload_id, 1) as part:
        part.write(b"data")
    project.abort_upload(bucket, "aborted", info.upload_id)
    assert project.list_uploads(bucket) == []
    with pytest.raises(ObjectNotFoundError):
        project.stat_object(bucket, "aborted")
    with pytest.raises(ObjectNotFoundError):
        project.abort_upload(bucket, "missing", info.upload_id)
    with pytest.raises(UploadIdInvalidError):
        project.abort_upload(bucket, "aborted", "not-an-upload-id")


def test_part_context_manager_aborts_on_error(project: Project, bucket: str) -> None:
    info = project.begin_upload(bucket, "k")
    with pytest.raises(RuntimeError):
        with project.upload_part(bucket, "k", info.upload_id, 1) as part:
            part.write(b"half")
            raise RuntimeError("interrupted")
    assert part.closed
    assert project.list_upload_parts(bucket, "k", info.upload_id) == []
    project.abort_upload(bucket, "k", info.upload_id)


def test_part_explicit_commit_abort_and_closed(project: Project, bucket: str) -> None:
    info = project.begin_upload(bucket, "k")
    part = project.upload_part(bucket, "k", info.upload_id, 1)
    part.write(b"x")
    part.abort()
    with pytest.raises(UploadDoneError):
        part.commit()
    part.close()
    part.close()
    for call in (lambda: part.write(b"x"), part.info, part.commit, part.cancel,
                 lambda: part.set_etag("e")):
        with pytest.raises(ClosedError):
            call()
    forgotten = project.upload_part(bucket, "k", info.upload_id, 2)
    forgotten.write(b"never committed")
    with pytest.warns(ResourceWarning, match="collected without commit"):
        del forgotten   # collected: freed, never committed
    assert project.list_upload_parts(bucket, "k", info.upload_id) == []
    project.abort_upload(bucket, "k", info.upload_id)


def test_parts_uploaded_from_threads(project: Project, bucket: str) -> None:
    chunks = [os.urandom(MIN_PART_SIZE) for _ in range(3)] + [b"last"]
    info = project.begin_upload(bucket, "threads")
    failures: List[BaseException] = []

    def send(number: int) -> None:
        try:
            with project.upload_part(bucket, "threads", info.upload_id, number) as part:
                part.write(chunks[number - 1])
        except BaseException as exc:  # pylint: disable=broad-except
            failures.append(exc)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(1, len(chunks) + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
        assert not thread.is_alive(), f"{thread.name}: a part upload still runs after 120 s"
    assert failures == []
    project.commit_upload(bucket, "threads", info.upload_id)
    back = _get(project, bucket, "threads")
    assert hashlib.sha256(back).digest() == hashlib.sha256(b"".join(chunks)).digest()


def test_part_cancel(project: Project, bucket: str) -> None:
    info = project.begin_upload(bucket, "c")
    part = project.upload_part(bucket, "c", info.upload_id, 1)
    part.write(b"x" * 1000)
    part.cancel()
    assert part.cancelled and "cancelled" in repr(part)
    with pytest.raises(CancelledError):
        part.write(b"y")
    with pytest.raises(CancelledError):
        part.commit()
    part.close()
    assert project.list_upload_parts(bucket, "c", info.upload_id) == []
    project.abort_upload(bucket, "c", info.upload_id)


def test_multipart_argument_checks(project: Project, bucket: str) -> None:
    info = project.begin_upload(bucket, "k")
    with pytest.raises(TypeError, match="upload_id"):
        project.upload_part(bucket, "k", None, 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="part_number"):
        project.upload_part(bucket, "k", info.upload_id, -1)
    with pytest.raises(TypeError, match="part_number"):
        project.upload_part(bucket, "k", info.upload_id, "1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="list_uploads_options"):
        project.list_uploads(bucket, {"prefix": "a/"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cursor"):
        project.list_upload_parts(bucket, "k", info.upload_id, ListUploadPartsOptions(cursor=-1))
    with pytest.raises(TypeError, match="custom_metadata"):
        project.commit_upload(bucket, "k", info.upload_id, [("a", "b")])  # type: ignore[arg-type]
    for call in (lambda: project.commit_upload(bucket, "k", "not-an-upload-id"),
                 lambda: project.upload_part(bucket, "k", "not-an-upload-id", 1),
                 lambda: project.upload_part(bucket, "k", info.upload_id[:-4], 1),
                 lambda: list(project.iter_upload_parts(bucket, "k", "not-an-upload-id"))):
        with pytest.raises(UploadIdInvalidError, match="upload id") as caught:
            call()
        # Still what uplink-c reports (INTERNAL), and a ValueError to Python.
        assert isinstance(caught.value, InternalError) and isinstance(caught.value, ValueError)
    project.abort_upload(bucket, "k", info.upload_id)


def test_value_classes_get_dict(project: Project, bucket: str) -> None:
    info = project.begin_upload(bucket, "d")
    as_dict: Dict[str, Any] = info.get_dict()
    assert as_dict["upload_id"] == info.upload_id and as_dict["system"]["expires"] == 0
    project.abort_upload(bucket, "d", info.upload_id)
    assert Part(1, 2, 3, b"e").get_dict() == {"part_number": 1, "size": 2, "modified": 3,
                                              "etag": b"e"}


def test_cancel_racing_a_part_commit_tells_the_truth(project: Project, bucket: str) -> None:
    """A cancel from another thread races each part's commit: a commit that returned
    stored its part (listed, of the size written), one that raised CancelledError
    stored none. The satellite may commit a part whose answer the cancel cut off;
    libuplinkc then looks for the part before it answers."""
    rounds = int(os.environ.get("UPLINK_RACE_ROUNDS", "60"))
    info = project.begin_upload(bucket, "race")
    outcomes: Dict[str, int] = {}
    wrong: List[str] = []
    rng = random.Random(5)
    for number in range(1, rounds + 1):
        data = rng.randbytes(rng.choice((10, 5000, 70000)))
        part = project.upload_part(bucket, "race", info.upload_id, number)
        part.write(data)
        delay = rng.random() * 0.02
        canceller = threading.Timer(delay, part.cancel)
        canceller.start()
        try:
            part.commit()
            outcome = "committed"
        except CancelledError:
            outcome = "cancelled"
        canceller.join()
        part.close()
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        listed = [p for p in project.list_upload_parts(
            bucket, "race", info.upload_id, ListUploadPartsOptions(cursor=number - 1))
            if p.part_number == number]
        if outcome == "committed" and (not listed or listed[0].size != len(data)):
            wrong.append(f"part {number}: committed but listed as {listed}")
        if outcome == "cancelled" and listed:
            wrong.append(f"part {number}: reported cancelled but stored ({listed[0].size} bytes)")
    print(f"cancel vs part commit, {rounds} rounds: {outcomes}")
    project.abort_upload(bucket, "race", info.upload_id)
    assert not wrong, wrong
