"""Value classes beyond the original API, and the library-free parts of the new modules."""

from __future__ import annotations

import datetime

import pytest

import uplink_python
from uplink_python import errors
from uplink_python.module_classes import (DeleteResult, DeleteStatus, ListObjectVersionsOptions,
                                          ListUploadPartsOptions, ListUploadsOptions, Object,
                                          ObjectLockConfiguration, Retention, RetentionMode,
                                          SystemMetadata, UploadInfo, VersionedObject,
                                          VersioningState)
from uplink_python.transfer import part_ranges


def test_enums_match_the_c_constants() -> None:
    assert [int(m) for m in RetentionMode] == [0, 1, 2]
    assert [int(s) for s in VersioningState] == [0, 1, 2, 3]
    assert DeleteStatus.NOT_FOUND == 2 and DeleteStatus.LOCKED == 4


def test_versioned_object_is_an_object() -> None:
    until = datetime.datetime(2031, 1, 1, tzinfo=datetime.timezone.utc)
    obj = VersionedObject(key="k", system=SystemMetadata(1, 0, 3), version=b"\x01",
                          is_versioned=True, is_latest=True, legal_hold=True,
                          retention=Retention(RetentionMode.GOVERNANCE, until))
    assert isinstance(obj, Object)
    as_dict = obj.get_dict()
    assert as_dict["system"] == {"created": 1, "expires": 0, "content_length": 3}
    assert as_dict["version"] == b"\x01" and as_dict["legal_hold"] is True
    assert as_dict["retention"] == {"mode": RetentionMode.GOVERNANCE, "retain_until": until}
    assert obj != Object(key="k", system=SystemMetadata(1, 0, 3))
    assert VersionedObject().get_dict()["retention"] is None


def test_defaults() -> None:
    assert ListObjectVersionsOptions().get_dict() == {
        "prefix": "", "cursor": "", "version_cursor": None, "recursive": False,
        "system": False, "custom": False}
    assert ListUploadsOptions().get_dict() == {"prefix": "", "cursor": "", "recursive": False,
                                               "system": False, "custom": False}
    assert ListUploadPartsOptions().cursor == 0
    assert UploadInfo().get_dict()["system"] == SystemMetadata().get_dict()
    assert ObjectLockConfiguration() == ObjectLockConfiguration(True, RetentionMode.NONE, 0, 0)
    result = DeleteResult(key="k", status=DeleteStatus.LOCKED)
    assert not result.ok and DeleteResult(key="k").ok


def test_retention_converts_times() -> None:
    naive = datetime.datetime(2030, 6, 1, 12, 0, 0)
    retention = Retention(RetentionMode.COMPLIANCE, naive)
    assert retention.retain_until.tzinfo is datetime.timezone.utc
    assert retention.retain_until.timestamp() == naive.timestamp()
    assert Retention(1, 0).retain_until == datetime.datetime(1970, 1, 1,
                                                             tzinfo=datetime.timezone.utc)


def test_parts_cover_the_file() -> None:
    assert part_ranges(0, 5) == []
    assert part_ranges(5, 5) == [(0, 5)]
    assert part_ranges(11, 5) == [(0, 5), (5, 5), (10, 1)]


def test_error_spellings() -> None:
    assert errors.PreconditionFailedError is errors.FailedPreconditionError
    assert errors.error_class(0x80) is errors.FailedPreconditionError
    assert errors.error_class(0x30) is errors.EdgeAuthDialError
    assert uplink_python.ObjectProtectedError.CODE == 0x81


def test_public_names() -> None:
    for name in uplink_python.__all__:
        assert hasattr(uplink_python, name), name
    with pytest.raises(ValueError):
        RetentionMode(9)
