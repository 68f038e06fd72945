"""Cancellation from another thread, and the lazy listings (Listing) with their cancel()."""

from __future__ import annotations

import os
import threading
import time
from typing import Any, Callable, List, Optional

import pytest

from uplink_python import Listing, Project, _native
from uplink_python.errors import (BucketNotFoundError, CancelledError, InternalError,
                                  ObjectNotFoundError)
from uplink_python.module_classes import ListObjectsOptions
from uplink_fixtures import put_object as _put

pytestmark = pytest.mark.usefixtures("leak_check")

KIB = 1024
MIB = 1024 * KIB


class _Worker(threading.Thread):
    """Runs ``body(progress)`` and keeps the exception it ends with."""

    def __init__(self, body: Callable[[threading.Event], None]) -> None:
        super().__init__(daemon=True)
        self.body = body
        self.progress = threading.Event()
        self.error: Optional[BaseException] = None

    def run(self) -> None:
        try:
            self.body(self.progress)
        except BaseException as exc:  # pylint: disable=broad-except
            self.error = exc
        finally:
            self.progress.set()


def _cancel_while_running(worker: _Worker, cancel: Callable[[], None]) -> None:
    worker.start()
    assert worker.progress.wait(60), "the transfer never got going"
    cancel()
    worker.join(60)
    assert not worker.is_alive(), "the cancelled call did not return"


def test_cancel_an_upload_from_another_thread(project: Project, bucket: str) -> None:
    upload = project.upload_object(bucket, "big")
    chunk = os.urandom(256 * KIB)
    deadline = time.monotonic() + 120

    def write_forever(progress: threading.Event) -> None:
        written = 0
        while time.monotonic() < deadline:   # bounded: a broken cancel fails, not hangs
            written += upload.write(chunk)
            if written >= 2 * MIB:
                progress.set()
        upload.commit()

    worker = _Worker(write_forever)
    _cancel_while_running(worker, upload.cancel)
    assert isinstance(worker.error, CancelledError), worker.error
    upload.close()
    with pytest.raises(ObjectNotFoundError):
        project.stat_object(bucket, "big")
    assert project.list_objects(bucket) == []


def test_cancel_a_download_read_in_small_chunks(project: Project, bucket: str) -> None:
    _put(project, bucket, "big", os.urandom(6 * MIB))
    download = project.download_object(bucket, "big")
    received: List[int] = []

    def read_slowly(progress: threading.Event) -> None:
        buffer = bytearray(16 * KIB)
        while True:
            count = download.readinto(buffer)
            if not count:
                return
            received.append(count)
            progress.set()
            time.sleep(0.005)

    worker = _Worker(read_slowly)
    _cancel_while_running(worker, download.cancel)
    assert isinstance(worker.error, CancelledError), worker.error
    assert 0 < sum(received) < 6 * MIB
    download.close()


def test_cancel_a_part_upload_from_another_thread(project: Project, bucket: str) -> None:
    info = project.begin_upload(bucket, "parts")
    part = project.upload_part(bucket, "parts", info.upload_id, 1)
    chunk = os.urandom(256 * KIB)
    deadline = time.monotonic() + 120

    def write_forever(progress: threading.Event) -> None:
        while time.monotonic() < deadline:
            part.write(chunk)
            progress.set()
        part.commit()

    worker = _Worker(write_forever)
    _cancel_while_running(worker, part.cancel)
    assert isinstance(worker.error, CancelledError), worker.error
    part.close()
    assert project.list_upload_parts(bucket, "parts", info.upload_id) == []
    project.abort_upload(bucket, "parts", info.upload_id)


def test_cancel_a_listing_from_another_thread(project: Project, bucket: str) -> None:
    for index in range(5):
        _put(project, bucket, f"k{index}", b"x")
    listing = project.iter_objects(bucket)
    seen: List[str] = []

    def walk(progress: threading.Event) -> None:
        for obj in listing:
            seen.append(obj.key)
            progress.set()
            time.sleep(0.2)

    worker = _Worker(walk)
    _cancel_while_running(worker, listing.cancel)
    assert isinstance(worker.error, CancelledError), worker.error
    assert 1 <= len(seen) < 5
    assert listing.closed
    listing.cancel()   # over: nothing to cancel
    listing.close()


def test_listing_is_lazy_and_frees_its_iterator(project: Project, bucket: str) -> None:
    for index in range(3):
        _put(project, bucket, f"k{index}", b"x")
    before = _native.handle_count()
    listing = project.iter_objects(bucket, ListObjectsOptions(recursive=True))
    assert isinstance(listing, Listing) and iter(listing) is listing
    assert _native.handle_count() == before + 1 and not listing.closed
    assert "open" in repr(listing)
    keys = [obj.key for obj in listing]
    assert sorted(keys) == ["k0", "k1", "k2"]
    assert listing.closed and _native.handle_count() == before
    with pytest.raises(StopIteration):
        next(listing)

    with project.iter_buckets() as buckets:
        assert next(buckets).name
    assert buckets.closed and _native.handle_count() == before

    abandoned = project.iter_objects(bucket)
    next(abandoned)
    del abandoned   # collected: the native iterator is freed
    assert _native.handle_count() == before


def test_listing_errors_come_at_the_end(project: Project, bucket: str) -> None:
    listing = project.iter_objects(bucket + "-missing")
    with pytest.raises(BucketNotFoundError):
        next(listing)
    assert listing.closed


def test_listing_stops_on_a_repeated_entry() -> None:
    class Looping:
        """A listing that never advances: every call returns the same entry."""

        kind = "object"
        handle: Any = None

        def __init__(self) -> None:
            self.guard = _native._listing._RepeatGuard("object")  # pylint: disable=protected-access

        def next(self) -> str:
            self.guard.check(("same",))
            return "same"

    listing: Listing[str] = Listing(Looping())  # type: ignore[arg-type]
    assert next(listing) == "same"
    with pytest.raises(InternalError, match="twice"):
        next(listing)


def test_a_page_with_a_repeated_entry_is_cut_before_it() -> None:
    guard = _native._listing._RepeatGuard("object")  # pylint: disable=protected-access
    kept, error = guard.admit(["a", "b"], lambda value: (value,))
    assert kept == ["a", "b"] and error is None
    # The next page repeats "b": the entries before it are kept, then the error.
    kept, error = guard.admit(["c", "b", "d"], lambda value: (value,))
    assert kept == ["c"]
    assert isinstance(error, InternalError) and "'b' twice" in str(error)
