"""The time window of a shared grant: Access.not_before/not_after read from the
grant, and a refusal under a grant out of its window says so (library and CLI)."""

from __future__ import annotations

import datetime
import pickle
import time
from typing import Any

import pytest

from uplink_python import Access, Permission, Project, Uplink
from uplink_python.errors import ClosedError, PermissionDeniedError
from uplink_python.module_classes import ListObjectsOptions
from uplink_fixtures import put_object
from test_cli import Cli, cli, cli_bucket  # noqa: F401  (fixtures)

pytestmark = pytest.mark.usefixtures("leak_check")

UTC = datetime.timezone.utc
# How long a share stays valid in the expiry tests: long enough for the calls
# made before it expires, even on a loaded machine.
VALID_FOR = 10
# Generous ceiling on waiting for the expiry (the wait itself is VALID_FOR + 1 s).
WAIT_CEILING = 120


def _utc(seconds: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(seconds, UTC)


def _moment(seconds: int) -> str:
    return _utc(seconds).strftime("%Y-%m-%d %H:%M:%S UTC")


def _wait_past(seconds: int) -> None:
    """Returns once the clock (the satellite's: the same machine) is past ``seconds``."""
    deadline = time.monotonic() + WAIT_CEILING
    while time.time() <= seconds + 1:
        assert time.monotonic() < deadline, "the clock did not pass the share's not_after"
        time.sleep(0.2)


def _all_permissions(**bounds: int) -> Permission:
    return Permission(allow_download=True, allow_upload=True, allow_list=True,
                      allow_delete=True, **bounds)


def test_grant_without_time_bounds_has_none(access: Access) -> None:
    assert access.not_before is None
    assert access.not_after is None
    with access.share(_all_permissions()) as shared:
        assert shared.not_before is None and shared.not_after is None


def test_time_bounds_of_nested_shares(access: Access) -> None:
    base = int(time.time()) + 3600
    with access.share(_all_permissions(not_before=base, not_after=base + 600)) as first:
        assert first.not_before == _utc(base)
        assert first.not_after == _utc(base + 600)
        assert first.not_after.tzinfo is not None
        # The window narrows: the latest not_before, the earliest not_after.
        with first.share(_all_permissions(not_before=base + 5, not_after=base + 900)) as second:
            assert (second.not_before, second.not_after) == (_utc(base + 5), _utc(base + 600))
            with first.share(_all_permissions(not_after=base + 60)) as third:
                assert (third.not_before, third.not_after) == (_utc(base), _utc(base + 60))
        # A grant parsed from the serialized share reads the same window.
        with Uplink().parse_access(first.serialize()) as parsed:
            assert (parsed.not_before, parsed.not_after) == (first.not_before, first.not_after)


def test_time_bounds_of_a_closed_access_raise_closed_error(uplink: Uplink, testnet: Any) -> None:
    access = uplink.parse_access(testnet.access)
    access.close()
    with pytest.raises(ClosedError):
        access.not_after
    with pytest.raises(ClosedError):
        access.not_before


def test_expired_share_says_when_it_expired(access: Access, project: Project,
                                            bucket: str) -> None:
    put_object(project, bucket, "k", b"before")
    not_after = int(time.time()) + VALID_FOR
    with access.share(_all_permissions(not_after=not_after)) as shared:
        assert shared.not_after == _utc(not_after)
        with shared.open_project() as limited:
            # Valid: every kind of call works.
            assert limited.stat_object(bucket, "k").key == "k"
            with limited.download_object(bucket, "k") as download:
                assert download.readall() == b"before"
            _wait_past(not_after)

            expected = f"the access grant expired at {_moment(not_after)}: permission denied"
            with pytest.raises(PermissionDeniedError) as stat:
                limited.stat_object(bucket, "k")
            assert str(stat.value).startswith(expected), str(stat.value)
            assert stat.value.expired_at == _utc(not_after)
            assert stat.value.valid_from is None
            assert "\n" not in str(stat.value)
            # Listings (their error comes with a page) and uploads say it too.
            with pytest.raises(PermissionDeniedError) as listing:
                list(limited.list_objects(bucket, ListObjectsOptions(recursive=True)))
            assert str(listing.value).startswith(expected), str(listing.value)
            with pytest.raises(PermissionDeniedError) as upload:
                put_object(limited, bucket, "after", b"x")
            assert str(upload.value).startswith(expected), str(upload.value)
            # The explanation survives pickling (multiprocessing, futures).
            again = pickle.loads(pickle.dumps(stat.value))
            assert str(again) == str(stat.value) and again.expired_at == _utc(not_after)
        # A project opened after the expiry says the same.
        with shared.open_project() as late, pytest.raises(PermissionDeniedError) as opened:
            late.stat_object(bucket, "k")
        assert str(opened.value).startswith(expected), str(opened.value)
    # The grant that made the share is not bounded, and its refusals say nothing of time.
    assert project.stat_object(bucket, "k").key == "k"


def test_share_not_yet_valid_says_from_when(access: Access, project: Project,
                                            bucket: str) -> None:
    put_object(project, bucket, "k", b"x")
    not_before = int(time.time()) + 3600
    with access.share(_all_permissions(not_before=not_before)) as shared, \
            shared.open_project() as limited:
        with pytest.raises(PermissionDeniedError) as refused:
            limited.stat_object(bucket, "k")
    assert str(refused.value).startswith(
        f"the access grant is not valid until {_moment(not_before)}: permission denied"), \
        str(refused.value)
    assert refused.value.valid_from == _utc(not_before) and refused.value.expired_at is None


def test_refusal_within_the_window_says_nothing_of_time(access: Access, project: Project,
                                                        bucket: str) -> None:
    put_object(project, bucket, "k", b"x")
    not_after = int(time.time()) + 3600
    with access.share(Permission(allow_list=True, not_after=not_after)) as shared, \
            shared.open_project() as limited:
        with pytest.raises(PermissionDeniedError) as refused:
            with limited.download_object(bucket, "k") as download:
                download.readall()
    assert refused.value.expired_at is None and refused.value.valid_from is None
    assert "expired" not in str(refused.value) and "valid until" not in str(refused.value)


def test_cli_says_when_a_share_expired(testnet: Any, cli: Cli, cli_bucket: str,  # noqa: F811
                                       tmp_path: Any) -> None:
    cli.run("cp", "-", f"sj://{cli_bucket}/a.txt", stdin=b"shared")
    not_after = int(time.time()) + VALID_FOR
    out = cli.out("share", f"sj://{cli_bucket}/", "--readonly", "--not-after", str(not_after))
    grant = next(line.split(":", 1)[1].strip() for line in out.splitlines()
                 if line.startswith("Access    :"))
    shared = Cli(str(tmp_path / "shared-config"), [grant])
    assert shared.run("cat", f"sj://{cli_bucket}/a.txt", "--access", grant).stdout == b"shared"
    _wait_past(not_after)

    err = shared.err("cat", f"sj://{cli_bucket}/a.txt", "--access", grant)
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(
        f"uplink-py: the access grant expired at {_moment(not_after)}: permission denied"), err
    assert "Traceback" not in err
    shared.assert_no_secrets()


def test_cli_says_from_when_a_share_is_valid(cli: Cli, cli_bucket: str,  # noqa: F811
                                             tmp_path: Any) -> None:
    cli.run("cp", "-", f"sj://{cli_bucket}/a.txt", stdin=b"later")
    not_before = int(time.time()) + 3600
    out = cli.out("share", f"sj://{cli_bucket}/", "--readonly", "--not-before", str(not_before))
    grant = next(line.split(":", 1)[1].strip() for line in out.splitlines()
                 if line.startswith("Access    :"))
    shared = Cli(str(tmp_path / "shared-config"), [grant])
    err = shared.err("cat", f"sj://{cli_bucket}/a.txt", "--access", grant)
    assert err.splitlines() == [err.rstrip("\n")], err
    assert err.startswith(f"uplink-py: the access grant is not valid until {_moment(not_before)}: "
                          "permission denied"), err
    shared.assert_no_secrets()
