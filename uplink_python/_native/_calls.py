"""The table of calls: one row (``_row.Row``) for every function libuplinkc
exports, and nothing else declares one. The loader declares argtypes and
restype from these rows; calling a row runs it through the gate:

    calls.stat_object(project_handle, "bucket", "key") -> Object

Each row is named after its C function without the ``uplink_`` prefix.
tests/unit/test_native.py compares ``TABLE`` with the library's exports.
"""

from __future__ import annotations

from ctypes import POINTER, c_bool, c_int, c_int64, c_size_t, c_uint32, c_uint64, c_void_p
from typing import Any, Dict, Iterator, List, Optional, Tuple

from .. import module_def as d
from ..module_classes import (Bucket, DeleteResult, DeleteStatus, EdgeCredentials, Object,
                              ObjectLockConfiguration, Part, Retention, UploadInfo,
                              VersionedObject, VersioningState)
from . import _listing
from ._convert import (INT32, bucket_value, bytes_arg, commit_upload_options, config_struct,
                       config_structs, custom_metadata, decode, delete_object_options,
                       delete_objects_options, download_options, edge_config_struct,
                       edge_config_structs, edge_credentials_value, edge_register_options,
                       edge_share_url_options, encode, enum_value, integer, key_arg,
                       list_buckets_options,
                       list_object_versions_options, list_objects_options,
                       list_upload_parts_options, list_uploads_options,
                       lock_configuration_struct, lock_configuration_value, object_value,
                       optional_bytes, part_value, permission_struct, permission_v2_struct,
                       retention_struct, retention_value, share_prefixes, string_value,
                       uint8_pointer, upload_info_value, upload_options, upload_options_v2,
                       version_arg, versioned_object_value)
from ._errors import ERROR, pop_read_error
from ._gate import Handle, free
from ._row import (GO_INT, Arg, AsyncRow, ErrorOnly, Field, ListPageResult, Owned, Raw, Row,
                   Taken, boolean, constant, converted, handle, key, raw, text, version)
from ._whole import BytesResult, take_bytes

_P = POINTER

# The handles' structs, as arguments
ACCESS = handle(d._AccessStruct)
PROJECT = handle(d._ProjectStruct)
UPLOAD = handle(d._UploadStruct)
DOWNLOAD = handle(d._DownloadStruct)
PART_UPLOAD = handle(d._PartUploadStruct)
ENCRYPTION_KEY = handle(d._EncryptionKeyStruct)
BUCKET_NAME = text("bucket_name")
STORJ_PATH = key("storj_path")
KEY = key("key")
UPLOAD_ID = text("upload_id")
CONFIG = converted(d._ConfigStruct, config_struct)
# Config and a pointer to its timeouts, as the "2" calls take them.
CONFIG2 = Arg(d._ConfigStruct, _P(d._ConfigTimeoutsStruct), convert=config_structs)
# A pointer to bytes and its length.
BYTES = (raw(c_void_p), raw(c_size_t))
NOTHING = Raw()


def _free(name: str, struct: Any, quick: bool = False) -> Row[None]:
    """The row of ``uplink_free_*``: releases one result or item (``quick``: a
    few small C allocations, see Row)."""
    return Row(name, [raw(struct)], NOTHING, quick=quick)


# ---------------------------------------------------------------------------
# Freeing: every result has exactly one of these

free_error = _free("uplink_free_error", ERROR, quick=True)
free_string_result = _free("uplink_free_string_result", d._StringResult)
free_access_result = _free("uplink_free_access_result", d._AccessResult)
free_encryption_key_result = _free("uplink_free_encryption_key_result", d._EncryptionKeyResult)
free_project_result = _free("uplink_free_project_result", d._ProjectResult)
free_bucket_result = _free("uplink_free_bucket_result", d._BucketResult, quick=True)
free_bucket = _free("uplink_free_bucket", _P(d._BucketStruct))
free_object_result = _free("uplink_free_object_result", d._ObjectResult, quick=True)
free_object = _free("uplink_free_object", _P(d._ObjectStruct))
free_write_result = _free("uplink_free_write_result", d._WriteResult, quick=True)
free_upload_result = _free("uplink_free_upload_result", d._UploadResult)
free_read_result = _free("uplink_free_read_result", d._ReadResult, quick=True)
free_download_result = _free("uplink_free_download_result", d._DownloadResult)
free_upload_info_result = _free("uplink_free_upload_info_result", d._UploadInfoResult)
free_upload_info = _free("uplink_free_upload_info", _P(d._UploadInfoStruct))
free_commit_upload_result = _free("uplink_free_commit_upload_result", d._CommitUploadResult)
free_part_result = _free("uplink_free_part_result", d._PartResult)
free_part_upload_result = _free("uplink_free_part_upload_result", d._PartUploadResult)
free_part = _free("uplink_free_part", _P(d._PartStruct))
free_bucket_iterator = _free("uplink_free_bucket_iterator", _P(d._BucketIteratorStruct))
free_object_iterator = _free("uplink_free_object_iterator", _P(d._ObjectIteratorStruct))
free_upload_iterator = _free("uplink_free_upload_iterator", _P(d._UploadIteratorStruct))
free_part_iterator = _free("uplink_free_part_iterator", _P(d._PartIteratorStruct))
free_versioned_object_iterator = _free("uplink_free_versioned_object_iterator",
                                       _P(d._VersionedObjectIteratorStruct))
edge_free_credentials_result = _free("edge_free_credentials_result", d._EdgeCredentialsResult)
edge_free_credentials = _free("edge_free_credentials", _P(d._EdgeCredentialsStruct))
free_list_page_result = _free("uplink_free_list_page_result", ListPageResult)
free_versioned_object_result = _free("uplink_free_versioned_object_result",
                                     d._VersionedObjectResult, quick=True)
free_versioned_object = _free("uplink_free_versioned_object", _P(d._VersionedObjectStruct))
free_object_lock_configuration_result = _free("uplink_free_object_lock_configuration_result",
                                              d._ObjectLockConfigurationResult)
free_retention_result = _free("uplink_free_retention_result", d._RetentionResult)
free_bool_result = _free("uplink_free_bool_result", d._BoolResult)
free_int32_result = _free("uplink_free_int32_result", d._Int32Result)
free_access_time_bounds_result = _free("uplink_free_access_time_bounds_result",
                                       d._AccessTimeBoundsResult)
free_delete_objects_result = _free("uplink_free_delete_objects_result", d._DeleteObjectsResult)
free_bytes_result = _free("uplink_free_bytes_result", BytesResult)

# ---------------------------------------------------------------------------
# Results that many rows share

STRING: Field[str] = Field(d._StringResult, "string", free_string_result, string_value,
                           deref=False)
OBJECT: Field[Object] = Field(d._ObjectResult, "object", free_object_result, object_value)
OBJECT_OR_NONE: Field[Optional[Object]] = Field(d._ObjectResult, "object", free_object_result,
                                                object_value, optional=True)
VERSIONED_OBJECT: Field[VersionedObject] = Field(
    d._VersionedObjectResult, "object", free_versioned_object_result, versioned_object_value)
BUCKET: Field[Bucket] = Field(d._BucketResult, "bucket", free_bucket_result, bucket_value,
                              attach="bucket")
ACCESS_RESULT = Owned(d._AccessResult, "access", free_access_result, "access")


def _stream(restype: Any, field: str, free_row: Row[None], kind: str) -> Owned:
    """An upload, part upload or download: it keeps its project (the first
    argument) alive, and releasing it during a call cancels that call."""
    return Owned(restype, field, free_row, kind, parent=0, cancellable=True)


def _take_read(result: Any) -> Tuple[int, bool]:
    """(bytes read, at EOF) of a ReadResult; raises its error (EOF is none)."""
    if not result.error:  # the common case: nothing to free (the error is all it owns)
        return int(result.bytes_read), False
    try:
        eof = pop_read_error(result)
        got = int(result.bytes_read)
    finally:
        free(free_read_result.name, result)
    return got, eof


READ = Taken(d._ReadResult, _take_read)
WRITE: Field[int] = Field(d._WriteResult, "bytes_written", free_write_result, int, deref=False)


def _delete_results(result: Any) -> List[DeleteResult]:
    items = result.items
    return [DeleteResult(
        key=decode(item.key),
        requested_version=optional_bytes(item.requested_version, item.requested_version_length),
        status=enum_value(DeleteStatus, int(item.status)), removed=bool(item.removed),
        removed_version=optional_bytes(item.removed_version, item.removed_version_length),
        marker_inserted=bool(item.marker_inserted),
        marker_version=optional_bytes(item.marker_version, item.marker_version_length))
        for item in (items[index] for index in range(result.count if items else 0))]


# ---------------------------------------------------------------------------
# Access and encryption keys

parse_access: Row[Handle] = Row(
    "uplink_parse_access", [text("serialized_access")], ACCESS_RESULT, redact=(0,))
request_access_with_passphrase: Row[Handle] = Row(
    "uplink_request_access_with_passphrase",
    [text("satellite"), text("api_key"), text("passphrase")], ACCESS_RESULT, redact=(1, 2))
config_request_access_with_passphrase: Row[Handle] = Row(
    "uplink_config_request_access_with_passphrase",
    [CONFIG, text("satellite"), text("api_key"), text("passphrase")], ACCESS_RESULT,
    redact=(2, 3))
# (config or None, satellite, api_key, passphrase): the request timeout of Config too.
config_request_access_with_passphrase2: Row[Handle] = Row(
    "uplink_config_request_access_with_passphrase2",
    [CONFIG2, text("satellite"), text("api_key"), text("passphrase")], ACCESS_RESULT,
    redact=(2, 3))
access_satellite_address: Row[str] = Row("uplink_access_satellite_address", [ACCESS], STRING)
access_serialize: Row[str] = Row("uplink_access_serialize", [ACCESS], STRING)
# -> (not_before, not_after): unix seconds from the API key's caveats, 0 for no bound.
access_time_bounds: Row[Tuple[int, int]] = Row(
    "uplink_access_time_bounds", [ACCESS],
    Field(d._AccessTimeBoundsResult, None, free_access_time_bounds_result,
          lambda result: (int(result.not_before), int(result.not_after)), deref=False))
# (access, permission or None, shared prefixes or None)
access_share: Row[Handle] = Row(
    "uplink_access_share",
    [ACCESS, converted(d._PermissionStruct, permission_struct),
     Arg(_P(d._SharePrefixStruct), GO_INT, convert=share_prefixes)], ACCESS_RESULT)
access_share2: Row[Handle] = Row(
    "uplink_access_share2",
    [ACCESS, converted(d._PermissionV2Struct, permission_v2_struct),
     Arg(_P(d._SharePrefixStruct), GO_INT, convert=share_prefixes)], ACCESS_RESULT)
access_override_encryption_key: Row[None] = Row(
    "uplink_access_override_encryption_key",
    [ACCESS, BUCKET_NAME, text("prefix"), ENCRYPTION_KEY], ErrorOnly())
# (passphrase, salt: str or bytes-like)
derive_encryption_key: Row[Handle] = Row(
    "uplink_derive_encryption_key",
    [text("passphrase"), Arg(c_void_p, c_size_t, convert=lambda salt: bytes_arg(salt, "salt"))],
    Owned(d._EncryptionKeyResult, "encryption_key", free_encryption_key_result,
          "encryption key"), redact=(0,))

# ---------------------------------------------------------------------------
# Project

_PROJECT_RESULT = Owned(d._ProjectResult, "project", free_project_result, "project")
open_project: Row[Handle] = Row("uplink_open_project", [ACCESS], _PROJECT_RESULT)
config_open_project: Row[Handle] = Row("uplink_config_open_project", [CONFIG, ACCESS],
                                       _PROJECT_RESULT)
# (config or None, access): the timeouts of Config too.
config_open_project2: Row[Handle] = Row("uplink_config_open_project2", [CONFIG2, ACCESS],
                                        _PROJECT_RESULT)
# Run by Handle.release(close=...): Project.close().
close_project: Row[None] = Row("uplink_close_project", [PROJECT], ErrorOnly())
revoke_access: Row[None] = Row("uplink_revoke_access", [PROJECT, ACCESS], ErrorOnly())

# ---------------------------------------------------------------------------
# Buckets

stat_bucket: Row[Bucket] = Row("uplink_stat_bucket", [PROJECT, BUCKET_NAME], BUCKET)
create_bucket: Row[Bucket] = Row("uplink_create_bucket", [PROJECT, BUCKET_NAME], BUCKET)
ensure_bucket: Row[Bucket] = Row("uplink_ensure_bucket", [PROJECT, BUCKET_NAME], BUCKET)
delete_bucket: Row[Bucket] = Row("uplink_delete_bucket", [PROJECT, BUCKET_NAME], BUCKET)
delete_bucket_with_objects: Row[Bucket] = Row(
    "uplink_delete_bucket_with_objects", [PROJECT, BUCKET_NAME], BUCKET)
delete_bucket_with_objects_bypass_governance_retention: Row[Bucket] = Row(
    "uplink_delete_bucket_with_objects_bypass_governance_retention", [PROJECT, BUCKET_NAME],
    BUCKET)
create_bucket_with_object_lock: Row[Bucket] = Row(
    "uplink_create_bucket_with_object_lock",
    [PROJECT, BUCKET_NAME, boolean("object_lock_enabled")], BUCKET)
get_bucket_versioning: Row[Any] = Row(  # a VersioningState, an int for a state unknown here
    "uplink_get_bucket_versioning", [PROJECT, BUCKET_NAME],
    Field(d._Int32Result, "value", free_int32_result,
          lambda value: enum_value(VersioningState, int(value)), deref=False))
set_bucket_versioning: Row[None] = Row(
    "uplink_set_bucket_versioning", [PROJECT, BUCKET_NAME, boolean("enabled")], ErrorOnly())
get_bucket_object_lock_configuration: Row[ObjectLockConfiguration] = Row(
    "uplink_get_bucket_object_lock_configuration", [PROJECT, BUCKET_NAME],
    Field(d._ObjectLockConfigurationResult, "configuration",
          free_object_lock_configuration_result, lock_configuration_value))
set_bucket_object_lock_configuration: Row[None] = Row(
    "uplink_set_bucket_object_lock_configuration",
    [PROJECT, BUCKET_NAME,
     converted(_P(d._ObjectLockConfigurationStruct), lock_configuration_struct)], ErrorOnly())

# (project, options or None) -> Cursor
list_buckets: Row["_listing.Cursor[Bucket]"] = Row(
    "uplink_list_buckets",
    [PROJECT, converted(_P(d._ListBucketsOptionsStruct), list_buckets_options)],
    _listing.buckets(d._BucketIteratorStruct, free_bucket_iterator))

# ---------------------------------------------------------------------------
# Objects

stat_object: Row[Object] = Row("uplink_stat_object", [PROJECT, BUCKET_NAME, STORJ_PATH], OBJECT)
delete_object: Row[Optional[Object]] = Row(
    "uplink_delete_object", [PROJECT, BUCKET_NAME, STORJ_PATH], OBJECT_OR_NONE)
update_object_metadata: Row[None] = Row(
    "uplink_update_object_metadata",
    [PROJECT, BUCKET_NAME, STORJ_PATH, converted(d._CustomMetadataStruct, custom_metadata),
     constant(_P(d._UploadObjectMetadataOptionsStruct), None)], ErrorOnly())
_MOVE_ARGS = [PROJECT, text("old_bucket"), key("old_key"), text("new_bucket"), key("new_key")]
copy_object: Row[Object] = Row(
    "uplink_copy_object", _MOVE_ARGS + [constant(_P(d._CopyObjectOptionsStruct), None)], OBJECT)
move_object: Row[None] = Row(
    "uplink_move_object", _MOVE_ARGS + [constant(_P(d._MoveObjectOptionsStruct), None)],
    ErrorOnly())
# (project, bucket, options or None) -> Cursor
list_objects: Row["_listing.Cursor[Object]"] = Row(
    "uplink_list_objects",
    [PROJECT, BUCKET_NAME, converted(_P(d._ListObjectsOptionsStruct), list_objects_options)],
    _listing.objects(d._ObjectIteratorStruct, free_object_iterator))

# Versions, retention, legal hold, bulk delete

stat_object_version: Row[VersionedObject] = Row(
    "uplink_stat_object_version", [PROJECT, BUCKET_NAME, KEY, version()], VERSIONED_OBJECT)
# (project, bucket, key, version or None, bypass_governance_retention)
delete_object_version: Row[Optional[VersionedObject]] = Row(
    "uplink_delete_object_version",
    [PROJECT, BUCKET_NAME, KEY, version(),
     converted(_P(d._DeleteObjectOptionsStruct), delete_object_options)],
    Field(d._VersionedObjectResult, "object", free_versioned_object_result,
          versioned_object_value, optional=True))
list_object_versions: Row["_listing.Cursor[VersionedObject]"] = Row(
    "uplink_list_object_versions",
    [PROJECT, BUCKET_NAME,
     converted(_P(d._ListObjectVersionsOptionsStruct), list_object_versions_options)],
    _listing.object_versions(d._VersionedObjectIteratorStruct, free_versioned_object_iterator))
# (project, bucket, key, version, retention or None (removes it), bypass_governance_retention)
set_object_retention: Row[None] = Row(
    "uplink_set_object_retention",
    [PROJECT, BUCKET_NAME, KEY, version(),
     converted(d._RetentionStruct, lambda retention: retention_struct(retention, "retention")),
     boolean("bypass_governance_retention")], ErrorOnly())
get_object_retention: Row[Optional[Retention]] = Row(
    "uplink_get_object_retention", [PROJECT, BUCKET_NAME, KEY, version()],
    Field(d._RetentionResult, "retention", free_retention_result, retention_value,
          optional=True))
set_object_legal_hold: Row[None] = Row(
    "uplink_set_object_legal_hold", [PROJECT, BUCKET_NAME, KEY, version(), boolean("enabled")],
    ErrorOnly())
get_object_legal_hold: Row[bool] = Row(
    "uplink_get_object_legal_hold", [PROJECT, BUCKET_NAME, KEY, version()],
    Field(d._BoolResult, "value", free_bool_result, bool, deref=False))
# (project, bucket, item array, count, bypass_governance_retention, quiet): see delete_objects.
_delete_objects: Row[List[DeleteResult]] = Row(
    "uplink_delete_objects",
    [PROJECT, BUCKET_NAME, raw(_P(d._DeleteObjectsItemStruct)), raw(c_size_t),
     converted(_P(d._DeleteObjectsOptionsStruct), delete_objects_options, takes=2)],
    Field(d._DeleteObjectsResult, None, free_delete_objects_result, _delete_results,
          deref=False))

# The keys of one bulk delete request are kept under this many bytes, so that
# the request (with encrypted keys) stays well inside DRPC's 4 MiB limit.
_DELETE_BATCH_BYTES = 1024 * 1024


def delete_batches(bucket: str, items: List[Tuple[str, Any]]
                   ) -> Iterator[Tuple[Any, int, Any]]:
    """The requests of one bulk delete of ``items`` (key, version or None), each
    as (item array, count, what the array points into: kept until the request
    ended); long key lists are sent in several requests. Raises
    TypeError/ValueError for a bad key, version or bucket before any is sent."""
    encoded = []
    for index, (name, version_id) in enumerate(items):
        data, length = version_arg(version_id, f"items[{index}].version")
        encoded.append((key_arg(name, f"items[{index}].key"), data, length))
    encode(bucket, "bucket_name")  # a bad name fails before any key is sent
    batches: List[List[Tuple[bytes, Optional[bytes], int]]] = [[]]
    size = 0
    for item in encoded:
        if batches[-1] and size + len(item[0]) > _DELETE_BATCH_BYTES:
            batches.append([])
            size = 0
        batches[-1].append(item)
        size += len(item[0])
    for batch in batches:
        # The array points into the bytes of ``batch``.
        array = (d._DeleteObjectsItemStruct * len(batch))(
            *(d._DeleteObjectsItemStruct(name, uint8_pointer(data), length)
              for name, data, length in batch))
        yield array, len(batch), batch


def delete_objects(project: Handle, bucket: str, items: List[Tuple[str, Any]],
                   bypass_governance_retention: bool, quiet: bool) -> List[DeleteResult]:
    """Deletes many objects (key, version or None); long key lists are sent in
    several requests."""
    results: List[DeleteResult] = []
    for array, count, _ in delete_batches(bucket, items):
        results += _delete_objects(project, bucket, array, count,
                                   bypass_governance_retention, quiet)
    return results


# Whole objects in one call (wholeobject.go)

# (project, bucket, key, pointer, count, options or None): see Project.put_object.
put_object: Row[Object] = Row(
    "uplink_put_object",
    [PROJECT, BUCKET_NAME, KEY, *BYTES, converted(_P(d._UploadOptionsStruct), upload_options)],
    OBJECT)
# (project, bucket, key, offset, length or -1) -> bytes
get_object: Row[bytes] = Row(
    "uplink_get_object",
    [PROJECT, BUCKET_NAME, KEY,
     converted(c_int64, lambda offset: integer(offset, "offset", 0, 2**63 - 1)),
     converted(c_int64, lambda length: integer(length, "length", -1, 2**63 - 1))],
    Taken(BytesResult, take_bytes))

# ---------------------------------------------------------------------------
# Uploads

_UPLOAD_RESULT = _stream(d._UploadResult, "upload", free_upload_result, "upload")
# (project, bucket, key, options or None) -> Handle
upload_object: Row[Handle] = Row(
    "uplink_upload_object",
    [PROJECT, BUCKET_NAME, STORJ_PATH, converted(_P(d._UploadOptionsStruct), upload_options)],
    _UPLOAD_RESULT)
# (project, bucket, key, options, retention, legal_hold, if_none_match) -> Handle
upload_object2: Row[Handle] = Row(
    "uplink_upload_object2",
    [PROJECT, BUCKET_NAME, STORJ_PATH,
     converted(_P(d._UploadOptionsV2Struct), upload_options_v2, takes=4)], _UPLOAD_RESULT)
# (upload, pointer, count): see _streams.write
upload_write: Row[int] = Row("uplink_upload_write", [UPLOAD, *BYTES], WRITE)
upload_commit: Row[None] = Row("uplink_upload_commit", [UPLOAD], ErrorOnly())
upload_abort: Row[None] = Row("uplink_upload_abort", [UPLOAD], ErrorOnly())
upload_info: Row[Object] = Row("uplink_upload_info", [UPLOAD], OBJECT)
upload_info_versioned: Row[VersionedObject] = Row(
    "uplink_upload_info_versioned", [UPLOAD], VERSIONED_OBJECT)
upload_set_custom_metadata: Row[None] = Row(
    "uplink_upload_set_custom_metadata",
    [UPLOAD, converted(d._CustomMetadataStruct, custom_metadata)], ErrorOnly())

# Multipart uploads

begin_upload: Row[UploadInfo] = Row(
    "uplink_begin_upload",
    [PROJECT, BUCKET_NAME, KEY, converted(_P(d._UploadOptionsStruct), upload_options)],
    Field(d._UploadInfoResult, "info", free_upload_info_result, upload_info_value))
# (project, bucket, key, upload_id, custom metadata or None)
commit_upload: Row[Object] = Row(
    "uplink_commit_upload",
    [PROJECT, BUCKET_NAME, KEY, UPLOAD_ID,
     converted(_P(d._CommitUploadOptionsStruct), commit_upload_options)],
    Field(d._CommitUploadResult, "object", free_commit_upload_result, object_value))
abort_upload: Row[None] = Row("uplink_abort_upload", [PROJECT, BUCKET_NAME, KEY, UPLOAD_ID],
                              ErrorOnly())
upload_part: Row[Handle] = Row(
    "uplink_upload_part",
    [PROJECT, BUCKET_NAME, KEY, UPLOAD_ID,
     converted(c_uint32, lambda number: integer(number, "part_number", 0, INT32[1]))],
    _stream(d._PartUploadResult, "part_upload", free_part_upload_result, "part upload"))
part_upload_write: Row[int] = Row("uplink_part_upload_write", [PART_UPLOAD, *BYTES], WRITE)
part_upload_commit: Row[None] = Row("uplink_part_upload_commit", [PART_UPLOAD], ErrorOnly())
part_upload_abort: Row[None] = Row("uplink_part_upload_abort", [PART_UPLOAD], ErrorOnly())
part_upload_set_etag: Row[None] = Row(
    "uplink_part_upload_set_etag", [PART_UPLOAD, text("etag", allow_bytes=True)], ErrorOnly())
part_upload_info: Row[Part] = Row(
    "uplink_part_upload_info", [PART_UPLOAD],
    Field(d._PartResult, "part", free_part_result, part_value))
list_uploads: Row["_listing.Cursor[UploadInfo]"] = Row(
    "uplink_list_uploads",
    [PROJECT, BUCKET_NAME, converted(_P(d._ListUploadsOptionsStruct), list_uploads_options)],
    _listing.uploads(d._UploadIteratorStruct, free_upload_iterator))
list_upload_parts: Row["_listing.Cursor[Part]"] = Row(
    "uplink_list_upload_parts",
    [PROJECT, BUCKET_NAME, KEY, UPLOAD_ID,
     converted(_P(d._ListUploadPartsOptionsStruct), list_upload_parts_options)],
    _listing.parts(d._PartIteratorStruct, free_part_iterator))

# ---------------------------------------------------------------------------
# Downloads

_DOWNLOAD_RESULT = _stream(d._DownloadResult, "download", free_download_result, "download")
download_object: Row[Handle] = Row(
    "uplink_download_object",
    [PROJECT, BUCKET_NAME, STORJ_PATH, converted(_P(d._DownloadOptionsStruct), download_options)],
    _DOWNLOAD_RESULT)
download_object_version: Row[Handle] = Row(
    "uplink_download_object_version",
    [PROJECT, BUCKET_NAME, STORJ_PATH, version(),
     converted(_P(d._DownloadOptionsStruct), download_options)], _DOWNLOAD_RESULT)
# (download, pointer, count) -> (bytes read, at EOF): see _streams.
download_read: Row[Tuple[int, bool]] = Row("uplink_download_read", [DOWNLOAD, *BYTES], READ)
# Waits for the first byte, then returns all that libuplinkc's read-ahead holds.
download_read_some: Row[Tuple[int, bool]] = Row(
    "uplink_download_read_some", [DOWNLOAD, *BYTES], READ)
# Fills the buffer unless the object ends or an error comes.
download_read_full: Row[Tuple[int, bool]] = Row(
    "uplink_download_read_full", [DOWNLOAD, *BYTES], READ)
download_info: Row[Object] = Row("uplink_download_info", [DOWNLOAD], OBJECT)
download_info_versioned: Row[VersionedObject] = Row(
    "uplink_download_info_versioned", [DOWNLOAD], VERSIONED_OBJECT)
close_download: Row[None] = Row("uplink_close_download", [DOWNLOAD], ErrorOnly())

# ---------------------------------------------------------------------------
# Any handle

# Interrupts what an upload, download, part upload or listing is doing; it
# does not hold the handle (it must not wait for the call it interrupts).
cancel: Row[None] = Row("uplink_cancel", [Arg(c_void_p, handle=True)], ErrorOnly(), hold=False)
# (iterator handle, page size): see _listing.Cursor, which takes the page.
iterator_next_page = Row("uplink_iterator_next_page", [raw(c_void_p), raw(c_size_t)],
                         Raw(ListPageResult))
internal_UniverseIsEmpty: Row[bool] = Row("uplink_internal_UniverseIsEmpty", [], Raw(c_bool))
internal_HandleCount: Row[int] = Row("uplink_internal_HandleCount", [], Raw(c_size_t))
# (pipe read fd, fd to chain each byte to or -1, mask of signals): see _interrupt.
interrupt_watch: Row[None] = Row("uplink_interrupt_watch", [raw(c_int), raw(c_int), raw(c_uint64)],
                                 ErrorOnly())

# uplink-c's one-item-at-a-time iterators (the library reads pages instead).
_ITERATORS = (("bucket", d._BucketIteratorStruct, d._BucketStruct),
              ("object", d._ObjectIteratorStruct, d._ObjectStruct),
              ("upload", d._UploadIteratorStruct, d._UploadInfoStruct),
              ("part", d._PartIteratorStruct, d._PartStruct),
              ("versioned_object", d._VersionedObjectIteratorStruct, d._VersionedObjectStruct))
_ITERATOR_ROWS = tuple(
    row for kind, iterator, item in _ITERATORS for row in (
        Row(f"uplink_{kind}_iterator_next", [raw(_P(iterator))], Raw(c_bool)),
        Row(f"uplink_{kind}_iterator_err", [raw(_P(iterator))], Raw(ERROR)),
        Row(f"uplink_{kind}_iterator_item", [raw(_P(iterator))], Raw(_P(item)))))

# ---------------------------------------------------------------------------
# Edge

_EDGE_CREDENTIALS: Field[EdgeCredentials] = Field(
    d._EdgeCredentialsResult, "credentials", edge_free_credentials_result, edge_credentials_value)
_REGISTER_OPTIONS = converted(_P(d._EdgeRegisterAccessOptionsStruct), edge_register_options)
# (config, access, is_public); Edge redacts the serialized access from errors.
edge_register_access: Row[EdgeCredentials] = Row(
    "edge_register_access",
    [converted(d._EdgeConfigStruct, edge_config_struct), ACCESS, _REGISTER_OPTIONS],
    _EDGE_CREDENTIALS)
# (config, access, is_public): the timeouts of EdgeConfig too.
edge_register_access2: Row[EdgeCredentials] = Row(
    "edge_register_access2",
    [Arg(d._EdgeConfigStruct, _P(d._EdgeConfigTimeoutsStruct), convert=edge_config_structs),
     ACCESS, _REGISTER_OPTIONS],
    _EDGE_CREDENTIALS)
# (base_url, access_key_id, bucket, key, raw)
edge_join_share_url: Row[str] = Row(
    "edge_join_share_url",
    [text("base_url"), text("access_key_id"), text("bucket"), KEY,
     converted(_P(d._EdgeShareURLOptionsStruct), edge_share_url_options)], STRING)

# ---------------------------------------------------------------------------
# Async operations (async.go): ``_async`` waits for them.

# (timeout ms, id array, capacity) -> how many ids of finished operations it filled in
async_wait: Row[int] = Row("uplink_async_wait", [raw(c_int64), raw(_P(c_uint64)), raw(c_size_t)],
                           Raw(c_size_t))
async_wake: Row[None] = Row("uplink_async_wake", [], NOTHING, quick=True)
# (id, pointer to the sync call's result struct, its size): copies the result out once.
async_take: Row[None] = Row("uplink_async_take", [raw(c_uint64), raw(c_void_p), raw(c_size_t)],
                            ErrorOnly(), quick=True)
async_cancel: Row[None] = Row("uplink_async_cancel", [raw(c_uint64)], NOTHING, quick=True)
async_discard: Row[None] = Row("uplink_async_discard", [raw(c_uint64)], NOTHING)
internal_AsyncCount: Row[int] = Row("uplink_internal_AsyncCount", [], Raw(c_size_t))
# Completion queues, for loops that watch a descriptor: (int *fd) -> queue id, 0 for none;
# the thread's queue for the operations it starts; (queue, id array, capacity) -> count,
# never blocking; close (what it still has goes to async_wait).
async_queue_open: Row[int] = Row("uplink_async_queue_open", [raw(_P(c_int))], Raw(c_uint64))
async_queue_use: Row[None] = Row("uplink_async_queue_use", [raw(c_uint64)], NOTHING, quick=True)
async_queue_take: Row[int] = Row("uplink_async_queue_take",
                                 [raw(c_uint64), raw(_P(c_uint64)), raw(c_size_t)],
                                 Raw(c_size_t), quick=True)
async_queue_close: Row[None] = Row("uplink_async_queue_close", [raw(c_uint64)], NOTHING,
                                   quick=True)
# (queue, age ms, id array, capacity): as async_queue_take, but only once the queue has
# held ids for that long (for the waiter, looking after a loop that does not take them).
async_queue_take_stale: Row[int] = Row("uplink_async_queue_take_stale",
                                       [raw(c_uint64), raw(c_int64), raw(_P(c_uint64)),
                                        raw(c_size_t)], Raw(c_size_t), quick=True)
# (paused) -> whether a thread is watched: the interrupt watch off or on again,
# for benchmarks/interrupt_watch.py only.
internal_PauseInterruptWatch: Row[bool] = Row("uplink_internal_PauseInterruptWatch",
                                              [raw(c_bool)], Raw(c_bool))

# Each of these has an ``uplink_async_`` twin taking the same arguments: its row
# is derived from the sync one (``ASYNC[row.name]``), never written twice.
# The calls that commit: a cancel that comes too late leaves their object
# stored, and the caller gets that true outcome (put_object commits too).
_COMMITS = (commit_upload, upload_commit, part_upload_commit, put_object)
ASYNC: Dict[str, AsyncRow] = {row.name: AsyncRow(row, settles=row in _COMMITS) for row in (
    stat_bucket, create_bucket, ensure_bucket, delete_bucket, delete_bucket_with_objects,
    delete_bucket_with_objects_bypass_governance_retention, create_bucket_with_object_lock,
    get_bucket_versioning, set_bucket_versioning, get_bucket_object_lock_configuration,
    set_bucket_object_lock_configuration, stat_object, delete_object, update_object_metadata,
    copy_object, move_object, stat_object_version, delete_object_version, _delete_objects,
    set_object_retention, get_object_retention, set_object_legal_hold, get_object_legal_hold,
    put_object, get_object, begin_upload, commit_upload, abort_upload, revoke_access,
    upload_object, upload_object2, download_object, download_object_version, upload_part,
    upload_write, upload_commit, upload_abort, part_upload_write, part_upload_commit,
    download_read_some, download_read_full, iterator_next_page,
    config_request_access_with_passphrase2, edge_register_access2)}

# ---------------------------------------------------------------------------

TABLE: Tuple[Row[Any], ...] = tuple(
    value for value in list(globals().values()) if isinstance(value, Row)) + _ITERATOR_ROWS \
    + tuple(ASYNC.values())
