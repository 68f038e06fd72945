"""Project against the local network: buckets, objects, listings, errors, lifetimes."""

from __future__ import annotations

from typing import Any, List

import pytest

from uplink_python import Access, Project
from uplink_python.errors import (BucketAlreadyExistError, BucketNameInvalidError,
                                  BucketNotEmptyError, BucketNotFoundError, CancelledError,
                                  ClosedError, ObjectKeyInvalidError, ObjectNotFoundError)
from uplink_python.module_classes import (Bucket, CustomMetadata, CustomMetadataEntry,
                                          ListBucketsOptions, ListObjectsOptions, Object)
from uplink_fixtures import random_bucket_name
from uplink_fixtures import put_object as _put

pytestmark = pytest.mark.usefixtures("leak_check")


def test_bucket_lifecycle(project: Project, bucket_name: str) -> None:
    created = project.create_bucket(bucket_name)
    assert isinstance(created, Bucket) and created.name == bucket_name and created.created > 0
    assert project.stat_bucket(bucket_name) == created
    assert project.ensure_bucket(bucket_name).name == bucket_name
    with pytest.raises(BucketAlreadyExistError) as info:
        project.create_bucket(bucket_name)
    assert info.value.code == 0x11
    deleted = project.delete_bucket(bucket_name)
    assert deleted.name == bucket_name
    with pytest.raises(BucketNotFoundError):
        project.stat_bucket(bucket_name)
    with pytest.raises(BucketNotFoundError):
        project.delete_bucket(bucket_name)
    assert project.ensure_bucket(bucket_name).name == bucket_name


def test_bucket_not_empty_then_emptied(project: Project, bucket: str) -> None:
    _put(project, bucket, "a")
    _put(project, bucket, "dir/b")
    with pytest.raises(BucketNotEmptyError):
        project.delete_bucket(bucket)
    # The original's documented recovery: delete every object, then the bucket.
    for obj in project.list_objects(bucket, ListObjectsOptions(recursive=True)):
        project.delete_object(bucket, obj.key)
    assert project.delete_bucket(bucket).name == bucket


def test_delete_bucket_with_objects(project: Project, bucket: str) -> None:
    _put(project, bucket, "a")
    assert project.delete_bucket_with_objects(bucket).name == bucket
    with pytest.raises(BucketNotFoundError):
        project.delete_bucket_with_objects(bucket)


@pytest.mark.parametrize("name", ["A", "x", "Upper-Case", "under_score", "-dash", "a" * 64])
def test_invalid_bucket_names(project: Project, name: str) -> None:
    with pytest.raises(BucketNameInvalidError):
        project.create_bucket(name)


def test_empty_bucket_name(project: Project) -> None:
    with pytest.raises(BucketNameInvalidError):
        project.stat_bucket("")


@pytest.mark.parametrize("bad,error", [(None, TypeError), (3, TypeError), ("a\0b", ValueError)])
def test_bad_argument_types(project: Project, bad: Any, error: type) -> None:
    with pytest.raises(error, match="bucket_name"):
        project.stat_bucket(bad)
    with pytest.raises(error, match="storj_path"):
        project.stat_object("bucket", bad)
    with pytest.raises(error):
        project.upload_object("bucket", bad)
    with pytest.raises(error):
        project.download_object(bad, "key")


def test_options_types_are_checked(project: Project, bucket: str) -> None:
    with pytest.raises(TypeError, match="list_object_options"):
        project.list_objects(bucket, {"recursive": True})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="list_bucket_options"):
        project.list_buckets("cursor")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="upload_options"):
        project.upload_object(bucket, "k", 5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="download_options"):
        project.download_object(bucket, "k", (0, 1))  # type: ignore[arg-type]


def test_list_buckets_and_iterator(project: Project, testnet: Any) -> None:
    names = sorted(random_bucket_name("list") for _ in range(3))
    try:
        for name in names:
            project.create_bucket(name)
        listed = [b.name for b in project.list_buckets()]
        assert set(names) <= set(listed)
        assert all(isinstance(b, Bucket) for b in project.iter_buckets())
        after_first = [b.name for b in project.list_buckets(ListBucketsOptions(cursor=names[0]))]
        assert names[0] not in after_first and names[1] in after_first
        iterator = project.iter_buckets()
        first = next(iterator)
        assert isinstance(first, Bucket)
        iterator.close()  # an abandoned listing frees its iterator at once
    finally:
        for name in names:
            project.delete_bucket(name)


def test_stat_object(project: Project, bucket: str) -> None:
    _put(project, bucket, "dir/file.txt", b"12345")
    obj = project.stat_object(bucket, "dir/file.txt")
    assert isinstance(obj, Object)
    assert obj.key == "dir/file.txt" and not obj.is_prefix
    assert obj.system.content_length == 5 and obj.system.created > 0
    with pytest.raises(ObjectNotFoundError) as info:
        project.stat_object(bucket, "dir/missing.txt")
    assert info.value.code == 0x21
    # The satellite does not look the bucket up for a stat: a missing bucket
    # reads as a missing object.
    with pytest.raises(ObjectNotFoundError):
        project.stat_object(bucket + "-missing", "x")
    with pytest.raises(ObjectKeyInvalidError):
        project.stat_object(bucket, "")


def test_delete_object(project: Project, bucket: str) -> None:
    _put(project, bucket, "gone", b"abc")
    deleted = project.delete_object(bucket, "gone")
    assert deleted is not None and deleted.key == "gone"
    with pytest.raises(ObjectNotFoundError):
        project.stat_object(bucket, "gone")
    assert project.delete_object(bucket, "gone") is None


def _keys(objects: List[Object]) -> List[Any]:
    return sorted((o.key, o.is_prefix) for o in objects)


def test_list_objects_options(project: Project, bucket: str) -> None:
    for key in ("a.txt", "dir/b.txt", "dir/sub/c.txt", "other/d.txt"):
        _put(project, bucket, key, key.encode())
    assert _keys(project.list_objects(bucket)) == [
        ("a.txt", False), ("dir/", True), ("other/", True)]
    assert _keys(project.list_objects(bucket, ListObjectsOptions(recursive=True))) == [
        ("a.txt", False), ("dir/b.txt", False), ("dir/sub/c.txt", False),
        ("other/d.txt", False)]
    assert _keys(project.list_objects(bucket, ListObjectsOptions(prefix="dir/"))) == [
        ("dir/b.txt", False), ("dir/sub/", True)]
    plain = project.list_objects(bucket, ListObjectsOptions(prefix="dir/", recursive=True))
    assert all(o.system.content_length == 0 for o in plain)
    detailed = project.list_objects(bucket, ListObjectsOptions(prefix="dir/", recursive=True,
                                                               system=True))
    assert {o.key: o.system.content_length for o in detailed} == {
        "dir/b.txt": len(b"dir/b.txt"), "dir/sub/c.txt": len(b"dir/sub/c.txt")}
    everything = [o.key for o in project.iter_objects(bucket, ListObjectsOptions(recursive=True))]
    assert len(everything) == 4
    with pytest.raises(BucketNotFoundError):
        project.list_objects(bucket + "-missing")


def test_list_objects_with_cursor(project: Project, bucket: str) -> None:
    keys = [f"k{i:02d}" for i in range(6)]
    for key in keys:
        _put(project, bucket, key)
    listed = [o.key for o in project.list_objects(bucket, ListObjectsOptions(recursive=True))]
    cursor = listed[2]
    rest = [o.key for o in project.list_objects(
        bucket, ListObjectsOptions(recursive=True, cursor=cursor))]
    assert rest == listed[3:]


def test_object_named_like_a_prefix_does_not_loop(project: Project, bucket: str) -> None:
    # storj/uplink#174: an object "a/" next to "a/b" once made listings loop forever.
    _put(project, bucket, "a/", b"dir marker")
    _put(project, bucket, "a/b", b"child")
    listed = _keys(project.list_objects(bucket))
    assert ("a/", True) in listed
    recursive = _keys(project.list_objects(bucket, ListObjectsOptions(recursive=True)))
    assert recursive == [("a/", False), ("a/b", False)]
    with_cursor = _keys(project.list_objects(bucket, ListObjectsOptions(cursor="a/")))
    assert len(with_cursor) == len(set(with_cursor))


def test_custom_metadata_in_listing_and_update(project: Project, bucket: str) -> None:
    with project.upload_object(bucket, "meta") as upload:
        upload.write(b"m")
        upload.set_custom_metadata(CustomMetadata([
            CustomMetadataEntry(key="color", key_length=0, value="blue", value_length=0),
            CustomMetadataEntry(key="ünï", value="cödé"),
        ]))
    listed = project.list_objects(bucket, ListObjectsOptions(custom=True))
    assert listed[0].custom.to_dict() == {"color": "blue", "ünï": "cödé"}
    assert project.list_objects(bucket)[0].custom.count == 0
    project.update_object_metadata(bucket, "meta", {"color": "red"})
    assert project.stat_object(bucket, "meta").custom.to_dict() == {"color": "red"}
    with pytest.raises(ObjectNotFoundError):
        project.update_object_metadata(bucket, "nope", {"a": "b"})


def test_copy_and_move(project: Project, bucket: str) -> None:
    _put(project, bucket, "orig", b"payload")
    copy = project.copy_object(bucket, "orig", bucket, "copy")
    assert copy.key == "copy"
    project.move_object(bucket, "copy", bucket, "moved")
    with pytest.raises(ObjectNotFoundError):
        project.stat_object(bucket, "copy")
    with project.download_object(bucket, "moved") as download:
        assert download.readall() == b"payload"
    with pytest.raises(ObjectNotFoundError):
        project.copy_object(bucket, "absent", bucket, "x")
    with pytest.raises(ObjectNotFoundError):
        project.move_object(bucket, "absent", bucket, "x")


def test_closed_project_raises(access: Access) -> None:
    project = access.open_project()
    project.close()
    project.close()
    assert project.closed
    for call in (lambda: project.list_buckets(), lambda: project.stat_bucket("b"),
                 lambda: project.upload_object("b", "k"), lambda: project.iter_objects("b"),
                 lambda: project.download_object("b", "k"), lambda: project.ensure_bucket("b")):
        with pytest.raises(ClosedError):
            call()


def test_project_context_manager(access: Access, bucket_name: str) -> None:
    with access.open_project() as project:
        project.create_bucket(bucket_name)
    assert project.closed


def test_close_project_cancels_its_transfers(access: Access, bucket_name: str) -> None:
    project = access.open_project()
    project.create_bucket(bucket_name)
    upload = project.upload_object(bucket_name, "k")
    project.close()
    with pytest.raises(CancelledError):
        upload.write(b"x" * 10_000_000)
        upload.commit()
    upload.close()


def test_children_keep_the_project_alive(access: Access, bucket: str, project: Project) -> None:
    _put(project, bucket, "child", b"data")
    download = access.open_project().download_object(bucket, "child")
    # The project that opened it is referenced by nothing but the download.
    assert download.project is not None and not download.project.closed
    assert download.readall() == b"data"
    owner = download.project
    download.close()
    owner.close()
