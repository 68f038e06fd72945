"""Uploads and downloads against the local network: sizes, buffers, streams, lifetimes."""

from __future__ import annotations

import array
import hashlib
import io
import mmap
import os
import shutil
import threading
import time
from typing import Any, List

import pytest

from uplink_python import Download, Project, Upload
from uplink_python.errors import (CancelledError, ClosedError, ObjectNotFoundError,
                                  StorjException, UploadDoneError)
from uplink_python.module_classes import CustomMetadata, CustomMetadataEntry, DownloadOptions, \
    UploadOptions

from uplink_fixtures import put_object as _put
pytestmark = pytest.mark.usefixtures("leak_check")

KIB = 1024
MIB = 1024 * KIB


def _get(project: Project, bucket: str, key: str, **kwargs: Any) -> bytes:
    options = DownloadOptions(**kwargs) if kwargs else None
    with project.download_object(bucket, key, options) as download:
        return download.readall()


@pytest.mark.parametrize("size", [0, 1, 4 * KIB - 1, 4 * KIB, 4 * KIB + 1, 7 * MIB + 3])
def test_round_trip_sizes(project: Project, bucket: str, size: int) -> None:
    data = os.urandom(size)
    _put(project, bucket, "obj", data)
    assert project.stat_object(bucket, "obj").system.content_length == size
    back = _get(project, bucket, "obj")
    assert hashlib.sha256(back).hexdigest() == hashlib.sha256(data).hexdigest()


def test_object_larger_than_one_segment(project: Project, bucket: str,
                                        tmp_path: Any) -> None:
    # 65 MiB + 1 spans two 64 MiB segments: reads cross a segment boundary,
    # where Go may hand back 0 bytes without an error (storj/uplink#99).
    size = 65 * MIB + 1
    source = tmp_path / "big.bin"
    digest = hashlib.sha256()
    with open(source, "wb") as handle:
        for _ in range(65):
            chunk = os.urandom(MIB)
            digest.update(chunk)
            handle.write(chunk)
        handle.write(b"!")
        digest.update(b"!")
    with project.upload_object(bucket, "big") as upload, open(source, "rb") as handle:
        assert upload.write_file(handle) == size
    assert project.stat_object(bucket, "big").system.content_length == size

    target = tmp_path / "back.bin"
    with project.download_object(bucket, "big") as download, open(target, "w+b") as handle:
        assert download.file_size() == size
        assert download.read_file(handle) == size
        handle.seek(0)
        back = hashlib.sha256()
        for block in iter(lambda: handle.read(MIB), b""):
            back.update(block)
    assert back.hexdigest() == digest.hexdigest()

    # Small reads straddling the boundary return exactly the bytes there.
    boundary = 64 * MIB
    with open(source, "rb") as handle:
        handle.seek(boundary - 10)
        expected = handle.read(20)
    assert _get(project, bucket, "big", offset=boundary - 10, length=20) == expected


def test_write_accepts_bytes_like_objects(project: Project, bucket: str) -> None:
    data = os.urandom(100 * KIB)
    with project.upload_object(bucket, "k") as upload:
        assert upload.write(data[:10]) == 10
        assert upload.write(bytearray(data[10:20])) == 10
        assert upload.write(memoryview(data)[20:30]) == 10           # read-only view
        assert upload.write(memoryview(bytearray(data))[30:40]) == 10  # writable view
        assert upload.write(array.array("B", data[40:50])) == 10
        words = array.array("I", data[50:50 + 40])                   # 10 items, 40 bytes
        assert upload.write(words) == 40
        with mmap.mmap(-1, 1000) as mapped:
            mapped.write(data[90:1090])
            assert upload.write(mapped) == 1000
        assert upload.write(data[1090:], len(data) - 1090) == len(data) - 1090
    assert _get(project, bucket, "k") == data


def test_written_buffer_is_released(project: Project, bucket: str) -> None:
    data = bytearray(b"resizable")
    with project.upload_object(bucket, "k") as upload:
        upload.write(data)
        data.extend(b"!")  # no export of the buffer outlives write()
        upload.write(memoryview(data)[-1:])
    assert _get(project, bucket, "k") == b"resizable!"


def test_write_size_is_bounds_checked(project: Project, bucket: str) -> None:
    with project.upload_object(bucket, "k") as upload:
        with pytest.raises(ValueError, match="size_to_write"):
            upload.write(b"abc", 4)
        with pytest.raises(ValueError, match="size_to_write"):
            upload.write(bytearray(3), 2**40)
        with pytest.raises(ValueError, match="size_to_write"):
            upload.write(b"abc", -1)
        with pytest.raises(TypeError, match="size_to_write"):
            upload.write(b"abc", "3")  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="data_to_write"):
            upload.write("text")
        with pytest.raises(TypeError, match="data_to_write"):
            upload.write(None)
        with pytest.raises(ValueError, match="contiguous"):
            upload.write(memoryview(b"abcdef")[::2])
        assert upload.write(b"abcdef", 3) == 3  # the seed's write(data, size) form
        assert upload.write(b"", 0) == 0
    assert _get(project, bucket, "k") == b"abc"


def test_upload_context_manager_aborts_on_error(project: Project, bucket: str) -> None:
    with pytest.raises(RuntimeError):
        with project.upload_object(bucket, "half") as upload:
            upload.write(b"partial data")
            raise RuntimeError("interrupted")
    with pytest.raises(ObjectNotFoundError):
        project.stat_object(bucket, "half")
    assert upload.closed


def test_commit_abort_and_info(project: Project, bucket: str) -> None:
    upload = project.upload_object(bucket, "explicit", UploadOptions(expires=0))
    assert isinstance(upload, Upload) and upload.writable()
    upload.write(b"12345")
    assert upload.info().key == "explicit"
    upload.commit()
    assert upload.info().system.content_length == 5
    with pytest.raises(UploadDoneError):
        upload.commit()
    with pytest.raises(StorjException):  # libuplinkc reports INTERNAL, as uplink-c does
        upload.write(b"more")
    upload.close()
    upload.close()
    with pytest.raises(ClosedError):
        upload.write(b"x")
    with pytest.raises(ClosedError):
        upload.info()

    aborted = project.upload_object(bucket, "aborted")
    aborted.write(b"never stored")
    aborted.abort()
    with pytest.raises(UploadDoneError):
        aborted.commit()
    aborted.close()
    with pytest.raises(ObjectNotFoundError):
        project.stat_object(bucket, "aborted")


def test_close_without_commit_stores_nothing(project: Project, bucket: str) -> None:
    upload = project.upload_object(bucket, "forgotten")
    upload.write(b"data")
    with pytest.warns(ResourceWarning, match="closed without commit"):
        upload.close()
    with pytest.raises(ObjectNotFoundError):
        project.stat_object(bucket, "forgotten")
    dropped = project.upload_object(bucket, "dropped")
    dropped.write(b"data")
    with pytest.warns(ResourceWarning, match="collected without commit"):
        del dropped  # collected: freed and never committed
    with pytest.raises(ObjectNotFoundError):
        project.stat_object(bucket, "dropped")


def test_upload_expires(project: Project, bucket: str) -> None:
    import time  # pylint: disable=import-outside-toplevel
    expires = int(time.time()) + 3600
    with project.upload_object(bucket, "temp", UploadOptions(expires=expires)) as upload:
        upload.write(b"t")
    assert project.stat_object(bucket, "temp").system.expires == expires


def test_custom_metadata_round_trip(project: Project, bucket: str) -> None:
    metadata = CustomMetadata([CustomMetadataEntry(key="k1", value="v1"),
                               CustomMetadataEntry(key=b"k2", value="välue".encode())], 1)
    with project.upload_object(bucket, "meta") as upload:
        upload.write(b"x")
        upload.set_custom_metadata(metadata)
        with pytest.raises(TypeError, match="custom_metadata"):
            upload.set_custom_metadata([("a", "b")])
    stored = project.stat_object(bucket, "meta").custom
    assert stored.count == 2
    assert stored.to_dict() == {"k1": "v1", "k2": "välue"}
    entry = [e for e in stored.entries if e.key == "k2"][0]
    assert entry.value_length == len("välue".encode())


def test_read_keeps_the_original_shape(project: Project, bucket: str) -> None:
    data = os.urandom(10_000)
    _put(project, bucket, "r", data)
    download = project.download_object(bucket, "r")
    assert isinstance(download, Download)
    chunk, count = download.read(100)
    assert (chunk, count) == (data[:100], 100)
    assert download.read(0) == (b"", 0)
    pieces = [chunk]
    while True:
        chunk, count = download.read(3000)
        assert count == len(chunk) <= 3000
        if count == 0:
            break
        pieces.append(chunk)
    assert b"".join(pieces) == data
    assert download.read(10) == (b"", 0)  # EOF stays EOF
    assert download.info().system.content_length == len(data)
    with pytest.raises(TypeError, match="writable"):
        download.readinto(bytes(10))  # read-only target
    download.close()
    download.close()
    with pytest.raises(ClosedError):
        download.read(10)
    with pytest.raises(ClosedError):
        download.readinto(bytearray(10))
    with pytest.raises(ClosedError):
        download.info()


def test_read_validates_size(project: Project, bucket: str) -> None:
    _put(project, bucket, "r", b"abc")
    with project.download_object(bucket, "r") as download:
        with pytest.raises(TypeError, match="size_to_read"):
            download.read("10")  # type: ignore[arg-type]
        assert download.read(-1) == (b"abc", 3)


def test_readinto_fills_the_callers_buffer(project: Project, bucket: str) -> None:
    data = os.urandom(50_000)
    _put(project, bucket, "ri", data)
    target = bytearray(len(data) + 10)
    view = memoryview(target)
    filled = 0
    with project.download_object(bucket, "ri") as download:
        while True:
            count = download.readinto(view[filled:filled + 7777])
            if count == 0:
                break
            filled += count
    assert filled == len(data) and bytes(target[:filled]) == data


def test_download_as_io_stream(project: Project, bucket: str, tmp_path: Any) -> None:
    data = os.urandom(3 * MIB + 123)
    _put(project, bucket, "stream", data)
    with project.download_object(bucket, "stream") as download:
        # read() keeps the seed's (data, size) shape, so a Download is no io object...
        assert not isinstance(download, io.IOBase)
        assert download.read(10) == (data[:10], 10)
        # ...and reader() is: it goes on from where the download is.
        reader = download.reader()
        assert isinstance(reader, io.BufferedReader) and reader.readable()
        assert reader.read(10) == data[10:20]
        out = io.BytesIO()
        shutil.copyfileobj(reader, out)
        assert out.getvalue() == data[20:]
        assert reader.name == f"sj://{bucket}/stream" and not reader.seekable()
    with project.download_object(bucket, "stream") as download:
        with download.reader() as reader:
            assert reader.read() == data
        assert download.closed


def test_upload_as_writable_stream(project: Project, bucket: str) -> None:
    data = os.urandom(2 * MIB + 5)
    with project.upload_object(bucket, "copied") as upload:
        shutil.copyfileobj(io.BytesIO(data), upload)
    with project.upload_object(bucket, "buffered") as upload:
        writer = io.BufferedWriter(upload)  # type: ignore[arg-type]
        for offset in range(0, len(data), 1000):
            writer.write(data[offset:offset + 1000])
        writer.flush()
    assert _get(project, bucket, "copied") == data
    assert _get(project, bucket, "buffered") == data


def test_download_options(project: Project, bucket: str) -> None:
    data = bytes(range(256)) * 40
    _put(project, bucket, "ranged", data)
    assert _get(project, bucket, "ranged", offset=100, length=50) == data[100:150]
    assert _get(project, bucket, "ranged", offset=10) == data[10:]
    assert _get(project, bucket, "ranged", offset=-20, length=-1) == data[-20:]


def test_download_missing_object(project: Project, bucket: str) -> None:
    with pytest.raises(ObjectNotFoundError):
        project.download_object(bucket, "missing")


def test_write_file_and_read_file(project: Project, bucket: str, tmp_path: Any) -> None:
    data = os.urandom(300_001)
    source = tmp_path / "src.bin"
    source.write_bytes(data)
    with project.upload_object(bucket, "file") as upload, open(source, "r+b") as handle:
        assert upload.write_file(handle, 4096) == len(data)
    target = tmp_path / "dst.bin"
    with open(target, "w+b") as handle:
        download = project.download_object(bucket, "file")
        assert download.read_file(handle, 1000) == len(data)
        assert download.info().key == "file"  # still usable after read_file
        download.close()
    assert target.read_bytes() == data
    # A file object without readinto works too.
    class ReadOnly:
        def __init__(self, payload: bytes) -> None:
            self.stream = io.BytesIO(payload)

        def read(self, size: int) -> bytes:
            return self.stream.read(size)

    with project.upload_object(bucket, "plain") as upload:
        upload.write_file(ReadOnly(data))
    assert _get(project, bucket, "plain") == data
    with project.upload_object(bucket, "bad") as upload:
        with pytest.raises(ValueError, match="buffer_size"):
            upload.write_file(io.BytesIO(b""), -1)
        upload.abort()


def test_text_file_is_rejected(project: Project, bucket: str, tmp_path: Any) -> None:
    source = tmp_path / "text.txt"
    source.write_text("hello")
    with pytest.raises(TypeError):
        with project.upload_object(bucket, "text") as upload, open(source, "r") as handle:
            upload.write_file(handle)
    with pytest.raises(ObjectNotFoundError):
        project.stat_object(bucket, "text")


def test_download_keeps_working_after_its_project_reference_is_dropped(
        project: Project, bucket: str, access: Any) -> None:
    _put(project, bucket, "k", b"v" * 1000)
    download = access.open_project().download_object(bucket, "k")
    import gc  # pylint: disable=import-outside-toplevel
    gc.collect()
    assert download.readall() == b"v" * 1000
    parent = download.project
    download.close()
    parent.close()


def test_upload_repr_has_no_secrets(project: Project, bucket: str, access: Any) -> None:
    with project.upload_object(bucket, "k") as upload:
        assert "k" in repr(upload) and access.serialize() not in repr(upload)
    assert "closed" in repr(upload)
    assert access.serialize() not in repr(access) + repr(project)


def test_closed_upload_errors_are_storj_exceptions(project: Project, bucket: str) -> None:
    upload = project.upload_object(bucket, "k")
    upload.close()
    with pytest.raises(StorjException):
        upload.commit()
    with pytest.raises(StorjException):
        with upload:
            pass


def test_cancel(project: Project, bucket: str) -> None:
    _put(project, bucket, "c", os.urandom(3 * MIB))
    with project.download_object(bucket, "c") as download:
        assert download.read(10)[1] == 10
        download.cancel()
        with pytest.raises(CancelledError):
            while download.read(MIB)[1]:
                pass
    upload = project.upload_object(bucket, "u")
    upload.write(b"x" * 1000)
    upload.cancel()
    with pytest.raises(CancelledError):
        upload.write(b"y" * 1000)
        upload.commit()
    upload.close()
    with pytest.raises(ObjectNotFoundError):
        project.stat_object(bucket, "u")
    with pytest.raises(ClosedError):
        upload.cancel()


def test_cancel_from_another_thread(project: Project, bucket: str) -> None:
    _put(project, bucket, "t", os.urandom(8 * MIB))
    download = project.download_object(bucket, "t")
    outcome: List[BaseException] = []
    started = threading.Event()

    def reader() -> None:
        try:
            while True:
                _, count = download.read(64 * KIB)
                started.set()
                if count == 0:
                    break
                time.sleep(0.01)
        except BaseException as exc:  # pylint: disable=broad-except
            outcome.append(exc)
        finally:
            started.set()

    thread = threading.Thread(target=reader)
    thread.start()
    assert started.wait(60)
    download.cancel()
    thread.join(60)
    assert not thread.is_alive()
    download.close()
    assert outcome and isinstance(outcome[0], CancelledError)


def test_upload_expiry_in_the_past_is_refused(project: Project, bucket: str) -> None:
    with pytest.raises(StorjException, match="past"):
        with project.upload_object(bucket, "stale",
                                   UploadOptions(expires=int(time.time()) - 60)) as upload:
            upload.write(b"s")
    with pytest.raises(ObjectNotFoundError):
        project.stat_object(bucket, "stale")


def test_upload_expiring_soon_disappears(project: Project, bucket: str) -> None:
    import datetime  # pylint: disable=import-outside-toplevel
    soon = datetime.datetime.now() + datetime.timedelta(seconds=3)   # datetimes work too
    with project.upload_object(bucket, "soon", UploadOptions(expires=soon)) as upload:
        upload.write(b"s")
    expires = project.stat_object(bucket, "soon").system.expires
    assert expires == int(soon.timestamp())
    time.sleep(max(0.0, expires - time.time()) + 1.5)
    with pytest.raises(ObjectNotFoundError):
        project.stat_object(bucket, "soon")
    assert project.list_objects(bucket) == []


def test_download_ranges(project: Project, bucket: str) -> None:
    data = os.urandom(100_000)
    _put(project, bucket, "ranged", data)
    assert _get(project, bucket, "ranged", offset=0, length=1) == data[:1]
    assert _get(project, bucket, "ranged", offset=99_990, length=100) == data[99_990:]
    assert _get(project, bucket, "ranged", offset=5, length=0) == b""
    assert _get(project, bucket, "ranged", offset=200_000, length=10) == b""
    # A negative offset is a suffix: the last -offset bytes (length must be negative).
    assert _get(project, bucket, "ranged", offset=-1, length=-1) == data[-1:]
    assert _get(project, bucket, "ranged", offset=-65_536, length=-1) == data[-65_536:]
    with pytest.raises(StorjException, match="suffix"):
        _get(project, bucket, "ranged", offset=-100, length=10)
    with pytest.raises(TypeError, match="download_options.offset"):
        _get(project, bucket, "ranged", offset="1")

