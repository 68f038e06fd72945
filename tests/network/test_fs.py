"""uplink_python.fs.StorjFileSystem beyond fsspec's abstract suite: the
registration, credentials, errors, server-side copies and moves, bulk
deletes, sign, and the tools that reach storage through fsspec (pandas,
pyarrow, universal-pathlib)."""

from __future__ import annotations

import datetime
import gc
import io
import json
import os
import pickle
import urllib.request
from typing import Any, Dict, Iterator, List

import fsspec
import pandas
import pyarrow.fs
import pyarrow.parquet
import pytest
import upath

from uplink_python import Access, Project, Uplink, _native
from uplink_python.edge import EdgeConfig
from uplink_python.errors import NoAccessError, PermissionDeniedError
from uplink_python.fs import StorjFileSystem
from uplink_fixtures import put_object

pytestmark = pytest.mark.usefixtures("leak_check")

MIB = 1024 * 1024


@pytest.fixture
def sj(testnet: Any, leak_check: None) -> Iterator[StorjFileSystem]:
    """A file system of its own (not fsspec's cached one), closed after the test."""
    fs = StorjFileSystem(access=testnet.access, skip_instance_cache=True,
                         edge=EdgeConfig(testnet.auth_address,
                                         insecure_unencrypted_connection=True),
                         linkshare_url="https://link.example.test")
    yield fs
    fs.close()


@pytest.fixture
def cached_instances(leak_check: None) -> Iterator[None]:
    """Drops fsspec's cached instances after the test, so their handles are freed."""
    yield
    StorjFileSystem.clear_instance_cache()
    gc.collect()


def _spy(project: Any, name: str) -> List[Any]:
    """Records the calls of one method of a (sync or async) project."""
    calls: List[Any] = []
    original = getattr(project, name)

    async def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return await original(*args, **kwargs)

    setattr(project, name, spy)
    return calls


# ---------------------------------------------------------------------------
# registration and credentials

@pytest.mark.usefixtures("cached_instances")
def test_registered_protocols(testnet: Any, bucket: str, project: Project) -> None:
    assert fsspec.get_filesystem_class("sj") is StorjFileSystem
    assert fsspec.get_filesystem_class("storj") is StorjFileSystem
    put_object(project, bucket, "hello.txt", b"hello")
    with fsspec.open(f"sj://{bucket}/hello.txt", "rb", access=testnet.access) as f:
        assert f.read() == b"hello"
    with fsspec.open(f"storj://{bucket}/new.txt", "wt", access=testnet.access) as f:
        f.write("written through fsspec.open")
    fs = fsspec.filesystem("sj", access=testnet.access)
    assert fs is fsspec.filesystem("sj", access=testnet.access)   # fsspec's instance cache
    assert fs.cat(f"sj://{bucket}/new.txt") == b"written through fsspec.open"
    fs.close()


def test_credentials(testnet: Any, access: Access, bucket: str,
                     monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("STORJ_ACCESS", "STORJ_SATELLITE", "STORJ_API_KEY", "STORJ_PASSPHRASE",
                 "UPLINK_ACCESS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("UPLINK_CONFIG_DIR", "/nonexistent-uplink-config")
    with pytest.raises(NoAccessError, match="STORJ_ACCESS"):
        StorjFileSystem(skip_instance_cache=True)
    with pytest.raises(TypeError, match="access"):
        StorjFileSystem(access=42, skip_instance_cache=True)
    # An Access object is used as is (and not closed); fsspec's cache is skipped,
    # since two Access objects print alike.
    first = StorjFileSystem(access=access)
    second = StorjFileSystem(access=access)
    assert first is not second
    first.pipe(f"{bucket}/a", b"through an Access")
    assert second.cat(f"{bucket}/a") == b"through an Access"
    # Pickled (as dask does), the file system carries the grant, not the object.
    clone = pickle.loads(pickle.dumps(first))
    assert clone.cat(f"{bucket}/a") == b"through an Access"
    for fs in (first, second, clone):
        fs.close()
    assert not access.closed
    # The hook for default credentials.
    default_hook = StorjFileSystem.access_discovery
    StorjFileSystem.access_discovery = lambda: testnet.access
    try:
        discovered = StorjFileSystem(skip_instance_cache=True)
        assert discovered.cat(f"{bucket}/a") == b"through an Access"
        discovered.close()
    finally:
        StorjFileSystem.access_discovery = default_hook


def test_default_credentials_come_from_default_access(testnet: Any, bucket: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORJ_ACCESS", testnet.access)
    monkeypatch.setenv("UPLINK_CONFIG_DIR", "/nonexistent-uplink-config")
    fs = fsspec.filesystem("sj", skip_instance_cache=True)
    fs.pipe(f"{bucket}/found", b"by default_access")
    assert fs.cat(f"{bucket}/found") == b"by default_access"
    fs.close()


# ---------------------------------------------------------------------------
# entries

def test_ls_info_find_glob(sj: StorjFileSystem, bucket: str) -> None:
    for key in ["a/b/c.txt", "a/d.txt", "a/e/f/g.csv", "top.txt"]:
        sj.pipe(f"{bucket}/{key}", key.encode())
    assert sj.ls(bucket, detail=False) == [f"{bucket}/a", f"{bucket}/top.txt"]
    assert sj.ls(f"sj://{bucket}/a/", detail=False) == [
        f"{bucket}/a/b", f"{bucket}/a/d.txt", f"{bucket}/a/e"]
    assert sj.ls(f"{bucket}/top.txt", detail=False) == [f"{bucket}/top.txt"]
    assert bucket in sj.ls("", detail=False)
    info = sj.info(f"{bucket}/a/d.txt")
    assert info["type"] == "file" and info["size"] == len("a/d.txt")
    assert isinstance(info["created"], datetime.datetime) and info["mtime"] == info["created"]
    assert sj.info(f"{bucket}/a/e")["type"] == "directory"
    assert sj.info(bucket)["type"] == "directory"
    assert sj.isdir(f"{bucket}/a") and sj.isfile(f"{bucket}/a/d.txt")
    assert not sj.exists(f"{bucket}/a/nothing") and not sj.exists(f"{bucket}/a/d")
    assert sj.find(f"{bucket}/a") == [f"{bucket}/a/b/c.txt", f"{bucket}/a/d.txt",
                                      f"{bucket}/a/e/f/g.csv"]
    assert sj.find(f"{bucket}/a", maxdepth=1) == [f"{bucket}/a/d.txt"]
    assert sj.find(f"{bucket}/a", maxdepth=2, withdirs=True) == [
        f"{bucket}/a", f"{bucket}/a/b", f"{bucket}/a/b/c.txt", f"{bucket}/a/d.txt",
        f"{bucket}/a/e", f"{bucket}/a/e/f"]
    assert sj.find(f"{bucket}/top.txt") == [f"{bucket}/top.txt"]
    assert sj.glob(f"{bucket}/**/*.csv") == [f"{bucket}/a/e/f/g.csv"]
    assert sj.glob(f"{bucket}/a/*.txt") == [f"{bucket}/a/d.txt"]
    assert sj.du(f"{bucket}/a") == sum(len(k) for k in ["a/b/c.txt", "a/d.txt", "a/e/f/g.csv"])
    created = sj.created(f"{bucket}/top.txt")
    assert created.tzinfo is not None and sj.modified(f"{bucket}/top.txt") == created
    for missing in (f"{bucket}/nothing", "no-such-bucket-here/x"):
        with pytest.raises(FileNotFoundError):
            sj.info(missing)
        with pytest.raises(FileNotFoundError):
            sj.ls(missing)


def test_buckets_are_the_directories_to_make(sj: StorjFileSystem, bucket_name: str) -> None:
    with pytest.raises(FileNotFoundError):
        sj.mkdir(f"{bucket_name}/dir", create_parents=False)
    sj.mkdir(bucket_name)
    with pytest.raises(FileExistsError):
        sj.mkdir(bucket_name)
    sj.makedirs(bucket_name, exist_ok=True)
    sj.makedirs(f"{bucket_name}/deeper/still")   # prefixes need no creating
    assert sj.ls(bucket_name) == []
    sj.pipe(f"{bucket_name}/k", b"x")
    with pytest.raises(OSError, match="not empty"):
        sj.rmdir(bucket_name)
    sj.rm(f"{bucket_name}/k")
    sj.rmdir(bucket_name)
    assert not sj.exists(bucket_name)
    with pytest.raises(FileNotFoundError):
        sj.rmdir(bucket_name)


# ---------------------------------------------------------------------------
# bytes

def test_cat_file_ranges(sj: StorjFileSystem, bucket: str) -> None:
    data = bytes(range(256)) * 10
    path = f"{bucket}/range.bin"
    sj.pipe_file(path, data)
    for start, end in [(None, None), (10, 20), (100, None), (-50, None), (5, -5),
                       (-30, -10), (2000, 9999), (3000, None), (20, 10), (0, 0)]:
        assert sj.cat_file(path, start, end) == data[start:end], (start, end)
    assert sj.cat_ranges([path, path], [0, 10], [5, 15]) == [data[0:5], data[10:15]]
    with pytest.raises(FileNotFoundError):
        sj.cat_file(f"{bucket}/missing", 0, 0)
    with pytest.raises(FileNotFoundError):
        sj.cat_file(f"{bucket}/missing")


def test_open_modes(sj: StorjFileSystem, bucket: str) -> None:
    path = f"{bucket}/opened.txt"
    with sj.open(path, "w", encoding="utf-8") as f:
        f.write("line ü\n" * 1000)
    with sj.open(path, "rb") as f:
        assert f.seekable() and f.size == len("line ü\n".encode()) * 1000
        f.seek(-8, io.SEEK_END)
        assert f.read() == "line ü\n".encode()
    with sj.open(path, "r", encoding="utf-8") as f:
        assert f.readline() == "line ü\n"
    with sj.open(f"{bucket}/meta", "wb", custom_metadata={"k": "v"}) as f:
        f.write(b"x")
    assert sj.info(f"{bucket}/meta")["metadata"] == {"k": "v"}
    with pytest.raises(FileExistsError):
        sj.open(path, "xb")
    with pytest.raises(FileNotFoundError):
        sj.open(f"{bucket}/missing", "rb")
    with pytest.raises(IsADirectoryError):
        sj.open(bucket, "rb")
    with pytest.raises(ValueError, match="appended"):
        sj.open(path, "ab")
    with pytest.raises(FileNotFoundError):
        with sj.open("no-such-bucket-here/k", "wb") as f:
            f.write(b"x")


def test_put_and_get_files_in_parallel_parts(testnet: Any, bucket: str, tmp_path: Any) -> None:
    fs = StorjFileSystem(access=testnet.access, skip_instance_cache=True,
                         part_size=5 * MIB, concurrency=3)
    local = tmp_path / "big.bin"
    data = os.urandom(11 * MIB + 3)
    local.write_bytes(data)
    begun = _spy(fs.aproject, "begin_upload")
    progress: List[int] = []

    class Recorder(fsspec.callbacks.Callback):  # type: ignore[misc]
        def relative_update(self, inc: int = 1) -> None:
            progress.append(inc)

    fs.put_file(str(local), f"{bucket}/big.bin", callback=Recorder())
    assert len(begun) == 1 and sum(progress) == len(data)
    fs.get_file(f"{bucket}/big.bin", str(tmp_path / "out" / "copy.bin"))
    assert (tmp_path / "out" / "copy.bin").read_bytes() == data
    fs.put(str(tmp_path / "out"), f"{bucket}/tree", recursive=True)
    assert fs.find(f"{bucket}/tree") == [f"{bucket}/tree/copy.bin"]
    fs.close()


def test_copy_and_move_on_the_network(sj: StorjFileSystem, bucket: str) -> None:
    for key in ["src/a.txt", "src/sub/b.txt"]:
        sj.pipe(f"{bucket}/{key}", key.encode())
    copies = _spy(sj.aproject, "copy_object")
    moves = _spy(sj.aproject, "move_object")
    downloads = _spy(sj.aproject, "get_object")
    sj.cp_file(f"{bucket}/src/a.txt", f"{bucket}/one.txt")
    sj.copy(f"{bucket}/src", f"{bucket}/copy", recursive=True)
    sj.mv(f"{bucket}/copy", f"{bucket}/moved", recursive=True)
    sj.mv(f"{bucket}/one.txt", f"{bucket}/two.txt")
    assert sj.find(bucket) == [f"{bucket}/moved/a.txt", f"{bucket}/moved/sub/b.txt",
                               f"{bucket}/src/a.txt", f"{bucket}/src/sub/b.txt",
                               f"{bucket}/two.txt"]
    assert sj.cat(f"{bucket}/moved/sub/b.txt") == b"src/sub/b.txt"
    # One copy or move per object (the directories fail theirs at once: no objects).
    assert sorted(call[1] for call in copies if "." in call[1]) == [
        "src/a.txt", "src/a.txt", "src/sub/b.txt"]
    assert sorted(call[1] for call in moves if "." in call[1]) == [
        "copy/a.txt", "copy/sub/b.txt", "one.txt"]
    assert len(downloads) == 1   # only the cat above
    with pytest.raises(FileNotFoundError):
        sj.cp_file(f"{bucket}/missing", f"{bucket}/x")
    with pytest.raises(FileNotFoundError):
        sj.mv(f"{bucket}/missing", f"{bucket}/x")


def test_rm_deletes_in_bulk(sj: StorjFileSystem, bucket: str, bucket_name: str) -> None:
    for index in range(30):
        sj.pipe(f"{bucket}/many/{index:02}/file", b"x")
    sj.pipe(f"{bucket}/keep", b"x")
    bulk = _spy(sj.aproject, "delete_objects")
    single = _spy(sj.aproject, "delete_object")
    sj.rm(f"{bucket}/many", recursive=True)
    assert len(bulk) == 1 and len(bulk[0][1]) == 30 and single == []
    assert sj.find(bucket) == [f"{bucket}/keep"]
    sj.rm(f"{bucket}/keep")
    with pytest.raises(FileNotFoundError):
        sj.rm(f"{bucket}/keep")
    with pytest.raises(FileNotFoundError):
        sj.rm_file(f"{bucket}/keep")
    sj.pipe(f"{bucket}/last", b"x")
    sj.rm(bucket, recursive=True)   # a bare bucket goes too
    assert not sj.exists(bucket)


def test_sign_registers_a_read_only_grant_for_one_key(sj: StorjFileSystem, testnet: Any,
                                                      bucket: str) -> None:
    sj.pipe(f"{bucket}/shared/file.txt", b"signed")
    sj.pipe(f"{bucket}/shared/other.txt", b"not shared")
    url = sj.sign(f"sj://{bucket}/shared/file.txt", expiration=600)
    prefix = "https://link.example.test/raw/"
    assert url.startswith(prefix) and url.endswith(f"/{bucket}/shared/file.txt")
    access_key_id = url[len(prefix):].split("/")[0]
    with urllib.request.urlopen(f"http://{testnet.auth_http}/v1/access/{access_key_id}",
                                timeout=30) as response:
        stored: Dict[str, Any] = json.load(response)
    assert stored["public"] is True
    with Uplink().parse_access(stored["access_grant"]) as granted, \
            granted.open_project() as reader:
        with reader.open(bucket, "shared/file.txt") as f:
            assert f.read() == b"signed"
        with pytest.raises(PermissionDeniedError):  # the grant is for the one key
            reader.open(bucket, "shared/other.txt")
    with pytest.raises(FileNotFoundError):
        sj.sign(f"{bucket}/shared/missing")
    unsigned = StorjFileSystem(access=testnet.access, skip_instance_cache=True)
    with pytest.raises(NotImplementedError, match="edge"):
        unsigned.sign(f"{bucket}/shared/file.txt")
    unsigned.close()


def test_no_handles_left_once_closed(testnet: Any) -> None:
    fs = StorjFileSystem(access=testnet.access, skip_instance_cache=True)
    fs.ls("")
    assert _native.handle_count() > 0
    fs.close()
    fs.close()


# ---------------------------------------------------------------------------
# the tools that reach storage through fsspec

@pytest.mark.usefixtures("cached_instances")
def test_pandas_and_pyarrow(testnet: Any, bucket: str) -> None:
    options = {"access": testnet.access}
    frame = pandas.DataFrame({"name": ["a", "b", "ü"], "value": [1.5, 2.5, 3.5]})
    frame.to_csv(f"sj://{bucket}/frame.csv", index=False, storage_options=options)
    assert pandas.read_csv(f"sj://{bucket}/frame.csv", storage_options=options).equals(frame)
    frame.to_parquet(f"sj://{bucket}/frame.parquet", engine="pyarrow",
                     storage_options=options)
    back = pandas.read_parquet(f"sj://{bucket}/frame.parquet", engine="pyarrow",
                               storage_options=options)
    assert back.equals(frame)
    # pyarrow's own file system interface, through fsspec.
    arrow_fs = pyarrow.fs.PyFileSystem(pyarrow.fs.FSSpecHandler(
        fsspec.filesystem("sj", access=testnet.access)))
    table = pyarrow.parquet.read_table(f"{bucket}/frame.parquet", filesystem=arrow_fs)
    assert table.column("name").to_pylist() == ["a", "b", "ü"]
    [entry] = arrow_fs.get_file_info(pyarrow.fs.FileSelector(bucket, recursive=False))[:1]
    assert entry.path.startswith(bucket + "/")


@pytest.mark.usefixtures("cached_instances")
def test_universal_pathlib(testnet: Any, bucket: str) -> None:
    root = upath.UPath(f"sj://{bucket}", access=testnet.access)
    note = root / "notes" / "today.txt"
    note.write_text("remember the milk")
    assert note.read_text() == "remember the milk"
    assert note.exists() and note.is_file() and (root / "notes").is_dir()
    assert note.stat().st_size == len("remember the milk")
    assert [p.name for p in (root / "notes").iterdir()] == ["today.txt"]
    assert [p.name for p in root.glob("**/*.txt")] == ["today.txt"]
    note.unlink()
    assert not note.exists()
