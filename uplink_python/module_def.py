"""ctypes mirrors of the C structs of libuplinkc.

The layouts follow ``libuplinkc/uplink_definitions.h`` (the uplink-c v1.14
structs) and ``libuplinkc/uplink_extensions.h``. Only the private native layer
uses them; they stay importable under the original uplink-python names.
"""

# pylint: disable=too-few-public-methods
from ctypes import (POINTER, Structure, c_bool, c_char, c_char_p, c_int32, c_int64,
                    c_size_t, c_uint8, c_uint32)


def _handle(name: str) -> type:
    """An opaque handle struct: an integer id into libuplinkc's handle table."""
    return type(name, (Structure,), {"_fields_": [("_handle", c_size_t)]})


_HandleStruct = _handle("_HandleStruct")
_AccessStruct = _handle("_AccessStruct")
_ProjectStruct = _handle("_ProjectStruct")
_DownloadStruct = _handle("_DownloadStruct")
_UploadStruct = _handle("_UploadStruct")
_EncryptionKeyStruct = _handle("_EncryptionKeyStruct")
_PartUploadStruct = _handle("_PartUploadStruct")
_ObjectIteratorStruct = _handle("_ObjectIteratorStruct")
_BucketIteratorStruct = _handle("_BucketIteratorStruct")
_UploadIteratorStruct = _handle("_UploadIteratorStruct")
_PartIteratorStruct = _handle("_PartIteratorStruct")
_VersionedObjectIteratorStruct = _handle("_VersionedObjectIteratorStruct")


class _ConfigStruct(Structure):
    _fields_ = [("user_agent", c_char_p),
                ("dial_timeout_milliseconds", c_int32),
                ("temp_directory", c_char_p)]


class _ConfigTimeoutsStruct(Structure):
    """UplinkConfigTimeouts of uplink_extensions.h."""
    _fields_ = [("request_timeout_milliseconds", c_int64),
                ("stall_timeout_milliseconds", c_int64)]


class _BucketStruct(Structure):
    _fields_ = [("name", c_char_p), ("created", c_int64)]


class _SystemMetadataStruct(Structure):
    _fields_ = [("created", c_int64), ("expires", c_int64), ("content_length", c_int64)]


class _CustomMetadataEntryStruct(Structure):
    # POINTER(c_char) rather than c_char_p: keys and values are length-delimited
    # bytes that may contain NUL.
    _fields_ = [("key", POINTER(c_char)), ("key_length", c_size_t),
                ("value", POINTER(c_char)), ("value_length", c_size_t)]


class _CustomMetadataStruct(Structure):
    _fields_ = [("entries", POINTER(_CustomMetadataEntryStruct)), ("count", c_size_t)]


class _ObjectStruct(Structure):
    _fields_ = [("key", c_char_p), ("is_prefix", c_bool),
                ("system", _SystemMetadataStruct), ("custom", _CustomMetadataStruct)]


class _UploadOptionsStruct(Structure):
    _fields_ = [("expires", c_int64)]


class _DownloadOptionsStruct(Structure):
    _fields_ = [("offset", c_int64), ("length", c_int64)]


class _ListObjectsOptionsStruct(Structure):
    _fields_ = [("prefix", c_char_p), ("cursor", c_char_p), ("recursive", c_bool),
                ("system", c_bool), ("custom", c_bool)]


class _ListUploadsOptionsStruct(Structure):
    _fields_ = [("prefix", c_char_p), ("cursor", c_char_p), ("recursive", c_bool),
                ("system", c_bool), ("custom", c_bool)]


class _ListBucketsOptionsStruct(Structure):
    _fields_ = [("cursor", c_char_p)]


class _PermissionStruct(Structure):
    _fields_ = [("allow_download", c_bool), ("allow_upload", c_bool),
                ("allow_list", c_bool), ("allow_delete", c_bool),
                ("not_before", c_int64), ("not_after", c_int64)]


class _PartStruct(Structure):
    _fields_ = [("part_number", c_uint32), ("size", c_size_t), ("modified", c_int64),
                ("etag", POINTER(c_char)), ("etag_length", c_size_t)]


class _SharePrefixStruct(Structure):
    _fields_ = [("bucket", c_char_p), ("prefix", c_char_p)]


class _Error(Structure):
    _fields_ = [("code", c_int32), ("message", c_char_p)]


def _result(name: str, field: str, target: type) -> type:
    """A ``{ T* field; UplinkError* error; }`` result struct."""
    return type(name, (Structure,), {"_fields_": [(field, POINTER(target)),
                                                  ("error", POINTER(_Error))]})


_AccessResult = _result("_AccessResult", "access", _AccessStruct)
_ProjectResult = _result("_ProjectResult", "project", _ProjectStruct)
_BucketResult = _result("_BucketResult", "bucket", _BucketStruct)
_ObjectResult = _result("_ObjectResult", "object", _ObjectStruct)
_UploadResult = _result("_UploadResult", "upload", _UploadStruct)
_PartUploadResult = _result("_PartUploadResult", "part_upload", _PartUploadStruct)
_DownloadResult = _result("_DownloadResult", "download", _DownloadStruct)
_EncryptionKeyResult = _result("_EncryptionKeyResult", "encryption_key", _EncryptionKeyStruct)


class _WriteResult(Structure):
    _fields_ = [("bytes_written", c_size_t), ("error", POINTER(_Error))]


class _ReadResult(Structure):
    _fields_ = [("bytes_read", c_size_t), ("error", POINTER(_Error))]


class _StringResult(Structure):
    _fields_ = [("string", c_char_p), ("error", POINTER(_Error))]


class _UploadInfoStruct(Structure):
    _fields_ = [("upload_id", c_char_p), ("key", c_char_p), ("is_prefix", c_bool),
                ("system", _SystemMetadataStruct), ("custom", _CustomMetadataStruct)]


_UploadInfoResult = _result("_UploadInfoResult", "info", _UploadInfoStruct)


class _CommitUploadOptionsStruct(Structure):
    _fields_ = [("custom_metadata", _CustomMetadataStruct)]


_CommitUploadResult = _result("_CommitUploadResult", "object", _ObjectStruct)
_PartResult = _result("_PartResult", "part", _PartStruct)


class _ListUploadPartsOptionsStruct(Structure):
    _fields_ = [("cursor", c_uint32)]


class _MoveObjectOptionsStruct(Structure):
    _fields_ = []


class _UploadObjectMetadataOptionsStruct(Structure):
    _fields_ = []


class _CopyObjectOptionsStruct(Structure):
    _fields_ = []


class _EdgeConfigStruct(Structure):
    _fields_ = [("auth_service_address", c_char_p), ("certificate_pem", c_char_p),
                ("insecure_unencrypted_connection", c_bool)]


class _EdgeConfigTimeoutsStruct(Structure):
    """EdgeConfigTimeouts of uplink_extensions.h."""
    _fields_ = [("dial_timeout_milliseconds", c_int64),
                ("request_timeout_milliseconds", c_int64)]


class _EdgeRegisterAccessOptionsStruct(Structure):
    _fields_ = [("is_public", c_bool)]


class _EdgeCredentialsStruct(Structure):
    _fields_ = [("access_key_id", c_char_p), ("secret_key", c_char_p), ("endpoint", c_char_p)]


_EdgeCredentialsResult = _result("_EdgeCredentialsResult", "credentials", _EdgeCredentialsStruct)


class _EdgeShareURLOptionsStruct(Structure):
    _fields_ = [("raw", c_bool)]


# uplink_extensions.h

class _PermissionV2Struct(Structure):
    _fields_ = [("allow_download", c_bool), ("allow_upload", c_bool),
                ("allow_list", c_bool), ("allow_delete", c_bool),
                ("allow_put_object_retention", c_bool),
                ("allow_get_object_retention", c_bool),
                ("allow_put_object_legal_hold", c_bool),
                ("allow_get_object_legal_hold", c_bool),
                ("allow_bypass_governance_retention", c_bool),
                ("allow_put_bucket_object_lock_configuration", c_bool),
                ("allow_get_bucket_object_lock_configuration", c_bool),
                ("not_before", c_int64), ("not_after", c_int64),
                ("max_object_ttl_seconds", c_int64)]


class _RetentionStruct(Structure):
    _fields_ = [("mode", c_int32), ("retain_until", c_int64)]


_RetentionResult = _result("_RetentionResult", "retention", _RetentionStruct)


class _BoolResult(Structure):
    _fields_ = [("value", c_bool), ("error", POINTER(_Error))]


class _Int32Result(Structure):
    _fields_ = [("value", c_int32), ("error", POINTER(_Error))]


class _AccessTimeBoundsResult(Structure):
    _fields_ = [("not_before", c_int64), ("not_after", c_int64), ("error", POINTER(_Error))]


class _ObjectLockConfigurationStruct(Structure):
    _fields_ = [("enabled", c_bool), ("default_retention_mode", c_int32),
                ("default_retention_days", c_int32), ("default_retention_years", c_int32)]


_ObjectLockConfigurationResult = _result("_ObjectLockConfigurationResult", "configuration",
                                         _ObjectLockConfigurationStruct)


class _VersionedObjectStruct(Structure):
    _fields_ = [("key", c_char_p), ("is_prefix", c_bool),
                ("system", _SystemMetadataStruct), ("custom", _CustomMetadataStruct),
                ("version", POINTER(c_uint8)), ("version_length", c_size_t),
                ("is_versioned", c_bool), ("is_delete_marker", c_bool), ("is_latest", c_bool),
                ("legal_hold", c_int32), ("retention", _RetentionStruct)]


_VersionedObjectResult = _result("_VersionedObjectResult", "object", _VersionedObjectStruct)


class _ListObjectVersionsOptionsStruct(Structure):
    _fields_ = [("prefix", c_char_p), ("cursor", c_char_p),
                ("version_cursor", POINTER(c_uint8)), ("version_cursor_length", c_size_t),
                ("recursive", c_bool), ("system", c_bool), ("custom", c_bool)]


class _UploadOptionsV2Struct(Structure):
    _fields_ = [("expires", c_int64), ("retention", _RetentionStruct),
                ("legal_hold", c_bool), ("if_none_match", c_char_p)]


class _DeleteObjectOptionsStruct(Structure):
    _fields_ = [("bypass_governance_retention", c_bool)]


class _DeleteObjectsItemStruct(Structure):
    _fields_ = [("key", c_char_p), ("version", POINTER(c_uint8)), ("version_length", c_size_t)]


class _DeleteObjectsOptionsStruct(Structure):
    _fields_ = [("bypass_governance_retention", c_bool), ("quiet", c_bool)]


class _DeleteObjectsResultItemStruct(Structure):
    _fields_ = [("key", c_char_p),
                ("requested_version", POINTER(c_uint8)), ("requested_version_length", c_size_t),
                ("status", c_int32),
                ("removed", c_bool),
                ("removed_version", POINTER(c_uint8)), ("removed_version_length", c_size_t),
                ("marker_inserted", c_bool),
                ("marker_version", POINTER(c_uint8)), ("marker_version_length", c_size_t)]


class _DeleteObjectsResult(Structure):
    _fields_ = [("items", POINTER(_DeleteObjectsResultItemStruct)), ("count", c_size_t),
                ("error", POINTER(_Error))]
