"""Project.upload_file / download_file: serial and parallel, progress, failures."""

from __future__ import annotations

import hashlib
import io
import os
import threading
from typing import Any, Callable, List, Tuple

import pytest

from uplink_python import Project
from uplink_python.errors import ObjectNotFoundError
from uplink_python.module_classes import ListUploadsOptions, UploadOptions, VersionedObject
from uplink_python.multipart import MIN_PART_SIZE

pytestmark = pytest.mark.usefixtures("leak_check")

MIB = 1024 * 1024
SIZE = 20 * MIB + 12345        # four full 5 MiB parts and a short fifth one


class Recorder:
    """A progress callback that records the deltas and the threads they came from."""

    def __init__(self) -> None:
        self.deltas: List[int] = []
        self.threads: set = set()

    def __call__(self, delta: int) -> None:
        self.deltas.append(delta)
        self.threads.add(threading.current_thread().name)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Tuple[str, str]:
    """A local file of SIZE random bytes and its sha256."""
    path = tmp_path_factory.mktemp("files") / "source.bin"
    digest = hashlib.sha256()
    with open(path, "wb") as handle:
        remaining = SIZE
        while remaining:
            chunk = os.urandom(min(MIB, remaining))
            digest.update(chunk)
            handle.write(chunk)
            remaining -= len(chunk)
    return str(path), digest.hexdigest()


def _sha256_file(path: Any) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(MIB), b""):
            digest.update(block)
    return digest.hexdigest()


def _spy(project: Project, name: str) -> List[Any]:
    """Records the calls of one Project method (on this instance only)."""
    calls: List[Any] = []
    original: Callable[..., Any] = getattr(project, name)

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return original(*args, **kwargs)

    setattr(project, name, spy)
    return calls


def test_serial_round_trip(project: Project, bucket: str, source: Tuple[str, str],
                           tmp_path: Any) -> None:
    path, digest = source
    began = _spy(project, "begin_upload")
    sent = Recorder()
    stored = project.upload_file(bucket, "serial.bin", path, progress=sent, concurrency=1,
                                 custom_metadata={"origin": "test"},
                                 upload_options=UploadOptions(expires=2_000_000_000))
    assert began == [] and stored.system.content_length == SIZE
    assert sum(sent.deltas) == SIZE and all(d > 0 for d in sent.deltas)
    stat = project.stat_object(bucket, "serial.bin")
    assert stat.custom.to_dict() == {"origin": "test"}
    assert stat.system.expires == 2_000_000_000

    received = Recorder()
    target = tmp_path / "serial.out"
    info = project.download_file(bucket, "serial.bin", target, progress=received,
                                 concurrency=1)
    assert info.system.content_length == SIZE
    assert sum(received.deltas) == SIZE
    assert _sha256_file(target) == digest
    assert os.listdir(tmp_path) == ["serial.out"]   # no temporary file left behind
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(target).st_mode & 0o777 == 0o666 & ~umask   # as open() makes files


def test_parallel_round_trip(project: Project, bucket: str, source: Tuple[str, str],
                             tmp_path: Any) -> None:
    path, digest = source
    parts = _spy(project, "upload_part")
    sent = Recorder()
    stored = project.upload_file(bucket, "parallel.bin", path, progress=sent,
                                 part_size=MIN_PART_SIZE, concurrency=3,
                                 custom_metadata={"parts": "5"})
    assert stored.system.content_length == SIZE
    assert sorted(call[3] for call in parts) == [1, 2, 3, 4, 5]
    assert sum(sent.deltas) == SIZE
    assert all(name.startswith("uplink-transfer") for name in sent.threads)
    assert project.stat_object(bucket, "parallel.bin").custom.to_dict() == {"parts": "5"}
    assert project.list_uploads(bucket, ListUploadsOptions(recursive=True)) == []

    ranges = _spy(project, "download_object")
    received = Recorder()
    target = tmp_path / "parallel.out"
    info = project.download_file(bucket, "parallel.bin", str(target), progress=received,
                                 part_size=MIN_PART_SIZE, concurrency=3)
    assert isinstance(info, VersionedObject) and info.system.content_length == SIZE
    assert sorted(call[2].offset for call in ranges) == [n * MIN_PART_SIZE for n in range(5)]
    assert sum(received.deltas) == SIZE and len(received.threads) >= 2
    assert _sha256_file(target) == digest


def test_file_objects_from_their_current_position(project: Project, bucket: str) -> None:
    data = os.urandom(11 * MIB)
    for concurrency in (1, 2):
        key = f"stream-{concurrency}"
        source = io.BytesIO(b"skip" + data)
        source.seek(4)
        project.upload_file(bucket, key, source, part_size=MIN_PART_SIZE,
                            concurrency=concurrency)
        assert source.tell() == 4 + len(data)
        target = io.BytesIO()
        target.write(b"header")
        project.download_file(bucket, key, target, part_size=4 * MIB, concurrency=concurrency)
        assert target.tell() == 6 + len(data)
        assert target.getvalue() == b"header" + data


def test_unseekable_files_go_serially(project: Project, bucket: str) -> None:
    data = os.urandom(6 * MIB)

    class Pipe:
        """A readable, not seekable source (no readinto either)."""

        def __init__(self) -> None:
            self.stream = io.BytesIO(data)

        def read(self, size: int) -> bytes:
            return self.stream.read(size)

    class Sink:
        """A writable, not seekable target."""

        def __init__(self) -> None:
            self.chunks: List[bytes] = []

        def write(self, chunk: Any) -> int:
            self.chunks.append(bytes(chunk))
            return len(chunk)

    began = _spy(project, "begin_upload")
    project.upload_file(bucket, "piped", Pipe(), part_size=MIN_PART_SIZE, concurrency=4)
    assert began == []
    sink = Sink()
    project.download_file(bucket, "piped", sink, part_size=MIB, concurrency=4)
    assert b"".join(sink.chunks) == data


def test_small_files_and_empty_files(project: Project, bucket: str, tmp_path: Any) -> None:
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    sent = Recorder()
    assert project.upload_file(bucket, "empty", empty, progress=sent).system.content_length == 0
    assert sent.deltas == []
    target = tmp_path / "empty.out"
    project.download_file(bucket, "empty", target)
    assert target.read_bytes() == b""


def test_parallel_download_of_one_version(project: Project, versioned_bucket: str) -> None:
    old, new = os.urandom(7 * MIB), os.urandom(7 * MIB)
    project.upload_file(versioned_bucket, "k", io.BytesIO(old))
    version = project.stat_object_version(versioned_bucket, "k").version
    project.upload_file(versioned_bucket, "k", io.BytesIO(new))
    target = io.BytesIO()
    info = project.download_file(versioned_bucket, "k", target, part_size=2 * MIB,
                                 concurrency=3, version=version)
    assert info.version == version and target.getvalue() == old


def test_failed_parallel_upload_is_aborted(project: Project, bucket: str,
                                          source: Tuple[str, str]) -> None:
    path, _ = source
    calls = []

    def failing(delta: int) -> None:
        calls.append(delta)
        if sum(calls) > 6 * MIB:
            raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        project.upload_file(bucket, "failed.bin", path, progress=failing,
                            part_size=MIN_PART_SIZE, concurrency=3)
    with pytest.raises(ObjectNotFoundError):
        project.stat_object(bucket, "failed.bin")
    assert project.list_uploads(bucket, ListUploadsOptions(recursive=True)) == []


def test_failed_download_leaves_the_target_alone(project: Project, bucket: str,
                                                 tmp_path: Any) -> None:
    target = tmp_path / "existing.txt"
    target.write_bytes(b"precious")
    with pytest.raises(ObjectNotFoundError):
        project.download_file(bucket, "missing", target)
    with pytest.raises(ObjectNotFoundError):
        project.download_file(bucket, "missing", target, concurrency=3)
    project.upload_file(bucket, "seven", io.BytesIO(os.urandom(7 * MIB)))

    def failing(delta: int) -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        project.download_file(bucket, "seven", target, progress=failing, part_size=MIB,
                              concurrency=3)
    assert target.read_bytes() == b"precious"
    assert sorted(os.listdir(tmp_path)) == ["existing.txt"]


def test_transfer_argument_checks(project: Project, bucket: str, tmp_path: Any) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"f")
    with pytest.raises(ValueError, match="part_size"):
        project.upload_file(bucket, "k", path, part_size=MIB)
    with pytest.raises(ValueError, match="concurrency"):
        project.upload_file(bucket, "k", path, concurrency=0)
    with pytest.raises(TypeError, match="concurrency"):
        project.download_file(bucket, "k", path, concurrency=2.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="progress"):
        project.upload_file(bucket, "k", path, progress="print")  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError):
        project.upload_file(bucket, "k", tmp_path / "absent")
    with pytest.raises(TypeError):
        project.upload_file(bucket, "k", io.StringIO("text"))
    assert project.list_objects(bucket) == []
