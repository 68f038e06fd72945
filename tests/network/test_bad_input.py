"""Bad input, systematically: every public call gets wrong types, impossible values,
closed handles and hostile buffers, and must answer with a clear exception that
names what was wrong: never a crash, a hang, a silent success or a leak.

The first half needs no network (only libuplinkc); the second half runs against
the local test network. Every test that opens handles runs under ``leak_check``.
"""

from __future__ import annotations

import array
import datetime
import gc
import hashlib
import io
import os
import pickle
import socket
import subprocess
import sys
import time
from typing import Any, Callable, Dict, Iterator, List, Tuple

import pytest

from uplink_python import (Access, Download, PartUpload, Project, Upload, Uplink,
                           _native, errors)
from uplink_python.edge import join_share_url, register_access
from uplink_python.errors import (BucketNameInvalidError, CancelledError, ClosedError,
                                  InternalError, InvalidAccessGrantError, InvalidAPIKeyError,
                                  InvalidArgumentError,
                                  ObjectKeyInvalidError, ObjectNotFoundError, PermissionDeniedError,
                                  SatelliteAddressError, StorjException, UploadDoneError)
from uplink_python.module_classes import (Config, CustomMetadata, CustomMetadataEntry,
                                          DownloadOptions, EdgeConfig, ListBucketsOptions,
                                          ListObjectsOptions, ListObjectVersionsOptions,
                                          ListUploadPartsOptions, ListUploadsOptions,
                                          ObjectLockConfiguration, Permission, Retention,
                                          RetentionMode, SharePrefix, UploadOptions)

pytestmark = pytest.mark.usefixtures("leak_check")

# A syntactically valid satellite node URL (its node id is checked, the address
# is never dialed by the calls that use it).
NODE_ID = "12EayRS2V1kEsWESU9QMRseFhdxYxKicsiFmxrsLZHeLUtdps3S"
# A call refused up front takes milliseconds; this much only a hang takes, even on a
# loaded machine. What happened is proven by the exception, not by the time.
HANG_CEILING = 30.0


class LyingLen:
    """Claims a huge length and is no buffer at all."""

    def __len__(self) -> int:
        return 10**9


class LyingBytes(bytes):
    """A bytes object whose __len__ claims far more than it holds."""

    def __len__(self) -> int:
        return 10**9


def _raises(error: Any, what: str, call: Callable[[], Any]) -> BaseException:
    """Asserts that ``call`` raises ``error`` with ``what`` in its message."""
    with pytest.raises(error) as info:
        call()
    assert what in str(info.value), f"{what!r} not named in {info.value!r}"
    return info.value


def _wrong_str_types(what: str) -> List[Tuple[Any, type, str]]:
    """(value, exception, text in the message) for values that are no valid str argument."""
    return [(None, TypeError, what), (1, TypeError, what), (1.5, TypeError, what),
            (b"bytes", TypeError, what), (bytearray(b"ba"), TypeError, what),
            (["x"], TypeError, what), (LyingLen(), TypeError, what),
            ("nul\0inside", ValueError, what), ("\0", ValueError, what),
            ("lone \ud800 surrogate", ValueError, what)]


def _check_str_argument(what: str, call: Callable[[Any], Any]) -> None:
    for value, error, text in _wrong_str_types(what):
        _raises(error, text, lambda: call(value))


# ---------------------------------------------------------------------------
# Helpers for serialized grants (base58check + protobuf), to build grants that
# point at a dead satellite and to pull an API key out of a shared grant.

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 58 + _B58.index(char)
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + raw


def _b58check_encode(version: int, payload: bytes) -> str:
    body = bytes([version]) + payload
    data = body + hashlib.sha256(hashlib.sha256(body).digest()).digest()[:4]
    number, out = int.from_bytes(data, "big"), ""
    while number:
        number, rest = divmod(number, 58)
        out = _B58[rest] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def _varint(data: bytes, index: int) -> Tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[index]
        index += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, index


def _to_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _grant_fields(grant: str) -> Tuple[int, Dict[int, bytes]]:
    raw = _b58decode(grant)
    payload, fields, index = raw[1:-4], {}, 0
    while index < len(payload):
        tag, index = _varint(payload, index)
        length, index = _varint(payload, index)
        fields[tag >> 3] = payload[index:index + length]
        index += length
    return raw[0], fields


def grant_with_satellite(grant: str, satellite: str) -> str:
    """The grant, its satellite address replaced."""
    version, fields = _grant_fields(grant)
    fields[1] = satellite.encode()
    payload = b"".join(_to_varint(number << 3 | 2) + _to_varint(len(value)) + value
                       for number, value in sorted(fields.items()))
    return _b58check_encode(version, payload)


def api_key_of(grant: str) -> str:
    """The serialized API key inside a grant."""
    return _b58check_encode(0, _grant_fields(grant)[1][2])


# ===========================================================================
# Offline: no network involved.

@pytest.mark.parametrize("value,error", [
    (None, TypeError), (1, TypeError), (1.5, TypeError), (b"bytes", TypeError),
    (["grant"], TypeError), (LyingLen(), TypeError), ("a\0b", ValueError),
    ("\ud800", ValueError)])
def test_parse_access_wrong_types(uplink: Uplink, value: Any, error: type) -> None:
    _raises(error, "serialized_access", lambda: uplink.parse_access(value))


@pytest.mark.parametrize("value", ["", "garbage", "1", "\udcff", "1" * 5000, " " * 10])
def test_parse_access_garbage(uplink: Uplink, value: str) -> None:
    exc = _raises(InvalidAccessGrantError, "access grant", lambda: uplink.parse_access(value))
    assert isinstance(exc, InternalError) and isinstance(exc, ValueError)


def test_request_access_wrong_arguments_never_reach_the_network(uplink: Uplink) -> None:
    satellite, key, passphrase = f"{NODE_ID}@127.0.0.1:1", "key", "passphrase"
    _check_str_argument("satellite", lambda v: uplink.request_access_with_passphrase(
        v, key, passphrase))
    _check_str_argument("api_key", lambda v: uplink.request_access_with_passphrase(
        satellite, v, passphrase))
    _check_str_argument("passphrase", lambda v: uplink.config_request_access_with_passphrase(
        Config(), satellite, key, v))
    for config, error, what in [
            (1, TypeError, "config"), ("config", TypeError, "config"),
            ({"dial_timeout_milliseconds": 1}, TypeError, "config"),
            (Config(dial_timeout_milliseconds=2**40), ValueError, "dial_timeout_milliseconds"),
            (Config(dial_timeout_milliseconds=True), TypeError, "dial_timeout_milliseconds"),
            (Config(dial_timeout_milliseconds=1.5), TypeError, "dial_timeout_milliseconds"),
            (Config(dial_timeout_milliseconds=None), TypeError, "dial_timeout_milliseconds"),
            (Config(user_agent=1), TypeError, "user_agent"),
            (Config(user_agent="agent\0"), ValueError, "user_agent"),
            (Config(temp_directory=b"/tmp"), TypeError, "temp_directory")]:
        _raises(error, what, lambda: uplink.config_request_access_with_passphrase(
            config, satellite, key, passphrase))


@pytest.mark.parametrize("agent", ["a/b/c", "agent (", "/", "ü"])
def test_a_user_agent_go_refuses_is_an_invalid_argument(access: Access, agent: str) -> None:
    """Go parses the user agent when a project opens (an InternalError before)."""
    exc = _raises(InvalidArgumentError, "invalid user agent",
                  lambda: access.config_open_project(Config(user_agent=agent)))
    assert isinstance(exc, ValueError)


@pytest.mark.parametrize("satellite", ["", "garbage", "127.0.0.1:7777", "x@y",
                                       "@127.0.0.1:1", f"{NODE_ID[:-3]}@127.0.0.1:1"])
def test_request_access_garbage_satellite(uplink: Uplink, satellite: str, testnet: Any) -> None:
    start = time.monotonic()
    exc = _raises(SatelliteAddressError, "node", lambda: uplink.config_request_access_with_passphrase(
        Config(dial_timeout_milliseconds=500), satellite, testnet.api_key, "passphrase"))
    assert "<node id>@host:port" in str(exc) and exc.message == "internal error"
    # Refused before any dial (a dial would end in SatelliteUnreachableError or a
    # timeout, not SatelliteAddressError); the ceiling only catches a hang.
    assert time.monotonic() - start < HANG_CEILING


@pytest.mark.parametrize("api_key", ["", "garbage", "13YqfbRN", "\udcff"])
def test_request_access_garbage_api_key(uplink: Uplink, api_key: str) -> None:
    exc = _raises(InvalidAPIKeyError, "api key", lambda: uplink.request_access_with_passphrase(
        f"{NODE_ID}@127.0.0.1:1", api_key, "secret passphrase"))
    assert isinstance(exc, InternalError) and "invalid API key" in str(exc)
    assert "secret passphrase" not in repr(exc)


def test_join_share_url_bad_input(uplink: Uplink) -> None:
    _check_str_argument("base_url", lambda v: join_share_url(v, "id"))
    _check_str_argument("access_key_id", lambda v: join_share_url("https://l.example", v))
    _check_str_argument("bucket", lambda v: join_share_url("https://l.example", "id", v))
    _check_str_argument("key", lambda v: join_share_url("https://l.example", "id", "b", v))
    _raises(TypeError, "raw", lambda: join_share_url("https://l.example", "id", "b", "k", "yes"))
    _raises(ValueError, "raw", lambda: join_share_url("https://l.example", "id", "b", "k", 2))
    _raises(InvalidArgumentError, "bucket", lambda: join_share_url("https://l.example", "id", "", "k"))
    _raises(InvalidArgumentError, "accessKeyID", lambda: join_share_url("https://l.example", ""))
    _raises(InvalidArgumentError, "base url", lambda: join_share_url("not a url", "id", "b"))


def test_value_classes_refuse_bad_values() -> None:
    _raises(ValueError, "RetentionMode", lambda: Retention(5, 0))
    _raises(ValueError, "RetentionMode", lambda: Retention("governance", 0))
    _raises(TypeError, "retain_until", lambda: Retention(RetentionMode.GOVERNANCE, "soon"))
    _raises(TypeError, "retain_until", lambda: Retention(RetentionMode.GOVERNANCE, None))
    _raises(TypeError, "retain_until", lambda: Retention(RetentionMode.GOVERNANCE, True))
    for huge in (2**63, -2**63, 2**62, float("nan"), float("inf")):
        _raises(ValueError, "retain_until", lambda: Retention(RetentionMode.GOVERNANCE, huge))
    _raises(ValueError, "RetentionMode", lambda: ObjectLockConfiguration(True, 9))
    for key in (1, None, 1.5, ["k"]):
        _raises(TypeError, "CustomMetadataEntry.key", lambda: CustomMetadataEntry(key, 0, "v"))
        _raises(TypeError, "CustomMetadataEntry.value", lambda: CustomMetadataEntry("k", 0, key))
    _raises(ValueError, "CustomMetadataEntry.key",
            lambda: CustomMetadataEntry("\ud800", 0, "v"))
    _raises(ValueError, "CustomMetadataEntry.value",
            lambda: CustomMetadataEntry("k", 0, "\udfff"))
    _raises(TypeError, "entries", lambda: CustomMetadata(1))  # type: ignore[arg-type]
    _raises(TypeError, "CustomMetadataEntry.key", lambda: CustomMetadata.from_dict({1: "v"}))
    # Undecodable bytes that came back from a listing go in again as the same bytes.
    assert CustomMetadataEntry("\udcff", 0, "v").key_bytes == b"\xff"


def test_readable_buffers_use_the_real_size() -> None:
    data = LyingBytes(b"four")
    with _native.readable_buffer(data, None, "data_to_write", "size_to_write") as (_, count):
        assert count == 4
    _raises(ValueError, "size_to_write", lambda: _native.readable_buffer(
        data, 5, "data_to_write", "size_to_write").__enter__())
    # Any contiguous buffer counts in bytes, whatever its item format or shape.
    for buffer, size in [(array.array("i", [1, 2, 3]), 12),
                         (memoryview(bytearray(12)).cast("i"), 12),
                         (memoryview(bytearray(12)).cast("B", (3, 4)), 12),
                         (memoryview(array.array("d", [1.0, 2.0])), 16)]:
        with _native.readable_buffer(buffer, None, "data", "size") as (_, count):
            assert count == size
    for buffer in (memoryview(b"abcdef")[::2], memoryview(bytearray(12)).cast("B", (3, 4))[::2],
                   memoryview(array.array("i", [1, 2, 3, 4]))[::-1]):
        _raises(ValueError, "contiguous", lambda: _native.readable_buffer(
            buffer, None, "data_to_write", "size").__enter__())
    for buffer in (b"abc", memoryview(b"abc"), LyingBytes(b"x")):
        _raises(TypeError, "writable", lambda: _native.writable_buffer(
            buffer, "buffer").__enter__())


@pytest.mark.parametrize("cls", sorted(
    {cls for cls in vars(errors).values()
     if isinstance(cls, type) and issubclass(cls, StorjException)}, key=lambda c: c.__name__))
def test_every_exception_pickles_and_prints(cls: type) -> None:
    if cls is StorjException:
        exc = cls("message", 0x7777, "details")
    else:
        exc = cls("details of it")
    exc.bucket = "extra state"  # e.g. BucketAlreadyExistError.bucket
    again = pickle.loads(pickle.dumps(exc))
    assert type(again) is cls
    assert (again.message, again.code, again.details) == (exc.message, exc.code, exc.details)
    assert again.bucket == "extra state"
    assert str(again) == str(exc) and "details" in str(exc)
    assert repr(again) == repr(exc)


def test_redacted_secrets_stay_out_of_exceptions() -> None:
    secret = "very-secret-api-key"
    with pytest.raises(StorjException) as info:
        with _native.redacting(secret):
            raise InternalError(f"bad key {secret}!")
    for text in (str(info.value), repr(info.value),
                 repr(pickle.loads(pickle.dumps(info.value))), repr(info.value.args)):
        assert secret not in text and "<redacted>" in text


def test_text_errors_do_not_carry_the_text(uplink: Uplink) -> None:
    """A lone surrogate in a secret raises ValueError without chaining the
    UnicodeEncodeError, which would hold the whole secret."""
    secret = "hunter2-\ud800-passphrase"
    for call in (lambda: uplink.request_access_with_passphrase(f"{NODE_ID}@x:1", "k", secret),
                 lambda: uplink.parse_access(secret)):
        with pytest.raises(ValueError) as info:
            call()
        exc = info.value
        assert exc.__context__ is None and exc.__cause__ is None
        assert "hunter2" not in str(exc) + repr(exc) + repr(exc.args)


# ===========================================================================
# Against the network: Access

def test_access_methods_after_close(uplink: Uplink, testnet: Any) -> None:
    access = uplink.parse_access(testnet.access)
    key = access.derive_encryption_key("passphrase", b"salt")
    access.close()
    access.close()  # twice is fine
    assert access.closed and "closed" in repr(access)
    calls: Dict[str, Callable[[], Any]] = {
        "serialize": access.serialize,
        "satellite_address": access.satellite_address,
        "share": lambda: access.share(Permission(allow_list=True), []),
        "derive_encryption_key": lambda: access.derive_encryption_key("p", "s"),
        "override_encryption_key": lambda: access.override_encryption_key("b", "p/", key),
        "register_edge_credentials": lambda: access.register_edge_credentials(
            EdgeConfig(testnet.auth_address, insecure_unencrypted_connection=True)),
        "open_project": access.open_project,
        "config_open_project": lambda: access.config_open_project(Config()),
        "__enter__": access.__enter__,
    }
    public = {name for name in vars(Access) if not name.startswith("_")
              and callable(getattr(Access, name))} | {"__enter__"}
    assert public - {"close"} == {name.split()[0] for name in calls}, "a new Access method needs a case here"
    for name, call in calls.items():
        _raises(ClosedError, "access is closed", call)
    key.close()
    key.close()
    _raises(ClosedError, "encryption key is closed", key.__enter__)
    with uplink.parse_access(testnet.access) as other:
        _raises(ClosedError, "encryption key is closed",
                lambda: other.override_encryption_key("b", "p/", key))


def test_share_bad_arguments(access: Access) -> None:
    allow = Permission(allow_list=True)
    for prefixes, error, what in [
            (1, TypeError, "shared_prefix"), (LyingLen(), TypeError, "shared_prefix"),
            ("bucket", TypeError, "shared_prefix"), (b"bucket", TypeError, "shared_prefix"),
            ([1], TypeError, "shared_prefix[0]"), ([None], TypeError, "shared_prefix[0]"),
            ([SharePrefix(None)], TypeError, "shared_prefix[0].bucket"),  # type: ignore
            ([SharePrefix(b"b")], TypeError, "shared_prefix[0].bucket"),  # type: ignore
            ([SharePrefix("")], ValueError, "shared_prefix[0].bucket"),
            ([SharePrefix("b\0")], ValueError, "shared_prefix[0].bucket"),
            ([SharePrefix("b", 1)], TypeError, "shared_prefix[0].prefix"),  # type: ignore
            ([SharePrefix("b", "p\0")], ValueError, "shared_prefix[0].prefix"),
            ([SharePrefix("ok"), {"bucket": 1}], TypeError, "shared_prefix[1].bucket"),
            ([{"bukket": "typo"}], ValueError, "shared_prefix[0].bucket")]:
        _raises(error, what, lambda: access.share(allow, prefixes))
    for permission, error, what in [
            (1, TypeError, "permissions"), ({"allow_list": True}, TypeError, "permissions"),
            (Permission(allow_list="yes"), TypeError, "permissions.allow_list"),  # type: ignore
            (Permission(allow_list=None), TypeError, "permissions.allow_list"),  # type: ignore
            (Permission(allow_list=2), ValueError, "permissions.allow_list"),
            (Permission(allow_list=True, not_before=2**63), ValueError, "not_before"),
            (Permission(allow_list=True, not_after=-2**63 - 1), ValueError, "not_after"),
            (Permission(allow_list=True, not_after=1.5), TypeError, "not_after"),  # type: ignore
            (Permission(allow_list=True, not_after=True), TypeError, "not_after"),
            (Permission(allow_list=True, not_before=datetime.datetime(1, 1, 1)),
             ValueError, "not_before"),
            (Permission(allow_list=True, max_object_ttl=-1), ValueError, "max_object_ttl"),
            (Permission(allow_list=True, max_object_ttl=float("nan")), ValueError,
             "max_object_ttl"),
            (Permission(allow_list=True, max_object_ttl="1h"), TypeError,  # type: ignore
             "max_object_ttl"),
            (Permission(allow_lock=True, allow_bypass_governance_retention="x"),  # type: ignore
             TypeError, "allow_bypass_governance_retention")]:
        _raises(error, what, lambda: access.share(permission, []))
    # An empty permission is refused by the library, not shared silently.
    _raises(InvalidArgumentError, "permission", lambda: access.share(Permission(), []))
    _raises(InvalidArgumentError, "permission", lambda: access.share(None, None))


def test_encryption_key_bad_arguments(access: Access) -> None:
    _check_str_argument("passphrase", lambda v: access.derive_encryption_key(v, "salt"))
    for salt, error in [(None, TypeError), (1, TypeError), (["s"], TypeError),
                        (LyingLen(), TypeError), ("\ud800", ValueError)]:
        _raises(error, "salt", lambda: access.derive_encryption_key("p", salt))
    # Binary salts are fine, a lying length is not believed.
    for salt in (b"s\0lt", bytearray(b"salt"), memoryview(b"salt"), LyingBytes(b"salt")):
        access.derive_encryption_key("p", salt).close()
    with access.derive_encryption_key("p", "salt") as key:
        _check_str_argument("bucket_name", lambda v: access.override_encryption_key(
            v, "p/", key))
        _check_str_argument("prefix", lambda v: access.override_encryption_key("b", v, key))
        _raises(ValueError, "bucket_name", lambda: access.override_encryption_key("", "p/", key))
        _raises(InvalidArgumentError, "prefix must end with slash",
                lambda: access.override_encryption_key("b", "p", key))
        _raises(InvalidArgumentError, "prefix must end with slash",
                lambda: access.override_encryption_key("b", "", key))
        for wrong in (None, "key", b"key", access):
            _raises(TypeError, "encryption_key",
                    lambda: access.override_encryption_key("b", "p/", wrong))


def test_edge_bad_arguments(access: Access, testnet: Any) -> None:
    good = EdgeConfig(testnet.auth_address, insecure_unencrypted_connection=True)
    _raises(TypeError, "config", lambda: register_access(None, access))  # type: ignore
    _raises(TypeError, "config", lambda: access.register_edge_credentials("auth:7777"))
    _check_str_argument("config.auth_service_address",
                        lambda v: register_access(EdgeConfig(v), access))
    _raises(TypeError, "config.certificate_pem",
            lambda: register_access(EdgeConfig("a:1", certificate_pem=1), access))
    _raises(TypeError, "config.insecure_unencrypted_connection",
            lambda: register_access(EdgeConfig("a:1", insecure_unencrypted_connection="no"),
                                    access))
    for field in ("dial_timeout_milliseconds", "request_timeout_milliseconds"):
        _raises(TypeError, f"config.{field}",
                lambda: register_access(EdgeConfig("a:1", **{field: "10"}), access))
        _raises(ValueError, f"config.{field}",
                lambda: register_access(EdgeConfig("a:1", **{field: 2**63}), access))
    for wrong in (None, "access", access.serialize()):
        _raises(TypeError, "access", lambda: register_access(good, wrong))
    _raises(TypeError, "is_public", lambda: register_access(good, access, "yes"))
    # What storj.io/uplink/edge reports, as uplink-c gives it: no probe first.
    for address, error, naming in (
            ("127.0.0.1:1", errors.EdgeRegisterAccessFailedError, "register access"),
            ("garbage", errors.EdgeRegisterAccessFailedError, "register access"),
            ("", errors.InvalidArgumentError, "AuthServiceAddress")):
        start = time.monotonic()
        exc = _raises(error, naming,
                      lambda: register_access(EdgeConfig(address, None, True), access))
        assert time.monotonic() - start < HANG_CEILING
        assert access.serialize() not in str(exc) + repr(exc)


# ===========================================================================
# Project

def _project_calls(project: Project, access: Access, bucket: str) -> Dict[str, Callable[[], Any]]:
    """One call of every public Project method, with valid arguments."""
    return {
        "ensure_bucket": lambda: project.ensure_bucket(bucket),
        "stat_bucket": lambda: project.stat_bucket(bucket),
        "create_bucket": lambda: project.create_bucket(bucket),
        "create_bucket_with_object_lock": lambda: project.create_bucket_with_object_lock(bucket),
        "delete_bucket": lambda: project.delete_bucket(bucket),
        "delete_bucket_with_objects": lambda: project.delete_bucket_with_objects(bucket),
        "iter_buckets": project.iter_buckets,
        "list_buckets": project.list_buckets,
        "stat_object": lambda: project.stat_object(bucket, "k"),
        "put_object": lambda: project.put_object(bucket, "k", b"x"),
        "get_object": lambda: project.get_object(bucket, "k"),
        "iter_objects": lambda: project.iter_objects(bucket),
        "list_objects": lambda: project.list_objects(bucket),
        "delete_object": lambda: project.delete_object(bucket, "k"),
        "copy_object": lambda: project.copy_object(bucket, "k", bucket, "k2"),
        "move_object": lambda: project.move_object(bucket, "k", bucket, "k2"),
        "update_object_metadata": lambda: project.update_object_metadata(bucket, "k", {}),
        "upload_object": lambda: project.upload_object(bucket, "k"),
        "download_object": lambda: project.download_object(bucket, "k"),
        "open": lambda: project.open(bucket, "k", "wb"),
        "open (rb)": lambda: project.open(bucket, "k"),
        "upload_file": lambda: project.upload_file(bucket, "k", io.BytesIO(b"x")),
        "download_file": lambda: project.download_file(bucket, "k", io.BytesIO()),
        "begin_upload": lambda: project.begin_upload(bucket, "k"),
        "upload_part": lambda: project.upload_part(bucket, "k", "id", 1),
        "commit_upload": lambda: project.commit_upload(bucket, "k", "id"),
        "abort_upload": lambda: project.abort_upload(bucket, "k", "id"),
        "iter_uploads": lambda: project.iter_uploads(bucket),
        "list_uploads": lambda: project.list_uploads(bucket),
        "iter_upload_parts": lambda: project.iter_upload_parts(bucket, "k", "id"),
        "iter_parts": lambda: project.iter_parts(bucket, "k", "id"),
        "list_upload_parts": lambda: project.list_upload_parts(bucket, "k", "id"),
        "get_bucket_versioning": lambda: project.get_bucket_versioning(bucket),
        "set_bucket_versioning": lambda: project.set_bucket_versioning(bucket, True),
        "stat_object_version": lambda: project.stat_object_version(bucket, "k"),
        "delete_object_version": lambda: project.delete_object_version(bucket, "k"),
        "iter_object_versions": lambda: project.iter_object_versions(bucket),
        "list_object_versions": lambda: project.list_object_versions(bucket),
        "get_bucket_object_lock_configuration":
            lambda: project.get_bucket_object_lock_configuration(bucket),
        "set_bucket_object_lock_configuration":
            lambda: project.set_bucket_object_lock_configuration(
                bucket, ObjectLockConfiguration()),
        "set_object_retention": lambda: project.set_object_retention(bucket, "k", None),
        "get_object_retention": lambda: project.get_object_retention(bucket, "k"),
        "set_object_legal_hold": lambda: project.set_object_legal_hold(bucket, "k", False),
        "get_object_legal_hold": lambda: project.get_object_legal_hold(bucket, "k"),
        "delete_objects": lambda: project.delete_objects(bucket, []),
        "revoke_access": lambda: project.revoke_access(access),
    }


def test_project_methods_after_close(access: Access) -> None:
    project = access.open_project()
    project.close()
    project.close()  # twice is fine
    calls = _project_calls(project, access, "some-bucket")
    public = {name for name in dir(Project) if not name.startswith("_")
              and callable(getattr(Project, name))}
    assert public - {"close"} == {name.split()[0] for name in calls}, "a new Project method needs a case here"
    for name, call in calls.items():
        _raises(ClosedError, "project is closed", call)
    _raises(ClosedError, "project is closed", project.__enter__)


# Every bucket_name / key argument of Project: (name, call taking the value).
def _bucket_arguments(project: Project, bucket: str) -> List[Tuple[str, Callable[[Any], Any]]]:
    return [
        ("bucket_name", project.ensure_bucket), ("bucket_name", project.stat_bucket),
        ("bucket_name", project.create_bucket), ("bucket_name", project.delete_bucket),
        ("bucket_name", project.delete_bucket_with_objects),
        ("bucket_name", project.create_bucket_with_object_lock),
        ("bucket_name", project.get_bucket_versioning),
        ("bucket_name", lambda v: project.set_bucket_versioning(v, True)),
        ("bucket_name", project.get_bucket_object_lock_configuration),
        ("bucket_name", lambda v: project.set_bucket_object_lock_configuration(
            v, ObjectLockConfiguration())),
        ("bucket_name", lambda v: project.stat_object(v, "k")),
        ("bucket_name", lambda v: project.iter_objects(v)),
        ("bucket_name", lambda v: project.iter_uploads(v)),
        ("bucket_name", lambda v: project.iter_object_versions(v)),
        ("bucket_name", lambda v: project.upload_object(v, "k")),
        ("bucket_name", lambda v: project.upload_object(v, "k", legal_hold=True)),
        ("bucket_name", lambda v: project.download_object(v, "k")),
        ("bucket_name", lambda v: project.delete_object(v, "k")),
        ("bucket_name", lambda v: project.begin_upload(v, "k")),
        ("bucket_name", lambda v: project.delete_objects(v, ["k"])),
        ("bucket_name", lambda v: project.update_object_metadata(v, "k", {})),
        ("old_bucket", lambda v: project.copy_object(v, "k", bucket, "k")),
        ("new_bucket", lambda v: project.move_object(bucket, "k", v, "k")),
    ]


def _key_arguments(project: Project, bucket: str) -> List[Tuple[str, Callable[[Any], Any]]]:
    return [
        ("storj_path", lambda v: project.stat_object(bucket, v)),
        ("storj_path", lambda v: project.upload_object(bucket, v)),
        ("storj_path", lambda v: project.upload_object(bucket, v, if_none_match="*")),
        ("storj_path", lambda v: project.download_object(bucket, v)),
        ("storj_path", lambda v: project.download_object(bucket, v, version=b"v" * 16)),
        ("storj_path", lambda v: project.delete_object(bucket, v)),
        ("storj_path", lambda v: project.update_object_metadata(bucket, v, {})),
        ("old_key", lambda v: project.copy_object(bucket, v, bucket, "k")),
        ("new_key", lambda v: project.move_object(bucket, "k", bucket, v)),
        ("key", lambda v: project.begin_upload(bucket, v)),
        ("key", lambda v: project.upload_part(bucket, v, "id", 1)),
        ("key", lambda v: project.commit_upload(bucket, v, "id")),
        ("key", lambda v: project.abort_upload(bucket, v, "id")),
        ("key", lambda v: project.iter_upload_parts(bucket, v, "id")),
        ("key", lambda v: project.stat_object_version(bucket, v)),
        ("key", lambda v: project.delete_object_version(bucket, v)),
        ("key", lambda v: project.get_object_retention(bucket, v)),
        ("key", lambda v: project.set_object_retention(bucket, v, None)),
        ("key", lambda v: project.get_object_legal_hold(bucket, v)),
        ("key", lambda v: project.set_object_legal_hold(bucket, v, True)),
        ("items[0]", lambda v: project.delete_objects(bucket, [v])),
        ("upload_id", lambda v: project.upload_part(bucket, "k", v, 1)),
        ("upload_id", lambda v: project.commit_upload(bucket, "k", v)),
        ("upload_id", lambda v: project.abort_upload(bucket, "k", v)),
        ("upload_id", lambda v: project.iter_upload_parts(bucket, "k", v)),
    ]


def test_wrong_types_for_names_and_keys(project: Project) -> None:
    """Checked before anything reaches the network (or the handle table)."""
    for what, call in _bucket_arguments(project, "bucket") + _key_arguments(project, "bucket"):
        _check_str_argument(what, call)


@pytest.mark.parametrize("name", [
    "", "a", "ab", "ABC", "Bucket", "a" * 64, "a..b", ".abc", "abc.", "-abc", "abc-",
    "192.168.1.1", "a_b", "a b", "é-bucket", "\udcff\udcfe\udcfd", "a/b"])
def test_invalid_bucket_names(project: Project, name: str) -> None:
    with pytest.raises(BucketNameInvalidError) as info:
        project.create_bucket(name)
    assert info.value.code == 0x10
    with pytest.raises(BucketNameInvalidError) as locked:
        project.create_bucket_with_object_lock(name)
    assert locked.value.code == 0x10
    with pytest.raises(BucketNameInvalidError):
        project.ensure_bucket(name)


def test_keys_empty_long_and_odd(project: Project, bucket: str) -> None:
    for call in (lambda: project.upload_object(bucket, ""),
                 lambda: project.stat_object(bucket, ""),
                 lambda: project.download_object(bucket, ""),
                 lambda: project.delete_object(bucket, ""),
                 lambda: project.begin_upload(bucket, ""),
                 lambda: project.move_object(bucket, "", bucket, "x")):
        with pytest.raises(ObjectKeyInvalidError):
            call()
    huge = "k" * (100 * 1024)
    with pytest.raises(InvalidArgumentError, match="key length"):
        with project.upload_object(bucket, huge) as upload:
            upload.write(b"x")
    _raises(InvalidArgumentError, "key length", lambda: project.begin_upload(bucket, huge))
    with pytest.raises(ObjectNotFoundError):
        project.stat_object(bucket, huge)
    with pytest.raises(ObjectNotFoundError):
        project.download_object(bucket, huge)
    # Long keys and keys that are no valid UTF-8 (surrogate-escaped, as a listing
    # returns them) round-trip exactly.
    keys = ["k" * 2000, "\udcff\udcfe", "/", "a//b", "dir/../x", "é ☃ \U0001F600"]
    for key in keys:
        with project.upload_object(bucket, key) as upload:
            upload.write(key.encode("utf-8", "surrogateescape"))
        assert project.stat_object(bucket, key).key == key
        with project.download_object(bucket, key) as download:
            assert download.readall() == key.encode("utf-8", "surrogateescape")
    listed = {o.key for o in project.list_objects(bucket, ListObjectsOptions(recursive=True))}
    assert listed == set(keys)


def test_an_expiry_in_the_past_is_an_invalid_argument_while_bytes_flow(project: Project,
                                                                        bucket: str) -> None:
    """The satellite's refusal can arrive while a write is under way: Go's buffer then
    told the writer only "WaitWrite called after DoneWriting" (an InternalError in 3 of
    75 such puts, and in the fuzz tier); the refusal itself must come through."""
    expired = UploadOptions(int(time.time()) - 10)
    for size in (1 << 20, 8 << 20):
        for attempt in range(25):
            _raises(InvalidArgumentError, "expiration time",
                    lambda: project.put_object(bucket, f"e{attempt}", b"e" * size,
                                               upload_options=expired))
    assert project.list_objects(bucket) == []


def test_options_bad_values(project: Project, bucket: str) -> None:
    with project.upload_object(bucket, "k") as upload:
        upload.write(b"0123456789")
    for options, error, what in [
            (1, TypeError, "upload_options"), ("x", TypeError, "upload_options"),
            (DownloadOptions(), TypeError, "upload_options"),
            (UploadOptions(-1), ValueError, "upload_options.expires"),
            (UploadOptions(-2**63), ValueError, "upload_options.expires"),
            (UploadOptions(2**63), ValueError, "upload_options.expires"),
            (UploadOptions(2**62), ValueError, "upload_options.expires"),
            (UploadOptions(1.5), TypeError, "upload_options.expires"),  # type: ignore
            (UploadOptions(True), TypeError, "upload_options.expires"),
            (UploadOptions("1"), TypeError, "upload_options.expires"),  # type: ignore
            (UploadOptions(datetime.datetime(1, 1, 1)), ValueError, "upload_options.expires"),
            (UploadOptions(datetime.datetime(1960, 1, 1, tzinfo=datetime.timezone.utc)),
             ValueError, "upload_options.expires")]:
        _raises(error, what, lambda: project.upload_object(bucket, "e", options))
        _raises(error, what, lambda: project.upload_object(bucket, "e", options,
                                                           if_none_match="*"))
        _raises(error, what, lambda: project.begin_upload(bucket, "e", options))
    with pytest.raises(InvalidArgumentError, match="past"):
        with project.upload_object(bucket, "e", UploadOptions(1)) as upload:
            upload.write(b"x")
    for options, error, what in [
            (1, TypeError, "download_options"), (UploadOptions(), TypeError, "download_options"),
            (DownloadOptions(2**63, 1), ValueError, "download_options.offset"),
            (DownloadOptions(-2**63 - 1, -1), ValueError, "download_options.offset"),
            (DownloadOptions(0, 2**63), ValueError, "download_options.length"),
            (DownloadOptions(True, 1), TypeError, "download_options.offset"),
            (DownloadOptions(0, False), TypeError, "download_options.length"),
            (DownloadOptions(None, None), TypeError, "download_options.offset"),  # type: ignore
            (DownloadOptions(1.5, 1), TypeError, "download_options.offset")]:  # type: ignore
        _raises(error, what, lambda: project.download_object(bucket, "k", options))
        _raises(error, what, lambda: project.download_object(bucket, "k", options,
                                                             version=b"v" * 16))
    _raises(InvalidArgumentError, "suffix", lambda: project.download_object(
        bucket, "k", DownloadOptions(-5, 3)))
    # Extreme but valid ranges clip to the object.
    for offset, length, expected in [(-2**63, -1, b"0123456789"), (0, 2**63 - 1, b"0123456789"),
                                     (2**62, 1, b""), (-3, -1, b"789")]:
        with project.download_object(bucket, "k", DownloadOptions(offset, length)) as download:
            assert download.readall() == expected
    for options, error, what in [
            (1, TypeError, "list_object_options"),
            (ListBucketsOptions(), TypeError, "list_object_options"),
            (ListObjectsOptions(prefix=1), TypeError, "list_object_options.prefix"),
            (ListObjectsOptions(prefix=b"p/"), TypeError, "list_object_options.prefix"),
            (ListObjectsOptions(cursor="\0"), ValueError, "list_object_options.cursor"),
            (ListObjectsOptions(recursive="yes"), TypeError, "list_object_options.recursive"),
            (ListObjectsOptions(system=2), ValueError, "list_object_options.system")]:
        _raises(error, what, lambda: project.list_objects(bucket, options))
    # Any prefix is taken (filtered in Python, as S3 gateways do), but checked as the
    # native call would check it.
    assert project.list_objects(bucket, ListObjectsOptions(prefix="no-slash")) == []
    for prefix, error in [("no\0slash", ValueError), ("a/no\0slash", ValueError),
                          ("a/\ud800x", ValueError)]:
        _raises(error, "list_object_options.prefix",
                lambda: project.list_objects(bucket, ListObjectsOptions(prefix=prefix)))
    for options, error, what in [
            (1, TypeError, "list_bucket_options"),
            (ListObjectsOptions(), TypeError, "list_bucket_options"),
            (ListBucketsOptions(cursor=1), TypeError, "list_bucket_options.cursor"),
            (ListBucketsOptions(cursor="a\0"), ValueError, "list_bucket_options.cursor")]:
        _raises(error, what, lambda: project.list_buckets(options))
    for options, error, what in [
            (1, TypeError, "list_uploads_options"),
            (ListObjectsOptions(), TypeError, "list_uploads_options"),
            (ListUploadsOptions(prefix=1), TypeError, "list_uploads_options.prefix")]:
        _raises(error, what, lambda: project.list_uploads(bucket, options))
    for options, error, what in [
            (1, TypeError, "list_object_versions_options"),
            (ListObjectsOptions(), TypeError, "list_object_versions_options"),
            (ListObjectVersionsOptions(version_cursor="v"), TypeError, "version_cursor"),
            (ListObjectVersionsOptions(version_cursor=b""), ValueError, "version_cursor"),
            (ListObjectVersionsOptions(cursor=b"k"), TypeError, "cursor")]:
        _raises(error, what, lambda: project.list_object_versions(bucket, options))
    for options, error, what in [
            (1, TypeError, "list_upload_parts_options"),
            (ListUploadPartsOptions(-1), ValueError, "list_upload_parts_options.cursor"),
            (ListUploadPartsOptions(2**32), ValueError, "list_upload_parts_options.cursor"),
            (ListUploadPartsOptions(True), TypeError, "list_upload_parts_options.cursor"),
            (ListUploadPartsOptions(None), TypeError,  # type: ignore
             "list_upload_parts_options.cursor")]:
        _raises(error, what, lambda: project.list_upload_parts(bucket, "k", "id", options))


def test_flags_and_versions_bad_values(project: Project, bucket: str) -> None:
    with project.upload_object(bucket, "k") as upload:
        upload.write(b"x")
    for value, error in [(None, TypeError), ("yes", TypeError), (0.5, TypeError),
                         (2, ValueError), (-1, ValueError)]:
        _raises(error, "enabled", lambda: project.set_bucket_versioning(bucket, value))
        _raises(error, "enabled", lambda: project.set_object_legal_hold(bucket, "k", value))
        _raises(error, "legal_hold", lambda: project.upload_object(bucket, "k",
                                                                   legal_hold=value))
        _raises(error, "object_lock_enabled",
                lambda: project.create_bucket_with_object_lock(bucket + "-x", value))
        _raises(error, "bypass_governance_retention",
                lambda: project.delete_object_version(bucket, "k", b"v" * 16,
                                                      bypass_governance_retention=value))
        _raises(error, "quiet", lambda: project.delete_objects(bucket, ["k"], quiet=value))
    for value, error in [("version", TypeError), (1, TypeError), (["v"], TypeError),
                         (LyingLen(), TypeError), (b"", ValueError)]:
        for call in (lambda: project.stat_object_version(bucket, "k", value),
                     lambda: project.delete_object_version(bucket, "k", value),
                     lambda: project.download_object(bucket, "k", version=value),
                     lambda: project.get_object_retention(bucket, "k", version=value),
                     lambda: project.set_object_legal_hold(bucket, "k", True, version=value),
                     lambda: project.download_file(bucket, "k", io.BytesIO(), version=value)):
            _raises(error, "version", call)
    for value in (b"garbage", bytearray(b"x"), memoryview(b"abc")):
        _raises(InvalidArgumentError, "version", lambda: project.stat_object_version(bucket, "k", value))
    for value, error, what in [("nope", TypeError, "retention"),
                               (RetentionMode.GOVERNANCE, TypeError, "retention")]:
        _raises(error, what, lambda: project.set_object_retention(bucket, "k", value))
        _raises(error, what, lambda: project.upload_object(bucket, "k", retention=value))
    for value, error in [("x", ValueError), (b"*", TypeError), (1, TypeError)]:
        _raises(error, "if_none_match", lambda: project.upload_object(bucket, "k",
                                                                      if_none_match=value))
    for configuration, error, what in [
            (None, TypeError, "configuration"), ({"enabled": True}, TypeError, "configuration"),
            (ObjectLockConfiguration(True, RetentionMode.GOVERNANCE, -1), ValueError,
             "default_retention_days"),
            (ObjectLockConfiguration(True, RetentionMode.GOVERNANCE, 2**40), ValueError,
             "default_retention_days"),
            (ObjectLockConfiguration(True, RetentionMode.GOVERNANCE, 0, True), TypeError,
             "default_retention_years"),
            (ObjectLockConfiguration("yes"), TypeError, "configuration.enabled")]:
        _raises(error, what, lambda: project.set_bucket_object_lock_configuration(
            bucket, configuration))
    # Nothing above changed the bucket or the object.
    assert project.get_bucket_versioning(bucket).name == "UNVERSIONED"
    assert project.stat_object(bucket, "k").system.content_length == 1


def test_delete_objects_bad_items(project: Project, bucket: str) -> None:
    for items, error, what in [
            (None, TypeError, "keys_or_items"), (1, TypeError, "keys_or_items"),
            (LyingLen(), TypeError, "keys_or_items"), ("key", TypeError, "keys_or_items"),
            (b"key", TypeError, "keys_or_items"), ([1], TypeError, "keys_or_items[0]"),
            (["a", None], TypeError, "keys_or_items[1]"),
            ([("k",)], TypeError, "keys_or_items[0]"), ([("k", b"v", 3)], TypeError,
                                                        "keys_or_items[0]"),
            ([("k", "v")], TypeError, "items[0].version"),
            ([("k", b"")], ValueError, "items[0].version"),
            ([b"k"], TypeError, "keys_or_items[0]"), (["k\0"], ValueError, "items[0].key"),
            (["\ud800"], ValueError, "items[0].key")]:
        _raises(error, what, lambda: project.delete_objects(bucket, items))
    _raises(InvalidArgumentError, "key", lambda: project.delete_objects(bucket, [""]))
    [missing] = project.delete_objects(bucket, ["missing"])
    assert not missing.ok and missing.status.name == "NOT_FOUND"


def test_revoke_access_bad_arguments(project: Project, access: Access) -> None:
    for wrong in (None, "grant", access.serialize(), 1):
        _raises(TypeError, "access", lambda: project.revoke_access(wrong))
    shared = access.share(Permission(allow_list=True), [])
    shared.close()
    _raises(ClosedError, "access is closed", lambda: project.revoke_access(shared))


# ===========================================================================
# Upload

def test_write_bad_data_and_sizes(project: Project, bucket: str) -> None:
    upload = project.upload_object(bucket, "w")
    for data, error in [(None, TypeError), (1, TypeError), ("text", TypeError),
                        (["a"], TypeError), (LyingLen(), TypeError), ({"a": 1}, TypeError)]:
        _raises(error, "data_to_write", lambda: upload.write(data))
    for size, error in [(-1, ValueError), (4, ValueError), (2**63, ValueError),
                        (-2**63, ValueError), (2**64, ValueError), (True, TypeError),
                        (False, TypeError), (1.0, TypeError), ("1", TypeError)]:
        _raises(error, "size_to_write", lambda: upload.write(b"abc", size))
    for data in (memoryview(b"abcdef")[::2], memoryview(bytearray(12)).cast("B", (3, 4))[::2]):
        _raises(ValueError, "contiguous", lambda: upload.write(data))
    _raises(ValueError, "size_to_write", lambda: upload.write(LyingBytes(b"abc"), 4))
    # Contiguous buffers of any format count in bytes; a lying length is not believed.
    ints = array.array("i", [1, 2, 3])
    written = [upload.write(ints), upload.write(memoryview(bytearray(b"ab" * 3)).cast("B", (2, 3))),
               upload.write(memoryview(bytearray(8)).cast("d")), upload.write(LyingBytes(b"lie")),
               upload.write(memoryview(bytearray(b"0123456789"))[2:5]), upload.write(b""),
               upload.write(memoryview(b"")), upload.write(bytearray(b"xyz"), 0)]
    assert written == [12, 6, 8, 3, 3, 0, 0, 0]
    upload.commit()
    upload.close()
    with project.download_object(bucket, "w") as download:
        assert download.readall() == (ints.tobytes() + b"ababab" + bytes(8) + b"lie" + b"234")


def test_upload_after_commit_abort_and_failed_commit(project: Project, bucket: str) -> None:
    upload = project.upload_object(bucket, "done")
    upload.write(b"x")
    upload.commit()
    _raises(UploadDoneError, "already", upload.commit)
    _raises(UploadDoneError, "already", upload.abort)
    _raises(UploadDoneError, "already", lambda: upload.write(b"more"))
    _raises(UploadDoneError, "already", lambda: upload.write_file(io.BytesIO(b"more")))
    _raises(UploadDoneError, "already", lambda: upload.set_custom_metadata({"a": "b"}))
    upload.close()
    aborted = project.upload_object(bucket, "aborted")
    aborted.write(b"x")
    aborted.abort()
    _raises(UploadDoneError, "already", lambda: aborted.write(b"x"))
    _raises(UploadDoneError, "already", aborted.commit)
    aborted.close()
    # A commit that fails (metadata too large) leaves nothing behind, and close()
    # afterwards does not raise: Go holds the upload done and refuses an abort.
    failed = project.upload_object(bucket, "failed")
    failed.write(b"x")
    failed.set_custom_metadata({"big": "v" * 100_000})
    _raises(InvalidArgumentError, "metadata is too large", failed.commit)
    _raises(UploadDoneError, "already", failed.commit)
    failed.close()
    failed.close()
    with pytest.raises(InvalidArgumentError):
        with project.upload_object(bucket, "failed-with") as upload:
            upload.set_custom_metadata({"big": "v" * 100_000})
    assert [o.key for o in project.list_objects(bucket)] == ["done"]


def test_custom_metadata_bad_keys_and_values(project: Project, bucket: str) -> None:
    with project.upload_object(bucket, "m") as upload:
        for metadata, error, what in [
                ({1: "v"}, TypeError, "CustomMetadataEntry.key"),
                ({None: "v"}, TypeError, "CustomMetadataEntry.key"),
                ({("t",): "v"}, TypeError, "CustomMetadataEntry.key"),
                ({"k": 1}, TypeError, "CustomMetadataEntry.value"),
                ({"k": None}, TypeError, "CustomMetadataEntry.value"),
                ({"\ud800": "v"}, ValueError, "CustomMetadataEntry.key"),
                ({"k": "v\ud800"}, ValueError, "CustomMetadataEntry.value"),
                ([("k", "v")], TypeError, "custom_metadata"), ("k=v", TypeError,
                                                               "custom_metadata"),
                (1, TypeError, "custom_metadata"),
                (CustomMetadata([1]), TypeError, "custom_metadata.entries[0]"),  # type: ignore
                (CustomMetadata([("k", "v")]), TypeError,  # type: ignore
                 "custom_metadata.entries[0]")]:
            _raises(error, what, lambda: upload.set_custom_metadata(metadata))
        for metadata, what in [({"": "v"}, "empty key"), ({"k\0": "v"}, "0 byte"),
                               ({b"\xff": "v"}, "utf-8"), ({"k": b"\xfe"}, "utf-8")]:
            _raises(InvalidArgumentError, what, lambda: upload.set_custom_metadata(metadata))
        upload.set_custom_metadata({"good": "value"})
        upload.write(b"m")
    assert project.stat_object(bucket, "m").custom.to_dict() == {"good": "value"}
    for metadata, error in [(1, TypeError), ({1: "v"}, TypeError), ({"\ud800": "v"}, ValueError)]:
        _raises(error, "CustomMetadata", lambda: project.update_object_metadata(
            bucket, "m", metadata))
    assert project.stat_object(bucket, "m").custom.to_dict() == {"good": "value"}


def test_write_file_and_read_file_bad_arguments(project: Project, bucket: str) -> None:
    with project.upload_object(bucket, "f") as upload:
        for handle, error, what in [(None, TypeError, "file_handle"),
                                    ("/etc/passwd", TypeError, "file_handle"),
                                    (b"data", TypeError, "file_handle"),
                                    (io.StringIO("text"), TypeError, "binary mode")]:
            _raises(error, what, lambda: upload.write_file(handle))
        for size, error in [(-1, ValueError), ("x", TypeError), (True, TypeError),
                            (1.5, TypeError), (None, TypeError)]:
            _raises(error, "buffer_size", lambda: upload.write_file(io.BytesIO(b"x"), size))
        assert upload.write_file(io.BytesIO(b"payload"), 3) == 7
    with project.download_object(bucket, "f") as download:
        for handle, error, what in [(None, TypeError, "file_handle"),
                                    ("/tmp/out", TypeError, "file_handle"),
                                    (io.StringIO(), TypeError, "binary mode")]:
            _raises(error, what, lambda: download.read_file(handle))
        for size, error in [(-1, ValueError), ("x", TypeError), (False, TypeError)]:
            _raises(error, "buffer_size", lambda: download.read_file(io.BytesIO(), size))
        target = io.BytesIO()
        assert download.read_file(target, 2) == 7 and target.getvalue() == b"payload"
    for source in (None, 1, io.StringIO("text"), b"bytes"):
        _raises(TypeError, "source", lambda: project.upload_file(bucket, "u", source))
    for target in (None, 1, io.StringIO(), b"bytes"):
        _raises(TypeError, "target", lambda: project.download_file(bucket, "f", target))
    for kwargs, error, what in [({"part_size": 0}, ValueError, "part_size"),
                                ({"part_size": True}, TypeError, "part_size"),
                                ({"concurrency": 0}, ValueError, "concurrency"),
                                ({"concurrency": 1.5}, TypeError, "concurrency"),
                                ({"progress": 1}, TypeError, "progress")]:
        _raises(error, what, lambda: project.upload_file(bucket, "u", io.BytesIO(b"x"), **kwargs))
        _raises(error, what, lambda: project.download_file(bucket, "f", io.BytesIO(), **kwargs))
    assert {o.key for o in project.list_objects(bucket)} == {"f"}


def _upload_calls(upload: Any) -> Dict[str, Callable[[], Any]]:
    calls: Dict[str, Callable[[], Any]] = {
        "write": lambda: upload.write(b"x"),
        "write(b'')": lambda: upload.write(b""),
        "write_file": lambda: upload.write_file(io.BytesIO(b"x")),
        "write_file(empty)": lambda: upload.write_file(io.BytesIO()),
        "commit": upload.commit, "abort": upload.abort, "cancel": upload.cancel,
        "writable": upload.writable, "info": upload.info, "__enter__": upload.__enter__,
        "readable": upload.readable, "read": upload.read, "readall": upload.readall,
        "readinto": lambda: upload.readinto(bytearray(1)), "readline": upload.readline,
        "readlines": upload.readlines,
    }
    if isinstance(upload, Upload):
        calls["versioned_info"] = upload.versioned_info
        calls["set_custom_metadata"] = lambda: upload.set_custom_metadata({"a": "b"})
    else:
        calls["set_etag"] = lambda: upload.set_etag("etag")
    return calls


def _own_methods(*classes: type) -> set:
    return {name for cls in classes for name, value in vars(cls).items()
            if callable(value) and (not name.startswith("_") or name == "__enter__")}


def test_an_upload_is_write_only(project: Project, bucket: str) -> None:
    """read* are io.UnsupportedOperation (not NotImplementedError, nor OverflowError for
    a huge size), and the upload goes on."""
    with project.upload_object(bucket, "write-only") as upload:
        upload.write(b"x")
        assert not upload.readable()
        for call in (upload.read, lambda: upload.read(10), lambda: upload.read(2**62),
                     upload.readall, lambda: upload.readinto(bytearray(4)), upload.readline,
                     upload.readlines):
            with pytest.raises(io.UnsupportedOperation, match="write-only"):
                call()
        upload.write(b"y")
    with project.download_object(bucket, "write-only") as download:
        assert download.readall() == b"xy"


def test_upload_methods_after_close(project: Project, bucket: str) -> None:
    upload = project.upload_object(bucket, "closed")
    upload.write(b"x")
    with pytest.warns(ResourceWarning, match="without commit"):
        upload.close()
    upload.close()
    calls = _upload_calls(upload)
    assert _own_methods(Upload, type(upload).__mro__[1]) - {"close"} <= set(calls)
    for name, call in calls.items():
        _raises(ClosedError, "upload is closed", call)
    assert "closed" in repr(upload)
    with pytest.raises(ValueError):
        upload.flush()
    assert project.list_objects(bucket) == []


# ===========================================================================
# Download

def test_read_bad_sizes_and_buffers(project: Project, bucket: str) -> None:
    with project.upload_object(bucket, "r") as upload:
        upload.write(bytes(range(100)))
    with project.download_object(bucket, "r") as download:
        # A huge size reads what there is: no allocation of that size.
        data, count = download.read(2**62)
        assert 0 < count <= 100 and data == bytes(range(count))
    with project.download_object(bucket, "r") as download:
        for size, error in [(None, TypeError), ("1", TypeError), (1.5, TypeError),
                            (True, TypeError), (2**63, ValueError), (2**64, ValueError)]:
            _raises(error, "size_to_read", lambda: download.read(size))
        for buffer, error, what in [(None, TypeError, "buffer"), (b"abcd", TypeError, "writable"),
                                    (memoryview(b"abcd"), TypeError, "writable"),
                                    (LyingBytes(b"abcd"), TypeError, "writable"),
                                    ("text", TypeError, "buffer"), (1, TypeError, "buffer"),
                                    (LyingLen(), TypeError, "buffer"),
                                    (memoryview(bytearray(8))[::2], ValueError, "contiguous")]:
            _raises(error, what, lambda: download.readinto(buffer))
        count = 0
        # readinto fills exactly the memoryview slice it is given.
        target = bytearray(b"." * 10)
        got = download.readinto(memoryview(target)[3:7])
        assert got == 4 and target[:3] == b"..." and target[7:] == b"..."
        assert bytes(target[3:7]) == bytes(range(count, count + 4))
        words = array.array("i", [0, 0])
        assert download.readinto(words) == 8
        assert words.tobytes() == bytes(range(count + 4, count + 12))
        rest = download.readall()
        assert rest == bytes(range(count + 12, 100))
        assert download.read(-2**63) == (b"", 0) and download.readinto(bytearray(4)) == 0
        _raises(TypeError, "writable", lambda: download.readinto(b"at eof"))


def test_readline_and_iteration_return_bytes(project: Project, bucket: str) -> None:
    """readline, readlines and iteration return bytes, though read() returns a pair."""
    with project.upload_object(bucket, "lines") as upload:
        upload.write(b"one\ntwo\n\nlast")
    with project.download_object(bucket, "lines") as download:
        for size, error in [("1", TypeError), (1.5, TypeError), (True, TypeError)]:
            _raises(error, "size", lambda: download.readline(size))
        assert download.readline(2) == b"on"
        assert download.readline() == b"e\n"
        assert list(download) == [b"two\n", b"\n", b"last"]
        assert download.readline() == b"" and download.readline(None) == b""
    with project.download_object(bucket, "lines") as download:
        assert download.readlines() == [b"one\n", b"two\n", b"\n", b"last"]


def test_download_methods_after_close(project: Project, bucket: str) -> None:
    with project.upload_object(bucket, "d") as upload:
        upload.write(b"data")
    download = project.download_object(bucket, "d")
    download.close()
    download.close()
    calls: Dict[str, Callable[[], Any]] = {
        "read": lambda: download.read(1), "read(0)": lambda: download.read(0),
        "read(-1)": lambda: download.read(-1), "readinto": lambda: download.readinto(bytearray(2)),
        "readinto(empty)": lambda: download.readinto(bytearray()),
        "readinto1": lambda: download.readinto1(bytearray(2)),
        "readall": download.readall, "read_file": lambda: download.read_file(io.BytesIO()),
        "reader": download.reader, "info": download.info,
        "versioned_info": download.versioned_info, "file_size": download.file_size,
        "cancel": download.cancel, "readlines": download.readlines,
        "__next__": lambda: next(download),
        "__enter__": download.__enter__, "readline": download.readline,
    }
    assert _own_methods(Download) - {"close", "__exit__", "__del__", "__reduce__",
                                     "__repr__", "__init__", "__iter__"} <= set(calls)
    for name, call in calls.items():
        _raises(ClosedError, "download is closed", call)
    assert "closed" in repr(download)


# ===========================================================================
# Multipart

def test_multipart_bad_arguments(project: Project, bucket: str) -> None:
    started = project.begin_upload(bucket, "mp")
    for number, error in [(-1, ValueError), (2**31, ValueError), (2**32, ValueError),
                          (-2**63, ValueError), (True, TypeError), (1.5, TypeError),
                          ("1", TypeError), (None, TypeError)]:
        _raises(error, "part_number", lambda: project.upload_part(bucket, "mp",
                                                                  started.upload_id, number))
    # The largest int32 passes the binding; Go refuses it (an InternalError before).
    _raises(InvalidArgumentError, "partNumber", lambda: project.upload_part(
        bucket, "mp", started.upload_id, 2**31 - 1))
    for upload_id in ("", "garbage", started.upload_id + "x", started.upload_id[:-2]):
        for call in (lambda: project.upload_part(bucket, "mp", upload_id, 1),
                     lambda: project.list_upload_parts(bucket, "mp", upload_id),
                     lambda: project.commit_upload(bucket, "mp", upload_id),
                     lambda: project.abort_upload(bucket, "mp", upload_id)):
            _raises(InternalError, "upload ID invalid", call)
    for metadata in (1, "k=v", [("k", "v")]):
        _raises(TypeError, "custom_metadata",
                lambda: project.commit_upload(bucket, "mp", started.upload_id, metadata))
    part = project.upload_part(bucket, "mp", started.upload_id, 1)
    for etag, error in [(None, TypeError), (1, TypeError), (["e"], TypeError),
                        ("e\0", ValueError), (b"e\0", ValueError), ("\ud800", ValueError)]:
        _raises(error, "etag", lambda: part.set_etag(etag))
    part.set_etag(b"\xff binary etag")
    part.write(b"part")
    part.commit()
    _raises(UploadDoneError, "already", part.commit)
    _raises(UploadDoneError, "already", lambda: part.write(b"x"))
    part.close()
    calls = _upload_calls(part)
    assert _own_methods(PartUpload, type(part).__mro__[1]) - {"close"} <= set(calls)
    for name, call in calls.items():
        _raises(ClosedError, "part upload is closed", call)
    assert [p.etag for p in project.list_upload_parts(bucket, "mp", started.upload_id)] == [
        b"\xff binary etag"]
    project.commit_upload(bucket, "mp", started.upload_id)
    _raises(ObjectNotFoundError, "mp", lambda: project.commit_upload(bucket, "mp",
                                                                     started.upload_id))


# ===========================================================================
# Listings

def test_listing_after_close(project: Project, bucket: str) -> None:
    for index in range(3):
        with project.upload_object(bucket, f"k{index}") as upload:
            upload.write(b"x")
    listing = project.iter_objects(bucket)
    first = next(listing).key
    listing.close()
    assert first in {"k0", "k1", "k2"}
    listing.close()
    assert listing.closed and "closed" in repr(listing)
    _raises(ClosedError, "listing is closed", lambda: next(listing))
    _raises(ClosedError, "listing is closed", lambda: list(listing))
    _raises(ClosedError, "listing is closed", listing.__enter__)
    listing.cancel()  # nothing left to cancel: no error
    # A listing that ran to its end just stays exhausted.
    finished = project.iter_buckets()
    assert bucket in [b.name for b in finished]
    assert list(finished) == [] and finished.closed
    finished.close()
    assert list(finished) == []
    # An error ends the listing; the loop does not go on silently.
    failing = project.iter_objects("no-such-bucket-here")
    with pytest.raises(errors.BucketNotFoundError):
        next(failing)
    assert list(failing) == []


def test_closing_the_project_under_open_children(access: Access, bucket: str,
                                                 project: Project) -> None:
    """``project`` made the bucket; a second project is closed under its children."""
    for key in ("a", "b"):
        with project.upload_object(bucket, key) as upload:
            upload.write(b"0123456789")
    doomed = access.open_project()
    upload = doomed.upload_object(bucket, "pending")
    upload.write(b"abc")
    download = doomed.download_object(bucket, "a")
    objects = doomed.iter_objects(bucket)
    assert next(objects).key in {"a", "b"}
    buckets = doomed.iter_buckets()
    started = doomed.begin_upload(bucket, "mp")
    part = doomed.upload_part(bucket, "mp", started.upload_id, 1)
    part.write(b"p")
    doomed.close()
    for call in (lambda: upload.write(b"x"), upload.commit, lambda: download.read(5),
                 lambda: download.readinto(bytearray(3)), lambda: next(objects),
                 lambda: next(buckets), lambda: part.write(b"x"), part.commit):
        with pytest.raises(CancelledError):
            call()
    for child in (upload, download, objects, buckets, part):
        child.close()
        child.close()
    assert sorted(o.key for o in project.list_objects(bucket)) == ["a", "b"]
    for pending in project.list_uploads(bucket):
        project.abort_upload(bucket, pending.key, pending.upload_id)


def test_children_outlive_a_forgotten_project(access: Access, bucket: str,
                                              project: Project) -> None:
    with project.upload_object(bucket, "k") as upload:
        upload.write(b"kept alive")
    download = access.open_project().download_object(bucket, "k")
    gc.collect()  # the project object is gone, its handle is not: the download holds it
    assert download.readall() == b"kept alive"
    download.close()


# ===========================================================================
# Secrets in errors

def test_secrets_never_appear_in_errors(uplink: Uplink, access: Access, project: Project,
                                        testnet: Any) -> None:
    shared = access.share(Permission(allow_list=True), [])
    api_key = api_key_of(shared.serialize())
    with uplink.request_access_with_passphrase(testnet.satellite_url, api_key, "pw") as works:
        assert works.satellite_address() == access.satellite_address()
    project.revoke_access(shared)
    texts: List[str] = []
    with pytest.raises(PermissionDeniedError) as info:
        uplink.request_access_with_passphrase(testnet.satellite_url, api_key, "my passphrase")
    texts += [str(info.value), repr(info.value), repr(pickle.loads(pickle.dumps(info.value)))]
    with pytest.raises(PermissionDeniedError) as info:
        with shared.open_project() as revoked:
            revoked.list_buckets()
    texts += [str(info.value), repr(info.value)]
    grant = access.serialize()
    corrupt = grant[:40] + ("A" if grant[40] != "A" else "B") + grant[41:]
    for bad in (corrupt, grant[:-5], grant + "x"):
        with pytest.raises(InternalError) as info:
            uplink.parse_access(bad)
        texts += [str(info.value), repr(info.value)]
    for text in texts:
        assert api_key not in text and grant[10:60] not in text
        assert "my passphrase" not in text and testnet.api_key not in text
    for thing in (access, project, shared):
        assert grant[10:60] not in repr(thing) + str(thing)
    shared.close()


# ===========================================================================
# Dead satellites: a short dial timeout must end the call, never a hang.

_DIAL_SCRIPT = r"""
import sys, time
from uplink_python import Config, Uplink
mode, target, api_key = sys.argv[1:4]
config = Config(dial_timeout_milliseconds=500)
start = time.monotonic()
try:
    if mode == "request":
        Uplink().config_request_access_with_passphrase(config, target, api_key, "passphrase")
    else:
        with Uplink().parse_access(target) as access, access.config_open_project(config) as p:
            p.stat_bucket("any-bucket")
    print("NO ERROR", time.monotonic() - start)
except Exception as exc:
    print(type(exc).__name__, time.monotonic() - start)
"""

# Go uplink retries a failed satellite request with backoff for about 6 s, so a
# dead satellite fails after several dial timeouts; it must fail, never hang.
_DIAL_LIMIT = 20.0


@pytest.fixture(scope="module")
def dial_runs(testnet: Any) -> Iterator[Tuple[float, Dict[str, "subprocess.Popen[str]"],
                                              Dict[str, socket.socket]]]:
    """Starts the four dead-satellite runs at once, so that they wait in parallel;
    yields their common deadline, the processes and the silent runs' listeners."""
    node = testnet.satellite_url.split("@")[0]
    listeners: Dict[str, socket.socket] = {}
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    dead = f"{node}@127.0.0.1:{closed.getsockname()[1]}"
    closed.close()  # nobody listens there now: connection refused
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    runs: Dict[str, "subprocess.Popen[str]"] = {}
    for kind in ("refused", "silent"):
        for mode in ("request", "project"):
            target = dead
            if kind == "silent":
                # Accepts TCP connections (the kernel's backlog) and never answers.
                listener = socket.socket()
                listener.bind(("127.0.0.1", 0))
                listener.listen(8)
                listeners[f"{mode}-{kind}"] = listener
                target = f"{node}@127.0.0.1:{listener.getsockname()[1]}"
            if mode == "project":
                target = grant_with_satellite(testnet.access, target)
            runs[f"{mode}-{kind}"] = subprocess.Popen(
                [sys.executable, "-c", _DIAL_SCRIPT, mode, target, testnet.api_key],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    yield time.monotonic() + _DIAL_LIMIT, runs, listeners
    for run in runs.values():
        if run.poll() is None:
            run.kill()
        run.communicate()
    for listener in listeners.values():
        listener.close()


def _connections_made(listener: socket.socket) -> int:
    """How many connections reached the listener (its queue, drained)."""
    listener.setblocking(False)
    count = 0
    while True:
        try:
            connection, _ = listener.accept()
        except BlockingIOError:
            return count
        connection.close()
        count += 1


def test_grant_helper_round_trips(testnet: Any) -> None:
    assert grant_with_satellite(testnet.access, testnet.satellite_url) == testnet.access
    assert api_key_of(testnet.access) == testnet.api_key


@pytest.mark.parametrize("run", ["request-refused", "project-refused", "request-silent",
                                 "project-silent"])
def test_dead_satellite_fails_instead_of_hanging(
        dial_runs: Tuple[float, Dict[str, Any], Dict[str, socket.socket]], run: str) -> None:
    deadline, runs, listeners = dial_runs
    process = runs[run]
    try:
        out, err = process.communicate(timeout=max(deadline - time.monotonic(), 0.1))
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f"{run}: still running after {_DIAL_LIMIT} s (a hang)")
    assert process.returncode == 0, err
    name, seconds = out.split()
    if run.endswith("silent"):
        # A dial that runs out of time is a timeout, and is not retried: the silent
        # satellite saw one connection.
        assert name == "StorjTimeoutError", out
        assert _connections_made(listeners[run]) == 1, f"{run}: the dial was retried"
    else:
        # An InternalError subclass that says the dial failed.
        assert name == "SatelliteUnreachableError", out
        assert float(seconds) < 15, f"{run}: took {seconds} s with a 500 ms dial timeout"
