"""The first end-to-end path through ctypes, against the real local network.

Request an access with a passphrase, create a bucket, upload 1 MiB of random
bytes, download them, compare digests, delete the object and the bucket,
close everything and check that libuplinkc's handle table is empty.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

import pytest

from uplink_python import _native
from uplink_python.errors import BucketNotFoundError, ObjectNotFoundError
from uplink_python.uplink import Uplink
from uplink_fixtures import random_bucket_name


def test_round_trip_one_mebibyte(testnet: Any) -> None:
    assert _native.universe_is_empty(), "handles were left over before the test"
    data = os.urandom(1024 * 1024)
    bucket = random_bucket_name("e2e")

    access = Uplink().request_access_with_passphrase(
        testnet.satellite_url, testnet.api_key, testnet.passphrase)
    project = access.open_project()
    created = project.create_bucket(bucket)
    assert created.name == bucket

    upload = project.upload_object(bucket, "one-mebibyte.bin")
    written = 0
    while written < len(data):
        written += upload.write(data[written:], len(data) - written)
    upload.commit()

    download = project.download_object(bucket, "one-mebibyte.bin")
    received = bytearray()
    while True:
        chunk, size = download.read(256 * 1024)
        assert size == len(chunk)
        if size == 0:  # read() returns 0 bytes only at the end of the object
            break
        received += chunk
    download.close()
    assert hashlib.sha256(received).hexdigest() == hashlib.sha256(data).hexdigest()

    deleted = project.delete_object(bucket, "one-mebibyte.bin")
    assert deleted is not None and deleted.key == "one-mebibyte.bin"
    with pytest.raises(ObjectNotFoundError):
        project.stat_object(bucket, "one-mebibyte.bin")
    project.delete_bucket(bucket)
    with pytest.raises(BucketNotFoundError):
        project.stat_bucket(bucket)

    for owner in (download, upload, project, access):
        owner.close()
    assert _native.universe_is_empty(), "a native handle was not freed"
