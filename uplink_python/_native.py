"""The private native layer: everything that touches ctypes lives here.

* the loader (lazy, once per process, under a lock, fork-aware);
* the signature table, applied once at load;
* the error choke point;
* owners of native handles and results (each freed exactly once);
* conversions between the value classes and the C structs;
* zero-copy buffer helpers.

Public modules call the functions below with Python values and get Python
values (or exceptions) back; they never see a ctypes object.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime
import math
import operator
import os
import re
import sys
import threading
import weakref
from ctypes import (POINTER, PYFUNCTYPE, Structure, byref, c_bool, c_char, c_char_p, c_int,
                    c_size_t, c_ssize_t, c_uint32, c_void_p, py_object)
from typing import (Any, Callable, Generic, Iterator, List, Mapping, Optional, Set, Tuple,
                    TypeVar, Union)

from . import errors
from . import module_def as d
from .module_classes import (Bucket, Config, CustomMetadata, CustomMetadataEntry, DeleteResult,
                             DeleteStatus, DownloadOptions, EdgeConfig, EdgeCredentials,
                             ListBucketsOptions, ListObjectsOptions, ListObjectVersionsOptions,
                             ListUploadPartsOptions, ListUploadsOptions, Object,
                             ObjectLockConfiguration, Part, Permission, Retention, RetentionMode,
                             SharePrefix, SystemMetadata, UploadInfo, UploadOptions,
                             VersionedObject, VersioningState)

ENV_LIBRARY = "UPLINK_PYTHON_LIBRARY"
EOF = -1

# ---------------------------------------------------------------------------
# The signature table: every function libuplinkc exports, declared once.

_cc = c_char_p          # const char*
_GoInt = c_ssize_t      # Go's int: pointer sized
_P = POINTER
_VER = (c_void_p, c_size_t)   # version id: uint8_t* + length

_ERR: Any = _P(d._Error)
_ACCESS: Any = _P(d._AccessStruct)
_PROJECT: Any = _P(d._ProjectStruct)
_UPLOAD: Any = _P(d._UploadStruct)
_DOWNLOAD: Any = _P(d._DownloadStruct)
_PART_UPLOAD: Any = _P(d._PartUploadStruct)

_SIGNATURES: Tuple[Tuple[str, Any, Tuple[Any, ...]], ...] = (
    # access and encryption keys
    ("uplink_parse_access", d._AccessResult, (_cc,)),
    ("uplink_request_access_with_passphrase", d._AccessResult, (_cc, _cc, _cc)),
    ("uplink_config_request_access_with_passphrase", d._AccessResult,
     (d._ConfigStruct, _cc, _cc, _cc)),
    ("uplink_access_satellite_address", d._StringResult, (_ACCESS,)),
    ("uplink_access_serialize", d._StringResult, (_ACCESS,)),
    ("uplink_access_share", d._AccessResult,
     (_ACCESS, d._PermissionStruct, _P(d._SharePrefixStruct), _GoInt)),
    ("uplink_access_override_encryption_key", _ERR,
     (_ACCESS, _cc, _cc, _P(d._EncryptionKeyStruct))),
    ("uplink_derive_encryption_key", d._EncryptionKeyResult, (_cc, c_void_p, c_size_t)),
    ("uplink_free_string_result", None, (d._StringResult,)),
    ("uplink_free_access_result", None, (d._AccessResult,)),
    ("uplink_free_encryption_key_result", None, (d._EncryptionKeyResult,)),
    # project
    ("uplink_open_project", d._ProjectResult, (_ACCESS,)),
    ("uplink_config_open_project", d._ProjectResult, (d._ConfigStruct, _ACCESS)),
    ("uplink_close_project", _ERR, (_PROJECT,)),
    ("uplink_revoke_access", _ERR, (_PROJECT, _ACCESS)),
    ("uplink_free_project_result", None, (d._ProjectResult,)),
    # buckets
    ("uplink_stat_bucket", d._BucketResult, (_PROJECT, _cc)),
    ("uplink_create_bucket", d._BucketResult, (_PROJECT, _cc)),
    ("uplink_ensure_bucket", d._BucketResult, (_PROJECT, _cc)),
    ("uplink_delete_bucket", d._BucketResult, (_PROJECT, _cc)),
    ("uplink_delete_bucket_with_objects", d._BucketResult, (_PROJECT, _cc)),
    ("uplink_free_bucket_result", None, (d._BucketResult,)),
    ("uplink_free_bucket", None, (_P(d._BucketStruct),)),
    ("uplink_list_buckets", _P(d._BucketIteratorStruct),
     (_PROJECT, _P(d._ListBucketsOptionsStruct))),
    ("uplink_bucket_iterator_next", c_bool, (_P(d._BucketIteratorStruct),)),
    ("uplink_bucket_iterator_err", _ERR, (_P(d._BucketIteratorStruct),)),
    ("uplink_bucket_iterator_item", _P(d._BucketStruct), (_P(d._BucketIteratorStruct),)),
    ("uplink_free_bucket_iterator", None, (_P(d._BucketIteratorStruct),)),
    # objects
    ("uplink_stat_object", d._ObjectResult, (_PROJECT, _cc, _cc)),
    ("uplink_delete_object", d._ObjectResult, (_PROJECT, _cc, _cc)),
    ("uplink_update_object_metadata", _ERR,
     (_PROJECT, _cc, _cc, d._CustomMetadataStruct, _P(d._UploadObjectMetadataOptionsStruct))),
    ("uplink_copy_object", d._ObjectResult,
     (_PROJECT, _cc, _cc, _cc, _cc, _P(d._CopyObjectOptionsStruct))),
    ("uplink_move_object", _ERR, (_PROJECT, _cc, _cc, _cc, _cc, _P(d._MoveObjectOptionsStruct))),
    ("uplink_free_object_result", None, (d._ObjectResult,)),
    ("uplink_free_object", None, (_P(d._ObjectStruct),)),
    ("uplink_list_objects", _P(d._ObjectIteratorStruct),
     (_PROJECT, _cc, _P(d._ListObjectsOptionsStruct))),
    ("uplink_object_iterator_next", c_bool, (_P(d._ObjectIteratorStruct),)),
    ("uplink_object_iterator_err", _ERR, (_P(d._ObjectIteratorStruct),)),
    ("uplink_object_iterator_item", _P(d._ObjectStruct), (_P(d._ObjectIteratorStruct),)),
    ("uplink_free_object_iterator", None, (_P(d._ObjectIteratorStruct),)),
    # upload
    ("uplink_upload_object", d._UploadResult, (_PROJECT, _cc, _cc, _P(d._UploadOptionsStruct))),
    ("uplink_upload_write", d._WriteResult, (_UPLOAD, c_void_p, c_size_t)),
    ("uplink_upload_commit", _ERR, (_UPLOAD,)),
    ("uplink_upload_abort", _ERR, (_UPLOAD,)),
    ("uplink_upload_info", d._ObjectResult, (_UPLOAD,)),
    ("uplink_upload_set_custom_metadata", _ERR, (_UPLOAD, d._CustomMetadataStruct)),
    ("uplink_free_write_result", None, (d._WriteResult,)),
    ("uplink_free_upload_result", None, (d._UploadResult,)),
    # download
    ("uplink_download_object", d._DownloadResult,
     (_PROJECT, _cc, _cc, _P(d._DownloadOptionsStruct))),
    ("uplink_download_read", d._ReadResult, (_DOWNLOAD, c_void_p, c_size_t)),
    ("uplink_download_info", d._ObjectResult, (_DOWNLOAD,)),
    ("uplink_close_download", _ERR, (_DOWNLOAD,)),
    ("uplink_free_read_result", None, (d._ReadResult,)),
    ("uplink_free_download_result", None, (d._DownloadResult,)),
    # multipart
    ("uplink_begin_upload", d._UploadInfoResult, (_PROJECT, _cc, _cc, _P(d._UploadOptionsStruct))),
    ("uplink_free_upload_info_result", None, (d._UploadInfoResult,)),
    ("uplink_free_upload_info", None, (_P(d._UploadInfoStruct),)),
    ("uplink_commit_upload", d._CommitUploadResult,
     (_PROJECT, _cc, _cc, _cc, _P(d._CommitUploadOptionsStruct))),
    ("uplink_free_commit_upload_result", None, (d._CommitUploadResult,)),
    ("uplink_abort_upload", _ERR, (_PROJECT, _cc, _cc, _cc)),
    ("uplink_upload_part", d._PartUploadResult, (_PROJECT, _cc, _cc, _cc, c_uint32)),
    ("uplink_part_upload_write", d._WriteResult, (_PART_UPLOAD, c_void_p, c_size_t)),
    ("uplink_part_upload_commit", _ERR, (_PART_UPLOAD,)),
    ("uplink_part_upload_abort", _ERR, (_PART_UPLOAD,)),
    ("uplink_part_upload_set_etag", _ERR, (_PART_UPLOAD, _cc)),
    ("uplink_part_upload_info", d._PartResult, (_PART_UPLOAD,)),
    ("uplink_free_part_result", None, (d._PartResult,)),
    ("uplink_free_part_upload_result", None, (d._PartUploadResult,)),
    ("uplink_free_part", None, (_P(d._PartStruct),)),
    ("uplink_list_uploads", _P(d._UploadIteratorStruct),
     (_PROJECT, _cc, _P(d._ListUploadsOptionsStruct))),
    ("uplink_upload_iterator_next", c_bool, (_P(d._UploadIteratorStruct),)),
    ("uplink_upload_iterator_err", _ERR, (_P(d._UploadIteratorStruct),)),
    ("uplink_upload_iterator_item", _P(d._UploadInfoStruct), (_P(d._UploadIteratorStruct),)),
    ("uplink_free_upload_iterator", None, (_P(d._UploadIteratorStruct),)),
    ("uplink_list_upload_parts", _P(d._PartIteratorStruct),
     (_PROJECT, _cc, _cc, _cc, _P(d._ListUploadPartsOptionsStruct))),
    ("uplink_part_iterator_next", c_bool, (_P(d._PartIteratorStruct),)),
    ("uplink_part_iterator_err", _ERR, (_P(d._PartIteratorStruct),)),
    ("uplink_part_iterator_item", _P(d._PartStruct), (_P(d._PartIteratorStruct),)),
    ("uplink_free_part_iterator", None, (_P(d._PartIteratorStruct),)),
    # edge
    ("edge_register_access", d._EdgeCredentialsResult,
     (d._EdgeConfigStruct, _ACCESS, _P(d._EdgeRegisterAccessOptionsStruct))),
    ("edge_free_credentials_result", None, (d._EdgeCredentialsResult,)),
    ("edge_free_credentials", None, (_P(d._EdgeCredentialsStruct),)),
    ("edge_join_share_url", d._StringResult, (_cc, _cc, _cc, _cc, _P(d._EdgeShareURLOptionsStruct))),
    # misc
    ("uplink_free_error", None, (_ERR,)),
    ("uplink_internal_UniverseIsEmpty", c_bool, ()),
    # libuplinkc extensions (uplink_extensions.h)
    ("uplink_internal_HandleCount", c_size_t, ()),
    ("uplink_access_share2", d._AccessResult,
     (_ACCESS, d._PermissionV2Struct, _P(d._SharePrefixStruct), _GoInt)),
    ("uplink_get_bucket_versioning", d._Int32Result, (_PROJECT, _cc)),
    ("uplink_set_bucket_versioning", _ERR, (_PROJECT, _cc, c_bool)),
    ("uplink_create_bucket_with_object_lock", d._BucketResult, (_PROJECT, _cc, c_bool)),
    ("uplink_delete_bucket_with_objects_bypass_governance_retention", d._BucketResult,
     (_PROJECT, _cc)),
    ("uplink_get_bucket_object_lock_configuration", d._ObjectLockConfigurationResult,
     (_PROJECT, _cc)),
    ("uplink_set_bucket_object_lock_configuration", _ERR,
     (_PROJECT, _cc, _P(d._ObjectLockConfigurationStruct))),
    ("uplink_upload_object2", d._UploadResult, (_PROJECT, _cc, _cc, _P(d._UploadOptionsV2Struct))),
    ("uplink_upload_info_versioned", d._VersionedObjectResult, (_UPLOAD,)),
    ("uplink_stat_object_version", d._VersionedObjectResult, (_PROJECT, _cc, _cc) + _VER),
    ("uplink_delete_object_version", d._VersionedObjectResult,
     (_PROJECT, _cc, _cc) + _VER + (_P(d._DeleteObjectOptionsStruct),)),
    ("uplink_download_object_version", d._DownloadResult,
     (_PROJECT, _cc, _cc) + _VER + (_P(d._DownloadOptionsStruct),)),
    ("uplink_download_info_versioned", d._VersionedObjectResult, (_DOWNLOAD,)),
    ("uplink_list_object_versions", _P(d._VersionedObjectIteratorStruct),
     (_PROJECT, _cc, _P(d._ListObjectVersionsOptionsStruct))),
    ("uplink_versioned_object_iterator_next", c_bool, (_P(d._VersionedObjectIteratorStruct),)),
    ("uplink_versioned_object_iterator_err", _ERR, (_P(d._VersionedObjectIteratorStruct),)),
    ("uplink_versioned_object_iterator_item", _P(d._VersionedObjectStruct),
     (_P(d._VersionedObjectIteratorStruct),)),
    ("uplink_free_versioned_object_iterator", None, (_P(d._VersionedObjectIteratorStruct),)),
    ("uplink_set_object_retention", _ERR,
     (_PROJECT, _cc, _cc) + _VER + (d._RetentionStruct, c_bool)),
    ("uplink_get_object_retention", d._RetentionResult, (_PROJECT, _cc, _cc) + _VER),
    ("uplink_set_object_legal_hold", _ERR, (_PROJECT, _cc, _cc) + _VER + (c_bool,)),
    ("uplink_get_object_legal_hold", d._BoolResult, (_PROJECT, _cc, _cc) + _VER),
    ("uplink_delete_objects", d._DeleteObjectsResult,
     (_PROJECT, _cc, _P(d._DeleteObjectsItemStruct), c_size_t,
      _P(d._DeleteObjectsOptionsStruct))),
    ("uplink_cancel", _ERR, (_P(d._HandleStruct),)),
    ("uplink_free_versioned_object_result", None, (d._VersionedObjectResult,)),
    ("uplink_free_versioned_object", None, (_P(d._VersionedObjectStruct),)),
    ("uplink_free_object_lock_configuration_result", None, (d._ObjectLockConfigurationResult,)),
    ("uplink_free_retention_result", None, (d._RetentionResult,)),
    ("uplink_free_bool_result", None, (d._BoolResult,)),
    ("uplink_free_int32_result", None, (d._Int32Result,)),
    ("uplink_free_delete_objects_result", None, (d._DeleteObjectsResult,)),
)


def symbol_names() -> List[str]:
    """Returns the names of every function declared in the signature table."""
    return [name for name, _, _ in _SIGNATURES]


# ---------------------------------------------------------------------------
# Loading

class _State:
    lock = threading.Lock()
    lib: Optional[ctypes.CDLL] = None
    path: Optional[str] = None
    pid: Optional[int] = None
    missing: Tuple[str, ...] = ()


def library_filename() -> str:
    """The platform's file name of the library."""
    if sys.platform == "darwin":
        return "libuplinkc.dylib"
    if sys.platform in ("win32", "cygwin"):
        return "libuplinkc.dll"
    return "libuplinkc.so"


def candidate_paths() -> List[str]:
    """The paths tried, in order: $UPLINK_PYTHON_LIBRARY, the package dir, a development checkout."""
    name = library_filename()
    package_dir = os.path.dirname(os.path.abspath(__file__))
    paths = []
    override = os.environ.get(ENV_LIBRARY)
    if override:
        paths.append(override)
    paths.append(os.path.join(package_dir, name))
    paths.append(os.path.join(os.path.dirname(package_dir), "libuplinkc", name))
    return paths


def _missing_function(name: str) -> Callable[..., Any]:
    def missing(*_args: Any) -> Any:
        raise errors.LibUplinkSoError(
            f"{_State.path} does not export {name}; rebuild libuplinkc")
    return missing


def _bind(lib: ctypes.CDLL) -> Tuple[str, ...]:
    missing = []
    for name, restype, argtypes in _SIGNATURES:
        try:
            func = getattr(lib, name)
        except AttributeError:
            missing.append(name)
            setattr(lib, name, _missing_function(name))
            continue
        func.restype = restype
        func.argtypes = argtypes
    return tuple(missing)


def _load() -> ctypes.CDLL:
    tried = []
    for path in candidate_paths():
        if not os.path.exists(path):
            tried.append(f"{path} (no such file)")
            continue
        try:
            lib = ctypes.CDLL(path)
        except OSError as exc:
            tried.append(f"{path} ({exc})")
            continue
        _State.missing = _bind(lib)
        _State.path = path
        _State.pid = os.getpid()
        return lib
    raise errors.LibUplinkSoError(
        "could not load libuplinkc; tried: " + "; ".join(tried)
        + f". Build it (cd libuplinkc && go build -buildmode=c-shared -o "
        f"{library_filename()} .) or set {ENV_LIBRARY} to its full path.")


def _fork_error() -> errors.ForkError:
    return errors.ForkError(
        f"libuplinkc was loaded in process {_State.pid} and this process "
        f"({os.getpid()}) is a fork() of it: the Go runtime does not survive fork(). "
        "Use multiprocessing with the 'spawn' start method "
        "(multiprocessing.get_context('spawn')) and open uplink objects in the child.")


def lib() -> ctypes.CDLL:
    """Returns the loaded library, loading it on first use; raises LibUplinkSoError or ForkError."""
    loaded = _State.lib
    if loaded is not None:
        if _State.pid != os.getpid():
            raise _fork_error()
        return loaded
    with _State.lock:
        if _State.lib is None:
            _State.lib = _load()
        return _State.lib


def library_path() -> str:
    """The path of the loaded library (loading it if needed)."""
    lib()
    assert _State.path is not None
    return _State.path


def missing_symbols() -> Tuple[str, ...]:
    """Table entries the loaded library does not export."""
    lib()
    return _State.missing


def universe_is_empty() -> bool:
    """True when libuplinkc holds no live handle (the leak oracle)."""
    return bool(lib().uplink_internal_UniverseIsEmpty())


def handle_count() -> int:
    """Number of live handles in libuplinkc."""
    return int(lib().uplink_internal_HandleCount())


# ---------------------------------------------------------------------------
# The error choke point

def _copy_and_free_error(err: Any) -> Optional[Tuple[int, str]]:
    """Copies code and message out of an UplinkError* and frees it; None for NULL."""
    if not err:
        return None
    try:
        code = int(err.contents.code)
        raw = err.contents.message
    finally:
        lib().uplink_free_error(err)
    return code, _without_go_frames(raw.decode("utf-8", "replace")) if raw else ""


# uplink-c's messages are Go's "%+v": the text, then one "\tpkg.Func:line" line per
# stack frame. The frames say nothing to a Python caller.
_GO_FRAME = re.compile(r"^\t\S+:\d+$")


def _without_go_frames(message: str) -> str:
    return "\n".join(line for line in message.splitlines() if not _GO_FRAME.match(line))


def take_error(err: Any) -> Optional[errors.StorjException]:
    """Returns the exception for an UplinkError* (freeing it), None for NULL or EOF."""
    copied = _copy_and_free_error(err)
    if copied is None or copied[0] == EOF:
        return None
    return errors._storj_exception(*copied)  # pylint: disable=protected-access


def check(err: Any) -> None:
    """Frees an UplinkError* and raises its exception, if any."""
    exc = take_error(err)
    if exc is not None:
        raise exc


def _pop_error(result: Any) -> Optional[errors.StorjException]:
    """Moves the error out of a result struct so that freeing the result leaves it alone."""
    if not result.error:
        return None
    # A pointer read from a struct field is a view of the field: copy it first.
    err = ctypes.cast(result.error, _ERR)
    result.error = None
    return take_error(err)


def _pop_read_error(result: Any) -> bool:
    """Like _pop_error for read results: True at EOF; raises any other error."""
    if not result.error:
        return False
    err = ctypes.cast(result.error, _ERR)
    result.error = None
    copied = _copy_and_free_error(err)
    assert copied is not None
    if copied[0] == EOF:
        return True
    raise errors._storj_exception(*copied)  # pylint: disable=protected-access


@contextlib.contextmanager
def redacting(*secrets: Optional[str]) -> Iterator[None]:
    """Removes the given secrets from the text of any StorjException raised inside."""
    try:
        yield
    except errors.StorjException as exc:
        for secret in secrets:
            if secret and len(secret) >= 4:
                exc.message = exc.message.replace(secret, "<redacted>")
                exc.details = exc.details.replace(secret, "<redacted>")
        exc.args = (exc.message, exc.code, exc.details)
        raise


# ---------------------------------------------------------------------------
# Ownership

def _release(free_name: str, owned: Any, parent: Optional["Handle"], pid: Optional[int]) -> None:
    """Frees one native allocation. ``parent`` is only carried so that it outlives the child."""
    del parent
    if pid != os.getpid() or _State.lib is None:
        return  # in a forked child the Go runtime is gone: leave the memory alone
    getattr(_State.lib, free_name)(owned)


class Handle:
    """Owns one native handle (and the result that carries it); frees it exactly once.

    The id is copied into Python-owned memory, so a stale use after release
    reaches libuplinkc as an unknown id (INVALID_HANDLE), never as freed memory.
    """

    __slots__ = ("kind", "_id", "_ref", "_finalizer", "__weakref__")

    def __init__(self, kind: str, pointer: Any, free_name: str, owned: Any,
                 parent: Optional["Handle"] = None) -> None:
        self.kind = kind
        self._id = int(pointer.contents._handle)
        self._ref = byref(type(pointer.contents)(self._id))
        self._finalizer = weakref.finalize(self, _release, free_name, owned, parent, _State.pid)

    @property
    def ref(self) -> Any:
        """The handle pointer to pass to C; raises ClosedError once released."""
        if not self._finalizer.alive:
            raise errors.ClosedError(f"the {self.kind} is closed")
        return self._ref

    @property
    def alive(self) -> bool:
        """False once released."""
        return self._finalizer.alive

    def release(self) -> None:
        """Frees the native handle; later calls do nothing."""
        if self._finalizer.alive and _State.pid != os.getpid():
            self._finalizer.detach()
            return
        self._finalizer()


def _own(result: Any, field: str, free_name: str, kind: str,
         parent: Optional[Handle] = None) -> Handle:
    """Takes ownership of a ``{T* x; UplinkError* error;}`` result holding a handle."""
    exc = _pop_error(result)
    pointer = getattr(result, field)
    if exc is not None or not pointer:
        getattr(lib(), free_name)(result)
        raise exc or errors.InternalError(f"libuplinkc returned no {kind}")
    return Handle(kind, pointer, free_name, result, parent)


_O = TypeVar("_O", bound="HandleOwner")


class HandleOwner:
    """What the objects owning one native handle share: ``closed``, and a ``with``
    block that refuses a closed object and closes it at the end."""

    _handle: Handle

    def close(self) -> None:
        raise NotImplementedError

    @property
    def closed(self) -> bool:
        """True once closed."""
        return not self._handle.alive

    def __enter__(self: _O) -> _O:
        self._handle.ref  # pylint: disable=pointless-statement  # fail when closed
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


_T = TypeVar("_T")


def _take(result: Any, field: str, free_name: str, convert: Callable[[Any], _T],
          attach: Optional[str] = None) -> Optional[_T]:
    """Converts the value of a result, frees the result, and raises its error if any.

    With ``attach``, a value returned together with an error is set on the
    exception under that name.
    """
    try:
        exc = _pop_error(result)
        pointer = getattr(result, field)
        value = convert(pointer.contents) if pointer else None
    finally:
        getattr(lib(), free_name)(result)
    if exc is not None:
        if attach and value is not None:
            setattr(exc, attach, value)
        raise exc
    return value


def _take_value(result: Any, field: str, free_name: str, convert: Callable[[Any], _T],
                attach: Optional[str] = None) -> _T:
    """Like _take, for calls that always return a value on success."""
    value = _take(result, field, free_name, convert, attach)
    if value is None:
        raise errors.InternalError(f"libuplinkc returned no {field}")
    return value


def _string(result: Any) -> str:
    """Copies the string out of a StringResult, frees it, and raises its error if any."""
    try:
        exc = _pop_error(result)
        raw = result.string
    finally:
        lib().uplink_free_string_result(result)
    if exc is not None:
        raise exc
    return raw.decode("utf-8", "surrogateescape") if raw else ""


# ---------------------------------------------------------------------------
# Input validation and conversion to C

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


def _integer(value: Any, what: str, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise TypeError(f"{what} must be an int, not bool")
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError(f"{what} must be an int, not {type(value).__name__}") from None
    if not low <= number <= high:
        raise ValueError(f"{what} must be between {low} and {high}, got {number}")
    return number


_INT64 = (-(1 << 63), (1 << 63) - 1)
_INT32 = (-(1 << 31), (1 << 31) - 1)


# The latest time the satellite stores: 9999-12-31T23:59:59Z.
MAX_UNIX_SECONDS = 253402300799


def _unix_seconds(value: Any, what: str) -> int:
    if isinstance(value, datetime.datetime):
        try:
            return int(value.timestamp())
        except (OverflowError, OSError, ValueError) as exc:
            reason = str(exc)
        raise ValueError(f"{what} is out of range: {reason}")
    return _integer(value, what, *_INT64)


def _expiry(value: Any, what: str) -> int:
    """An expiry time in unix seconds, 0 (or None) for never."""
    seconds = _unix_seconds(0 if value is None else value, what)
    if not 0 <= seconds <= MAX_UNIX_SECONDS:
        raise ValueError(f"{what} must be unix seconds between 0 (never) and "
                         f"{MAX_UNIX_SECONDS}, got {seconds}")
    return seconds


def _flag(value: Any, what: str) -> bool:
    if isinstance(value, bool):
        return value
    if not isinstance(value, int):
        raise TypeError(f"{what} must be a bool, not {type(value).__name__}")
    if value not in (0, 1):
        raise ValueError(f"{what} must be a bool (or 0 or 1), got {value}")
    return bool(value)


flag = _flag  # for the public modules


def _expect(value: Any, cls: type, what: str) -> None:
    if not isinstance(value, cls):
        raise TypeError(f"{what} must be a {cls.__name__}, not {type(value).__name__}")


def _config(config: Optional[Config]) -> Any:
    if config is None:
        config = Config()
    _expect(config, Config, "config")
    return d._ConfigStruct(
        encode(config.user_agent or "", "config.user_agent"),
        _integer(config.dial_timeout_milliseconds, "config.dial_timeout_milliseconds", *_INT32),
        encode(config.temp_directory or "", "config.temp_directory"))


def _permission(permission: Optional[Permission]) -> Any:
    if permission is None:
        permission = Permission()
    _expect(permission, Permission, "permissions")
    return d._PermissionStruct(
        _flag(permission.allow_download, "permissions.allow_download"),
        _flag(permission.allow_upload, "permissions.allow_upload"),
        _flag(permission.allow_list, "permissions.allow_list"),
        _flag(permission.allow_delete, "permissions.allow_delete"),
        _unix_seconds(permission.not_before, "permissions.not_before"),
        _unix_seconds(permission.not_after, "permissions.not_after"))


def _share_prefixes(prefixes: Any) -> Tuple[Any, int]:
    if prefixes is None:
        items: List[Any] = []
    elif isinstance(prefixes, (SharePrefix, Mapping)):
        items = [prefixes]
    elif isinstance(prefixes, (str, bytes)):
        raise TypeError("shared_prefix must be a list of SharePrefix, not a string")
    else:
        items = _list_of(prefixes, "shared_prefix", "a list of SharePrefix")
    structs = []
    for index, item in enumerate(items):
        if isinstance(item, Mapping):
            item = SharePrefix(bucket=item.get("bucket", ""), prefix=item.get("prefix", ""))
        _expect(item, SharePrefix, f"shared_prefix[{index}]")
        bucket = encode(item.bucket, f"shared_prefix[{index}].bucket")
        if not bucket:
            raise ValueError(f"shared_prefix[{index}].bucket must not be empty")
        structs.append(d._SharePrefixStruct(
            bucket, encode(item.prefix or "", f"shared_prefix[{index}].prefix")))
    return (d._SharePrefixStruct * len(structs))(*structs), len(structs)


def _list_of(values: Any, what: str, expected: str) -> List[Any]:
    """list(values); raises TypeError naming ``what`` when it is not iterable."""
    try:
        iterator = iter(values)
    except TypeError:
        raise TypeError(f"{what} must be {expected}, not {type(values).__name__}") from None
    return list(iterator)


def _custom_metadata(metadata: Any) -> Any:
    if isinstance(metadata, Mapping):
        metadata = CustomMetadata.from_dict(metadata)
    elif metadata is None:
        metadata = CustomMetadata()
    _expect(metadata, CustomMetadata, "custom_metadata")
    entries = metadata.entries
    array = (d._CustomMetadataEntryStruct * len(entries))()
    for index, entry in enumerate(entries):
        _expect(entry, CustomMetadataEntry, f"custom_metadata.entries[{index}]")
        key, value = entry.key_bytes, entry.value_bytes
        # Pointers straight into the bytes objects: the array keeps them alive.
        array[index] = d._CustomMetadataEntryStruct(
            ctypes.cast(c_char_p(key), _P(c_char)), len(key),
            ctypes.cast(c_char_p(value), _P(c_char)), len(value))
    struct = d._CustomMetadataStruct(array, len(entries))
    struct._keep = array  # pylint: disable=attribute-defined-outside-init
    return struct


def _optional_struct(value: Any, cls: type, what: str,
                     build: Callable[[Any], Any]) -> Any:
    if value is None:
        return None
    _expect(value, cls, what)
    return byref(build(value))


def _listing_options(options: Optional[ListObjectsOptions], cls: type, what: str,
                     struct: Any) -> Any:
    """The C options of list_objects or list_uploads, which have the same fields."""
    return _optional_struct(options, cls, what,
                            lambda o: struct(
                                encode(o.prefix or "", what + ".prefix"),
                                encode(o.cursor or "", what + ".cursor"),
                                _flag(o.recursive, what + ".recursive"),
                                _flag(o.system, what + ".system"),
                                _flag(o.custom, what + ".custom")))


def _list_objects_options(options: Optional[ListObjectsOptions]) -> Any:
    return _listing_options(options, ListObjectsOptions, "list_object_options",
                            d._ListObjectsOptionsStruct)


def _list_buckets_options(options: Optional[ListBucketsOptions]) -> Any:
    return _optional_struct(options, ListBucketsOptions, "list_bucket_options",
                            lambda o: d._ListBucketsOptionsStruct(
                                encode(o.cursor or "", "list_bucket_options.cursor")))


def _upload_options(options: Optional[UploadOptions]) -> Any:
    return _optional_struct(options, UploadOptions, "upload_options",
                            lambda o: d._UploadOptionsStruct(
                                _expiry(o.expires, "upload_options.expires")))


def _download_options(options: Optional[DownloadOptions]) -> Any:
    return _optional_struct(options, DownloadOptions, "download_options",
                            lambda o: d._DownloadOptionsStruct(
                                _integer(o.offset, "download_options.offset", *_INT64),
                                _integer(o.length, "download_options.length", *_INT64)))


# ---------------------------------------------------------------------------
# Conversion from C

def _text_or_bytes(data: bytes) -> Union[str, bytes]:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data


def _bytes_at(pointer: Any, length: int) -> bytes:
    if not length or not pointer:
        return b""
    return ctypes.string_at(pointer, length)


def _decode(raw: Optional[bytes]) -> str:
    return raw.decode("utf-8", "surrogateescape") if raw else ""


def _bucket(struct: Any) -> Bucket:
    return Bucket(name=_decode(struct.name), created=int(struct.created))


def _read_custom(struct: Any) -> CustomMetadata:
    entries = []
    for index in range(struct.count):
        entry = struct.entries[index]
        entries.append(CustomMetadataEntry(
            key=_text_or_bytes(_bytes_at(entry.key, entry.key_length)),
            value=_text_or_bytes(_bytes_at(entry.value, entry.value_length))))
    return CustomMetadata(entries)


def _object(struct: Any) -> Object:
    system = struct.system
    return Object(key=_decode(struct.key), is_prefix=bool(struct.is_prefix),
                  system=SystemMetadata(created=int(system.created), expires=int(system.expires),
                                        content_length=int(system.content_length)),
                  custom=_read_custom(struct.custom))


# ---------------------------------------------------------------------------
# Buffers

class _PyBuffer(Structure):
    _fields_ = [("buf", c_void_p), ("obj", c_void_p), ("len", c_ssize_t),
                ("itemsize", c_ssize_t), ("readonly", c_int), ("ndim", c_int),
                ("format", c_char_p), ("shape", c_void_p), ("strides", c_void_p),
                ("suboffsets", c_void_p), ("internal", c_void_p)]


_get_buffer: Any
_release_buffer: Any
try:
    # Own prototypes, so that nobody else's argtypes on ctypes.pythonapi matter.
    _get_buffer = PYFUNCTYPE(c_int, py_object, _P(_PyBuffer), c_int)(
        ("PyObject_GetBuffer", ctypes.pythonapi))
    _release_buffer = PYFUNCTYPE(None, _P(_PyBuffer))(("PyBuffer_Release", ctypes.pythonapi))
except (AttributeError, OSError):  # not CPython
    _get_buffer = _release_buffer = None


def _memoryview(data: Any, what: str) -> memoryview:
    try:
        view = memoryview(data)
    except TypeError:
        raise TypeError(f"{what} must be a bytes-like object, "
                        f"not {type(data).__name__}") from None
    if not view.c_contiguous:
        view.release()
        raise ValueError(f"{what} must be a C-contiguous buffer")
    if view.format != "B" or view.ndim != 1:
        view = view.cast("B")
    return view


def _size(size: Any, available: int, what: str) -> int:
    if size is None:
        return available
    number = _integer(size, what, 0, sys.maxsize)
    if number > available:
        raise ValueError(f"{what} ({number}) is larger than the data ({available} bytes)")
    return number


@contextlib.contextmanager
def readable_buffer(data: Any, size: Any, what: str,
                    size_name: str) -> Iterator[Tuple[Any, int]]:
    """Yields a C pointer to ``data`` and the checked byte count, without copying."""
    if type(data) is bytes:  # pylint: disable=unidiomatic-typecheck
        # A bytes argument reaches C as a pointer to its own (immutable) storage.
        # Not a subclass: its __len__ could claim more bytes than it holds.
        yield data, _size(size, len(data), size_name)
        return
    view = _memoryview(data, what)
    with view:
        count = _size(size, view.nbytes, size_name)
        if not view.readonly:
            array = (c_char * view.nbytes).from_buffer(view)
            try:
                yield array, count
            finally:
                del array
        elif _get_buffer is not None:
            buffer = _PyBuffer()
            _get_buffer(view, byref(buffer), 0)
            try:
                yield c_void_p(buffer.buf), count
            finally:
                _release_buffer(byref(buffer))
        else:
            yield view.tobytes(), count


@contextlib.contextmanager
def writable_buffer(buffer: Any, what: str) -> Iterator[Tuple[Any, int]]:
    """Yields a C pointer into a writable buffer and its size, without copying."""
    view = _memoryview(buffer, what)
    with view:
        if view.readonly:
            raise TypeError(f"{what} must be a writable bytes-like object "
                            f"(e.g. bytearray), not read-only {type(buffer).__name__}")
        array = (c_char * view.nbytes).from_buffer(view)
        try:
            yield array, view.nbytes
        finally:
            del array


# ---------------------------------------------------------------------------
# Access

def parse_access(serialized: str) -> Handle:
    """Parses a serialized access grant."""
    data = encode(serialized, "serialized_access")
    with redacting(serialized if isinstance(serialized, str) else None):
        return _own(lib().uplink_parse_access(data), "access", "uplink_free_access_result",
                    "access")


def request_access(config: Optional[Config], satellite: str, api_key: str,
                   passphrase: str) -> Handle:
    """Requests an access grant from the satellite (with the given config when not None)."""
    args = (encode(satellite, "satellite"), encode(api_key, "api_key"),
            encode(passphrase, "passphrase"))
    with redacting(api_key, passphrase):
        if config is None:
            result = lib().uplink_request_access_with_passphrase(*args)
        else:
            result = lib().uplink_config_request_access_with_passphrase(_config(config), *args)
        return _own(result, "access", "uplink_free_access_result", "access")


def access_serialize(access: Handle) -> str:
    """The serialized access grant."""
    return _string(lib().uplink_access_serialize(access.ref))


def access_satellite_address(access: Handle) -> str:
    """The satellite address of an access."""
    return _string(lib().uplink_access_satellite_address(access.ref))


def derive_encryption_key(passphrase: str, salt: Union[str, bytes]) -> Handle:
    """An encryption key derived from passphrase and salt."""
    data = encode(passphrase, "passphrase")
    if isinstance(salt, str):
        salt = utf8(salt, "salt")
    with readable_buffer(salt, None, "salt", "salt") as (pointer, count):
        with redacting(passphrase):
            result = lib().uplink_derive_encryption_key(data, pointer, count)
            return _own(result, "encryption_key", "uplink_free_encryption_key_result",
                        "encryption key")


def access_override_encryption_key(access: Handle, bucket: str, prefix: str,
                                   key: Handle) -> None:
    """Makes ``access`` use ``key`` for objects under bucket/prefix."""
    check(lib().uplink_access_override_encryption_key(
        access.ref, encode(bucket, "bucket_name"), encode(prefix, "prefix"), key.ref))


# ---------------------------------------------------------------------------
# Project

def open_project(access: Handle, config: Optional[Config]) -> Handle:
    """Opens a project with an access (with the given config when not None)."""
    if config is None:
        result = lib().uplink_open_project(access.ref)
    else:
        result = lib().uplink_config_open_project(_config(config), access.ref)
    return _own(result, "project", "uplink_free_project_result", "project")


def close_project(project: Handle) -> None:
    """Closes and releases a project; a second call does nothing."""
    if not project.alive:
        return
    try:
        check(lib().uplink_close_project(project.ref))
    finally:
        project.release()


def revoke_access(project: Handle, access: Handle) -> None:
    """Revokes an access grant derived from the project's access."""
    check(lib().uplink_revoke_access(project.ref, access.ref))


_BUCKET_CALLS = ("uplink_stat_bucket", "uplink_create_bucket", "uplink_ensure_bucket",
                 "uplink_delete_bucket", "uplink_delete_bucket_with_objects",
                 "uplink_delete_bucket_with_objects_bypass_governance_retention")


def bucket_call(name: str, project: Handle, bucket: str) -> Bucket:
    """Runs one of the ``(Project*, bucket) -> BucketResult`` calls."""
    assert name in _BUCKET_CALLS
    result = getattr(lib(), name)(project.ref, encode(bucket, "bucket_name"))
    return _take_value(result, "bucket", "uplink_free_bucket_result", _bucket, attach="bucket")


def stat_object(project: Handle, bucket: str, key: str) -> Object:
    """Information about an object."""
    result = lib().uplink_stat_object(project.ref, encode(bucket, "bucket_name"),
                                      encode(key, "storj_path"))
    return _take_value(result, "object", "uplink_free_object_result", _object)


def delete_object(project: Handle, bucket: str, key: str) -> Optional[Object]:
    """Deletes an object; returns what was deleted (None when the library reports nothing)."""
    result = lib().uplink_delete_object(project.ref, encode(bucket, "bucket_name"),
                                        encode(key, "storj_path"))
    return _take(result, "object", "uplink_free_object_result", _object)


def copy_object(project: Handle, old_bucket: str, old_key: str, new_bucket: str,
                new_key: str) -> Object:
    """Copies an object server-side."""
    result = lib().uplink_copy_object(
        project.ref, encode(old_bucket, "old_bucket"), encode(old_key, "old_key"),
        encode(new_bucket, "new_bucket"), encode(new_key, "new_key"), None)
    return _take_value(result, "object", "uplink_free_object_result", _object)


def move_object(project: Handle, old_bucket: str, old_key: str, new_bucket: str,
                new_key: str) -> None:
    """Moves (renames) an object server-side."""
    check(lib().uplink_move_object(
        project.ref, encode(old_bucket, "old_bucket"), encode(old_key, "old_key"),
        encode(new_bucket, "new_bucket"), encode(new_key, "new_key"), None))


def update_object_metadata(project: Handle, bucket: str, key: str, metadata: Any) -> None:
    """Replaces the custom metadata of an object."""
    struct = _custom_metadata(metadata)
    check(lib().uplink_update_object_metadata(
        project.ref, encode(bucket, "bucket_name"), encode(key, "storj_path"), struct, None))


class _RepeatGuard:
    """Detects a listing that yields the same entry twice (storj/uplink#174 loops)."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.seen: Set[int] = set()

    def check(self, entry: Tuple[Any, ...]) -> None:
        marker = hash(entry)
        if marker in self.seen:
            raise errors.InternalError(
                f"{self.what} listing returned {entry[0]!r} twice; stopped to avoid an "
                "endless loop (storj/uplink#174)")
        self.seen.add(marker)


class Cursor(Generic[_T]):
    """One native listing. ``next()`` returns the next item, converted and its
    native copy freed at once, or None at the end, after the listing's error
    (if any) was raised. The iterator handle is released at the end, on an
    error, or by ``close()``.
    """

    def __init__(self, kind: str, prefix: str, pointer: Any, parent: Handle,
                 convert: Callable[[Any], _T], identity: Callable[[_T], Tuple[Any, ...]],
                 free_item: str) -> None:
        if not pointer:
            raise errors.InternalError(f"libuplinkc returned no {kind} iterator")
        self.kind = kind
        self.handle = Handle(f"{kind} listing", pointer, f"uplink_free_{prefix}_iterator",
                             pointer, parent=parent)
        native = lib()
        self._next = getattr(native, f"uplink_{prefix}_iterator_next")
        self._err = getattr(native, f"uplink_{prefix}_iterator_err")
        self._item = getattr(native, f"uplink_{prefix}_iterator_item")
        self._free_item = getattr(native, free_item)
        self._convert = convert
        self._identity = identity
        self._guard = _RepeatGuard(kind)
        self.closed_by_caller = False

    def next(self) -> Optional[_T]:
        """The next item, or None once the listing is over; raises ClosedError
        once closed by ``close()``."""
        if not self.handle.alive:
            if self.closed_by_caller:
                raise errors.ClosedError(f"the {self.kind} listing is closed")
            return None
        try:
            ref = self.handle.ref
            while self._next(ref):
                item = self._item(ref)
                if not item:
                    continue
                try:
                    value = self._convert(item.contents)
                finally:
                    self._free_item(item)
                self._guard.check(self._identity(value))
                return value
            check(self._err(ref))
        except BaseException:
            self.handle.release()
            raise
        self.handle.release()
        return None

    def cancel(self) -> None:
        """Stops the listing from any thread; the ``next()`` in progress (or the
        next one) raises CancelledError. Does nothing once the listing is over."""
        if not self.handle.alive:
            return
        try:
            cancel(self.handle)
        except (errors.ClosedError, errors.InvalidHandleError):
            pass  # it ended (and was freed) meanwhile

    def close(self) -> None:
        """Frees the listing; later calls do nothing. A listing that was still
        running raises ClosedError from ``next()`` from now on."""
        if self.handle.alive:
            self.closed_by_caller = True
        self.handle.release()


def iter_buckets(project: Handle, options: Optional[ListBucketsOptions]) -> Cursor[Bucket]:
    """Starts a bucket listing."""
    pointer = lib().uplink_list_buckets(project.ref, _list_buckets_options(options))
    return Cursor("bucket", "bucket", pointer, project, _bucket, lambda b: (b.name,),
                  "uplink_free_bucket")


def iter_objects(project: Handle, bucket: str,
                 options: Optional[ListObjectsOptions]) -> Cursor[Object]:
    """Starts an object listing."""
    pointer = lib().uplink_list_objects(project.ref, encode(bucket, "bucket_name"),
                                        _list_objects_options(options))
    return Cursor("object", "object", pointer, project, _object,
                  lambda o: (o.key, o.is_prefix), "uplink_free_object")


def iter_uploads(project: Handle, bucket: str,
                 options: Optional[ListUploadsOptions]) -> Cursor[UploadInfo]:
    """Starts a listing of pending multipart uploads."""
    pointer = lib().uplink_list_uploads(project.ref, encode(bucket, "bucket_name"),
                                        _list_uploads_options(options))
    return Cursor("upload", "upload", pointer, project, _upload_info,
                  lambda u: (u.key, u.upload_id, u.is_prefix), "uplink_free_upload_info")


def iter_upload_parts(project: Handle, bucket: str, key: str, upload_id: str,
                      options: Optional[ListUploadPartsOptions]) -> Cursor[Part]:
    """Starts a listing of the parts of a multipart upload."""
    pointer = lib().uplink_list_upload_parts(
        project.ref, encode(bucket, "bucket_name"), encode(key, "key"),
        encode(upload_id, "upload_id"), _list_upload_parts_options(options))
    return Cursor("part", "part", pointer, project, _part, lambda p: (p.part_number,),
                  "uplink_free_part")


def iter_object_versions(project: Handle, bucket: str,
                         options: Optional[ListObjectVersionsOptions]
                         ) -> Cursor[VersionedObject]:
    """Starts a listing of object versions."""
    struct = _list_object_versions_options(options)
    pointer = lib().uplink_list_object_versions(project.ref, encode(bucket, "bucket_name"),
                                                struct)
    return Cursor("object version", "versioned_object", pointer, project, _versioned_object,
                  lambda o: (o.key, o.version, o.is_prefix), "uplink_free_versioned_object")


# ---------------------------------------------------------------------------
# Upload

def upload_object(project: Handle, bucket: str, key: str,
                  options: Optional[UploadOptions]) -> Handle:
    """Starts an upload."""
    result = lib().uplink_upload_object(project.ref, encode(bucket, "bucket_name"),
                                        encode(key, "storj_path"), _upload_options(options))
    return _own(result, "upload", "uplink_free_upload_result", "upload", parent=project)


# The calls that differ between a whole-object upload and a part upload.
_WRITER_CALLS = {
    "upload": ("uplink_upload_write", "uplink_upload_commit", "uplink_upload_abort"),
    "part upload": ("uplink_part_upload_write", "uplink_part_upload_commit",
                    "uplink_part_upload_abort"),
}


def upload_write(upload: Handle, data: Any, size: Any) -> int:
    """Writes ``size`` bytes of ``data`` (all when None) to an upload or part upload;
    returns the count written."""
    write_name = _WRITER_CALLS[upload.kind][0]
    with readable_buffer(data, size, "data_to_write", "size_to_write") as (pointer, count):
        if count == 0:
            upload.ref  # pylint: disable=pointless-statement  # still fails when closed
            return 0
        result = getattr(lib(), write_name)(upload.ref, pointer, count)
    try:
        exc = _pop_error(result)
        written = int(result.bytes_written)
    finally:
        lib().uplink_free_write_result(result)
    if exc is not None:
        raise exc
    return written


def upload_commit(upload: Handle) -> None:
    """Commits an upload or part upload."""
    check(getattr(lib(), _WRITER_CALLS[upload.kind][1])(upload.ref))


def upload_abort(upload: Handle) -> None:
    """Aborts an upload or part upload."""
    check(getattr(lib(), _WRITER_CALLS[upload.kind][2])(upload.ref))


def upload_info(upload: Handle) -> Object:
    """The object being (or just) uploaded."""
    return _take_value(lib().uplink_upload_info(upload.ref), "object",
                       "uplink_free_object_result", _object)


def upload_set_custom_metadata(upload: Handle, metadata: Any) -> None:
    """Sets the custom metadata the upload will commit."""
    struct = _custom_metadata(metadata)
    check(lib().uplink_upload_set_custom_metadata(upload.ref, struct))


# ---------------------------------------------------------------------------
# Download

# Go may return 0 bytes without an error at segment boundaries (storj/uplink#99);
# past this many in a row the download is declared stuck rather than spun on.
_MAX_EMPTY_READS = 10_000

# read(n) allocates at most this much (Storj's segment size); it may return
# fewer bytes than asked anyway, so a huge n never means a huge allocation.
MAX_READ_SIZE = 64 * 1024 * 1024


def download_object(project: Handle, bucket: str, key: str,
                    options: Optional[DownloadOptions]) -> Handle:
    """Starts a download."""
    result = lib().uplink_download_object(project.ref, encode(bucket, "bucket_name"),
                                          encode(key, "storj_path"), _download_options(options))
    return _own(result, "download", "uplink_free_download_result", "download", parent=project)


def _read_some(download: Handle, pointer: Any, count: int) -> Tuple[int, bool]:
    """Reads up to ``count`` bytes into ``pointer``; returns (bytes read, at EOF).

    Returns at least one byte unless at EOF.
    """
    native = lib()
    for _ in range(_MAX_EMPTY_READS):
        result = native.uplink_download_read(download.ref, pointer, count)
        try:
            eof = _pop_read_error(result)
            got = int(result.bytes_read)
        finally:
            native.uplink_free_read_result(result)
        if got > count:
            raise errors.InternalError(f"libuplinkc reported {got} bytes read into {count}")
        if got or eof:
            return got, eof
    raise errors.InternalError(f"download returned no data {_MAX_EMPTY_READS} times in a row")


def download_read(download: Handle, count: int) -> Tuple[bytes, bool]:
    """Reads up to ``count`` bytes; returns (data, at EOF)."""
    if count == 0:
        download.ref  # pylint: disable=pointless-statement  # still fails when closed
        return b"", False
    count = min(count, MAX_READ_SIZE)
    buffer = ctypes.create_string_buffer(count)
    got, eof = _read_some(download, buffer, count)
    return ctypes.string_at(buffer, got), eof


def check_writable(target: Any, what: str) -> None:
    """Raises TypeError/ValueError unless ``target`` is a writable contiguous buffer."""
    with writable_buffer(target, what):
        pass


def download_readinto(download: Handle, target: Any) -> Tuple[int, bool]:
    """Reads into a writable buffer without copying; returns (bytes read, at EOF)."""
    with writable_buffer(target, "buffer") as (pointer, count):
        if count == 0:
            download.ref  # pylint: disable=pointless-statement  # still fails when closed
            return 0, False
        return _read_some(download, pointer, count)


def download_info(download: Handle) -> Object:
    """The object being downloaded."""
    return _take_value(lib().uplink_download_info(download.ref), "object",
                       "uplink_free_object_result", _object)


def cancel(handle: Handle) -> None:
    """Cancels what an upload or download handle is doing, from any thread."""
    handle.ref  # pylint: disable=pointless-statement  # fail when released
    check(lib().uplink_cancel(byref(d._HandleStruct(handle._id))))


def close_download(download: Handle) -> None:
    """Closes the download stream (the handle stays until released)."""
    check(lib().uplink_close_download(download.ref))


# ---------------------------------------------------------------------------
# Beyond uplink-c (uplink_extensions.h) and the rest of uplink-c's calls:
# conversions first, then the calls.

def _enum(cls: Any, value: int) -> Any:
    """The member of an IntEnum for value, or the plain int for a value it lacks."""
    try:
        return cls(value)
    except ValueError:
        return value


def _version(version: Any, what: str = "version") -> Tuple[Optional[bytes], int]:
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


def _uint8_pointer(data: Optional[bytes]) -> Any:
    """A uint8_t* into ``data`` (which the caller keeps alive), NULL for None."""
    if not data:
        return None
    return ctypes.cast(c_char_p(data), _P(ctypes.c_uint8))


def _optional_bytes(pointer: Any, length: int) -> Optional[bytes]:
    return _bytes_at(pointer, length) or None


def _retention_struct(retention: Optional[Retention], what: str) -> Any:
    if retention is None:
        return d._RetentionStruct(0, 0)
    _expect(retention, Retention, what)
    return d._RetentionStruct(int(retention.mode),
                              _unix_seconds(retention.retain_until, f"{what}.retain_until"))


def _retention(struct: Any) -> Optional[Retention]:
    if not struct.mode:
        return None
    return Retention(_enum(RetentionMode, int(struct.mode)), int(struct.retain_until))


def _ttl_seconds(ttl: Any) -> int:
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


def _permission_v2(permission: Permission) -> Any:
    def flag(name: str) -> bool:
        return _flag(getattr(permission, name), f"permissions.{name}")

    return d._PermissionV2Struct(
        flag("allow_download"), flag("allow_upload"), flag("allow_list"), flag("allow_delete"),
        flag("allow_put_object_retention"), flag("allow_get_object_retention"),
        flag("allow_put_object_legal_hold"), flag("allow_get_object_legal_hold"),
        flag("allow_bypass_governance_retention"),
        flag("allow_put_bucket_object_lock_configuration"),
        flag("allow_get_bucket_object_lock_configuration"),
        _unix_seconds(permission.not_before, "permissions.not_before"),
        _unix_seconds(permission.not_after, "permissions.not_after"),
        _ttl_seconds(permission.max_object_ttl))


def _list_uploads_options(options: Optional[ListUploadsOptions]) -> Any:
    return _listing_options(options, ListUploadsOptions, "list_uploads_options",
                            d._ListUploadsOptionsStruct)


def _list_upload_parts_options(options: Optional[ListUploadPartsOptions]) -> Any:
    return _optional_struct(options, ListUploadPartsOptions, "list_upload_parts_options",
                            lambda o: d._ListUploadPartsOptionsStruct(
                                _integer(o.cursor, "list_upload_parts_options.cursor",
                                         0, 2**32 - 1)))


def _list_object_versions_options(options: Optional[ListObjectVersionsOptions]) -> Any:
    def build(o: ListObjectVersionsOptions) -> Any:
        version, length = _version(o.version_cursor, "list_object_versions_options.version_cursor")
        struct = d._ListObjectVersionsOptionsStruct(
            encode(o.prefix or "", "list_object_versions_options.prefix"),
            encode(o.cursor or "", "list_object_versions_options.cursor"),
            _uint8_pointer(version), length,
            _flag(o.recursive, "list_object_versions_options.recursive"),
            _flag(o.system, "list_object_versions_options.system"),
            _flag(o.custom, "list_object_versions_options.custom"))
        struct._keep = version  # pylint: disable=attribute-defined-outside-init
        return struct
    return _optional_struct(options, ListObjectVersionsOptions, "list_object_versions_options",
                            build)


def _upload_info(struct: Any) -> UploadInfo:
    system = struct.system
    return UploadInfo(upload_id=_decode(struct.upload_id), key=_decode(struct.key),
                      is_prefix=bool(struct.is_prefix),
                      system=SystemMetadata(created=int(system.created),
                                            expires=int(system.expires),
                                            content_length=int(system.content_length)),
                      custom=_read_custom(struct.custom))


def _part(struct: Any) -> Part:
    return Part(part_number=int(struct.part_number), size=int(struct.size),
                modified=int(struct.modified), etag=_bytes_at(struct.etag, struct.etag_length))


def _versioned_object(struct: Any) -> VersionedObject:
    base = _object(struct)
    hold = int(struct.legal_hold)
    return VersionedObject(
        key=base.key, is_prefix=base.is_prefix, system=base.system, custom=base.custom,
        version=_optional_bytes(struct.version, struct.version_length),
        is_versioned=bool(struct.is_versioned), is_delete_marker=bool(struct.is_delete_marker),
        is_latest=bool(struct.is_latest), legal_hold=None if hold < 0 else bool(hold),
        retention=_retention(struct.retention))


def _lock_configuration(struct: Any) -> ObjectLockConfiguration:
    return ObjectLockConfiguration(
        enabled=bool(struct.enabled),
        default_retention_mode=_enum(RetentionMode, int(struct.default_retention_mode)),
        default_retention_days=int(struct.default_retention_days),
        default_retention_years=int(struct.default_retention_years))


def _edge_credentials(struct: Any) -> EdgeCredentials:
    return EdgeCredentials(access_key_id=_decode(struct.access_key_id),
                           secret_key=_decode(struct.secret_key),
                           endpoint=_decode(struct.endpoint))


def _take_scalar(result: Any, free_name: str) -> Any:
    """The ``value`` of a {value; UplinkError*} result, freed; raises its error if any."""
    try:
        exc = _pop_error(result)
        value = result.value
    finally:
        getattr(lib(), free_name)(result)
    if exc is not None:
        raise exc
    return value


# Access

def access_share(access: Handle, permission: Optional[Permission], prefixes: Any) -> Handle:
    """A new access restricted to ``permission`` and ``prefixes``; the extended
    permission set goes through uplink_access_share2."""
    array, count = _share_prefixes(prefixes)
    if permission is not None and isinstance(permission, Permission) and permission.extended:
        result = lib().uplink_access_share2(access.ref, _permission_v2(permission), array, count)
    else:
        result = lib().uplink_access_share(access.ref, _permission(permission), array, count)
    return _own(result, "access", "uplink_free_access_result", "access")


# Multipart

def begin_upload(project: Handle, bucket: str, key: str,
                 options: Optional[UploadOptions]) -> UploadInfo:
    """Starts a multipart upload."""
    result = lib().uplink_begin_upload(project.ref, encode(bucket, "bucket_name"),
                                       encode(key, "key"), _upload_options(options))
    return _take_value(result, "info", "uplink_free_upload_info_result", _upload_info)


def commit_upload(project: Handle, bucket: str, key: str, upload_id: str,
                  metadata: Any) -> Object:
    """Commits a multipart upload with the given custom metadata (None for none)."""
    options = None
    if metadata is not None:
        options = byref(d._CommitUploadOptionsStruct(_custom_metadata(metadata)))
    result = lib().uplink_commit_upload(project.ref, encode(bucket, "bucket_name"),
                                        encode(key, "key"), encode(upload_id, "upload_id"),
                                        options)
    return _take_value(result, "object", "uplink_free_commit_upload_result", _object)


def abort_upload(project: Handle, bucket: str, key: str, upload_id: str) -> None:
    """Aborts a multipart upload and every part uploaded to it."""
    check(lib().uplink_abort_upload(project.ref, encode(bucket, "bucket_name"),
                                    encode(key, "key"), encode(upload_id, "upload_id")))


def upload_part(project: Handle, bucket: str, key: str, upload_id: str,
                part_number: int) -> Handle:
    """Starts the upload of one part."""
    number = _integer(part_number, "part_number", 0, _INT32[1])
    result = lib().uplink_upload_part(project.ref, encode(bucket, "bucket_name"),
                                      encode(key, "key"), encode(upload_id, "upload_id"), number)
    return _own(result, "part_upload", "uplink_free_part_upload_result", "part upload",
                parent=project)


def part_upload_set_etag(part: Handle, etag: Union[str, bytes]) -> None:
    """Sets the ETag stored with a part."""
    check(lib().uplink_part_upload_set_etag(part.ref, encode(etag, "etag", allow_bytes=True)))


def part_upload_info(part: Handle) -> Part:
    """The part as uploaded so far."""
    return _take_value(lib().uplink_part_upload_info(part.ref), "part",
                       "uplink_free_part_result", _part)


# Uploads and downloads with versions and Object Lock

def upload_object2(project: Handle, bucket: str, key: str, options: Optional[UploadOptions],
                   retention: Optional[Retention], legal_hold: bool,
                   if_none_match: Optional[str]) -> Handle:
    """Starts an upload with retention, legal hold or if-none-match."""
    if options is not None:
        _expect(options, UploadOptions, "upload_options")
    expires = _expiry(options.expires, "upload_options.expires") if options else 0
    match = None
    if if_none_match is not None:
        match = encode(if_none_match, "if_none_match")
        if match not in (b"", b"*"):
            raise ValueError(f'if_none_match must be "*" (or None), got {if_none_match!r}')
    struct = d._UploadOptionsV2Struct(expires, _retention_struct(retention, "retention"),
                                      _flag(legal_hold, "legal_hold"), match)
    result = lib().uplink_upload_object2(project.ref, encode(bucket, "bucket_name"),
                                         encode(key, "storj_path"), byref(struct))
    return _own(result, "upload", "uplink_free_upload_result", "upload", parent=project)


def upload_info_versioned(upload: Handle) -> VersionedObject:
    """The uploaded object with its version (complete after commit)."""
    return _take_value(lib().uplink_upload_info_versioned(upload.ref), "object",
                       "uplink_free_versioned_object_result", _versioned_object)


def download_object_version(project: Handle, bucket: str, key: str, version: Any,
                            options: Optional[DownloadOptions]) -> Handle:
    """Starts a download of one version of an object."""
    data, length = _version(version)
    result = lib().uplink_download_object_version(
        project.ref, encode(bucket, "bucket_name"), encode(key, "storj_path"), data, length,
        _download_options(options))
    return _own(result, "download", "uplink_free_download_result", "download", parent=project)


def download_info_versioned(download: Handle) -> VersionedObject:
    """The downloaded object with its version."""
    return _take_value(lib().uplink_download_info_versioned(download.ref), "object",
                       "uplink_free_versioned_object_result", _versioned_object)


def stat_object_version(project: Handle, bucket: str, key: str,
                        version: Any) -> VersionedObject:
    """One version of an object (the latest for None)."""
    data, length = _version(version)
    result = lib().uplink_stat_object_version(project.ref, encode(bucket, "bucket_name"),
                                              encode(key, "key"), data, length)
    return _take_value(result, "object", "uplink_free_versioned_object_result",
                       _versioned_object)


def delete_object_version(project: Handle, bucket: str, key: str, version: Any,
                          bypass_governance_retention: bool) -> Optional[VersionedObject]:
    """Deletes one version (or, for None, the latest / adds a delete marker)."""
    data, length = _version(version)
    options = d._DeleteObjectOptionsStruct(
        _flag(bypass_governance_retention, "bypass_governance_retention"))
    result = lib().uplink_delete_object_version(project.ref, encode(bucket, "bucket_name"),
                                                encode(key, "key"), data, length, byref(options))
    return _take(result, "object", "uplink_free_versioned_object_result", _versioned_object)


def delete_objects(project: Handle, bucket: str, items: List[Tuple[str, Any]],
                   bypass_governance_retention: bool, quiet: bool) -> List[DeleteResult]:
    """Deletes many objects (key, version or None) in one request."""
    keep: List[Any] = []
    array = (d._DeleteObjectsItemStruct * len(items))()
    for index, (key, version) in enumerate(items):
        data, length = _version(version, f"items[{index}].version")
        encoded = encode(key, f"items[{index}].key")
        keep += [encoded, data]
        array[index] = d._DeleteObjectsItemStruct(encoded, _uint8_pointer(data), length)
    options = d._DeleteObjectsOptionsStruct(
        _flag(bypass_governance_retention, "bypass_governance_retention"),
        _flag(quiet, "quiet"))
    result = lib().uplink_delete_objects(project.ref, encode(bucket, "bucket_name"), array,
                                         len(items), byref(options))
    try:
        exc = _pop_error(result)
        results = []
        for index in range(result.count if result.items else 0):
            item = result.items[index]
            results.append(DeleteResult(
                key=_decode(item.key),
                requested_version=_optional_bytes(item.requested_version,
                                                  item.requested_version_length),
                status=_enum(DeleteStatus, int(item.status)), removed=bool(item.removed),
                removed_version=_optional_bytes(item.removed_version,
                                                item.removed_version_length),
                marker_inserted=bool(item.marker_inserted),
                marker_version=_optional_bytes(item.marker_version,
                                               item.marker_version_length)))
    finally:
        lib().uplink_free_delete_objects_result(result)
    del keep
    if exc is not None:
        raise exc
    return results


# Bucket versioning and Object Lock

def get_bucket_versioning(project: Handle, bucket: str) -> Any:
    """The bucket's VersioningState (a plain int for a state this version does not know)."""
    result = lib().uplink_get_bucket_versioning(project.ref, encode(bucket, "bucket_name"))
    return _enum(VersioningState, int(_take_scalar(result, "uplink_free_int32_result")))


def set_bucket_versioning(project: Handle, bucket: str, enabled: bool) -> None:
    """Enables, or suspends, versioning of a bucket."""
    check(lib().uplink_set_bucket_versioning(project.ref, encode(bucket, "bucket_name"),
                                             _flag(enabled, "enabled")))


def create_bucket_with_object_lock(project: Handle, bucket: str, enabled: bool) -> Bucket:
    """Creates a bucket with Object Lock (and versioning) enabled when ``enabled``."""
    result = lib().uplink_create_bucket_with_object_lock(
        project.ref, encode(bucket, "bucket_name"), _flag(enabled, "object_lock_enabled"))
    return _take_value(result, "bucket", "uplink_free_bucket_result", _bucket, attach="bucket")


def get_bucket_object_lock_configuration(project: Handle, bucket: str) -> ObjectLockConfiguration:
    """The bucket's Object Lock configuration."""
    result = lib().uplink_get_bucket_object_lock_configuration(project.ref,
                                                               encode(bucket, "bucket_name"))
    return _take_value(result, "configuration", "uplink_free_object_lock_configuration_result",
                       _lock_configuration)


def set_bucket_object_lock_configuration(project: Handle, bucket: str,
                                         configuration: ObjectLockConfiguration) -> None:
    """Sets the bucket's Object Lock configuration."""
    _expect(configuration, ObjectLockConfiguration, "configuration")
    struct = d._ObjectLockConfigurationStruct(
        _flag(configuration.enabled, "configuration.enabled"),
        int(RetentionMode(configuration.default_retention_mode)),
        _integer(configuration.default_retention_days, "configuration.default_retention_days",
                 0, _INT32[1]),
        _integer(configuration.default_retention_years, "configuration.default_retention_years",
                 0, _INT32[1]))
    check(lib().uplink_set_bucket_object_lock_configuration(
        project.ref, encode(bucket, "bucket_name"), byref(struct)))


def set_object_retention(project: Handle, bucket: str, key: str, version: Any,
                         retention: Optional[Retention], bypass_governance_retention: bool) -> None:
    """Sets (or, with None, removes) the retention of an object version."""
    data, length = _version(version)
    check(lib().uplink_set_object_retention(
        project.ref, encode(bucket, "bucket_name"), encode(key, "key"), data, length,
        _retention_struct(retention, "retention"),
        _flag(bypass_governance_retention, "bypass_governance_retention")))


def get_object_retention(project: Handle, bucket: str, key: str,
                         version: Any) -> Optional[Retention]:
    """The retention of an object version, None when it has none."""
    data, length = _version(version)
    result = lib().uplink_get_object_retention(project.ref, encode(bucket, "bucket_name"),
                                               encode(key, "key"), data, length)
    return _take(result, "retention", "uplink_free_retention_result", _retention)


def set_object_legal_hold(project: Handle, bucket: str, key: str, version: Any,
                          enabled: bool) -> None:
    """Places or removes a legal hold on an object version."""
    data, length = _version(version)
    check(lib().uplink_set_object_legal_hold(project.ref, encode(bucket, "bucket_name"),
                                             encode(key, "key"), data, length,
                                             _flag(enabled, "enabled")))


def get_object_legal_hold(project: Handle, bucket: str, key: str, version: Any) -> bool:
    """Whether a legal hold is placed on an object version."""
    data, length = _version(version)
    result = lib().uplink_get_object_legal_hold(project.ref, encode(bucket, "bucket_name"),
                                                encode(key, "key"), data, length)
    return bool(_take_scalar(result, "uplink_free_bool_result"))


# Edge

def edge_register_access(config: EdgeConfig, access: Handle, is_public: bool) -> EdgeCredentials:
    """Registers an access with an edge auth service; returns S3 credentials."""
    _expect(config, EdgeConfig, "config")
    pem = config.certificate_pem
    struct = d._EdgeConfigStruct(
        encode(config.auth_service_address, "config.auth_service_address"),
        None if pem is None else encode(pem, "config.certificate_pem"),
        _flag(config.insecure_unencrypted_connection, "config.insecure_unencrypted_connection"))
    options = d._EdgeRegisterAccessOptionsStruct(_flag(is_public, "is_public"))
    serialized = access_serialize(access)
    with redacting(serialized):
        result = lib().edge_register_access(struct, access.ref, byref(options))
        return _take_value(result, "credentials", "edge_free_credentials_result",
                           _edge_credentials)


def edge_join_share_url(base_url: str, access_key_id: str, bucket: str, key: str,
                        raw: bool) -> str:
    """A linkshare URL for a bucket, prefix or object."""
    options = d._EdgeShareURLOptionsStruct(_flag(raw, "raw"))
    return _string(lib().edge_join_share_url(
        encode(base_url, "base_url"), encode(access_key_id, "access_key_id"),
        encode(bucket, "bucket"), encode(key, "key"), byref(options)))
