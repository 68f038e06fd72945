"""Shared access permissions: time windows, max_object_ttl and the extended permission set."""

from __future__ import annotations

import datetime
import time

import pytest

from uplink_python import Access, Permission, Project, SharePrefix, Uplink
from uplink_python._native import _convert
from uplink_python.errors import PermissionDeniedError, StorjException
from uplink_python.module_classes import UploadOptions
from uplink_fixtures import put_object as _put

pytestmark = pytest.mark.usefixtures("leak_check")

UTC = datetime.timezone.utc
EVERYTHING = dict(allow_download=True, allow_upload=True, allow_list=True, allow_delete=True)


def _get(project: Project, bucket: str, key: str) -> bytes:
    with project.download_object(bucket, key) as download:
        return download.readall()


def test_not_after_in_the_past_is_refused(access: Access, project: Project, bucket: str) -> None:
    _put(project, bucket, "k")
    past = int(time.time()) - 60
    with access.share(Permission(**EVERYTHING, not_after=past), [SharePrefix(bucket)]) as shared, \
            shared.open_project() as limited:
        with pytest.raises(PermissionDeniedError):
            _get(limited, bucket, "k")
        with pytest.raises(PermissionDeniedError):
            limited.list_objects(bucket)
        with pytest.raises(PermissionDeniedError):
            _put(limited, bucket, "new")


def test_not_before_in_the_future_is_refused(access: Access, project: Project,
                                             bucket: str) -> None:
    _put(project, bucket, "k")
    future = datetime.datetime.now(UTC) + datetime.timedelta(hours=1)
    with access.share(Permission(**EVERYTHING, not_before=future), [SharePrefix(bucket)]) \
            as shared, shared.open_project() as limited:
        with pytest.raises(PermissionDeniedError):
            _get(limited, bucket, "k")
        with pytest.raises(PermissionDeniedError):
            limited.delete_object(bucket, "k")


def test_open_time_window_is_accepted(access: Access, project: Project, bucket: str) -> None:
    _put(project, bucket, "k", b"in time")
    now = datetime.datetime.now(UTC)
    window = Permission(allow_download=True, not_before=now - datetime.timedelta(minutes=5),
                        not_after=int(time.time()) + 3600)
    with access.share(window, [SharePrefix(bucket)]) as shared, shared.open_project() as limited:
        assert _get(limited, bucket, "k") == b"in time"


def test_max_object_ttl_makes_uploads_expire(uplink: Uplink, access: Access, project: Project,
                                             bucket: str) -> None:
    for ttl, seconds in ((3600, 3600), (datetime.timedelta(minutes=30), 1800)):
        permission = Permission(**EVERYTHING, max_object_ttl=ttl)
        with access.share(permission, [SharePrefix(bucket)]) as shared, \
                uplink.parse_access(shared.serialize()) as reparsed, \
                reparsed.open_project() as limited:
            before = int(time.time())
            _put(limited, bucket, f"ttl-{seconds}", b"short lived")
            after = int(time.time())
            expires = project.stat_object(bucket, f"ttl-{seconds}").system.expires
            assert before + seconds - 1 <= expires <= after + seconds + 1
            # An earlier expiry of the caller's own is kept.
            _put(limited, bucket, f"sooner-{seconds}", b"s",
                 upload_options=UploadOptions(expires=after + 60))
            assert project.stat_object(bucket, f"sooner-{seconds}").system.expires == after + 60
            # A later one goes beyond what the grant allows.
            with pytest.raises(StorjException):
                _put(limited, bucket, f"later-{seconds}", b"l",
                     upload_options=UploadOptions(expires=after + 2 * seconds))
    # Objects uploaded with the full grant do not expire.
    _put(project, bucket, "forever")
    assert project.stat_object(bucket, "forever").system.expires == 0


def test_max_object_ttl_validation(access: Access, bucket: str) -> None:
    for bad in (0, -5, datetime.timedelta(0)):
        with pytest.raises(ValueError, match="max_object_ttl"):
            access.share(Permission(allow_upload=True, max_object_ttl=bad), [SharePrefix(bucket)])
    with pytest.raises(TypeError, match="max_object_ttl"):
        access.share(Permission(max_object_ttl="1h"), [SharePrefix(bucket)])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="allow_put_object_retention"):
        access.share(Permission(allow_put_object_retention="yes"),  # type: ignore[arg-type]
                     [SharePrefix(bucket)])
    # Fractions of a second round up to whole seconds, and such a grant is made.
    for ttl, seconds in ((0.5, 1), (1.2, 2), (3, 3), (datetime.timedelta(milliseconds=1500), 2)):
        struct = _convert.permission_v2_struct(Permission(allow_upload=True, max_object_ttl=ttl))
        assert struct.max_object_ttl_seconds == seconds, ttl
    with access.share(Permission(allow_upload=True, max_object_ttl=0.5), [SharePrefix(bucket)]) \
            as shared:
        assert shared.serialize() != access.serialize()


def test_permission_keeps_the_original_shape() -> None:
    original = Permission(True, False, True, False, 1, 2)
    assert original.get_dict() == {"allow_download": True, "allow_upload": False,
                                   "allow_list": True, "allow_delete": False,
                                   "not_before": 1, "not_after": 2}
    assert repr(original) == ("Permission(allow_download=True, allow_upload=False, "
                              "allow_list=True, allow_delete=False, not_before=1, not_after=2)")
    assert not original.extended and not original.allow_lock


def test_permission_extensions() -> None:
    locking = Permission(allow_lock=True, max_object_ttl=60)
    assert locking.extended and locking.allow_lock
    assert locking.get_dict()["max_object_ttl"] == 60
    assert locking.get_dict()["allow_put_bucket_object_lock_configuration"] is True
    assert "allow_bypass_governance_retention" not in locking.get_dict()
    assert locking != Permission(max_object_ttl=60)
    assert Permission(allow_lock=True) == Permission(
        allow_put_object_retention=True, allow_get_object_retention=True,
        allow_put_object_legal_hold=True, allow_get_object_legal_hold=True,
        allow_put_bucket_object_lock_configuration=True,
        allow_get_bucket_object_lock_configuration=True)
    locking.allow_lock = False
    assert not locking.allow_put_object_retention and locking.extended   # the TTL remains
    one = Permission(allow_get_object_retention=True)
    assert one.extended and not one.allow_lock
    assert Permission(allow_bypass_governance_retention=True).extended
