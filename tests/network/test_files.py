"""Project.open (standard file objects), the Pythonic listing, and the
ResourceWarning of an upload dropped with data."""

from __future__ import annotations

import gc
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import threading
import time
import zipfile
from typing import Any, List

import pytest

from uplink_python import ListObjectsOptions, Project
from uplink_python.errors import (BucketNotFoundError, ClosedError, FailedPreconditionError,
                                  ObjectNotFoundError)
from uplink_python.files import ObjectReader, ObjectWriter
from uplink_python.multipart import MIN_PART_SIZE
from uplink_fixtures import put_object

pytestmark = pytest.mark.usefixtures("leak_check")

MIB = 1024 * 1024


def _spy(project: Project, name: str) -> List[Any]:
    """Records the calls of one Project method (on this instance only), with the
    thread that made each."""
    calls: List[Any] = []
    original = getattr(project, name)

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append((args, kwargs, threading.current_thread().name))
        return original(*args, **kwargs)

    setattr(project, name, spy)
    return calls


def _get(project: Project, bucket: str, key: str) -> bytes:
    with project.download_object(bucket, key) as download:
        return download.readall()


# ---------------------------------------------------------------------------
# reading

def test_read_is_an_io_buffered_reader(project: Project, bucket: str) -> None:
    data = os.urandom(3 * MIB + 17)
    put_object(project, bucket, "data.bin", data)
    with project.open(bucket, "data.bin") as f:
        assert isinstance(f, io.BufferedReader) and isinstance(f, ObjectReader)
        assert f.readable() and f.seekable() and not f.writable()
        assert f.name == f"sj://{bucket}/data.bin" and f.mode == "rb"
        assert f.size == len(data) and f.object.key == "data.bin"
        assert f.read(5) == data[:5] and f.tell() == 5
        buffer = bytearray(100)
        assert f.readinto(buffer) == 100 and buffer == data[5:105]
        assert f.read() == data[105:]
        assert f.read() == b"" and f.read(10) == b""
    assert f.closed
    with pytest.raises(ValueError):
        f.read()


def test_seek_downloads_only_what_is_read(project: Project, bucket: str) -> None:
    data = os.urandom(8 * MIB)
    put_object(project, bucket, "big", data)
    downloads = _spy(project, "download_object")
    with project.open(bucket, "big", buffer_size=64 * 1024) as f:
        assert f.seek(6 * MIB) == 6 * MIB
        assert f.read(10) == data[6 * MIB:6 * MIB + 10]
        assert f.seek(-100, io.SEEK_END) == len(data) - 100
        assert f.read() == data[-100:]
        f.seek(MIB)
        f.seek(10, io.SEEK_CUR)
        assert f.tell() == MIB + 10
        assert f.read(3) == data[MIB + 10:MIB + 13]
        assert f.seek(len(data) + 5) == len(data) + 5 and f.read() == b""
        with pytest.raises(ValueError, match="negative"):
            f.seek(-1)
        with pytest.raises(ValueError, match="whence"):
            f.seek(0, 7)
    # The first download (from 0, opened to learn the size) is dropped at the first
    # seek; each later one starts where the read is and covers only the buffer.
    ranges = [(call[0][2].offset, call[0][2].length) if len(call[0]) > 2 else (0, -1)
              for call in downloads]
    assert ranges == [(0, -1), (6 * MIB, 64 * 1024), (len(data) - 100, -1),
                      (MIB + 10, 64 * 1024)]
    assert all(call[1]["version"] == downloads[0][1].get("version") or call is downloads[0]
               for call in downloads)


def test_sequential_reads_after_a_seek_continue_to_the_end(project: Project,
                                                           bucket: str) -> None:
    data = os.urandom(2 * MIB)
    put_object(project, bucket, "seq", data)
    downloads = _spy(project, "download_object")
    with project.open(bucket, "seq", buffer_size=4096) as f:
        f.seek(1000)
        chunks = []
        while True:
            chunk = f.read(1000)
            if not chunk:
                break
            chunks.append(chunk)
    assert b"".join(chunks) == data[1000:]
    # One bounded range after the seek, then one download to the end: not one per read.
    assert [call[0][2].length for call in downloads[1:]] == [4096, -1]


def test_reads_keep_the_version_that_was_opened(project: Project,
                                                versioned_bucket: str) -> None:
    put_object(project, versioned_bucket, "v", b"first version " * 1000)
    with project.open(versioned_bucket, "v") as f:
        put_object(project, versioned_bucket, "v", b"second version " * 1000)
        f.seek(7000)
        assert f.read(14) == (b"first version " * 1000)[7000:7014]
    with project.open(versioned_bucket, "v") as f:
        assert f.read(15) == b"second version "


def test_a_replaced_object_is_not_mixed_in(project: Project, bucket: str) -> None:
    put_object(project, bucket, "v", b"first version " * 1000)
    with project.open(bucket, "v", buffer_size=4096) as f:
        assert f.read(5) == b"first"
        put_object(project, bucket, "v", b"second version " * 1000)
        f.seek(7000)
        with pytest.raises(FailedPreconditionError, match="replaced"):
            f.read(14)


def test_works_with_the_standard_library(project: Project, bucket: str,
                                         tmp_path: Any) -> None:
    put_object(project, bucket, "doc.json", json.dumps({"a": [1, 2], "b": "ü"}).encode())
    with project.open(bucket, "doc.json") as f:
        assert json.load(f) == {"a": [1, 2], "b": "ü"}
    put_object(project, bucket, "lines.txt", "one\ntwo\nthree ü\n".encode())
    with project.open(bucket, "lines.txt") as f, io.TextIOWrapper(f, encoding="utf-8") as text:
        assert list(text) == ["one\n", "two\n", "three ü\n"]
    with project.open(bucket, "lines.txt") as f:
        assert f.readline() == b"one\n" and f.readlines() == [b"two\n", "three ü\n".encode()]
    with project.open(bucket, "lines.txt") as f, open(tmp_path / "copy", "wb") as out:
        shutil.copyfileobj(f, out)
    assert (tmp_path / "copy").read_bytes() == "one\ntwo\nthree ü\n".encode()

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("inner/a.txt", "alpha" * 1000)
        z.writestr("b.bin", os.urandom(50_000))
    put_object(project, bucket, "archive.zip", archive.getvalue())
    with project.open(bucket, "archive.zip") as f, zipfile.ZipFile(f) as z:
        assert sorted(z.namelist()) == ["b.bin", "inner/a.txt"]
        assert z.read("inner/a.txt") == b"alpha" * 1000
        assert z.testzip() is None

    tarball = io.BytesIO()
    with tarfile.open(fileobj=tarball, mode="w:gz") as t:
        payload = os.urandom(20_000)
        member = tarfile.TarInfo("data/payload")
        member.size = len(payload)
        t.addfile(member, io.BytesIO(payload))
    put_object(project, bucket, "archive.tgz", tarball.getvalue())
    with project.open(bucket, "archive.tgz") as f, tarfile.open(fileobj=f, mode="r:*") as t:
        extracted = t.extractfile("data/payload")
        assert extracted is not None and extracted.read() == payload


def test_open_errors(project: Project, bucket: str) -> None:
    with pytest.raises(ObjectNotFoundError):
        project.open(bucket, "missing")
    for mode in ("r", "w", "ab", "r+b", "rt"):
        with pytest.raises(ValueError, match="mode"):
            project.open(bucket, "k", mode)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="custom_metadata"):
        project.open(bucket, "k", "rb", custom_metadata={"a": "b"})  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="version"):
        project.open(bucket, "k", "wb", version=b"v")  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="part_size"):
        project.open(bucket, "k", "wb", part_size=MIB)
    with pytest.raises(ValueError, match="buffer_size"):
        project.open(bucket, "k", buffer_size=0)
    put_object(project, bucket, "k", b"data")
    f = project.open(bucket, "k")
    f.close()
    for call in (f.read, f.tell, lambda: f.seek(0)):
        with pytest.raises(ValueError):
            call()
    raw = f.raw
    with pytest.raises(ClosedError):
        raw.readinto(bytearray(4))


# ---------------------------------------------------------------------------
# writing

def test_write_commits_on_close(project: Project, bucket: str) -> None:
    with project.open(bucket, "w.txt", "wb") as f:
        assert isinstance(f, io.BufferedIOBase) and isinstance(f, ObjectWriter)
        assert f.writable() and not f.readable() and not f.seekable()
        assert f.write(b"hello ") == 6 and f.write(memoryview(b"world")) == 5
        f.flush()
        assert f.tell() == 11
        with pytest.raises(ObjectNotFoundError):
            project.stat_object(bucket, "w.txt")   # nothing is visible before close
    assert f.closed and f.object is not None and f.object.system.content_length == 11
    assert _get(project, bucket, "w.txt") == b"hello world"
    with pytest.raises(ValueError):
        f.write(b"more")

    with project.open(bucket, "text.txt", "wb") as f, \
            io.TextIOWrapper(f, encoding="utf-8") as text:
        text.write("ü line\n")
    assert _get(project, bucket, "text.txt") == "ü line\n".encode()

    with project.open(bucket, "copied", "wb") as f:
        shutil.copyfileobj(io.BytesIO(b"x" * 300_000), f)
    assert _get(project, bucket, "copied") == b"x" * 300_000

    with project.open(bucket, "empty", "wb"):
        pass
    assert project.stat_object(bucket, "empty").system.content_length == 0


def test_write_aborts_when_the_block_raises(project: Project, bucket: str) -> None:
    for concurrency in (1, 2):
        with pytest.raises(RuntimeError):
            with project.open(bucket, "never", "wb", concurrency=concurrency,
                              part_size=MIN_PART_SIZE) as f:
                f.write(os.urandom(MIN_PART_SIZE + 10))   # one part is out already
                raise RuntimeError("stop")
        assert f.closed
    with pytest.raises(ObjectNotFoundError):
        project.stat_object(bucket, "never")
    assert project.list_uploads(bucket) == []
    f = project.open(bucket, "aborted", "wb")
    f.write(b"data")
    f.abort()
    f.abort()
    f.close()
    with pytest.raises(ObjectNotFoundError):
        project.stat_object(bucket, "aborted")


def test_write_metadata_and_expiry(project: Project, bucket: str) -> None:
    expires = int(time.time()) + 3600
    with project.open(bucket, "meta", "wb", custom_metadata={"kind": "test"},
                      expires=expires) as f:
        f.write(b"x")
    stored = project.stat_object(bucket, "meta")
    assert stored.custom.to_dict() == {"kind": "test"} and stored.system.expires == expires
    with project.open(bucket, "meta1", "wb", concurrency=1,
                      custom_metadata={"one": "1"}) as f:
        f.write(b"y")
    assert project.stat_object(bucket, "meta1").custom.to_dict() == {"one": "1"}


def test_large_writes_go_multipart_in_parallel(project: Project, bucket: str) -> None:
    data = os.urandom(4 * MIN_PART_SIZE + 1234)
    parts = _spy(project, "upload_part")
    with project.open(bucket, "large", "wb", part_size=MIN_PART_SIZE, concurrency=3,
                      custom_metadata={"size": str(len(data))}) as f:
        for offset in range(0, len(data), 777_777):
            f.write(data[offset:offset + 777_777])
    assert [call[0][3] for call in parts] == [1, 2, 3, 4, 5]
    assert all(call[2].startswith("uplink-writer") for call in parts)
    stored = project.stat_object(bucket, "large")
    assert stored.system.content_length == len(data)
    assert stored.custom.to_dict() == {"size": str(len(data))}
    with project.open(bucket, "large") as f:
        assert hashlib.sha256(f.read()).digest() == hashlib.sha256(data).digest()
    assert project.list_uploads(bucket) == []


def test_exclusive_write(project: Project, bucket: str) -> None:
    with project.open(bucket, "once", "xb") as f:
        f.write(b"first")
    second = project.open(bucket, "once", "xb")
    second.write(b"second")
    with pytest.raises(FailedPreconditionError):
        second.close()
    assert second.closed and _get(project, bucket, "once") == b"first"
    for pending in project.list_uploads(bucket):   # Go leaves refused inline uploads
        project.abort_upload(bucket, pending.key, pending.upload_id)


def test_writer_dropped_with_data_warns_and_stores_nothing(project: Project,
                                                           bucket: str) -> None:
    f = project.open(bucket, "dropped", "wb", concurrency=1)
    f.write(b"data")
    with pytest.warns(ResourceWarning, match="neither closed nor aborted"):
        del f
        gc.collect()
    with pytest.raises(ObjectNotFoundError):
        project.stat_object(bucket, "dropped")


def test_writer_on_a_missing_bucket(project: Project, bucket_name: str) -> None:
    f = project.open(bucket_name, "k", "wb")
    f.write(b"data")
    with pytest.raises(BucketNotFoundError):
        f.close()
    assert f.closed


# ---------------------------------------------------------------------------
# listing

KEYS = ["logs/2024-01", "logs/2024-02", "logs/2023-12", "logs/2024-x/y", "other", "logs2/a"]


@pytest.fixture
def listed(project: Project, bucket: str) -> str:
    for key in KEYS:
        put_object(project, bucket, key, key.encode())
    return bucket


def test_listing_gives_sizes_and_times_by_default(project: Project, listed: str) -> None:
    objects = project.list_objects(listed, recursive=True)
    assert sorted(o.key for o in objects) == sorted(KEYS)
    now = time.time()
    for o in objects:
        assert o.system.content_length == len(o.key)
        assert now - 600 < o.system.created <= now + 60
    # The seed's options are obeyed as given: no system metadata unless asked.
    bare = project.list_objects(listed, ListObjectsOptions(recursive=True))
    assert {o.system.content_length for o in bare} == {0}


def test_any_prefix_filters_as_s3_does(project: Project, listed: str) -> None:
    top = {(o.key, o.is_prefix) for o in project.iter_objects(listed, prefix="logs/2024")}
    assert top == {("logs/2024-01", False), ("logs/2024-02", False), ("logs/2024-x/", True)}
    deep = [o.key for o in project.iter_objects(listed, prefix="logs/2024", recursive=True)]
    assert sorted(deep) == ["logs/2024-01", "logs/2024-02", "logs/2024-x/y"]
    assert {o.key for o in project.iter_objects(listed, prefix="log")} == {"logs/", "logs2/"}
    assert project.list_objects(listed, prefix="nothing-here") == []
    with_options = project.list_objects(
        listed, ListObjectsOptions(prefix="logs/2024-0", recursive=True, system=True))
    assert {(o.key, o.system.content_length) for o in with_options} == {
        ("logs/2024-01", 12), ("logs/2024-02", 12)}
    with pytest.raises(TypeError, match="not both"):
        project.list_objects(listed, ListObjectsOptions(), prefix="logs/")


def test_satellite_order_unless_sorted(project: Project, listed: str) -> None:
    listed_order = [o.key for o in project.iter_objects(listed, recursive=True)]
    assert sorted(listed_order) == sorted(KEYS)
    ordered = [o.key for o in project.iter_objects(listed, recursive=True, sort=True)]
    assert ordered == sorted(KEYS)
    assert [o.key for o in project.list_objects(listed, prefix="logs/", sort=True)] == [
        "logs/2023-12", "logs/2024-01", "logs/2024-02", "logs/2024-x/"]
    with pytest.raises(TypeError, match="sort"):
        project.list_objects(listed, sort="yes")  # type: ignore[arg-type]


def test_files_need_no_fsspec() -> None:
    """Project.open is the package's own: it works where fsspec is not installed."""
    code = ("import sys; sys.modules['fsspec'] = None\n"
            "import uplink_python, uplink_python.files, uplink_python.project\n"
            "assert uplink_python.Project.open\n"
            "try:\n    import uplink_python.fs\nexcept ImportError:\n    print('no fsspec')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "no fsspec"
