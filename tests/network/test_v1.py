"""The v1 procedural API (uplink_python.v1): every call returns (result, error).

Each call is made as shared/seeds/library-v1-procedural.md lists it, against
the local network.
"""

from __future__ import annotations

import ctypes
import pickle
from typing import Any

import pytest

from uplink_python import v1
from uplink_python.errors import (BucketNotFoundError, ObjectNotFoundError,
                                  PermissionDeniedError, ERROR_BUCKET_NOT_FOUND)
from uplink_python.module_classes import (Config, CustomMetadata, CustomMetadataEntry,
                                          DownloadOptions, ListBucketsOptions,
                                          ListObjectsOptions, Permission, UploadOptions)
from uplink_fixtures import delete_bucket_fully, random_bucket_name

pytestmark = pytest.mark.usefixtures("leak_check")


def _download_all(download: Any) -> bytes:
    chunks = []
    while True:
        data, read_result, error = v1.download_read(download, 1000)
        assert error is None
        if read_result.bytes_read == 0:
            return b"".join(chunks)
        chunks.append(ctypes.string_at(data, read_result.bytes_read))


def test_the_v1_flow(testnet: Any) -> None:
    bucket = random_bucket_name("v1")
    access, error = v1.request_access_with_passphrase(testnet.satellite_url, testnet.api_key,
                                                      testnet.passphrase)
    assert error is None
    project, error = v1.open_project(access)
    assert error is None
    try:
        created, error = v1.ensure_bucket(project, bucket)
        assert error is None and created.name == bucket
        stat, error = v1.stat_bucket(project, bucket)
        assert error is None and stat.name == bucket
        buckets, error = v1.list_buckets(project, ListBucketsOptions())
        assert error is None and bucket in [b.name for b in buckets]

        data = bytes(range(256)) * 40
        upload, error = v1.upload_object(project, bucket, "v1/file.bin", UploadOptions(expires=0))
        assert error is None
        # The v1 way: a ctypes uint8 pointer and a length.
        buffer = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        pointer = ctypes.cast(buffer, ctypes.POINTER(ctypes.c_uint8))
        write_result, error = v1.upload_write(upload, pointer, len(data))
        assert error is None and write_result.bytes_written == len(data)
        metadata = CustomMetadata([CustomMetadataEntry("colour", 6, "blue", 4)])
        assert v1.upload_set_custom_metadata(upload, metadata) is None
        assert v1.upload_commit(upload) is None
        info, error = v1.upload_info(upload)
        assert error is None and info.key == "v1/file.bin"

        obj, error = v1.stat_object(project, bucket, "v1/file.bin")
        assert error is None and obj.system.content_length == len(data)
        objects, error = v1.list_objects(project, bucket,
                                         ListObjectsOptions(recursive=True, custom=True))
        assert error is None and [o.key for o in objects] == ["v1/file.bin"]
        assert objects[0].custom.get_dict()["entries"][0]["key"] == "colour"

        download, error = v1.download_object(project, bucket, "v1/file.bin",
                                             DownloadOptions(offset=0, length=-1))
        assert error is None
        assert _download_all(download) == data
        info, error = v1.download_info(download)
        assert error is None and info.system.content_length == len(data)
        assert v1.close_download(download) is None

        serialized, error = v1.access_serialize(access)
        assert error is None and isinstance(serialized, str)
        parsed, error = v1.parse_access(serialized)
        assert error is None
        shared, error = v1.access_share(parsed, Permission(allow_download=True, allow_list=True),
                                        [{"bucket": bucket, "prefix": "v1/"}])
        assert error is None
        shared_project, error = v1.config_open_project(Config(), shared)
        assert error is None
        download, error = v1.download_object(shared_project, bucket, "v1/file.bin", None)
        assert error is None and _download_all(download) == data
        assert v1.close_download(download) is None
        _, error = v1.delete_object(shared_project, bucket, "v1/file.bin")
        assert isinstance(error, v1.Error)
        assert isinstance(error.exception, PermissionDeniedError)
        assert v1.close_project(shared_project) is None
        shared.close()
        parsed.close()

        upload, error = v1.upload_object(project, bucket, "v1/aborted", None)
        assert error is None
        assert v1.upload_write(upload, b"bytes work too", 5)[1] is None
        assert v1.upload_abort(upload) is None
        _, error = v1.stat_object(project, bucket, "v1/aborted")
        assert isinstance(error.exception, ObjectNotFoundError)  # type: ignore[union-attr]

        deleted, error = v1.delete_object(project, bucket, "v1/file.bin")
        assert error is None and deleted.key == "v1/file.bin"
        deleted_bucket, error = v1.delete_bucket(project, bucket)
        assert error is None and deleted_bucket.name == bucket
    finally:
        if not project.closed:
            assert v1.close_project(project) is None
        access.close()
        delete_bucket_fully(testnet, bucket)


def test_errors_are_returned_as_text_with_the_exception(testnet: Any) -> None:
    access, error = v1.parse_access(testnet.access)
    assert error is None
    project, error = v1.config_open_project(None, access)
    try:
        missing = random_bucket_name("v1-missing")
        bucket, error = v1.stat_bucket(project, missing)
        assert bucket is None
        assert isinstance(error, str) and "bucket not found" in error
        assert error.code == ERROR_BUCKET_NOT_FOUND
        assert isinstance(error.exception, BucketNotFoundError)
        assert missing in error.details
        copy = pickle.loads(pickle.dumps(error))
        assert copy == error and copy.code == error.code
        _, error = v1.create_bucket(project, "Not_Valid")
        assert error is not None and "bucket name" in error
    finally:
        v1.close_project(project)
        access.close()


def test_bad_access_and_satellite_come_back_as_errors(testnet: Any) -> None:
    access, error = v1.parse_access("not an access grant")
    assert access is None and error is not None
    access, error = v1.config_request_access_with_passphrase(
        Config(dial_timeout_milliseconds=2000), testnet.satellite_url, "bad-key", "pass")
    assert access is None and error is not None
    assert "bad-key" not in error and "pass" not in error.split(":")[0]


def test_the_methods_of_v1_uplink_are_the_functions(testnet: Any) -> None:
    uplink = v1.Uplink()
    access, error = uplink.parse_access(testnet.access)
    assert error is None
    project, error = uplink.open_project(access)
    assert error is None
    assert isinstance(uplink.list_buckets(project, None)[0], list)
    assert uplink.close_project(project) is None
    access.close()


def test_wrong_argument_types_still_raise(testnet: Any) -> None:
    access, _ = v1.parse_access(testnet.access)
    project, _ = v1.open_project(access)
    try:
        upload, _ = v1.upload_object(project, "whatever", "k", None)
        with pytest.raises(TypeError):
            v1.upload_write(upload, ctypes.POINTER(ctypes.c_uint8)(), "5")
        with pytest.raises(ValueError):
            v1.upload_write(upload, ctypes.POINTER(ctypes.c_uint8)(), 5)
        v1.upload_abort(upload)
    finally:
        v1.close_project(project)
        access.close()
