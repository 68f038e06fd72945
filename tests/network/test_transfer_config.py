"""TransferConfig: checked once when made, taken by upload_file, download_file,
open, the fs (StorjFileSystem, StorjFile) and the CLI (--part-size, --parallelism);
the part_size/concurrency keywords of before still work and win over it."""

from __future__ import annotations

import dataclasses
import io
import os
import pickle
from typing import Any, List

import fsspec
import pytest

from uplink_python import Project, TransferConfig
from uplink_python.cli import main
from uplink_python.fs import StorjFileSystem
from uplink_python.multipart import MIN_PART_SIZE

MIB = 1024 * 1024


def test_defaults_and_the_memory_they_imply() -> None:
    config = TransferConfig()
    assert (config.part_size, config.concurrency) == (64 * MIB, 4)
    assert config.file_memory == 4 * MIB
    assert config.writer_memory == 256 * MIB
    assert TransferConfig(part_size=8 * MIB, concurrency=3).writer_memory == 24 * MIB


@pytest.mark.parametrize("fields, error, what", [
    ({"part_size": 0}, ValueError, "part_size"),
    ({"part_size": True}, TypeError, "part_size"),
    ({"part_size": 5.0}, TypeError, "part_size"),
    ({"concurrency": 0}, ValueError, "concurrency"),
    ({"concurrency": "4"}, TypeError, "concurrency"),
])
def test_bad_fields_fail_when_made(fields: Any, error: type, what: str) -> None:
    with pytest.raises(error, match=what):
        TransferConfig(**fields)


def test_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        TransferConfig().part_size = 1  # type: ignore[misc]


def test_keywords_replace_the_config_fields() -> None:
    base = TransferConfig(part_size=8 * MIB, concurrency=2)
    assert TransferConfig.of(None) == TransferConfig()
    assert TransferConfig.of(base) is base
    assert TransferConfig.of(base, concurrency=5) == TransferConfig(8 * MIB, 5)
    assert TransferConfig.of(None, part_size=6 * MIB) == TransferConfig(6 * MIB, 4)
    with pytest.raises(TypeError, match="transfer_config must be a TransferConfig"):
        TransferConfig.of({"part_size": MIB})  # type: ignore[arg-type]


def test_uploads_need_parts_of_5_mib() -> None:
    small = TransferConfig(part_size=MIB)
    with pytest.raises(ValueError, match="part_size must be at least 5242880"):
        small.for_upload()
    assert TransferConfig(part_size=MIN_PART_SIZE).for_upload().part_size == MIN_PART_SIZE


def _spy(project: Project, name: str) -> List[Any]:
    calls: List[Any] = []
    real = getattr(project, name)

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append((args, kwargs))
        return real(*args, **kwargs)
    setattr(project, name, spy)
    return calls


def test_calls_take_a_transfer_config(project: Project, bucket: str) -> None:
    data = os.urandom(11 * MIB)
    config = TransferConfig(part_size=MIN_PART_SIZE, concurrency=2)
    parts = _spy(project, "upload_part")
    project.upload_file(bucket, "k", io.BytesIO(data), transfer_config=config)
    assert sorted(args[3] for args, _ in parts) == [1, 2, 3]

    ranges = _spy(project, "download_object")
    target = io.BytesIO()
    project.download_file(bucket, "k", target, transfer_config=TransferConfig(4 * MIB, 2))
    assert target.getvalue() == data
    assert sorted(args[2].offset for args, _ in ranges) == [0, 4 * MIB, 8 * MIB]

    with project.open(bucket, "w", "wb", transfer_config=config) as writer:
        writer.write(data)
    assert len(parts) == 6
    with project.open(bucket, "w") as reader:
        assert reader.read() == data

    with pytest.raises(ValueError, match="part_size"):
        project.upload_file(bucket, "k", io.BytesIO(data),
                            transfer_config=TransferConfig(part_size=MIB))
    with pytest.raises(ValueError, match="part_size"):
        project.open(bucket, "k", "wb", transfer_config=config, part_size=MIB)
    with pytest.raises(TypeError, match="transfer_config"):
        project.open(bucket, "k", transfer_config=config)  # type: ignore[call-overload]


def _async_spy(project: Any, name: str) -> List[Any]:
    calls: List[Any] = []
    real = getattr(project, name)

    async def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append((args, kwargs))
        return await real(*args, **kwargs)
    setattr(project, name, spy)
    return calls


@pytest.mark.usefixtures("leak_check")
def test_the_fs_takes_a_transfer_config(testnet: Any, bucket: str, tmp_path: Any) -> None:
    config = TransferConfig(part_size=6 * MIB, concurrency=2)
    # As a storage option, the way fsspec.open and pandas pass it on.
    fs = fsspec.filesystem("sj", access=testnet.access, transfer_config=config,
                           skip_instance_cache=True)
    try:
        assert fs.transfer_config is config
        data = os.urandom(11 * MIB)
        local = tmp_path / "big.bin"
        local.write_bytes(data)

        parts = _async_spy(fs.aproject, "upload_part")
        fs.put_file(str(local), f"{bucket}/put")
        assert sorted(args[3] for args, _ in parts) == [1, 2]

        ranges = _async_spy(fs.aproject, "download_object")
        fs.get_file(f"{bucket}/put", str(tmp_path / "back.bin"))
        assert (tmp_path / "back.bin").read_bytes() == data
        assert sorted(args[2].offset for args, _ in ranges) == [0, 6 * MIB]

        # StorjFile's write buffer (its part size) is the config's part_size.
        written = _spy(fs.project, "upload_part")
        with fs.open(f"{bucket}/open", "wb") as stream:
            assert stream.blocksize == 6 * MIB
            for start in range(0, len(data), MIB):
                stream.write(data[start:start + MIB])
        assert sorted(args[3] for args, _ in written) == [1, 2]
        assert fs.cat_file(f"{bucket}/open") == data
        with fs.open(f"{bucket}/open", "wb", block_size=MIN_PART_SIZE) as stream:
            assert stream.blocksize == MIN_PART_SIZE

        # The keywords replace the config's fields; a pickled fs keeps the config.
        again = pickle.loads(pickle.dumps(fs))
        try:
            assert again.transfer_config == config
        finally:
            again.close()
    finally:
        fs.close()
    other = StorjFileSystem(access=testnet.access, skip_instance_cache=True,
                            transfer_config=config, concurrency=1)
    try:
        assert other.transfer_config == TransferConfig(6 * MIB, 1)
    finally:
        other.close()


@pytest.mark.usefixtures("leak_check")
def test_the_fs_refuses_a_bad_config_when_made(testnet: Any) -> None:
    def make(**options: Any) -> None:
        StorjFileSystem(access=testnet.access, skip_instance_cache=True, **options).close()

    with pytest.raises(ValueError, match="part_size must be at least 5242880"):
        make(transfer_config=TransferConfig(part_size=MIB))
    with pytest.raises(ValueError, match="part_size must be at least 5242880"):
        make(part_size=MIB)
    with pytest.raises(ValueError, match="concurrency"):
        make(concurrency=0)
    with pytest.raises(TypeError, match="transfer_config must be a TransferConfig"):
        make(transfer_config={"part_size": MIN_PART_SIZE})


def test_the_cli_builds_one_config_from_its_flags(testnet: Any, project: Project, bucket: str,
                                                  tmp_path: Any, monkeypatch: Any,
                                                  capsys: Any) -> None:
    monkeypatch.setenv("UPLINK_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("STORJ_ACCESS", testnet.access)
    data = os.urandom(11 * MIB)
    local = tmp_path / "big.bin"
    local.write_bytes(data)
    parts: List[Any] = []
    ranges: List[Any] = []
    real_part, real_download = Project.upload_part, Project.download_object

    def upload_part(self: Project, *args: Any, **kwargs: Any) -> Any:
        parts.append(args)
        return real_part(self, *args, **kwargs)

    def download_object(self: Project, *args: Any, **kwargs: Any) -> Any:
        ranges.append(args)
        return real_download(self, *args, **kwargs)

    monkeypatch.setattr(Project, "upload_part", upload_part)
    monkeypatch.setattr(Project, "download_object", download_object)
    flags = ["--part-size", str(MIN_PART_SIZE), "--parallelism", "2", "--no-progress"]
    assert main(["cp", str(local), f"sj://{bucket}/k", *flags]) == 0
    assert sorted(args[3] for args in parts) == [1, 2, 3]
    assert main(["cp", f"sj://{bucket}/k", str(tmp_path / "back.bin"), *flags]) == 0
    assert (tmp_path / "back.bin").read_bytes() == data
    assert sorted(args[2].offset for args in ranges) == [0, 5 * MIB, 10 * MIB]

    # Too small a part for an upload: refused before anything is sent, as a usage error.
    parts.clear()
    with pytest.raises(SystemExit) as exit_info:
        main(["cp", str(local), f"sj://{bucket}/small", "--part-size", str(MIB),
              "--no-progress"])
    assert exit_info.value.code == 2
    assert "part_size must be at least 5242880" in capsys.readouterr().err
    assert parts == []
    assert [item.key for item in project.list_objects(bucket)] == ["k"]
    # A download takes parts of any size.
    assert main(["cp", f"sj://{bucket}/k", str(tmp_path / "again.bin"),
                 "--part-size", str(MIB), "--parallelism", "3", "--no-progress"]) == 0
    assert (tmp_path / "again.bin").read_bytes() == data
