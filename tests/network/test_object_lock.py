"""Object Lock against the local network: bucket configuration, legal hold, retention."""

from __future__ import annotations

import datetime
import time

import pytest

from uplink_python import Access, Permission, Project, SharePrefix
from uplink_python.errors import (BucketAlreadyExistError, BucketNotFoundError,
                                  ObjectLockNotAvailableError,
                                  ObjectNotFoundError, ObjectProtectedError,
                                  PermissionDeniedError)
from uplink_python.module_classes import (DeleteStatus, ObjectLockConfiguration, Retention,
                                          RetentionMode, VersioningState)
from uplink_fixtures import put_object as _put

pytestmark = pytest.mark.usefixtures("leak_check")

UTC = datetime.timezone.utc


def _in(seconds: float) -> datetime.datetime:
    return datetime.datetime.now(UTC).replace(microsecond=0) + datetime.timedelta(seconds=seconds)


def test_create_bucket_with_object_lock(project: Project, bucket_name: str) -> None:
    created = project.create_bucket_with_object_lock(bucket_name)
    assert created.name == bucket_name
    assert project.get_bucket_versioning(bucket_name) == VersioningState.ENABLED
    assert project.get_bucket_object_lock_configuration(bucket_name) == ObjectLockConfiguration(
        enabled=True)
    with pytest.raises(BucketAlreadyExistError):
        project.create_bucket_with_object_lock(bucket_name)


def test_bucket_without_object_lock(project: Project, bucket: str, bucket_name: str) -> None:
    with pytest.raises(ObjectLockNotAvailableError) as info:
        project.get_bucket_object_lock_configuration(bucket)
    assert info.value.code == 0x82
    _put(project, bucket, "k", b"v")
    with pytest.raises(ObjectLockNotAvailableError):
        project.set_object_legal_hold(bucket, "k", True)
    with pytest.raises(ObjectLockNotAvailableError):
        project.get_object_retention(bucket, "k")


def test_lock_configuration_round_trip(project: Project, locked_bucket: str) -> None:
    configuration = ObjectLockConfiguration(True, RetentionMode.GOVERNANCE,
                                            default_retention_days=3)
    project.set_bucket_object_lock_configuration(locked_bucket, configuration)
    assert project.get_bucket_object_lock_configuration(locked_bucket) == configuration
    yearly = ObjectLockConfiguration(True, RetentionMode.COMPLIANCE, default_retention_years=1)
    project.set_bucket_object_lock_configuration(locked_bucket, yearly)
    stored = project.get_bucket_object_lock_configuration(locked_bucket)
    assert stored.default_retention_mode is RetentionMode.COMPLIANCE
    assert stored.default_retention_years == 1
    project.set_bucket_object_lock_configuration(locked_bucket, ObjectLockConfiguration(True))
    assert project.get_bucket_object_lock_configuration(
        locked_bucket).default_retention_mode == RetentionMode.NONE
    with pytest.raises(ObjectLockNotAvailableError, match="configuration is invalid"):  # days and years
        project.set_bucket_object_lock_configuration(locked_bucket, ObjectLockConfiguration(
            True, RetentionMode.GOVERNANCE, default_retention_days=1, default_retention_years=1))
    with pytest.raises(TypeError, match="configuration"):
        project.set_bucket_object_lock_configuration(locked_bucket, {"enabled": True})  # type: ignore[arg-type]


def test_default_retention_applies_to_new_objects(project: Project, locked_bucket: str) -> None:
    project.set_bucket_object_lock_configuration(
        locked_bucket, ObjectLockConfiguration(True, RetentionMode.GOVERNANCE, 1))
    version = _put(project, locked_bucket, "defaulted", b"d").version
    retention = project.get_object_retention(locked_bucket, "defaulted", version=version)
    assert retention is not None and retention.mode == RetentionMode.GOVERNANCE
    assert _in(23 * 3600) < retention.retain_until <= _in(24 * 3600 + 60)


def test_legal_hold_blocks_deletion(project: Project, locked_bucket: str) -> None:
    bucket = locked_bucket
    held = _put(project, bucket, "held", b"keep me")
    assert project.get_object_legal_hold(bucket, "held") is False
    project.set_object_legal_hold(bucket, "held", True, version=held.version)
    assert project.get_object_legal_hold(bucket, "held", version=held.version) is True
    assert project.stat_object_version(bucket, "held", held.version).legal_hold is True

    with pytest.raises(ObjectProtectedError) as info:
        project.delete_object_version(bucket, "held", held.version)
    assert info.value.code == 0x81
    with pytest.raises(ObjectProtectedError):   # a hold is not governance: no bypass
        project.delete_object_version(bucket, "held", held.version,
                                      bypass_governance_retention=True)
    result = project.delete_objects(bucket, [("held", held.version)])
    assert result[0].status == DeleteStatus.LOCKED and not result[0].ok

    project.set_object_legal_hold(bucket, "held", False, version=held.version)
    deleted = project.delete_object_version(bucket, "held", held.version)
    assert deleted is not None and deleted.version == held.version


def test_governance_retention_blocks_delete_unless_bypassed(project: Project,
                                                            locked_bucket: str) -> None:
    bucket = locked_bucket
    version = _put(project, bucket, "governed", b"g").version
    assert project.get_object_retention(bucket, "governed", version=version) is None
    until = _in(3600)
    project.set_object_retention(bucket, "governed", Retention(RetentionMode.GOVERNANCE, until),
                                 version=version)
    retention = project.get_object_retention(bucket, "governed", version=version)
    assert retention == Retention(RetentionMode.GOVERNANCE, until)
    assert project.stat_object_version(bucket, "governed", version).retention == retention

    with pytest.raises(ObjectProtectedError):
        project.delete_object_version(bucket, "governed", version)
    assert project.delete_objects(bucket, [("governed", version)])[0].status == DeleteStatus.LOCKED
    # Shortening governance retention needs the bypass too.
    with pytest.raises(ObjectProtectedError):
        project.set_object_retention(bucket, "governed",
                                     Retention(RetentionMode.GOVERNANCE, _in(60)),
                                     version=version)
    results = project.delete_objects(bucket, [("governed", version)],
                                     bypass_governance_retention=True)
    assert results[0].ok and results[0].removed_version == version


def test_governance_retention_can_be_removed_with_bypass(project: Project,
                                                         locked_bucket: str) -> None:
    version = _put(project, locked_bucket, "k", b"k",
                   retention=Retention(RetentionMode.GOVERNANCE, _in(3600))).version
    project.set_object_retention(locked_bucket, "k", None, version=version,
                                 bypass_governance_retention=True)
    assert project.get_object_retention(locked_bucket, "k", version=version) is None
    assert project.delete_object_version(locked_bucket, "k", version) is not None


def test_compliance_retention_cannot_be_bypassed(project: Project, locked_bucket: str) -> None:
    bucket = locked_bucket
    until = _in(4)
    version = _put(project, bucket, "c", b"c",
                   retention=Retention(RetentionMode.COMPLIANCE, until)).version
    assert project.get_object_retention(bucket, "c", version=version) == Retention(
        RetentionMode.COMPLIANCE, until)
    with pytest.raises(ObjectProtectedError):
        project.delete_object_version(bucket, "c", version, bypass_governance_retention=True)
    with pytest.raises(ObjectProtectedError):
        project.set_object_retention(bucket, "c", None, version=version,
                                     bypass_governance_retention=True)
    # Once the date has passed, the version can go.
    time.sleep(max(0.0, (until - datetime.datetime.now(UTC)).total_seconds()) + 1.5)
    assert project.delete_object_version(bucket, "c", version) is not None


def test_upload_with_retention_and_legal_hold(project: Project, locked_bucket: str) -> None:
    until = _in(3600)
    uploaded = _put(project, locked_bucket, "both", b"b",
                    retention=Retention(RetentionMode.GOVERNANCE, int(until.timestamp())),
                    legal_hold=True)
    stat = project.stat_object_version(locked_bucket, "both", uploaded.version)
    assert stat.legal_hold is True
    assert stat.retention == Retention(RetentionMode.GOVERNANCE, until)


def test_lock_options_need_an_object_lock_bucket(project: Project, bucket: str) -> None:
    with pytest.raises(ObjectLockNotAvailableError):
        _put(project, bucket, "k", b"k", legal_hold=True)
    with pytest.raises(TypeError, match="retention"):
        project.upload_object(bucket, "k", retention=("GOVERNANCE", 0))  # type: ignore[arg-type]


def test_lock_permissions_of_a_shared_access(access: Access, project: Project,
                                             locked_bucket: str) -> None:
    version = _put(project, locked_bucket, "k", b"k").version
    basic = Permission(allow_download=True, allow_upload=True, allow_list=True, allow_delete=True)
    with access.share(basic, [SharePrefix(locked_bucket)]) as shared, \
            shared.open_project() as limited:
        with pytest.raises(PermissionDeniedError):
            limited.get_object_legal_hold(locked_bucket, "k")
        with pytest.raises(PermissionDeniedError):
            limited.get_bucket_object_lock_configuration(locked_bucket)

    locking = Permission(allow_download=True, allow_upload=True, allow_list=True,
                         allow_delete=True, allow_lock=True)
    assert locking.allow_lock and locking.allow_put_object_legal_hold
    with access.share(locking, [SharePrefix(locked_bucket)]) as shared, \
            shared.open_project() as limited:
        limited.set_object_retention(locked_bucket, "k",
                                     Retention(RetentionMode.GOVERNANCE, _in(3600)),
                                     version=version)
        assert limited.get_object_retention(locked_bucket, "k", version=version) is not None
        limited.set_object_legal_hold(locked_bucket, "k", True, version=version)
        assert limited.get_object_legal_hold(locked_bucket, "k", version=version)
        assert limited.get_bucket_object_lock_configuration(locked_bucket).enabled
        limited.set_object_legal_hold(locked_bucket, "k", False, version=version)
        # allow_lock does not include bypassing governance retention.
        with pytest.raises(PermissionDeniedError):
            limited.delete_object_version(locked_bucket, "k", version,
                                          bypass_governance_retention=True)

    bypass = Permission(allow_delete=True, allow_bypass_governance_retention=True)
    with access.share(bypass, [SharePrefix(locked_bucket)]) as shared, \
            shared.open_project() as limited:
        # Without download or list permission the deleted version is not described.
        assert limited.delete_object_version(locked_bucket, "k", version,
                                             bypass_governance_retention=True) is None
    with pytest.raises(ObjectNotFoundError):
        project.stat_object_version(locked_bucket, "k", version)

    only_holds = Permission(allow_get_object_legal_hold=True)
    assert not only_holds.allow_lock
    _put(project, locked_bucket, "h", b"h")
    with access.share(only_holds, [SharePrefix(locked_bucket)]) as shared, \
            shared.open_project() as limited:
        assert limited.get_object_legal_hold(locked_bucket, "h") is False
        with pytest.raises(PermissionDeniedError):
            limited.set_object_legal_hold(locked_bucket, "h", True)


def test_retention_value_class() -> None:
    moment = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    retention = Retention(RetentionMode.GOVERNANCE, moment)
    assert retention == Retention(2, int(moment.timestamp()))
    assert retention.get_dict() == {"mode": RetentionMode.GOVERNANCE, "retain_until": moment}
    assert "GOVERNANCE" in repr(retention)
    with pytest.raises(ValueError):
        Retention(7, moment)
    with pytest.raises(TypeError, match="retain_until"):
        Retention(RetentionMode.COMPLIANCE, "tomorrow")  # type: ignore[arg-type]


def test_delete_bucket_with_objects_bypassing_governance(project: Project,
                                                         bucket_name: str) -> None:
    project.create_bucket_with_object_lock(bucket_name)
    _put(project, bucket_name, "governed", b"g",
         retention=Retention(RetentionMode.GOVERNANCE, _in(3600)))
    with pytest.raises(PermissionDeniedError):
        project.delete_bucket_with_objects(bucket_name)
    assert project.stat_object(bucket_name, "governed").system.content_length == 1
    deleted = project.delete_bucket_with_objects(bucket_name, bypass_governance_retention=True)
    assert deleted.name == bucket_name
    with pytest.raises(BucketNotFoundError):
        project.stat_bucket(bucket_name)
    with pytest.raises(TypeError):
        project.delete_bucket_with_objects(bucket_name, bypass_governance_retention=1)
