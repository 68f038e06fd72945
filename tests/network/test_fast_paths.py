"""The fast paths: reads that fill the caller's buffer, streaming reads that
take everything already downloaded, listings a page per native call
(uplink_download_read_full, uplink_download_read_some, uplink_iterator_next_page)."""

from __future__ import annotations

import array
import ctypes
import os
import threading
import time
from typing import Any, List

import pytest

from uplink_python import Project, _native
from uplink_python._native import _listing
from uplink_python._native._errors import pop_error
from uplink_python.errors import (BucketNotFoundError, CancelledError, InvalidHandleError,
                                  StorjException)
from uplink_python.module_classes import (ListObjectsOptions, ListObjectVersionsOptions,
                                          ListUploadsOptions)
from uplink_fixtures import put_object

pytestmark = pytest.mark.usefixtures("leak_check")

SIZE = 100_003  # spans many of Go's ~7 KiB blocks, and ends mid-block

# libuplinkc's read-ahead queues at most 128 blocks (download.go: aheadChunks) of one Go
# read each, 7408 bytes with uplink's default encryption; then its pump sleeps until the
# reader took half. A streaming read that takes this much at once found the queue full
# or nearly (it also takes what the pump adds while it copies): the pump asleep on it.
FULL_QUEUE = 120 * 7408
POLL = 0.05


def wait_for_a_full_queue(download: Any, got: bytearray, ceiling: float = 60.0) -> None:
    """Streaming reads, a POLL apart, until one takes a full queue; what they take is
    added to `got`. Each read takes all that is queued, so the full queue was filled
    within one POLL: one more POLL and it is full again."""
    buffer = bytearray(4 << 20)
    deadline = time.monotonic() + ceiling
    while True:
        time.sleep(POLL)
        count = download.readinto1(buffer)
        got.extend(buffer[:count])
        if count >= FULL_QUEUE:
            return
        assert count, "the object ended before the read-ahead filled its queue"
        assert time.monotonic() < deadline, f"the read-ahead did not fill its queue in {ceiling} s"


@pytest.fixture
def payload(project: Project, bucket: str) -> bytes:
    data = os.urandom(SIZE)
    put_object(project, bucket, "blob", data)
    return data


def test_readinto_fills_the_buffer_until_the_end(project: Project, bucket: str,
                                                  payload: bytes) -> None:
    buffer = bytearray(40_000)
    got = bytearray()
    with project.download_object(bucket, "blob") as download:
        counts = []
        while True:
            count = download.readinto(buffer)
            if not count:
                break
            counts.append(count)
            got += buffer[:count]
    assert counts == [40_000, 40_000, SIZE - 80_000]
    assert bytes(got) == payload


def test_readinto_fills_a_memoryview_slice_and_an_array(project: Project, bucket: str,
                                                         payload: bytes) -> None:
    backing = bytearray(30_010)
    words = array.array("I", bytes(40_000))
    with project.download_object(bucket, "blob") as download:
        assert download.readinto(memoryview(backing)[10:]) == 30_000
        assert download.readinto(words) == 40_000
        assert words.tobytes() == payload[30_000:70_000]
        assert download.readinto(memoryview(words).cast("B")[:10]) == 10
        assert words.tobytes()[:10] == payload[70_000:70_010]
    assert bytes(backing[10:]) == payload[:30_000]


def test_streaming_reads_return_what_one_network_read_brings(project: Project, bucket: str,
                                                              payload: bytes) -> None:
    got = bytearray()
    buffer = bytearray(SIZE)
    with project.download_object(bucket, "blob") as download:
        count = download.readinto1(buffer)
        assert 0 < count <= SIZE
        got += buffer[:count]
        data, size = download.read(SIZE)
        assert 0 <= size <= SIZE - count and len(data) == size
        got += data
        got += download.readall()
        assert download.read(10) == (b"", 0)
        assert download.readinto1(buffer) == 0
    assert bytes(got) == payload


def test_read_minus_one_and_buffered_reader(project: Project, bucket: str,
                                            payload: bytes) -> None:
    with project.download_object(bucket, "blob") as download:
        assert download.read(5) == (payload[:5], 5)
        assert download.read(-1) == (payload[5:], SIZE - 5)
    with project.download_object(bucket, "blob") as download:
        reader = download.reader(8192)
        first = reader.read1(SIZE)  # what arrived by the first byte, without waiting for more
        assert 0 < len(first) <= SIZE and first == payload[:len(first)]
        assert reader.read() == payload[len(first):]


def test_read_full_at_the_c_level(project: Project, bucket: str, payload: bytes) -> None:
    """uplink_download_read_full fills the buffer and reports EOF with the tail."""
    with project.download_object(bucket, "blob") as download:
        handle = download._handle  # pylint: disable=protected-access
        buffer = ctypes.create_string_buffer(SIZE + 100)
        result = _native.call("uplink_download_read_full", handle, buffer, SIZE + 100)
        try:
            assert result.bytes_read == SIZE
            assert result.error and result.error.contents.code == _native.EOF
        finally:
            _native.call("uplink_free_read_result", result)
        assert buffer.raw[:SIZE] == payload


def _read_some(download: Any, length: int) -> Any:
    """One uplink_download_read_some: (bytes, error code or None)."""
    buffer = ctypes.create_string_buffer(length)
    result = _native.call("uplink_download_read_some", download._handle, buffer, length)
    try:
        code = result.error.contents.code if result.error else None
        return buffer.raw[:result.bytes_read], code
    finally:
        _native.call("uplink_free_read_result", result)


def test_read_some_takes_everything_already_downloaded(project: Project, bucket: str,
                                                       payload: bytes) -> None:
    """After the first byte it returns what the read-ahead holds, not one block per call."""
    with project.download_object(bucket, "blob") as download:
        first, code = _read_some(download, 10)
        assert first == payload[:10] and code is None
        # The read-ahead runs on while nobody reads: the rest of the object arrives.
        got = bytearray(first)
        calls = 0
        while code is None:
            time.sleep(0.2)
            data, code = _read_some(download, SIZE)
            calls += 1
            assert data or code is not None, "read_some returned nothing without EOF"
            got += data
        assert code == _native.EOF
        assert bytes(got) == payload
        # Go reads one ~7 KiB block at a time: one call took several of them.
        assert calls < SIZE // 7424
        assert _read_some(download, 10) == (b"", _native.EOF)


def test_reads_of_every_kind_after_read_some_continue_the_stream(
        project: Project, bucket: str, payload: bytes) -> None:
    """Once the read-ahead runs, uplink_download_read, read_full and readinto take
    from it: the bytes come in order, none lost or repeated."""
    with project.download_object(bucket, "blob") as download:
        got = bytearray(_read_some(download, 1000)[0])
        got += _read_some(download, 5000)[0]
        buffer = ctypes.create_string_buffer(3000)
        result = _native.call("uplink_download_read", download._handle, buffer, 3000)
        try:
            assert 0 < result.bytes_read <= 3000 and not result.error
            got += buffer.raw[:result.bytes_read]
        finally:
            _native.call("uplink_free_read_result", result)
        view = bytearray(20_000)
        assert download.readinto(view) == 20_000  # read_full
        got += view
        got += download.readall()
    assert bytes(got) == payload


def test_small_reads_keep_the_rest_for_every_later_read(
        project: Project, bucket: str) -> None:
    """read(n) below 64 KiB fetches what arrived (up to 256 KiB) and keeps the
    rest: every read that follows, of any kind, continues the stream."""
    payload = os.urandom(600_001)  # more than the kept bytes and the readinto below
    put_object(project, bucket, "long", payload)
    with project.download_object(bucket, "long") as download:
        got = bytearray()
        for size in (1, 10, 100, 1000):  # small seed reads
            data, count = download.read(size)
            assert 0 < count <= size and len(data) == count
            got += data
        got += download.readline(300)  # random bytes: a "line" ends at a newline byte
        one = bytearray(5)
        got += one[:download.readinto1(one)]
        view = bytearray(300_000)  # more than the spare bytes: readinto fills it
        assert download.readinto(view) == 300_000
        got += view
        while True:
            data, count = download.read(4096)
            if not count:
                break
            got += data
    assert bytes(got) == payload


def test_lines_come_out_whole_from_the_buffered_readline(project: Project,
                                                         bucket: str) -> None:
    lines = [b"line %d %s\n" % (i, b"x" * (i % 200)) for i in range(20_000)]
    text = b"".join(lines) + b"no newline at the end"
    put_object(project, bucket, "lines", text)
    with project.download_object(bucket, "lines") as download:
        assert download.readline(3) == b"lin"  # a size limit cuts a line
        assert download.readline() == lines[0][3:]
        assert list(download)[:-1] == lines[1:]
    with project.download_object(bucket, "lines") as download:
        assert download.readlines() == lines + [b"no newline at the end"]


def test_spare_bytes_are_not_handed_out_after_cancel(project: Project, bucket: str,
                                                     payload: bytes) -> None:
    with project.download_object(bucket, "blob") as download:
        assert download.read(10)[1] > 0  # the rest of what came is kept
        download.cancel()
        with pytest.raises(CancelledError):
            download.read(10)
        with pytest.raises(CancelledError):
            download.readinto(bytearray(10))


@pytest.mark.parametrize("how", ["cancel", "project close"])
def test_reads_at_the_end_raise_after_cancel(project: Project, bucket: str,
                                             payload: bytes, how: str) -> None:
    """At the end of the object no native call is needed, yet every read of a
    cancelled download (or one whose project was closed) raises CancelledError,
    as the library does."""
    with project.download_object(bucket, "blob") as download:
        assert download.read(-1) == (payload, len(payload))
        assert download.read(10) == (b"", 0)
        if how == "cancel":
            download.cancel()
        else:
            project.close()
        for read in (lambda: download.read(10), lambda: download.readinto(bytearray(10)),
                     download.readline, download.readall, lambda: download.read(-1)):
            with pytest.raises(CancelledError):
                read()


@pytest.mark.parametrize("how", ["close", "cancel"])
def test_read_ahead_stops_on_close_and_cancel(project: Project, bucket: str, how: str) -> None:
    """A read-ahead that filled its queue (the object is larger) ends with the
    download: close returns, and a cancelled download's reads raise CancelledError."""
    data = os.urandom(8 * 1024 * 1024)
    put_object(project, bucket, "large", data)
    download = project.download_object(bucket, "large")
    try:
        assert download.read(1) == (data[:1], 1)
        got = bytearray()
        wait_for_a_full_queue(download, got)
        assert got == data[1:1 + len(got)]
        time.sleep(POLL)  # full again, the pump asleep on it
        if how == "cancel":
            download.cancel()
            with pytest.raises(CancelledError):
                download.read(10)
            with pytest.raises(CancelledError):
                download.readinto(bytearray(10))
    finally:
        download.close()
    assert download.closed


def test_a_full_read_ahead_resumes_as_the_reader_drains_it(project: Project,
                                                           bucket: str) -> None:
    """The pump, asleep on a full queue, wakes once the reader took half of it
    and carries on to the end: every byte once, in order, with no hang."""
    data = os.urandom(5 * 1024 * 1024 + 17)
    put_object(project, bucket, "drained", data)
    got = bytearray()
    failure: List[BaseException] = []

    def drain() -> None:
        try:
            with project.download_object(bucket, "drained") as download:
                got.extend(download.read(1)[0])
                wait_for_a_full_queue(download, got)
                time.sleep(POLL)  # full again, the pump asleep on it
                buffer = bytearray(3000)  # taken a few bytes at a time
                while True:
                    count = download.readinto1(buffer)
                    if not count:
                        break
                    got.extend(buffer[:count])
                    if len(got) % 7 == 0:
                        time.sleep(0.001)  # a slow reader now and then
        except BaseException as exc:  # pylint: disable=broad-except  # reported below
            failure.append(exc)

    worker = threading.Thread(target=drain, daemon=True)
    worker.start()
    worker.join(120)
    assert not worker.is_alive(), "the read-ahead hung"
    assert not failure, failure
    assert bytes(got) == data


def test_read_some_refuses_a_null_buffer(project: Project, bucket: str,
                                         payload: bytes) -> None:
    with project.download_object(bucket, "blob") as download:
        result = _native.call("uplink_download_read_some", download._handle, None, 10)
        try:
            assert result.bytes_read == 0 and result.error
            assert b"bytes" in result.error.contents.message
        finally:
            _native.call("uplink_free_read_result", result)
        assert download.read(10) == (payload[:10], 10)


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_listing, "PAGE_SIZE", 2)


def test_listings_across_pages(project: Project, bucket: str, small_pages: None) -> None:
    keys = [f"k{i}" for i in range(5)]
    for key in keys:
        with project.upload_object(bucket, key) as upload:
            upload.set_custom_metadata({"name": key})
            upload.write(key.encode())
            upload.commit()
    # Listing order is that of the encrypted keys: sort.
    listed = sorted(project.list_objects(bucket, ListObjectsOptions(system=True, custom=True)),
                    key=lambda o: o.key)
    assert [o.key for o in listed] == keys
    assert [[(e.key, e.value) for e in o.custom.entries] for o in listed] == [
        [("name", key)] for key in keys]
    assert [o.system.content_length for o in listed] == [len(key) for key in keys]
    versions = project.list_object_versions(bucket, ListObjectVersionsOptions())
    assert sorted(v.key for v in versions) == keys
    assert bucket in [b.name for b in project.list_buckets()]
    pending = [project.begin_upload(bucket, f"mp{i}") for i in range(3)]
    try:
        part_upload_id = pending[0].upload_id
        for number in (1, 2, 3):
            with project.upload_part(bucket, "mp0", part_upload_id, number) as part:
                part.write(b"p" * number)
                part.commit()
        assert [p.part_number for p in project.list_upload_parts(bucket, "mp0",
                                                                 part_upload_id)] == [1, 2, 3]
        uploads = project.list_uploads(bucket, ListUploadsOptions())
        assert sorted(u.key for u in uploads) == ["mp0", "mp1", "mp2"]
    finally:
        for info in pending:
            project.abort_upload(bucket, info.key, info.upload_id)


def test_a_listing_error_comes_after_the_items(project: Project, small_pages: None) -> None:
    listing = project.iter_objects("no-such-bucket-here")
    with pytest.raises(BucketNotFoundError):
        next(listing)
    assert list(listing) == []


def test_cancel_drops_the_fetched_items(project: Project, bucket: str,
                                        small_pages: None) -> None:
    for key in ("a", "b", "c"):
        put_object(project, bucket, key)
    listing = project.iter_objects(bucket)
    assert next(listing).key in ("a", "b", "c")  # and a second one is already fetched
    listing.cancel()
    with pytest.raises(CancelledError):
        next(listing)
    assert list(listing) == []
    listing.close()


def test_per_item_and_page_calls_mixed_on_a_listing_read_ahead(project: Project,
                                                               bucket: str) -> None:
    """libuplinkc lists ahead of its caller on a goroutine; the per-item calls
    and the page call take from the same items, in order, none skipped or repeated."""
    keys = [f"k{i}" for i in range(7)]
    for key in keys:
        put_object(project, bucket, key)
    listing = project.iter_objects(bucket)
    cursor = listing._cursor  # pylint: disable=protected-access
    try:
        listed = []
        for _ in range(2):
            assert _native.call("uplink_object_iterator_next", cursor.handle)
            item = _native.call("uplink_object_iterator_item", cursor.handle)
            try:
                listed.append(item.contents.key.decode())
            finally:
                _native.call("uplink_free_object", item)
        values, more, error = _native.call("uplink_iterator_next_page", cursor.handle, 3,
                                           take=cursor._take_page)  # pylint: disable=protected-access
        assert more and error is None and len(values) == 3
        listed += [value.key for value in values]
        listed += [item.key for item in listing]  # the rest, through the page calls
    finally:
        listing.close()
    assert sorted(listed) == keys


def test_closing_a_listing_stops_its_read_ahead(project: Project, bucket: str) -> None:
    """A listing closed after its first item (the rest read ahead) frees
    everything; a new listing still sees every object."""
    for key in ("a", "b", "c"):
        put_object(project, bucket, key)
    for _ in range(3):
        listing = project.iter_objects(bucket)
        assert next(listing).key in ("a", "b", "c")
        listing.close()
    assert sorted(o.key for o in project.iter_objects(bucket)) == ["a", "b", "c"]


def test_page_call_rejects_bad_arguments(project: Project, bucket: str) -> None:
    """The generic page call checks its iterator and its limit."""
    with pytest.raises(StorjException, match="iterator"):
        _page(None, 5)
    listing = project.iter_objects(bucket)
    try:
        with pytest.raises(StorjException, match="limit"):
            _page(listing._cursor.handle, 0)  # pylint: disable=protected-access
    finally:
        listing.close()
    with pytest.raises(InvalidHandleError):
        _page(project._handle, 5)  # pylint: disable=protected-access


def _page(iterator: object, limit: int) -> None:
    """One uplink_iterator_next_page call; frees the page and raises its error."""
    result = _native.call("uplink_iterator_next_page", iterator, limit)
    try:
        assert result.count == 0 and not result.more
        exc = pop_error(result)
    finally:
        _native.call("uplink_free_list_page_result", result)
    if exc is not None:
        raise exc


def test_threads_sharing_a_download_get_whole_chunks(project: Project, bucket: str,
                                                     payload: bytes) -> None:
    """Each full readinto is one contiguous piece of the object, even while
    other threads read the same download (its steps do not interleave)."""
    chunks: List[bytes] = []
    lock = threading.Lock()

    def reader(download: Any) -> None:
        buffer = bytearray(9_000)
        while True:
            count = download.readinto(buffer)
            if not count:
                return
            with lock:
                chunks.append(bytes(buffer[:count]))

    with project.download_object(bucket, "blob") as download:
        threads = [threading.Thread(target=reader, args=(download,)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    positions = sorted((payload.find(chunk), chunk) for chunk in chunks)
    assert all(position >= 0 for position, _ in positions)
    assert b"".join(chunk for _, chunk in positions) == payload
