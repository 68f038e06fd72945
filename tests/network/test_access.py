"""Access against the local network: requesting, sharing, encryption keys, revocation."""

from __future__ import annotations

from typing import Any

import pytest

from uplink_python import Access, Config, Permission, Project, SharePrefix, Uplink
from uplink_python.errors import (InvalidAPIKeyError, ObjectNotFoundError, PermissionDeniedError,
                                  SatelliteUnreachableError, StorjException)
from uplink_python.module_classes import ListObjectsOptions
from uplink_fixtures import put_object as _put

pytestmark = pytest.mark.usefixtures("leak_check")


def _get(project: Project, bucket: str, key: str) -> bytes:
    with project.download_object(bucket, key) as download:
        return download.readall()


def test_request_access_with_passphrase(uplink: Uplink, testnet: Any) -> None:
    with uplink.request_access_with_passphrase(testnet.satellite_url, testnet.api_key,
                                               testnet.passphrase) as access:
        assert access.satellite_address() == testnet.satellite_url
        with access.open_project() as project:
            project.list_buckets()


def test_config_request_access_and_config_open_project(uplink: Uplink, testnet: Any,
                                                       bucket_name: str) -> None:
    config = Config(user_agent="uplink-python-tests/1.0", dial_timeout_milliseconds=20_000)
    with uplink.config_request_access_with_passphrase(config, testnet.satellite_url,
                                                      testnet.api_key,
                                                      testnet.passphrase) as access:
        with access.config_open_project(config) as project:
            assert project.create_bucket(bucket_name).name == bucket_name
            _put(project, bucket_name, "k", b"config")
            assert _get(project, bucket_name, "k") == b"config"


def test_same_passphrase_reads_the_same_data(uplink: Uplink, testnet: Any, project: Project,
                                             bucket: str) -> None:
    _put(project, bucket, "shared.txt", b"hello")
    with uplink.request_access_with_passphrase(testnet.satellite_url, testnet.api_key,
                                               testnet.passphrase) as again:
        with again.open_project() as other:
            assert _get(other, bucket, "shared.txt") == b"hello"


def test_serialize_parse_round_trip(uplink: Uplink, access: Access) -> None:
    serialized = access.serialize()
    assert isinstance(serialized, str) and len(serialized) > 50
    with uplink.parse_access(serialized) as parsed:
        assert parsed.serialize() == serialized
        assert parsed.satellite_address() == access.satellite_address()


def test_bad_api_key_is_an_error_without_the_secret(uplink: Uplink, testnet: Any) -> None:
    # A well-formed key of another project would need the satellite; a malformed
    # one must fail without echoing the key or the passphrase.
    api_key = "bogus-api-key-" + "Z" * 40
    with pytest.raises(InvalidAPIKeyError) as info:
        uplink.request_access_with_passphrase(testnet.satellite_url, api_key, "pass-WORD-123")
    text = str(info.value) + repr(info.value) + str(info.value.args)
    assert "Z" * 40 not in text and "pass-WORD-123" not in text


def test_unreachable_satellite(uplink: Uplink, testnet: Any) -> None:
    node_id = testnet.satellite_url.split("@")[0]
    config = Config(dial_timeout_milliseconds=2000)
    with pytest.raises(SatelliteUnreachableError):
        uplink.config_request_access_with_passphrase(config, f"{node_id}@127.0.0.1:1",
                                                     testnet.api_key, testnet.passphrase)


def test_read_only_share_cannot_upload_or_delete(uplink: Uplink, access: Access,
                                                 project: Project, bucket: str) -> None:
    _put(project, bucket, "doc.txt", b"read me")
    read_only = Permission(allow_download=True, allow_list=True)
    with access.share(read_only, [SharePrefix(bucket=bucket, prefix="")]) as shared, \
            uplink.parse_access(shared.serialize()) as reparsed, \
            reparsed.open_project() as limited:
        assert _get(limited, bucket, "doc.txt") == b"read me"
        assert [o.key for o in limited.list_objects(bucket)] == ["doc.txt"]
        with pytest.raises(PermissionDeniedError):
            with limited.upload_object(bucket, "new.txt") as upload:
                upload.write(b"nope")
        with pytest.raises(PermissionDeniedError):
            limited.delete_object(bucket, "doc.txt")
    assert _get(project, bucket, "doc.txt") == b"read me"


def test_share_limited_to_a_prefix(access: Access, project: Project, bucket: str) -> None:
    _put(project, bucket, "alice/a.txt", b"a")
    _put(project, bucket, "bob/b.txt", b"b")
    everything = Permission(allow_download=True, allow_upload=True, allow_list=True,
                            allow_delete=True)
    with access.share(everything, [SharePrefix(bucket=bucket, prefix="alice/")]) as shared, \
            shared.open_project() as alice:
        assert _get(alice, bucket, "alice/a.txt") == b"a"
        listed = alice.list_objects(bucket, ListObjectsOptions(prefix="alice/"))
        assert [o.key for o in listed] == ["alice/a.txt"]
        with pytest.raises(PermissionDeniedError):
            _get(alice, bucket, "bob/b.txt")
        with pytest.raises(PermissionDeniedError):
            alice.stat_object(bucket, "bob/b.txt")
        with pytest.raises(PermissionDeniedError):
            alice.list_objects(bucket, ListObjectsOptions(prefix="bob/"))
        with pytest.raises(PermissionDeniedError):
            _put(alice, bucket, "bob/evil.txt", b"x")


def test_share_with_shared_prefix_as_dicts(access: Access, project: Project,
                                           bucket: str) -> None:
    _put(project, bucket, "x/1", b"1")
    with access.share(Permission(allow_download=True),
                      [{"bucket": bucket, "prefix": "x/"}]) as shared, \
            shared.open_project() as limited:
        assert _get(limited, bucket, "x/1") == b"1"


def test_share_time_window(access: Access, project: Project, bucket: str) -> None:
    _put(project, bucket, "t", b"t")
    expired = Permission(allow_download=True, not_before=1, not_after=2)
    with access.share(expired, [SharePrefix(bucket=bucket)]) as shared, \
            shared.open_project() as limited:
        with pytest.raises(PermissionDeniedError):
            _get(limited, bucket, "t")


def test_override_encryption_key(uplink: Uplink, access: Access, project: Project,
                                 bucket: str) -> None:
    key = access.derive_encryption_key("tenant-passphrase", "tenant-salt")
    tenant = access.override_encryption_key(bucket, "tenant/", key)
    key.close()
    other_key = access.derive_encryption_key("tenant-passphrase", b"other-salt")
    wrong = access.override_encryption_key(bucket, "tenant/", other_key)
    other_key.close()
    with tenant, wrong, tenant.open_project() as tenant_project, \
            wrong.open_project() as wrong_project:
        _put(tenant_project, bucket, "tenant/secret.txt", b"for the tenant only")
        assert _get(tenant_project, bucket, "tenant/secret.txt") == b"for the tenant only"
        # Keys are encrypted too: other keys do not even find the object.
        with pytest.raises(ObjectNotFoundError):
            _get(project, bucket, "tenant/secret.txt")
        with pytest.raises(ObjectNotFoundError):
            _get(wrong_project, bucket, "tenant/secret.txt")
        # override_encryption_key returns a new access and leaves this one alone.
        assert tenant.serialize() != access.serialize()
        # The override survives serialization.
        with uplink.parse_access(tenant.serialize()) as reparsed, \
                reparsed.open_project() as again:
            assert _get(again, bucket, "tenant/secret.txt") == b"for the tenant only"


def test_derive_encryption_key_is_deterministic(access: Access, project: Project,
                                                bucket: str) -> None:
    first = access.derive_encryption_key("p", b"\x00\x01salt")
    second = access.derive_encryption_key("p", b"\x00\x01salt")
    with first, second, access.override_encryption_key(bucket, "d/", first) as one, \
            access.override_encryption_key(bucket, "d/", second) as two, \
            one.open_project() as p1, two.open_project() as p2:
        _put(p1, bucket, "d/same", b"same key")
        assert _get(p2, bucket, "d/same") == b"same key"


def test_derive_encryption_key_validates(access: Access) -> None:
    with pytest.raises(TypeError, match="salt"):
        access.derive_encryption_key("p", 12)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="passphrase"):
        access.derive_encryption_key(None, "s")  # type: ignore[arg-type]


def test_revoke_access(access: Access, project: Project, bucket: str) -> None:
    _put(project, bucket, "r", b"r")
    with access.share(Permission(allow_download=True), [SharePrefix(bucket=bucket)]) as shared:
        with shared.open_project() as before:
            assert _get(before, bucket, "r") == b"r"
        project.revoke_access(shared)
        with shared.open_project() as after:
            with pytest.raises(PermissionDeniedError):
                _get(after, bucket, "r")
    with pytest.raises(TypeError):
        project.revoke_access("grant")  # type: ignore[arg-type]
