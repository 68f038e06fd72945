"""StorjFile, the file object of StorjFileSystem.open (an fsspec AbstractBufferedFile):
every cache type and cache chain reads back the stored bytes, writes go out as
multipart parts committed at close or at the end of fs.transaction, and every
error is a builtin OSError."""

from __future__ import annotations

import errno
import gc
import random
from typing import Any, Iterator, List, Tuple

import fsspec
import pytest
from fsspec.caching import caches

from uplink_python import Project
from uplink_python import errors as storj_errors
from uplink_python.fs import StorjFileSystem
from uplink_python.fs_file import StorjFile, file_errors
from uplink_python.module_classes import Permission, SharePrefix
from uplink_fixtures import put_object

pytestmark = pytest.mark.usefixtures("leak_check")

MIB = 1024 * 1024
# "parts" only serves the parts it is given (parquet readers prefetch them): tested apart.
CACHE_TYPES = sorted(name for name in caches if name not in (None, "parts"))


@pytest.fixture
def sj(testnet: Any, leak_check: None) -> Iterator[StorjFileSystem]:
    fs = StorjFileSystem(access=testnet.access, skip_instance_cache=True)
    yield fs
    fs.close()


@pytest.fixture
def stored(project: Project, bucket: str) -> Tuple[str, bytes]:
    """A 3 MiB (and a bit) object of random bytes: its path and its bytes."""
    data = random.Random(20).randbytes(3 * MIB + 12345)
    put_object(project, bucket, "data.bin", data)
    return f"{bucket}/data.bin", data


@pytest.fixture
def fetched(monkeypatch: pytest.MonkeyPatch) -> List[Tuple[int, int]]:
    """The ranges every StorjFile downloads during the test."""
    ranges: List[Tuple[int, int]] = []
    original = StorjFile._fetch_range

    def fetch(self: StorjFile, start: int, end: int) -> bytes:
        ranges.append((start, end))
        return original(self, start, end)

    monkeypatch.setattr(StorjFile, "_fetch_range", fetch)
    return ranges


def _random_reads(file: Any, data: bytes, seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(25):
        start = rng.randrange(0, len(data) + 10)
        length = rng.choice([0, 1, 100, 4096, 70_000, 300_000, 1_000_000])
        file.seek(start)
        assert file.read(length) == data[start:start + length], (start, length)
    file.seek(-17, 2)
    assert file.read() == data[-17:]
    file.seek(0)
    assert file.read() == data


@pytest.mark.parametrize("cache_type", CACHE_TYPES)
def test_every_cache_type_reads_back_equal_bytes(sj: StorjFileSystem,
                                                 stored: Tuple[str, bytes],
                                                 fetched: List[Tuple[int, int]],
                                                 cache_type: str) -> None:
    path, data = stored
    with sj.open(path, "rb", block_size=256 * 1024, cache_type=cache_type) as f:
        assert isinstance(f, StorjFile) and f.size == len(data)
        _random_reads(f, data, seed=len(cache_type))
    assert fetched, "every read was answered without a download"
    if cache_type != "all":   # the others download ranges, not the whole object
        assert any(end - start < len(data) for start, end in fetched), fetched


def test_parts_cache_serves_the_parts_it_is_given(sj: StorjFileSystem,
                                                  stored: Tuple[str, bytes],
                                                  fetched: List[Tuple[int, int]]) -> None:
    path, data = stored
    known = {(0, 1000): data[:1000], (2 * MIB, 2 * MIB + 5000): data[2 * MIB:2 * MIB + 5000]}
    with sj.open(path, "rb", cache_type="parts", cache_options={"data": dict(known)}) as f:
        f.seek(10)
        assert f.read(90) == data[10:100]
        f.seek(2 * MIB + 4000)
        assert f.read(1000) == data[2 * MIB + 4000:2 * MIB + 5000]
    assert fetched == []


def test_block_size_sets_the_ranged_downloads(sj: StorjFileSystem,
                                              stored: Tuple[str, bytes],
                                              fetched: List[Tuple[int, int]]) -> None:
    path, data = stored
    with sj.open(path, "rb", block_size=100_000, cache_type="blockcache") as f:
        f.seek(1_234_567)
        assert f.read(10) == data[1_234_567:1_234_577]
    assert fetched == [(1_200_000, 1_300_000)]


@pytest.mark.parametrize("chain", ["blockcache", "simplecache", "filecache"])
def test_cache_chains(testnet: Any, stored: Tuple[str, bytes], tmp_path: Any,
                      chain: str) -> None:
    path, data = stored
    url = f"{chain}::sj://{path}"
    # Instances of their own, collected after the test, so that their handles are freed.
    options = {chain: {"cache_storage": str(tmp_path), "skip_instance_cache": True},
               "sj": {"access": testnet.access, "skip_instance_cache": True}}
    for _ in range(2):  # the second pass reads from the local cache
        with fsspec.open(url, "rb", **options) as f:
            _random_reads(f, data, seed=3)
    assert any(tmp_path.iterdir())


def test_write_in_parts_committed_at_close(sj: StorjFileSystem, bucket: str) -> None:
    data = random.Random(5).randbytes(11 * MIB + 7)
    path = f"{bucket}/parts.bin"
    with sj.open(path, "wb", block_size=5 * MIB, custom_metadata={"k": "v"}) as f:
        for start in range(0, len(data), 1_000_000):
            f.write(data[start:start + 1_000_000])
        assert f._upload_id is not None and f._parts == 2
        assert not sj.exists(path)   # nothing is visible before the commit
    assert sj.cat_file(path) == data
    assert sj.info(path)["metadata"] == {"k": "v"}
    assert sj.project.list_uploads(bucket) == []


def test_small_file_is_one_upload(sj: StorjFileSystem, bucket: str) -> None:
    path = f"{bucket}/small"
    with sj.open(path, "wb") as f:
        f.write(b"tiny")
        f.write(b"")
    assert f._parts == 0 and sj.cat_file(path) == b"tiny"
    with sj.open(f"{bucket}/empty", "wb"):
        pass
    assert sj.cat_file(f"{bucket}/empty") == b""
    with sj.open(f"{bucket}/new", "xb") as f:
        f.write(b"x")
    with pytest.raises(FileExistsError):
        sj.open(f"{bucket}/new", "xb")


@pytest.mark.parametrize("size", [10, 6 * MIB])
def test_exception_in_with_block_stores_nothing(sj: StorjFileSystem, bucket: str,
                                                size: int) -> None:
    path = f"{bucket}/failed"
    with pytest.raises(RuntimeError, match="boom"):
        with sj.open(path, "wb", block_size=5 * MIB) as f:
            f.write(b"x" * size)
            raise RuntimeError("boom")
    assert f.closed
    assert not sj.exists(path)
    assert sj.project.list_uploads(bucket) == []


def test_discard_and_dropped_files_store_nothing(sj: StorjFileSystem, bucket: str) -> None:
    f = sj.open(f"{bucket}/discarded", "wb", block_size=5 * MIB)
    f.write(b"y" * (6 * MIB))
    f.discard()
    f.discard()
    assert f.closed
    dropped = sj.open(f"{bucket}/dropped", "wb", block_size=5 * MIB)
    dropped.write(b"z" * (6 * MIB))
    with pytest.warns(ResourceWarning, match="neither closed nor discarded"):
        del dropped
        gc.collect()
    assert sj.ls(bucket) == []
    assert sj.project.list_uploads(bucket) == []


def test_transaction_commits_every_file_on_exit(sj: StorjFileSystem, bucket: str) -> None:
    big = random.Random(7).randbytes(6 * MIB)
    with sj.transaction:
        with sj.open(f"{bucket}/a", "wb", block_size=5 * MIB) as f:
            f.write(big)
        with sj.open(f"{bucket}/b", "wb") as f:
            f.write(b"bee")
        left_open = sj.open(f"{bucket}/c", "wb")
        left_open.write(b"sea")
        assert sj.ls(bucket) == []   # nothing before the transaction ends
    assert sj.cat_file(f"{bucket}/a") == big
    assert sj.cat_file(f"{bucket}/b") == b"bee"
    assert sj.cat_file(f"{bucket}/c") == b"sea"
    assert sj.project.list_uploads(bucket) == []
    with sj.open(f"{bucket}/after", "wb") as f:   # back to committing at close
        f.write(b"now")
    assert sj.cat_file(f"{bucket}/after") == b"now"


def test_transaction_aborts_every_file_on_exception(sj: StorjFileSystem, bucket: str) -> None:
    with pytest.raises(KeyError):
        with sj.transaction:
            with sj.open(f"{bucket}/a", "wb", block_size=5 * MIB) as f:
                f.write(b"a" * (6 * MIB))
            with sj.open(f"{bucket}/b", "wb") as f:
                f.write(b"bee")
            raise KeyError("abort")
    assert sj.ls(bucket) == []
    assert sj.project.list_uploads(bucket) == []


def test_append_mode_is_refused(sj: StorjFileSystem, bucket: str) -> None:
    with pytest.raises(ValueError, match="cannot be appended"):
        sj.open(f"{bucket}/x", "ab")
    with pytest.raises(ValueError, match="at least"):
        sj.open(f"{bucket}/x", "wb", block_size=1024)


def test_read_of_a_deleted_object_is_file_not_found(sj: StorjFileSystem,
                                                    stored: Tuple[str, bytes]) -> None:
    path, data = stored
    with sj.open(path, "rb", block_size=100_000, cache_type="bytes") as f:
        assert f.read(10) == data[:10]
        sj.rm_file(path)
        f.seek(2 * MIB)
        with pytest.raises(FileNotFoundError) as caught:
            f.read(10)
    assert isinstance(caught.value.__cause__, storj_errors.StorjException)
    assert not isinstance(caught.value, storj_errors.StorjException)


def test_denied_reads_and_writes_are_permission_errors(access: Any, bucket: str,
                                                       stored: Tuple[str, bytes]) -> None:
    path, data = stored
    with access.share(Permission(allow_download=True, allow_list=True),
                      [SharePrefix(bucket, "")]) as read_only, \
            access.share(Permission(allow_upload=True), [SharePrefix(bucket, "")]) as write_only:
        reader = StorjFileSystem(access=read_only, skip_instance_cache=True)
        writer = StorjFileSystem(access=write_only, skip_instance_cache=True)
        try:
            with pytest.raises(PermissionError):
                with reader.open(f"{bucket}/denied", "wb") as f:
                    f.write(b"no")
            with writer.open(path, "rb", size=len(data)) as f:
                with pytest.raises(PermissionError):
                    f.read(5)
        finally:
            reader.close()
            writer.close()


def test_other_storj_errors_become_oserrors() -> None:
    with pytest.raises(TimeoutError) as timeout:
        with file_errors("b/k"):
            raise storj_errors.StorjTimeoutError("too slow")
    assert timeout.value.errno == errno.ETIMEDOUT and timeout.value.filename == "b/k"
    assert not isinstance(timeout.value, storj_errors.StorjException)
    with pytest.raises(OSError) as other:
        with file_errors("b/k"):
            raise storj_errors.InternalError("broken")
    assert other.value.errno == errno.EIO
    assert isinstance(other.value.__cause__, storj_errors.InternalError)
    with pytest.raises(storj_errors.ClosedError):   # a ValueError, as io raises
        with file_errors("b/k"):
            raise storj_errors.ClosedError("closed")
