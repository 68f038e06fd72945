"""The calls on accesses, projects, buckets and objects (everything but the
streams and the listings), each one trip through the gate."""

from __future__ import annotations

from ctypes import byref
from typing import Any, List, Optional, Tuple, Union

from .. import module_def as d
from ..module_classes import (Bucket, Config, DeleteResult, DeleteStatus, EdgeConfig,
                              EdgeCredentials, Object, ObjectLockConfiguration, Part, Permission,
                              Retention, RetentionMode, UploadInfo, UploadOptions,
                              VersionedObject, VersioningState)
from ._buffers import readable_buffer
from ._convert import (INT32, bucket_value, config_struct, custom_metadata, decode,
                       edge_credentials_value, encode, enum_value, expect, flag, integer, key_arg,
                       lock_configuration_value, object_value, optional_bytes, part_value,
                       permission_struct, permission_v2_struct, retention_struct,
                       retention_value, share_prefixes, uint8_pointer,
                       timeouts_struct, upload_info_value, upload_options, utf8,
                       version_arg, versioned_object_value)
from ._errors import check, pop_error, redacting
from ._gate import (Handle, call, free, own, scalar_taker, take_string, taker, value_taker)

# Takers of the results that carry an Object or a VersionedObject.
OBJECT = value_taker("object", "uplink_free_object_result", object_value)
VERSIONED_OBJECT = value_taker("object", "uplink_free_versioned_object_result",
                               versioned_object_value)
_BUCKET = value_taker("bucket", "uplink_free_bucket_result", bucket_value, attach="bucket")


def _own_access(result: Any) -> Handle:
    return own(result, "access", "uplink_free_access_result", "access")


# ---------------------------------------------------------------------------
# Access

def parse_access(serialized: str) -> Handle:
    """Parses a serialized access grant."""
    data = encode(serialized, "serialized_access")
    with redacting(serialized if isinstance(serialized, str) else None):
        access: Handle = call("uplink_parse_access", data, take=_own_access)
        return access


def request_access(config: Optional[Config], satellite: str, api_key: str,
                   passphrase: str) -> Handle:
    """Requests an access grant from the satellite (with the given config when not None)."""
    args = (encode(satellite, "satellite"), encode(api_key, "api_key"),
            encode(passphrase, "passphrase"))
    # The extension variant always: it gives the request timeout of Config
    # (the default one for None).
    structs = (config_struct(config), byref(timeouts_struct(config)))
    with redacting(api_key, passphrase):
        access: Handle = call("uplink_config_request_access_with_passphrase2", *structs,
                              *args, take=_own_access)
        return access


def access_serialize(access: Handle) -> str:
    """The serialized access grant."""
    serialized: str = call("uplink_access_serialize", access, take=take_string)
    return serialized


def access_satellite_address(access: Handle) -> str:
    """The satellite address of an access."""
    address: str = call("uplink_access_satellite_address", access, take=take_string)
    return address


def access_share(access: Handle, permission: Optional[Permission], prefixes: Any) -> Handle:
    """A new access restricted to ``permission`` and ``prefixes``; the extended
    permission set goes through uplink_access_share2."""
    array, count = share_prefixes(prefixes)
    if permission is not None and isinstance(permission, Permission) and permission.extended:
        shared: Handle = call("uplink_access_share2", access, permission_v2_struct(permission),
                              array, count, take=_own_access)
    else:
        shared = call("uplink_access_share", access, permission_struct(permission), array,
                      count, take=_own_access)
    return shared


def derive_encryption_key(passphrase: str, salt: Union[str, bytes]) -> Handle:
    """An encryption key derived from passphrase and salt."""
    data = encode(passphrase, "passphrase")
    if isinstance(salt, str):
        salt = utf8(salt, "salt")
    with readable_buffer(salt, None, "salt", "salt") as (pointer, count):
        with redacting(passphrase):
            key: Handle = call(
                "uplink_derive_encryption_key", data, pointer, count,
                take=lambda result: own(result, "encryption_key",
                                        "uplink_free_encryption_key_result", "encryption key"))
            return key


def access_override_encryption_key(access: Handle, bucket: str, prefix: str,
                                   key: Handle) -> None:
    """Makes ``access`` use ``key`` for objects under bucket/prefix."""
    call("uplink_access_override_encryption_key", access, encode(bucket, "bucket_name"),
         encode(prefix, "prefix"), key, take=check)


# ---------------------------------------------------------------------------
# Project

def open_project(access: Handle, config: Optional[Config]) -> Handle:
    """Opens a project with an access (with the given config when not None)."""
    def take(result: Any) -> Handle:
        return own(result, "project", "uplink_free_project_result", "project")
    project: Handle = call("uplink_config_open_project2", config_struct(config),
                           byref(timeouts_struct(config)), access, take=take)
    return project


def close_project(project: Handle) -> None:
    """Closes and releases a project (interrupting calls in progress, which raise
    ClosedError); a second call does nothing."""
    project.release(close="uplink_close_project")


def revoke_access(project: Handle, access: Handle) -> None:
    """Revokes an access grant derived from the project's access."""
    call("uplink_revoke_access", project, access, take=check)


# ---------------------------------------------------------------------------
# Buckets and objects

_BUCKET_CALLS = ("uplink_stat_bucket", "uplink_create_bucket", "uplink_ensure_bucket",
                 "uplink_delete_bucket", "uplink_delete_bucket_with_objects",
                 "uplink_delete_bucket_with_objects_bypass_governance_retention")


def bucket_call(name: str, project: Handle, bucket: str) -> Bucket:
    """Runs one of the ``(Project*, bucket) -> BucketResult`` calls."""
    assert name in _BUCKET_CALLS
    value: Bucket = call(name, project, encode(bucket, "bucket_name"), take=_BUCKET)
    return value


def stat_object(project: Handle, bucket: str, key: str) -> Object:
    """Information about an object."""
    info: Object = call("uplink_stat_object", project, encode(bucket, "bucket_name"),
                        key_arg(key, "storj_path"), take=OBJECT)
    return info


def delete_object(project: Handle, bucket: str, key: str) -> Optional[Object]:
    """Deletes an object; returns what was deleted (None when the library reports nothing)."""
    deleted: Optional[Object] = call(
        "uplink_delete_object", project, encode(bucket, "bucket_name"),
        key_arg(key, "storj_path"), take=taker("object", "uplink_free_object_result", object_value))
    return deleted


def copy_object(project: Handle, old_bucket: str, old_key: str, new_bucket: str,
                new_key: str) -> Object:
    """Copies an object server-side."""
    copied: Object = call("uplink_copy_object", project, encode(old_bucket, "old_bucket"),
                          key_arg(old_key, "old_key"), encode(new_bucket, "new_bucket"),
                          key_arg(new_key, "new_key"), None, take=OBJECT)
    return copied


def move_object(project: Handle, old_bucket: str, old_key: str, new_bucket: str,
                new_key: str) -> None:
    """Moves (renames) an object server-side."""
    call("uplink_move_object", project, encode(old_bucket, "old_bucket"),
         key_arg(old_key, "old_key"), encode(new_bucket, "new_bucket"),
         key_arg(new_key, "new_key"), None, take=check)


def update_object_metadata(project: Handle, bucket: str, key: str, metadata: Any) -> None:
    """Replaces the custom metadata of an object."""
    call("uplink_update_object_metadata", project, encode(bucket, "bucket_name"),
         key_arg(key, "storj_path"), custom_metadata(metadata), None, take=check)


# ---------------------------------------------------------------------------
# Multipart

def begin_upload(project: Handle, bucket: str, key: str,
                 options: Optional[UploadOptions]) -> UploadInfo:
    """Starts a multipart upload."""
    info: UploadInfo = call(
        "uplink_begin_upload", project, encode(bucket, "bucket_name"), key_arg(key, "key"),
        upload_options(options),
        take=value_taker("info", "uplink_free_upload_info_result", upload_info_value))
    return info


def commit_upload(project: Handle, bucket: str, key: str, upload_id: str,
                  metadata: Any) -> Object:
    """Commits a multipart upload with the given custom metadata (None for none)."""
    options = None
    if metadata is not None:
        options = byref(d._CommitUploadOptionsStruct(custom_metadata(metadata)))
    committed: Object = call(
        "uplink_commit_upload", project, encode(bucket, "bucket_name"), key_arg(key, "key"),
        encode(upload_id, "upload_id"), options,
        take=value_taker("object", "uplink_free_commit_upload_result", object_value))
    return committed


def abort_upload(project: Handle, bucket: str, key: str, upload_id: str) -> None:
    """Aborts a multipart upload and every part uploaded to it."""
    call("uplink_abort_upload", project, encode(bucket, "bucket_name"), key_arg(key, "key"),
         encode(upload_id, "upload_id"), take=check)


def part_upload_set_etag(part: Handle, etag: Union[str, bytes]) -> None:
    """Sets the ETag stored with a part."""
    call("uplink_part_upload_set_etag", part, encode(etag, "etag", allow_bytes=True),
         take=check)


def part_upload_info(part: Handle) -> Part:
    """The part as uploaded so far."""
    info: Part = call("uplink_part_upload_info", part,
                      take=value_taker("part", "uplink_free_part_result", part_value))
    return info


# ---------------------------------------------------------------------------
# Versions

def stat_object_version(project: Handle, bucket: str, key: str,
                        version: Any) -> VersionedObject:
    """One version of an object (the latest for None)."""
    data, length = version_arg(version)
    info: VersionedObject = call("uplink_stat_object_version", project,
                                 encode(bucket, "bucket_name"), key_arg(key, "key"), data, length,
                                 take=VERSIONED_OBJECT)
    return info


def delete_object_version(project: Handle, bucket: str, key: str, version: Any,
                          bypass_governance_retention: bool) -> Optional[VersionedObject]:
    """Deletes one version (or, for None, the latest / adds a delete marker)."""
    data, length = version_arg(version)
    options = d._DeleteObjectOptionsStruct(
        flag(bypass_governance_retention, "bypass_governance_retention"))
    deleted: Optional[VersionedObject] = call(
        "uplink_delete_object_version", project, encode(bucket, "bucket_name"),
        key_arg(key, "key"), data, length, byref(options),
        take=taker("object", "uplink_free_versioned_object_result", versioned_object_value))
    return deleted


def _delete_results(result: Any) -> List[DeleteResult]:
    try:
        exc = pop_error(result)
        results = []
        for index in range(result.count if result.items else 0):
            item = result.items[index]
            results.append(DeleteResult(
                key=decode(item.key),
                requested_version=optional_bytes(item.requested_version,
                                                 item.requested_version_length),
                status=enum_value(DeleteStatus, int(item.status)), removed=bool(item.removed),
                removed_version=optional_bytes(item.removed_version,
                                               item.removed_version_length),
                marker_inserted=bool(item.marker_inserted),
                marker_version=optional_bytes(item.marker_version,
                                              item.marker_version_length)))
    finally:
        free("uplink_free_delete_objects_result", result)
    if exc is not None:
        raise exc
    return results


# The keys of one bulk delete request are kept under this many bytes, so that
# the request (with encrypted keys) stays well inside DRPC's 4 MiB limit.
_DELETE_BATCH_BYTES = 1024 * 1024


def _delete_batches(items: List[Tuple[bytes, Optional[bytes], int]]
                    ) -> List[List[Tuple[bytes, Optional[bytes], int]]]:
    batches: List[List[Tuple[bytes, Optional[bytes], int]]] = [[]]
    size = 0
    for item in items:
        if batches[-1] and size + len(item[0]) > _DELETE_BATCH_BYTES:
            batches.append([])
            size = 0
        batches[-1].append(item)
        size += len(item[0])
    return batches


def delete_objects(project: Handle, bucket: str, items: List[Tuple[str, Any]],
                   bypass_governance_retention: bool, quiet: bool) -> List[DeleteResult]:
    """Deletes many objects (key, version or None); long key lists are sent in
    several requests."""
    encoded = []
    for index, (key, version) in enumerate(items):
        data, length = version_arg(version, f"items[{index}].version")
        encoded.append((key_arg(key, f"items[{index}].key"), data, length))
    options = d._DeleteObjectsOptionsStruct(
        flag(bypass_governance_retention, "bypass_governance_retention"), flag(quiet, "quiet"))
    bucket_name = encode(bucket, "bucket_name")
    results: List[DeleteResult] = []
    for batch in _delete_batches(encoded):
        # The array points into the bytes of ``batch``, which outlives the call.
        array = (d._DeleteObjectsItemStruct * len(batch))(
            *(d._DeleteObjectsItemStruct(key, uint8_pointer(data), length)
              for key, data, length in batch))
        results += call("uplink_delete_objects", project, bucket_name, array, len(batch),
                        byref(options), take=_delete_results)
    return results


# ---------------------------------------------------------------------------
# Bucket versioning and Object Lock

def get_bucket_versioning(project: Handle, bucket: str) -> Any:
    """The bucket's VersioningState (a plain int for a state this version does not know)."""
    state = call("uplink_get_bucket_versioning", project, encode(bucket, "bucket_name"),
                 take=scalar_taker("uplink_free_int32_result"))
    return enum_value(VersioningState, int(state))


def set_bucket_versioning(project: Handle, bucket: str, enabled: bool) -> None:
    """Enables, or suspends, versioning of a bucket."""
    call("uplink_set_bucket_versioning", project, encode(bucket, "bucket_name"),
         flag(enabled, "enabled"), take=check)


def create_bucket_with_object_lock(project: Handle, bucket: str, enabled: bool) -> Bucket:
    """Creates a bucket with Object Lock (and versioning) enabled when ``enabled``."""
    created: Bucket = call("uplink_create_bucket_with_object_lock", project,
                           encode(bucket, "bucket_name"), flag(enabled, "object_lock_enabled"),
                           take=_BUCKET)
    return created


def get_bucket_object_lock_configuration(project: Handle, bucket: str) -> ObjectLockConfiguration:
    """The bucket's Object Lock configuration."""
    configuration: ObjectLockConfiguration = call(
        "uplink_get_bucket_object_lock_configuration", project, encode(bucket, "bucket_name"),
        take=value_taker("configuration", "uplink_free_object_lock_configuration_result",
                         lock_configuration_value))
    return configuration


def set_bucket_object_lock_configuration(project: Handle, bucket: str,
                                         configuration: ObjectLockConfiguration) -> None:
    """Sets the bucket's Object Lock configuration."""
    expect(configuration, ObjectLockConfiguration, "configuration")
    struct = d._ObjectLockConfigurationStruct(
        flag(configuration.enabled, "configuration.enabled"),
        int(RetentionMode(configuration.default_retention_mode)),
        integer(configuration.default_retention_days, "configuration.default_retention_days",
                0, INT32[1]),
        integer(configuration.default_retention_years, "configuration.default_retention_years",
                0, INT32[1]))
    call("uplink_set_bucket_object_lock_configuration", project, encode(bucket, "bucket_name"),
         byref(struct), take=check)


def set_object_retention(project: Handle, bucket: str, key: str, version: Any,
                         retention: Optional[Retention], bypass_governance_retention: bool) -> None:
    """Sets (or, with None, removes) the retention of an object version."""
    data, length = version_arg(version)
    call("uplink_set_object_retention", project, encode(bucket, "bucket_name"),
         key_arg(key, "key"), data, length, retention_struct(retention, "retention"),
         flag(bypass_governance_retention, "bypass_governance_retention"), take=check)


def get_object_retention(project: Handle, bucket: str, key: str,
                         version: Any) -> Optional[Retention]:
    """The retention of an object version, None when it has none."""
    data, length = version_arg(version)
    retention: Optional[Retention] = call(
        "uplink_get_object_retention", project, encode(bucket, "bucket_name"),
        key_arg(key, "key"), data, length,
        take=taker("retention", "uplink_free_retention_result", retention_value))
    return retention


def set_object_legal_hold(project: Handle, bucket: str, key: str, version: Any,
                          enabled: bool) -> None:
    """Places or removes a legal hold on an object version."""
    data, length = version_arg(version)
    call("uplink_set_object_legal_hold", project, encode(bucket, "bucket_name"),
         key_arg(key, "key"), data, length, flag(enabled, "enabled"), take=check)


def get_object_legal_hold(project: Handle, bucket: str, key: str, version: Any) -> bool:
    """Whether a legal hold is placed on an object version."""
    data, length = version_arg(version)
    return bool(call("uplink_get_object_legal_hold", project, encode(bucket, "bucket_name"),
                     key_arg(key, "key"), data, length,
                     take=scalar_taker("uplink_free_bool_result")))


# ---------------------------------------------------------------------------
# Edge

def edge_register_access(config: EdgeConfig, access: Handle, is_public: bool) -> EdgeCredentials:
    """Registers an access with an edge auth service; returns S3 credentials."""
    expect(config, EdgeConfig, "config")
    pem = config.certificate_pem
    struct = d._EdgeConfigStruct(
        encode(config.auth_service_address, "config.auth_service_address"),
        None if pem is None else encode(pem, "config.certificate_pem"),
        flag(config.insecure_unencrypted_connection, "config.insecure_unencrypted_connection"))
    options = d._EdgeRegisterAccessOptionsStruct(flag(is_public, "is_public"))
    serialized = access_serialize(access)
    with redacting(serialized):
        credentials: EdgeCredentials = call(
            "edge_register_access", struct, access, byref(options),
            take=value_taker("credentials", "edge_free_credentials_result",
                             edge_credentials_value))
        return credentials


def edge_join_share_url(base_url: str, access_key_id: str, bucket: str, key: str,
                        raw: bool) -> str:
    """A linkshare URL for a bucket, prefix or object."""
    options = d._EdgeShareURLOptionsStruct(flag(raw, "raw"))
    url: str = call("edge_join_share_url", encode(base_url, "base_url"),
                    encode(access_key_id, "access_key_id"), encode(bucket, "bucket"),
                    key_arg(key, "key"), byref(options), take=take_string)
    return url
