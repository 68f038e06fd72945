"""Edge services: registering a grant with the local auth service, and linkshare URLs."""

from __future__ import annotations

import json
import socket
import urllib.request
from typing import Any, Dict

import pytest

from uplink_python import Access, Permission, Project, SharePrefix, Uplink, edge
from uplink_python.edge import EdgeConfig, EdgeCredentials, join_share_url, register_access
from uplink_python.errors import (ClosedError, EdgeAuthDialError, EdgeAuthDialFailedError,
                                  EdgeRegisterAccessFailedError, InternalError)
from _libuplinkc import OFFLINE_ACCESS

pytestmark = pytest.mark.usefixtures("leak_check")


def _registered(testnet: Any, access_key_id: str) -> Dict[str, Any]:
    """What the local auth service stored for an access key id."""
    url = f"http://{testnet.auth_http}/v1/access/{access_key_id}"
    with urllib.request.urlopen(url, timeout=30) as response:
        result: Dict[str, Any] = json.load(response)
    return result


def _config(testnet: Any) -> EdgeConfig:
    return EdgeConfig(testnet.auth_address, insecure_unencrypted_connection=True)


def test_register_access(uplink: Uplink, testnet: Any, access: Access, project: Project,
                         bucket: str) -> None:
    with project.upload_object(bucket, "shared/file.txt") as upload:
        upload.write(b"through the edge")
    with access.share(Permission(allow_download=True, allow_list=True),
                      [SharePrefix(bucket, "shared/")]) as shared:
        credentials = register_access(_config(testnet), shared, is_public=True)
        assert isinstance(credentials, EdgeCredentials)
        assert credentials.access_key_id and credentials.secret_key and credentials.endpoint
        assert credentials.secret_key not in repr(credentials)
        assert credentials.access_key_id in repr(credentials)

        stored = _registered(testnet, credentials.access_key_id)
        assert stored["access_grant"] == shared.serialize()
        assert stored["secret_key"] == credentials.secret_key
        assert stored["public"] is True

    # The registered grant is the shared one: it reads the object, and only that.
    with uplink.parse_access(stored["access_grant"]) as registered, \
            registered.open_project() as reader:
        with reader.download_object(bucket, "shared/file.txt") as download:
            assert download.readall() == b"through the edge"


def test_register_private_access_through_the_access(testnet: Any, access: Access) -> None:
    credentials = access.register_edge_credentials(_config(testnet))
    stored = _registered(testnet, credentials.access_key_id)
    assert stored["public"] is False and stored["access_grant"] == access.serialize()
    other = access.register_edge_credentials(_config(testnet), is_public=False)
    assert other.access_key_id != credentials.access_key_id


def test_unreachable_auth_service(access: Access) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"127.0.0.1:{probe.getsockname()[1]}"
    # uplink-c does not probe the address: it returns what storj.io/uplink/edge
    # reports for a refused connection, REGISTER_ACCESS_FAILED (0x31).
    with pytest.raises(EdgeRegisterAccessFailedError) as info:
        register_access(EdgeConfig(closed, insecure_unencrypted_connection=True), access)
    assert info.value.code == 0x31 and EdgeAuthDialError is EdgeAuthDialFailedError
    assert access.serialize() not in str(info.value) + repr(info.value)


def test_auth_service_refuses_a_foreign_grant(uplink: Uplink, testnet: Any) -> None:
    with uplink.parse_access(OFFLINE_ACCESS) as foreign:
        with pytest.raises(EdgeRegisterAccessFailedError) as info:
            register_access(_config(testnet), foreign)
    assert info.value.code == 0x31 and OFFLINE_ACCESS not in str(info.value)


def test_register_argument_checks(testnet: Any, access: Access) -> None:
    with pytest.raises(TypeError, match="access"):
        register_access(_config(testnet), access.serialize())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="config"):
        register_access(testnet.auth_address, access)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="auth_service_address"):
        register_access(EdgeConfig(None), access)  # type: ignore[arg-type]
    access.close()
    with pytest.raises(ClosedError):
        register_access(_config(testnet), access)


@pytest.mark.parametrize("bucket,key,raw,expected", [
    ("", "", False, "https://link.example.test/s/jx"),
    ("photos", "", False, "https://link.example.test/s/jx/photos"),
    ("photos", "2024/", False, "https://link.example.test/s/jx/photos/2024/"),
    ("photos", "a cat.jpg", False, "https://link.example.test/s/jx/photos/a%20cat.jpg"),
    ("photos", "a cat.jpg", True, "https://link.example.test/raw/jx/photos/a%20cat.jpg"),
])
def test_join_share_url(bucket: str, key: str, raw: bool, expected: str) -> None:
    assert join_share_url("https://link.example.test", "jx", bucket, key, raw) == expected
    assert edge.join_share_url("https://link.example.test/", "jx", bucket, key,
                               raw=raw) == expected


def test_join_share_url_errors() -> None:
    with pytest.raises(InternalError, match="bucket is required"):
        join_share_url("https://link.example.test", "jx", "", "key")
    with pytest.raises(TypeError, match="access_key_id"):
        join_share_url("https://link.example.test", None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="base_url"):
        join_share_url("https://link\0", "jx")


def test_edge_value_classes() -> None:
    config = EdgeConfig("auth.example.test:7777")
    assert config.get_dict() == {"auth_service_address": "auth.example.test:7777",
                                 "certificate_pem": None,
                                 "insecure_unencrypted_connection": False}
    credentials = EdgeCredentials("id", "s3cr3t-value", "https://gateway.example.test")
    assert "s3cr3t-value" not in repr(credentials) and "<redacted>" in repr(credentials)
    assert credentials == EdgeCredentials("id", "s3cr3t-value", "https://gateway.example.test")
