"""Conversions between the value classes and the C structs, with the checks
of every argument (a bad one raises TypeError/ValueError naming it)."""

from __future__ import annotations

import ctypes
import datetime
import math
import operator
from ctypes import POINTER, byref, c_char, c_char_p
from typing import Any, Callable, List, Mapping, Optional, Tuple, Union

from .. import module_def as d
from ..module_classes import (Bucket, Config, CustomMetadata, CustomMetadataEntry,
                              DownloadOptions, EdgeConfig, EdgeCredentials, ListBucketsOptions,
                              ListObjectsOptions, ListObjectVersionsOptions,
                              ListUploadPartsOptions, ListUploadsOptions, Object,
                              ObjectLockConfiguration, Part, Permission, Retention,
                              RetentionMode, SharePrefix, SystemMetadata, UploadInfo,
                              UploadOptions, VersionedObject)

_P = POINTER

def utf8(value: str, what: str) -> bytes:
    """Encodes a str as UTF-8 (lone surrogates from undecodable bytes, as in
    ``os.fsdecode``, become those bytes again); raises ValueError naming ``what``
    for a surrogate that stands for no byte."""
    try:
        return str.encode(value, "utf-8", "surrogateescape")
    except UnicodeEncodeError as exc:
        # Built outside the except block: the UnicodeEncodeError holds the whole
        # string, which may be a secret, so it must not ride along as __context__.
        position = exc.start
    raise ValueError(f"{what} is not valid text: it holds a lone surrogate "
                     f"(U+{ord(value[position]):04X}) at index {position}")


def encode(value: Any, what: str, allow_bytes: bool = False) -> bytes:
    """Encodes a str argument for C; raises TypeError/ValueError naming ``what``.

    ``bytes`` is refused unless ``allow_bytes``: names and keys are str, and a
    bytes key would not come back as the same value from a listing.
    """
    if isinstance(value, str):
        data = utf8(value, what)
    elif allow_bytes and isinstance(value, (bytes, bytearray)):
        data = bytes(value)  # an exact copy: a subclass cannot lie about its content
    else:
        expected = "str or bytes" if allow_bytes else "str"
        raise TypeError(f"{what} must be {expected}, not {type(value).__name__}")
    if b"\0" in data:
        raise ValueError(f"{what} must not contain NUL characters")
    return data


# A request to the satellite must fit in 4 MiB (DRPC's message limit), and an
# encrypted key is up to about a third longer than the key: a longer key can
# never be sent (the satellite drops the connection). Satellites also limit
# stored keys far below this (4000 encrypted bytes by default).
MAX_KEY_BYTES = 2 * 1024 * 1024


def key_arg(value: Any, what: str) -> bytes:
    """Encodes an object key; raises ValueError naming ``what`` past MAX_KEY_BYTES."""
    data = encode(value, what)
    if len(data) > MAX_KEY_BYTES:
        raise ValueError(f"{what} is {len(data)} bytes long; object keys are limited to "
                         f"{MAX_KEY_BYTES} bytes (a request must fit in 4 MiB)")
    return data


def integer(value: Any, what: str, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise TypeError(f"{what} must be an int, not bool")
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError(f"{what} must be an int, not {type(value).__name__}") from None
    if not low <= number <= high:
        raise ValueError(f"{what} must be between {low} and {high}, got {number}")
    return number


INT64 = (-(1 << 63), (1 << 63) - 1)
INT32 = (-(1 << 31), (1 << 31) - 1)


# The latest time the satellite stores: 9999-12-31T23:59:59Z.
MAX_UNIX_SECONDS = 253402300799


def unix_seconds(value: Any, what: str) -> int:
    if isinstance(value, datetime.datetime):
        try:
            return int(value.timestamp())
        except (OverflowError, OSError, ValueError) as exc:
            reason = str(exc)
        raise ValueError(f"{what} is out of range: {reason}")
    return integer(value, what, *INT64)


def expiry(value: Any, what: str) -> int:
    """An expiry time in unix seconds, 0 (or None) for never."""
    seconds = unix_seconds(0 if value is None else value, what)
    if not 0 <= seconds <= MAX_UNIX_SECONDS:
        raise ValueError(f"{what} must be unix seconds between 0 (never) and "
                         f"{MAX_UNIX_SECONDS}, got {seconds}")
    return seconds


def flag(value: Any, what: str) -> bool:
    if isinstance(value, bool):
        return value
    if not isinstance(value, int):
        raise TypeError(f"{what} must be a bool, not {type(value).__name__}")
    if value not in (0, 1):
        raise ValueError(f"{what} must be a bool (or 0 or 1), got {value}")
    return bool(value)


def expect(value: Any, cls: type, what: str) -> None:
    if not isinstance(value, cls):
        raise TypeError(f"{what} must be a {cls.__name__}, not {type(value).__name__}")


def config_struct(config: Optional[Config]) -> Any:
    if config is None:
        config = Config()
    expect(config, Config, "config")
    return d._ConfigStruct(
        encode(config.user_agent or "", "config.user_agent"),
        integer(config.dial_timeout_milliseconds, "config.dial_timeout_milliseconds", *INT32),
        encode(config.temp_directory or "", "config.temp_directory"))


def timeouts_struct(config: Optional[Config]) -> Any:
    """The request and stall timeouts of config (checked by config_struct)."""
    if config is None:
        config = Config()
    return d._ConfigTimeoutsStruct(
        integer(config.request_timeout_milliseconds, "config.request_timeout_milliseconds",
                *INT64),
        integer(config.stall_timeout_milliseconds, "config.stall_timeout_milliseconds",
                *INT64))


def permission_struct(permission: Optional[Permission]) -> Any:
    if permission is None:
        permission = Permission()
    expect(permission, Permission, "permissions")
    return d._PermissionStruct(
        flag(permission.allow_download, "permissions.allow_download"),
        flag(permission.allow_upload, "permissions.allow_upload"),
        flag(permission.allow_list, "permissions.allow_list"),
        flag(permission.allow_delete, "permissions.allow_delete"),
        unix_seconds(permission.not_before, "permissions.not_before"),
        unix_seconds(permission.not_after, "permissions.not_after"))


def share_prefixes(prefixes: Any) -> Tuple[Any, int]:
    if prefixes is None:
        items: List[Any] = []
    elif isinstance(prefixes, (SharePrefix, Mapping)):
        items = [prefixes]
    elif isinstance(prefixes, (str, bytes)):
        raise TypeError("shared_prefix must be a list of SharePrefix, not a string")
    else:
        items = list_of(prefixes, "shared_prefix", "a list of SharePrefix")
    structs = []
    for index, item in enumerate(items):
        if isinstance(item, Mapping):
            item = SharePrefix(bucket=item.get("bucket", ""), prefix=item.get("prefix", ""))
        expect(item, SharePrefix, f"shared_prefix[{index}]")
        bucket = encode(item.bucket, f"shared_prefix[{index}].bucket")
        if not bucket:
            raise ValueError(f"shared_prefix[{index}].bucket must not be empty")
        structs.append(d._SharePrefixStruct(
            bucket, encode(item.prefix or "", f"shared_prefix[{index}].prefix")))
    return (d._SharePrefixStruct * len(structs))(*structs), len(structs)


def list_of(values: Any, what: str, expected: str) -> List[Any]:
    """list(values); raises TypeError naming ``what`` when it is not iterable."""
    try:
        iterator = iter(values)
    except TypeError:
        raise TypeError(f"{what} must be {expected}, not {type(values).__name__}") from None
    return list(iterator)


def custom_metadata(metadata: Any) -> Any:
    if isinstance(metadata, Mapping):
        metadata = CustomMetadata.from_dict(metadata)
    elif metadata is None:
        metadata = CustomMetadata()
    expect(metadata, CustomMetadata, "custom_metadata")
    entries = metadata.entries
    array = (d._CustomMetadataEntryStruct * len(entries))()
    for index, entry in enumerate(entries):
        expect(entry, CustomMetadataEntry, f"custom_metadata.entries[{index}]")
        key, value = entry.key_bytes, entry.value_bytes
        # Pointers straight into the bytes objects: the array keeps them alive.
        array[index] = d._CustomMetadataEntryStruct(
            ctypes.cast(c_char_p(key), _P(c_char)), len(key),
            ctypes.cast(c_char_p(value), _P(c_char)), len(value))
    struct = d._CustomMetadataStruct(array, len(entries))
    struct._keep = array  # pylint: disable=attribute-defined-outside-init
    return struct


def optional_struct(value: Any, cls: type, what: str,
                     build: Callable[[Any], Any]) -> Any:
    if value is None:
        return None
    expect(value, cls, what)
    return byref(build(value))


def listing_options(options: Optional[ListObjectsOptions], cls: type, what: str,
                     struct: Any) -> Any:
    """The C options of list_objects or list_uploads, which have the same fields."""
    return optional_struct(options, cls, what,
                            lambda o: struct(
                                encode(o.prefix or "", what + ".prefix"),
                                encode(o.cursor or "", what + ".cursor"),
                                flag(o.recursive, what + ".recursive"),
                                flag(o.system, what + ".system"),
                                flag(o.custom, what + ".custom")))


def list_objects_options(options: Optional[ListObjectsOptions]) -> Any:
    return listing_options(options, ListObjectsOptions, "list_object_options",
                            d._ListObjectsOptionsStruct)


def list_buckets_options(options: Optional[ListBucketsOptions]) -> Any:
    return optional_struct(options, ListBucketsOptions, "list_bucket_options",
                            lambda o: d._ListBucketsOptionsStruct(
                                encode(o.cursor or "", "list_bucket_options.cursor")))


def upload_options(options: Optional[UploadOptions]) -> Any:
    return optional_struct(options, UploadOptions, "upload_options",
                            lambda o: d._UploadOptionsStruct(
                                expiry(o.expires, "upload_options.expires")))


def download_options(options: Optional[DownloadOptions]) -> Any:
    return optional_struct(options, DownloadOptions, "download_options",
                            lambda o: d._DownloadOptionsStruct(
                                integer(o.offset, "download_options.offset", *INT64),
                                integer(o.length, "download_options.length", *INT64)))


# Conversion from C

def text_or_bytes(data: bytes) -> Union[str, bytes]:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data


def bytes_at(pointer: Any, length: int) -> bytes:
    if not length or not pointer:
        return b""
    return ctypes.string_at(pointer, length)


def decode(raw: Optional[bytes]) -> str:
    return raw.decode("utf-8", "surrogateescape") if raw else ""


def bucket_value(struct: Any) -> Bucket:
    return Bucket(name=decode(struct.name), created=int(struct.created))


def read_custom(struct: Any) -> CustomMetadata:
    entries = []
    for index in range(struct.count):
        entry = struct.entries[index]
        entries.append(CustomMetadataEntry(
            key=text_or_bytes(bytes_at(entry.key, entry.key_length)),
            value=text_or_bytes(bytes_at(entry.value, entry.value_length))))
    return CustomMetadata(entries)


def object_value(struct: Any) -> Object:
    # Listings convert thousands of these: positional arguments, each ctypes
    # field read once, and no loop for the usual empty custom metadata.
    system = struct.system
    custom = struct.custom
    key = struct.key
    return Object(key.decode("utf-8", "surrogateescape") if key else "", struct.is_prefix,
                  SystemMetadata(system.created, system.expires, system.content_length),
                  read_custom(custom) if custom.count else CustomMetadata())


# Beyond uplink-c (uplink_extensions.h)

def enum_value(cls: Any, value: int) -> Any:
    """The member of an IntEnum for value, or the plain int for a value it lacks."""
    try:
        return cls(value)
    except ValueError:
        return value


def version_arg(version: Any, what: str = "version") -> Tuple[Optional[bytes], int]:
    """A version id argument as (bytes or None, length); None means the latest version."""
    if version is None:
        return None, 0
    if isinstance(version, str):
        raise TypeError(f"{what} must be bytes (a version id as returned by the library), "
                        "not str")
    try:
        data = bytes(memoryview(version))
    except TypeError:
        raise TypeError(f"{what} must be bytes, not {type(version).__name__}") from None
    if not data:
        raise ValueError(f"{what} must not be empty (None means the latest version)")
    return data, len(data)


def uint8_pointer(data: Optional[bytes]) -> Any:
    """A uint8_t* into ``data`` (which the caller keeps alive), NULL for None."""
    if not data:
        return None
    return ctypes.cast(c_char_p(data), _P(ctypes.c_uint8))


def optional_bytes(pointer: Any, length: int) -> Optional[bytes]:
    return bytes_at(pointer, length) or None


def retention_struct(retention: Optional[Retention], what: str) -> Any:
    if retention is None:
        return d._RetentionStruct(0, 0)
    expect(retention, Retention, what)
    return d._RetentionStruct(int(retention.mode),
                              unix_seconds(retention.retain_until, f"{what}.retain_until"))


def retention_value(struct: Any) -> Optional[Retention]:
    if not struct.mode:
        return None
    return Retention(enum_value(RetentionMode, int(struct.mode)), int(struct.retain_until))


def ttl_seconds(ttl: Any) -> int:
    if ttl is None:
        return 0
    if isinstance(ttl, datetime.timedelta):
        seconds = ttl.total_seconds()
    elif isinstance(ttl, bool) or not isinstance(ttl, (int, float)):
        raise TypeError("permissions.max_object_ttl must be seconds or a timedelta, "
                        f"not {type(ttl).__name__}")
    else:
        seconds = float(ttl)
    if not 0 < seconds < 2**62:
        raise ValueError(f"permissions.max_object_ttl must be positive, got {ttl!r}")
    return math.ceil(seconds)


def permission_v2_struct(permission: Permission) -> Any:
    def allowed(name: str) -> bool:
        return flag(getattr(permission, name), f"permissions.{name}")

    return d._PermissionV2Struct(
        allowed("allow_download"), allowed("allow_upload"), allowed("allow_list"), allowed("allow_delete"),
        allowed("allow_put_object_retention"), allowed("allow_get_object_retention"),
        allowed("allow_put_object_legal_hold"), allowed("allow_get_object_legal_hold"),
        allowed("allow_bypass_governance_retention"),
        allowed("allow_put_bucket_object_lock_configuration"),
        allowed("allow_get_bucket_object_lock_configuration"),
        unix_seconds(permission.not_before, "permissions.not_before"),
        unix_seconds(permission.not_after, "permissions.not_after"),
        ttl_seconds(permission.max_object_ttl))


def list_uploads_options(options: Optional[ListUploadsOptions]) -> Any:
    return listing_options(options, ListUploadsOptions, "list_uploads_options",
                            d._ListUploadsOptionsStruct)


def list_upload_parts_options(options: Optional[ListUploadPartsOptions]) -> Any:
    return optional_struct(options, ListUploadPartsOptions, "list_upload_parts_options",
                            lambda o: d._ListUploadPartsOptionsStruct(
                                integer(o.cursor, "list_upload_parts_options.cursor",
                                         0, 2**32 - 1)))


def list_object_versions_options(options: Optional[ListObjectVersionsOptions]) -> Any:
    def build(o: ListObjectVersionsOptions) -> Any:
        version, length = version_arg(o.version_cursor, "list_object_versions_options.version_cursor")
        struct = d._ListObjectVersionsOptionsStruct(
            encode(o.prefix or "", "list_object_versions_options.prefix"),
            encode(o.cursor or "", "list_object_versions_options.cursor"),
            uint8_pointer(version), length,
            flag(o.recursive, "list_object_versions_options.recursive"),
            flag(o.system, "list_object_versions_options.system"),
            flag(o.custom, "list_object_versions_options.custom"))
        struct._keep = version  # pylint: disable=attribute-defined-outside-init
        return struct
    return optional_struct(options, ListObjectVersionsOptions, "list_object_versions_options",
                            build)


def upload_info_value(struct: Any) -> UploadInfo:
    system = struct.system
    return UploadInfo(upload_id=decode(struct.upload_id), key=decode(struct.key),
                      is_prefix=bool(struct.is_prefix),
                      system=SystemMetadata(created=int(system.created),
                                            expires=int(system.expires),
                                            content_length=int(system.content_length)),
                      custom=read_custom(struct.custom))


def part_value(struct: Any) -> Part:
    return Part(part_number=int(struct.part_number), size=int(struct.size),
                modified=int(struct.modified), etag=bytes_at(struct.etag, struct.etag_length))


def versioned_object_value(struct: Any) -> VersionedObject:
    base = object_value(struct)
    hold = int(struct.legal_hold)
    return VersionedObject(
        key=base.key, is_prefix=base.is_prefix, system=base.system, custom=base.custom,
        version=optional_bytes(struct.version, struct.version_length),
        is_versioned=bool(struct.is_versioned), is_delete_marker=bool(struct.is_delete_marker),
        is_latest=bool(struct.is_latest), legal_hold=None if hold < 0 else bool(hold),
        retention=retention_value(struct.retention))


def lock_configuration_value(struct: Any) -> ObjectLockConfiguration:
    return ObjectLockConfiguration(
        enabled=bool(struct.enabled),
        default_retention_mode=enum_value(RetentionMode, int(struct.default_retention_mode)),
        default_retention_days=int(struct.default_retention_days),
        default_retention_years=int(struct.default_retention_years))


def edge_credentials_value(struct: Any) -> EdgeCredentials:
    return EdgeCredentials(access_key_id=decode(struct.access_key_id),
                           secret_key=decode(struct.secret_key),
                           endpoint=decode(struct.endpoint))


# Structs built from several arguments, passed by pointer

def upload_options_v2(options: Optional[UploadOptions], retention: Optional[Retention],
                      legal_hold: Any, if_none_match: Optional[str]) -> Any:
    """The UploadOptionsV2 of an upload with retention, legal hold or if-none-match."""
    if options is not None:
        expect(options, UploadOptions, "upload_options")
    expires = expiry(options.expires, "upload_options.expires") if options else 0
    match = None
    if if_none_match is not None:
        match = encode(if_none_match, "if_none_match")
        if match not in (b"", b"*"):
            raise ValueError(f'if_none_match must be "*" (or None), got {if_none_match!r}')
    return byref(d._UploadOptionsV2Struct(expires, retention_struct(retention, "retention"),
                                          flag(legal_hold, "legal_hold"), match))


def commit_upload_options(metadata: Any) -> Any:
    """The options of a multipart commit: the custom metadata (None for none)."""
    if metadata is None:
        return None
    return byref(d._CommitUploadOptionsStruct(custom_metadata(metadata)))


def delete_object_options(bypass_governance_retention: Any) -> Any:
    return byref(d._DeleteObjectOptionsStruct(
        flag(bypass_governance_retention, "bypass_governance_retention")))


def delete_objects_options(bypass_governance_retention: Any, quiet: Any) -> Any:
    return byref(d._DeleteObjectsOptionsStruct(
        flag(bypass_governance_retention, "bypass_governance_retention"), flag(quiet, "quiet")))


def lock_configuration_struct(configuration: ObjectLockConfiguration) -> Any:
    """A pointer to the C struct of an ObjectLockConfiguration."""
    expect(configuration, ObjectLockConfiguration, "configuration")
    return byref(d._ObjectLockConfigurationStruct(
        flag(configuration.enabled, "configuration.enabled"),
        int(RetentionMode(configuration.default_retention_mode)),
        integer(configuration.default_retention_days, "configuration.default_retention_days",
                0, INT32[1]),
        integer(configuration.default_retention_years, "configuration.default_retention_years",
                0, INT32[1])))


def edge_config_struct(config: EdgeConfig) -> Any:
    expect(config, EdgeConfig, "config")
    pem = config.certificate_pem
    return d._EdgeConfigStruct(
        encode(config.auth_service_address, "config.auth_service_address"),
        None if pem is None else encode(pem, "config.certificate_pem"),
        flag(config.insecure_unencrypted_connection, "config.insecure_unencrypted_connection"))


def edge_config_structs(config: EdgeConfig) -> Tuple[Any, Any]:
    """The EdgeConfig and a pointer to its timeouts, as edge_register_access2 takes them."""
    struct = edge_config_struct(config)
    return struct, byref(d._EdgeConfigTimeoutsStruct(
        integer(config.dial_timeout_milliseconds, "config.dial_timeout_milliseconds", *INT64),
        integer(config.request_timeout_milliseconds, "config.request_timeout_milliseconds",
                *INT64)))


def edge_register_options(is_public: Any) -> Any:
    return byref(d._EdgeRegisterAccessOptionsStruct(flag(is_public, "is_public")))


def edge_share_url_options(raw: Any) -> Any:
    return byref(d._EdgeShareURLOptionsStruct(flag(raw, "raw")))


def config_structs(config: Optional[Config]) -> Tuple[Any, Any]:
    """The Config and a pointer to its timeouts, as the "2" calls take them (None: defaults)."""
    return config_struct(config), byref(timeouts_struct(config))


def bytes_arg(value: Any, what: str) -> Tuple[bytes, int]:
    """A str (as UTF-8) or bytes-like argument as (bytes, length)."""
    if isinstance(value, str):
        data = utf8(value, what)
    else:
        try:
            with memoryview(value) as view:
                data = view.tobytes()
        except TypeError:
            raise TypeError(f"{what} must be str or a bytes-like object, "
                            f"not {type(value).__name__}") from None
    return data, len(data)


def string_value(raw: Optional[bytes]) -> str:
    """A C string from libuplinkc (NULL: "")."""
    return raw.decode("utf-8", "surrogateescape") if raw else ""
