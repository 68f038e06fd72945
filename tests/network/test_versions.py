"""Bucket versioning, object versions, conditional uploads and bulk delete, on the local network."""

from __future__ import annotations

from typing import Optional

import pytest

from uplink_python import Listing, Project
from uplink_python.errors import (BucketNotFoundError, FailedPreconditionError,
                                  MethodNotAllowedError, ObjectNotFoundError,
                                  PreconditionFailedError)
from uplink_python.module_classes import (DeleteResult, DeleteStatus, DownloadOptions,
                                          ListObjectVersionsOptions, UploadOptions,
                                          VersionedObject, VersioningState)
from uplink_fixtures import put_object as _put

pytestmark = pytest.mark.usefixtures("leak_check")


def _get(project: Project, bucket: str, key: str, version: Optional[bytes] = None,
         options: Optional[DownloadOptions] = None) -> bytes:
    with project.download_object(bucket, key, options, version=version) as download:
        return download.readall()


def test_bucket_versioning_states(project: Project, bucket: str) -> None:
    state = project.get_bucket_versioning(bucket)
    assert state == VersioningState.UNVERSIONED and isinstance(state, VersioningState)
    project.set_bucket_versioning(bucket, True)
    assert project.get_bucket_versioning(bucket) == VersioningState.ENABLED
    project.set_bucket_versioning(bucket, False)
    assert project.get_bucket_versioning(bucket) is VersioningState.SUSPENDED
    with pytest.raises(BucketNotFoundError):
        project.get_bucket_versioning(bucket + "-missing")
    with pytest.raises(TypeError, match="enabled"):
        project.set_bucket_versioning(bucket, "yes")  # type: ignore[arg-type]


def test_two_uploads_make_two_versions(project: Project, versioned_bucket: str) -> None:
    bucket = versioned_bucket
    first = _put(project, bucket, "doc", b"first draft")
    second = _put(project, bucket, "doc", b"second draft")
    assert first.version and second.version and first.version != second.version
    assert isinstance(first.version, bytes) and first.is_versioned

    assert _get(project, bucket, "doc") == b"second draft"
    assert _get(project, bucket, "doc", first.version) == b"first draft"
    assert _get(project, bucket, "doc", second.version) == b"second draft"
    assert _get(project, bucket, "doc", first.version, DownloadOptions(offset=6, length=5)) \
        == b"draft"

    with project.download_object(bucket, "doc", version=first.version) as download:
        info = download.versioned_info()
        assert info.version == first.version and info.system.content_length == 11

    stat = project.stat_object_version(bucket, "doc", first.version)
    assert stat.version == first.version and stat.system.content_length == len(b"first draft")
    assert project.stat_object_version(bucket, "doc").version == second.version

    versions = project.list_object_versions(bucket)
    assert [(v.key, v.version, v.is_latest) for v in versions] == [
        ("doc", second.version, True), ("doc", first.version, False)]


def test_delete_one_version(project: Project, versioned_bucket: str) -> None:
    bucket = versioned_bucket
    first = _put(project, bucket, "k", b"1")
    second = _put(project, bucket, "k", b"2")
    deleted = project.delete_object_version(bucket, "k", first.version)
    assert deleted is not None and deleted.version == first.version
    assert [v.version for v in project.list_object_versions(bucket)] == [second.version]
    with pytest.raises(ObjectNotFoundError):
        project.stat_object_version(bucket, "k", first.version)
    with pytest.raises(ObjectNotFoundError):
        project.download_object(bucket, "k", version=first.version)
    assert _get(project, bucket, "k") == b"2"


def test_delete_without_version_adds_a_marker(project: Project, versioned_bucket: str) -> None:
    bucket = versioned_bucket
    kept = _put(project, bucket, "k", b"kept")
    marker = project.delete_object_version(bucket, "k")
    assert marker is not None and marker.is_delete_marker and marker.version != kept.version
    with pytest.raises(ObjectNotFoundError):
        project.stat_object(bucket, "k")
    with pytest.raises(MethodNotAllowedError):
        project.download_object(bucket, "k", version=marker.version)
    assert _get(project, bucket, "k", kept.version) == b"kept"
    listed = project.list_object_versions(bucket)
    assert [(v.version, v.is_delete_marker) for v in listed] == [
        (marker.version, True), (kept.version, False)]
    # Removing the marker brings the object back.
    project.delete_object_version(bucket, "k", marker.version)
    assert _get(project, bucket, "k") == b"kept"


def test_list_object_versions_options_and_listing(project: Project,
                                                  versioned_bucket: str) -> None:
    bucket = versioned_bucket
    made = {}
    for key in ("a", "dir/b", "dir/c"):
        made[key] = [_put(project, bucket, key, f"{key}{n}".encode()).version for n in range(2)]
    top = project.list_object_versions(bucket)
    assert sorted((v.key, v.is_prefix) for v in top) == [
        ("a", False), ("a", False), ("dir/", True)]
    nested = project.list_object_versions(
        bucket, ListObjectVersionsOptions(prefix="dir/", system=True, custom=True))
    # Full keys, as list_objects gives them; keys come in the order of their
    # encrypted form, the versions of one key newest first.
    assert sorted(v.key for v in nested) == ["dir/b", "dir/b", "dir/c", "dir/c"]
    for key in ("dir/b", "dir/c"):
        assert [v.version for v in nested if v.key == key] == made[key][::-1]
    assert all(v.system.content_length == 6 for v in nested)
    everything = project.list_object_versions(bucket, ListObjectVersionsOptions(recursive=True))
    assert len(everything) == 6
    # A (key, version) cursor resumes right after that version.
    pairs = [(v.key, v.version) for v in everything]
    for index in range(len(pairs) - 1):
        key, version = pairs[index]
        resumed = project.list_object_versions(bucket, ListObjectVersionsOptions(
            recursive=True, cursor=key, version_cursor=version))
        assert [(v.key, v.version) for v in resumed] == pairs[index + 1:]

    listing = project.iter_object_versions(bucket, ListObjectVersionsOptions(recursive=True))
    assert isinstance(listing, Listing)
    with listing:
        first = next(listing)
        assert isinstance(first, VersionedObject) and first.key == everything[0].key
    assert listing.closed
    with pytest.raises(BucketNotFoundError):
        project.list_object_versions(bucket + "-missing")


def test_version_argument_checks(project: Project, versioned_bucket: str) -> None:
    _put(project, versioned_bucket, "k", b"v")
    with pytest.raises(TypeError, match="version"):
        project.stat_object_version(versioned_bucket, "k", "latest")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="version"):
        project.download_object(versioned_bucket, "k", version=5)  # type: ignore[arg-type]
    with pytest.raises(ObjectNotFoundError):
        project.stat_object_version(versioned_bucket, "k", b"not a version id")
    # A memoryview of a version id works like the bytes.
    version = project.stat_object_version(versioned_bucket, "k").version
    assert version is not None
    assert project.stat_object_version(versioned_bucket, "k",
                                       memoryview(version)).version == version  # type: ignore[arg-type]


def test_unversioned_bucket_reports_versions_too(project: Project, bucket: str) -> None:
    _put(project, bucket, "plain", b"p")
    stat = project.stat_object_version(bucket, "plain")
    assert stat.key == "plain" and not stat.is_versioned
    listed = project.list_object_versions(bucket)
    assert [v.key for v in listed] == ["plain"] and listed[0].version
    assert _get(project, bucket, "plain", listed[0].version) == b"p"


def test_if_none_match(project: Project, bucket: str) -> None:
    _put(project, bucket, "once", b"first", if_none_match="*")
    with pytest.raises(FailedPreconditionError) as info:
        _put(project, bucket, "once", b"second", if_none_match="*")
    assert info.value.code == 0x80 and PreconditionFailedError is FailedPreconditionError
    assert _get(project, bucket, "once") == b"first"
    # Without the condition, the original call still overwrites.
    _put(project, bucket, "once", b"third")
    assert _get(project, bucket, "once") == b"third"
    # The condition combines with the original options.
    _put(project, bucket, "expiring", b"e", if_none_match="*",
         upload_options=UploadOptions(expires=2_000_000_000))
    assert project.stat_object(bucket, "expiring").system.expires == 2_000_000_000
    with pytest.raises(ValueError, match="if_none_match"):
        project.upload_object(bucket, "x", if_none_match="etag")
    with pytest.raises(TypeError, match="if_none_match"):
        project.upload_object(bucket, "x", if_none_match=b"*")  # type: ignore[arg-type]


def test_if_none_match_in_a_versioned_bucket(project: Project, versioned_bucket: str) -> None:
    _put(project, versioned_bucket, "k", b"1", if_none_match="*")
    with pytest.raises(FailedPreconditionError):
        _put(project, versioned_bucket, "k", b"2", if_none_match="*")
    assert len(project.list_object_versions(versioned_bucket)) == 1


def test_delete_objects(project: Project, bucket: str) -> None:
    for key in ("a", "b", "c", "keep"):
        _put(project, bucket, key, key.encode())
    results = project.delete_objects(bucket, ["a", "b", "c", "missing"])
    assert all(isinstance(r, DeleteResult) for r in results)
    by_key = {r.key: r for r in results}
    assert set(by_key) == {"a", "b", "c", "missing"}
    assert all(by_key[k].ok and by_key[k].removed for k in "abc")
    assert by_key["missing"].status == DeleteStatus.NOT_FOUND and not by_key["missing"].ok
    assert [o.key for o in project.list_objects(bucket)] == ["keep"]
    assert project.delete_objects(bucket, []) == []
    # quiet: only what did not go well comes back.
    for key in ("q1", "q2"):
        _put(project, bucket, key, b"q")
    quiet = project.delete_objects(bucket, ["q1", "q2", "missing"], quiet=True)
    assert [(r.key, r.status) for r in quiet] == [("missing", DeleteStatus.NOT_FOUND)]
    # Objects from a listing are accepted as items.
    assert project.delete_objects(bucket, project.list_objects(bucket))[0].ok
    assert project.list_objects(bucket) == []


def test_delete_objects_with_versions(project: Project, versioned_bucket: str) -> None:
    bucket = versioned_bucket
    old = _put(project, bucket, "k", b"old")
    new = _put(project, bucket, "k", b"new")
    other = _put(project, bucket, "other", b"o")
    results = {r.key: r for r in project.delete_objects(bucket, [("k", old.version), "other"])}
    assert results["k"].removed and results["k"].removed_version == old.version
    assert results["k"].requested_version == old.version
    assert results["other"].marker_inserted and results["other"].marker_version
    assert [v.version for v in project.list_object_versions(
        bucket, ListObjectVersionsOptions(prefix="", cursor=""))
        if v.key == "k"] == [new.version]
    # A VersionedObject names its own version.
    assert project.delete_objects(bucket, [other])[0].removed_version == other.version


def test_delete_objects_argument_checks(project: Project, bucket: str) -> None:
    with pytest.raises(TypeError, match="keys_or_items"):
        project.delete_objects(bucket, "abc")
    with pytest.raises(TypeError, match=r"keys_or_items\[1\]"):
        project.delete_objects(bucket, ["a", 5])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"items\[0\].version"):
        project.delete_objects(bucket, [("a", "v1")])  # type: ignore[list-item]
    with pytest.raises(BucketNotFoundError):
        project.delete_objects(bucket + "-missing", ["a"])


def test_delete_objects_in_batches(project: Project, bucket: str) -> None:
    keys = [f"k{i:04d}" for i in range(1003)]
    results = project.delete_objects(bucket, keys)
    assert len(results) == 1003 and {r.key for r in results} == set(keys)
    assert all(r.status == DeleteStatus.NOT_FOUND for r in results)
