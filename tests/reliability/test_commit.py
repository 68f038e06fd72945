"""Reliability tier: nothing lost, nothing half-stored (issue 7, defect 4).

An upload whose commit() returned reads back byte-equal, for sizes around the inline
limit (4 KiB), a segment-sized one (64 MiB + 1) and a multipart upload; one that raised
(aborted, or cancelled at a random point, racing commit() among them) is not visible.
"""

from __future__ import annotations

import os
import threading

import pytest

from _reliability import assert_no_problems, report, rounds, run_worker
from _testnet import NetworkInfo
from uplink_python import Project
from uplink_python.errors import CancelledError, ObjectNotFoundError
from uplink_python.multipart import MIN_PART_SIZE

MiB = 1024 * 1024
SIZES = [0, 1, 4095, 4096, 4097, MiB, 64 * MiB + 1]


def _read(project: Project, bucket: str, key: str) -> bytes:
    with project.download_object(bucket, key) as download:
        return download.readall()


@pytest.mark.parametrize("size", SIZES)
def test_a_committed_upload_reads_back_byte_equal(project: Project, bucket: str, size: int) -> None:
    data = os.urandom(size)
    with project.upload_object(bucket, "object") as upload:
        view = memoryview(data)
        for start in range(0, size, 7 * MiB + 3):  # several writes for the big ones
            upload.write(view[start:start + 7 * MiB + 3])
        upload.commit()
    assert project.stat_object(bucket, "object").system.content_length == size
    assert _read(project, bucket, "object") == data


@pytest.mark.parametrize("size", SIZES[:6])
def test_an_upload_that_raised_is_not_visible(project: Project, bucket: str, size: int) -> None:
    class Stop(Exception):
        pass
    with pytest.raises(Stop):
        with project.upload_object(bucket, "aborted") as upload:
            upload.write(os.urandom(size))
            raise Stop
    upload = project.upload_object(bucket, "cancelled")
    upload.write(os.urandom(size))
    upload.cancel()
    with pytest.raises(CancelledError):
        upload.commit()
    upload.close()
    for key in ("aborted", "cancelled"):
        with pytest.raises(ObjectNotFoundError):
            project.stat_object(bucket, key)
    assert project.list_objects(bucket) == []


def test_a_committed_multipart_upload_reads_back_byte_equal(project: Project, bucket: str) -> None:
    parts = [os.urandom(MIN_PART_SIZE), os.urandom(MIN_PART_SIZE + 1), os.urandom(4097)]
    info = project.begin_upload(bucket, "multipart")
    errors = []

    def send(number: int) -> None:
        try:
            with project.upload_part(bucket, "multipart", info.upload_id, number) as part:
                part.write(parts[number - 1])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
    threads = [threading.Thread(target=send, args=(n,)) for n in (3, 1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    project.commit_upload(bucket, "multipart", info.upload_id)
    assert _read(project, bucket, "multipart") == b"".join(parts)


def test_a_multipart_upload_that_was_aborted_is_not_visible(project: Project, bucket: str) -> None:
    info = project.begin_upload(bucket, "multipart")
    with project.upload_part(bucket, "multipart", info.upload_id, 1) as part:
        part.write(os.urandom(MIN_PART_SIZE))
    cancelled = project.upload_part(bucket, "multipart", info.upload_id, 2)
    cancelled.write(b"never")
    cancelled.cancel()
    with pytest.raises(CancelledError):
        cancelled.commit()
    cancelled.close()
    assert [p.part_number for p in project.list_upload_parts(bucket, "multipart", info.upload_id)] == [1]
    project.abort_upload(bucket, "multipart", info.upload_id)
    with pytest.raises(ObjectNotFoundError):
        project.stat_object(bucket, "multipart")
    assert project.list_uploads(bucket) == []


def test_uploads_cancelled_at_random_points_store_all_or_nothing(testnet: NetworkInfo) -> None:
    """Hundreds of cancels, half of them racing commit() from another thread."""
    count = rounds(200)
    result = run_worker(testnet, "commit_races", timeout=120 + 2 * count, rounds=count)
    report("cancel racing commit", result)
    assert_no_problems(result)
