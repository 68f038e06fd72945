"""TransferConfig: checked once when made, taken by upload_file, download_file and
open; the part_size/concurrency keywords of before still work and win over it."""

from __future__ import annotations

import dataclasses
import io
import os
from typing import Any, List

import pytest

from uplink_python import Project, TransferConfig
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
