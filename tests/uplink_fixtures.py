"""pytest fixtures for uplink_python tests (imported by tests/conftest.py).

``testnet`` (the running local network) comes from conftest. Every fixture
that opens native handles depends on ``leak_check``, which asserts after the
test that libuplinkc's handle table is empty again.
"""

from __future__ import annotations

import contextlib
import gc
import secrets
from typing import Any, Iterator

import pytest

from uplink_python import Access, Project, Uplink
from uplink_python import _native
from uplink_python.errors import BucketNotFoundError, PermissionDeniedError, StorjException
from uplink_python.module_classes import ListObjectVersionsOptions

__all__ = ["put_object", "leak_check", "uplink", "access", "project", "bucket", "bucket_name",
           "random_bucket_name", "delete_bucket_fully", "purge_bucket", "versioned_bucket",
           "locked_bucket"]


def random_bucket_name(prefix: str = "test") -> str:
    """A fresh bucket name, valid for Storj (lower case, digits, dashes)."""
    return f"{prefix}-{secrets.token_hex(6)}"


def delete_bucket_fully(testnet: Any, name: str) -> None:
    """Deletes a bucket and its objects through a fresh access (the test's may be closed)."""
    with Uplink().parse_access(testnet.access) as cleanup_access:
        with cleanup_access.open_project() as cleanup:
            try:
                cleanup.delete_bucket_with_objects(name)
            except BucketNotFoundError:
                pass
            except PermissionDeniedError:
                # The satellite refuses to empty an Object Lock bucket in one call.
                purge_bucket(cleanup, name)


def put_object(project: Project, bucket: str, key: str, data: Any = b"x",
               **kwargs: Any) -> Any:
    """Uploads data to bucket/key (kwargs go to upload_object), commits, and returns
    the stored object with its version (a VersionedObject)."""
    with project.upload_object(bucket, key, **kwargs) as upload:
        upload.write(data)
        upload.commit()
        return upload.versioned_info()


def purge_bucket(project: Project, name: str) -> None:
    """Deletes every version of every object (lifting legal holds, bypassing
    governance retention), the pending multipart uploads, then the bucket."""
    try:
        versions = project.list_object_versions(name, ListObjectVersionsOptions(recursive=True))
    except BucketNotFoundError:
        return
    for version in versions:
        if not version.is_delete_marker:
            with contextlib.suppress(StorjException):
                project.set_object_legal_hold(name, version.key, False, version=version.version)
        project.delete_object_version(name, version.key, version.version,
                                      bypass_governance_retention=True)
    for upload in project.list_uploads(name):
        project.abort_upload(name, upload.key, upload.upload_id)
    project.delete_bucket(name)


@pytest.fixture
def leak_check() -> Iterator[None]:
    """Fails the test when it leaves native handles behind."""
    yield
    gc.collect()
    count = _native.handle_count()
    assert _native.universe_is_empty(), f"{count} native handle(s) leaked by this test"


@pytest.fixture
def uplink(leak_check: None) -> Uplink:
    """An Uplink, with the leak check armed."""
    return Uplink()


@pytest.fixture
def access(uplink: Uplink, testnet: Any) -> Iterator[Access]:
    """The local network's access grant, parsed; closed after the test."""
    parsed = uplink.parse_access(testnet.access)
    yield parsed
    parsed.close()


@pytest.fixture
def project(access: Access) -> Iterator[Project]:
    """An open project; closed after the test."""
    opened = access.open_project()
    yield opened
    opened.close()


@pytest.fixture
def bucket_name(testnet: Any, leak_check: None) -> Iterator[str]:
    """A bucket name that does not exist yet; whatever the test creates under it is deleted."""
    name = random_bucket_name()
    yield name
    delete_bucket_fully(testnet, name)


@pytest.fixture
def bucket(project: Project, bucket_name: str) -> str:
    """A fresh empty bucket (its name), deleted with its objects after the test."""
    project.create_bucket(bucket_name)
    return bucket_name


@pytest.fixture
def versioned_bucket(project: Project, bucket_name: str) -> str:
    """A fresh bucket with versioning enabled (its name), deleted after the test."""
    project.create_bucket(bucket_name)
    project.set_bucket_versioning(bucket_name, True)
    return bucket_name


@pytest.fixture
def locked_bucket(project: Project, bucket_name: str) -> str:
    """A fresh bucket with Object Lock enabled (its name); after the test every
    version is deleted, holds and governance retention notwithstanding."""
    project.create_bucket_with_object_lock(bucket_name)
    return bucket_name
