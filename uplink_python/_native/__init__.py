"""The private native layer: everything that touches ctypes lives in this package.

* ``_loader``: the signature table (every function declared once) and loading;
* ``_gate``: the one gate every call passes through, and handle ownership;
* ``_errors``: the error choke point;
* ``_convert`` and ``_buffers``: value classes <-> C structs, zero-copy buffers;
* ``_calls``, ``_streams``, ``_listing``: the calls, by what they act on;
* ``_whole``: whole objects in one call; ``_async``: the async calls (uplink_python.aio).

Public modules call the functions re-exported here with Python values and get
Python values (or exceptions) back; they never see a ctypes object.
"""

from ._buffers import pointer_view, readable_buffer, ubyte_buffer, writable_buffer
from ._calls import (abort_upload, access_override_encryption_key, access_satellite_address,
                     access_serialize, access_share, begin_upload, bucket_call, close_project,
                     commit_upload, copy_object, create_bucket_with_object_lock, delete_object,
                     delete_object_version, delete_objects, derive_encryption_key,
                     edge_join_share_url, edge_register_access,
                     get_bucket_object_lock_configuration, get_bucket_versioning,
                     get_object_legal_hold, get_object_retention, move_object, open_project,
                     parse_access, part_upload_info, part_upload_set_etag, request_access,
                     revoke_access, set_bucket_object_lock_configuration, set_bucket_versioning,
                     set_object_legal_hold, set_object_retention, stat_object,
                     stat_object_version, update_object_metadata)
from ._convert import MAX_UNIX_SECONDS, encode, flag, utf8
from ._errors import redacting, take_error
from ._gate import Handle, HandleOwner, LibraryView, call, cancel
from ._listing import (Cursor, iter_buckets, iter_object_versions, iter_objects,
                       iter_upload_parts, iter_uploads)
from ._loader import (ENV_LIBRARY, EOF, candidate_paths, check_fork, handle_count,
                      library_filename,
                      library_path, missing_symbols, symbol_names, universe_is_empty)
from ._whole import get_object, put_object
from ._streams import (MAX_READ_SIZE, check_writable, close_download, close_download_stream,
                       close_upload, download_info,
                       download_info_versioned, download_object, download_object_version,
                       download_read, download_readinto, upload_abort, upload_commit,
                       upload_info, upload_info_versioned, upload_object, upload_object2,
                       upload_part, upload_set_custom_metadata, upload_write)

__all__ = [
    "abort_upload", "access_override_encryption_key", "access_satellite_address",
    "access_serialize", "access_share", "begin_upload", "bucket_call", "call", "cancel",
    "candidate_paths", "check_fork", "check_writable", "close_download", "close_download_stream", "close_project", "close_upload", "commit_upload",
    "copy_object", "create_bucket_with_object_lock", "Cursor", "delete_object",
    "delete_object_version", "delete_objects", "derive_encryption_key", "download_info",
    "download_info_versioned", "download_object", "download_object_version", "download_read",
    "download_readinto", "edge_join_share_url", "edge_register_access", "encode",
    "ENV_LIBRARY", "EOF", "flag", "get_bucket_object_lock_configuration",
    "get_bucket_versioning", "get_object_legal_hold", "get_object_retention", "Handle",
    "handle_count", "HandleOwner", "iter_buckets", "iter_object_versions", "iter_objects",
    "iter_upload_parts", "iter_uploads", "LibraryView", "library_filename", "library_path",
    "MAX_READ_SIZE", "MAX_UNIX_SECONDS", "missing_symbols", "move_object", "open_project",
    "parse_access", "pointer_view", "ubyte_buffer", "part_upload_info", "part_upload_set_etag", "readable_buffer",
    "redacting", "request_access", "revoke_access", "set_bucket_object_lock_configuration",
    "set_bucket_versioning", "set_object_legal_hold", "set_object_retention", "stat_object",
    "stat_object_version", "symbol_names", "take_error", "universe_is_empty",
    "update_object_metadata", "upload_abort", "upload_commit", "upload_info",
    "upload_info_versioned", "upload_object", "upload_object2", "upload_part",
    "upload_set_custom_metadata", "upload_write", "utf8", "writable_buffer",
    "get_object", "put_object",
]
