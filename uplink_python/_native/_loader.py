"""Loading libuplinkc: the signature table (every exported function declared
once), the search for the library file, and fork detection. Only the gate
(``_gate``) and the error choke point (``_errors``) fetch functions from here.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from ctypes import POINTER, c_bool, c_char_p, c_size_t, c_ssize_t, c_uint32, c_void_p
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

from .. import errors
from .. import module_def as d

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

class _ListPageResult(ctypes.Structure):
    """UplinkListPageResult (uplink_extensions.h): one page of any listing."""
    _fields_ = [("kind", ctypes.c_int32), ("items", _P(c_void_p)), ("count", c_size_t),
                ("more", c_bool), ("error", _ERR)]


_SIGNATURES: Tuple[Tuple[str, Any, Tuple[Any, ...]], ...] = (
    # access and encryption keys
    ("uplink_parse_access", d._AccessResult, (_cc,)),
    ("uplink_request_access_with_passphrase", d._AccessResult, (_cc, _cc, _cc)),
    ("uplink_config_request_access_with_passphrase", d._AccessResult,
     (d._ConfigStruct, _cc, _cc, _cc)),
    ("uplink_config_request_access_with_passphrase2", d._AccessResult,
     (d._ConfigStruct, _P(d._ConfigTimeoutsStruct), _cc, _cc, _cc)),
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
    ("uplink_config_open_project2", d._ProjectResult,
     (d._ConfigStruct, _P(d._ConfigTimeoutsStruct), _ACCESS)),
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
    ("uplink_interrupt_watch", _ERR, (ctypes.c_int, ctypes.c_int, ctypes.c_uint64)),
    ("uplink_download_read_full", d._ReadResult, (_DOWNLOAD, c_void_p, c_size_t)),
    ("uplink_download_read_some", d._ReadResult, (_DOWNLOAD, c_void_p, c_size_t)),
    # any iterator (all are {size_t _handle}) as an UplinkHandle*
    ("uplink_iterator_next_page", _ListPageResult, (c_void_p, c_size_t)),
    ("uplink_free_list_page_result", None, (_ListPageResult,)),
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
    functions: Dict[str, Any] = {}
    path: Optional[str] = None
    pid: Optional[int] = None
    forked = False
    missing: Tuple[str, ...] = ()


def _after_fork_in_child() -> None:
    # The Go runtime's threads do not survive fork(): once the library is loaded,
    # a child must never call into it (it would hang, or talk on the parent's
    # connections). Objects made before the fork see this flag at the gate.
    if _State.lib is not None:
        _State.forked = True


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def library_filename() -> str:
    """The platform's file name of the library."""
    if sys.platform == "darwin":
        return "libuplinkc.dylib"
    if sys.platform in ("win32", "cygwin"):
        return "libuplinkc.dll"
    return "libuplinkc.so"


def _package_dir() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _checkout_dir() -> Optional[str]:
    """The repository root when this package is imported from a source checkout."""
    root = os.path.dirname(_package_dir())
    return root if os.path.exists(os.path.join(root, "libuplinkc", "go.mod")) else None


def _installed_libraries() -> List[str]:
    """The libraries of installed uplink-python distributions (normally one).

    A script run from the repository root imports the source tree's package
    (no library in it) even when ``pip install .`` put a built one in
    site-packages; that one is found through the distribution's metadata.
    Every distribution is looked at, since the checkout's own build metadata
    (uplink_python.egg-info) is found first from the repository root.
    """
    found = []
    try:
        from importlib import metadata
        for dist in metadata.distributions():
            if (dist.metadata["Name"] or "").lower().replace("_", "-") != "uplink-python":
                continue
            located = os.path.abspath(str(dist.locate_file(
                "uplink_python/" + library_filename())))
            if os.path.exists(located) and located not in found:
                found.append(located)
    except Exception:  # pylint: disable=broad-except  # unreadable metadata: nothing found
        pass
    return found


def candidate_paths() -> Iterator[str]:
    """The paths to try, in order: the package dir, a development checkout's
    libuplinkc/, the installed distribution's package dir.

    Lazy: the distributions' metadata (importlib.metadata, a few MiB of
    modules) is read only when neither of the first two paths loads.
    $UPLINK_PYTHON_LIBRARY, when set, is the only path (see ``_load``).
    """
    name = library_filename()
    paths = [os.path.join(_package_dir(), name)]
    checkout = _checkout_dir()
    if checkout is not None:
        paths.append(os.path.join(checkout, "libuplinkc", name))
    yield from paths
    yield from (path for path in _installed_libraries() if path not in paths)


def _advice() -> str:
    """One sentence on what to do when no library was found."""
    if _checkout_dir() is not None:
        return ("This is uplink_python's source tree, which holds no library: run "
                "scripts/setup.sh (or: cd libuplinkc && go build -buildmode=c-shared -o "
                f"{library_filename()} .), or run your script from outside the checkout "
                "to use the installed package.")
    return ("The installed uplink-python has no library for this platform: reinstall it "
            "(pip install --force-reinstall uplink-python), or set "
            f"{ENV_LIBRARY} to the full path of a libuplinkc build.")


def _missing_function(name: str) -> Callable[..., Any]:
    def missing(*_args: Any) -> Any:
        raise errors.LibUplinkSoError(
            f"{_State.path} does not export {name}; rebuild libuplinkc")
    return missing


def _bind(lib: ctypes.CDLL) -> Tuple[str, ...]:
    missing = []
    functions: Dict[str, Any] = {}
    for name, restype, argtypes in _SIGNATURES:
        try:
            func = getattr(lib, name)
        except AttributeError:
            missing.append(name)
            functions[name] = _missing_function(name)
            continue
        func.restype = restype
        func.argtypes = argtypes
        functions[name] = func
    _State.functions = functions
    return tuple(missing)


def _open(path: str) -> ctypes.CDLL:
    lib = ctypes.CDLL(path)
    _State.missing = _bind(lib)
    _State.path = path
    _State.pid = os.getpid()
    return lib


def _load() -> ctypes.CDLL:
    override = os.environ.get(ENV_LIBRARY)
    if override:
        # An explicit choice is never silently replaced by the bundled library.
        if not os.path.isfile(override):
            raise errors.LibUplinkSoError(
                f"{ENV_LIBRARY}={override}: no such file; point it at a libuplinkc "
                "build or unset it to use the bundled library.")
        try:
            return _open(override)
        except OSError as exc:
            raise errors.LibUplinkSoError(
                f"{ENV_LIBRARY}={override} could not be loaded ({exc}); point it at a "
                "libuplinkc build for this platform or unset it.") from exc
    tried = []
    for path in candidate_paths():
        if not os.path.exists(path):
            tried.append(f"{path} (no such file)")
            continue
        try:
            return _open(path)
        except OSError as exc:
            tried.append(f"{path} ({exc})")
    raise errors.LibUplinkSoError(
        "could not load libuplinkc; tried: " + "; ".join(tried) + ". " + _advice())


def _fork_error() -> errors.ForkError:
    return errors.ForkError(
        f"libuplinkc was loaded in process {_State.pid} and this process "
        f"({os.getpid()}) is a fork() of it: the Go runtime does not survive fork(). "
        "Use multiprocessing with the 'spawn' start method "
        "(multiprocessing.get_context('spawn')) and open uplink objects in the child.")


def lib() -> ctypes.CDLL:
    """The loaded library, loading it on first use; raises LibUplinkSoError or ForkError.

    For tests and introspection only: calls go through ``function``.
    """
    if _State.forked:
        raise _fork_error()
    loaded = _State.lib
    if loaded is not None:
        return loaded
    with _State.lock:
        if _State.lib is None:
            _State.lib = _load()
            _watch_interrupts()
        return _State.lib


def _watch_interrupts() -> None:
    from . import _errors, _interrupt  # pylint: disable=import-outside-toplevel
    if "uplink_interrupt_watch" not in _State.missing:
        _interrupt.install(_State.functions["uplink_interrupt_watch"], _errors.check)


def function(name: str) -> Any:
    """The declared function ``name``; raises ForkError in a forked child."""
    if _State.forked:
        raise _fork_error()
    if _State.lib is None:
        lib()
    return _State.functions[name]


def check_fork() -> None:
    """Raises ForkError in a child forked after the library was loaded."""
    if _State.forked:
        raise _fork_error()


def forked() -> bool:
    """True in a child forked after the library was loaded."""
    return _State.forked


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
    return bool(function("uplink_internal_UniverseIsEmpty")())


def handle_count() -> int:
    """Number of live handles in libuplinkc."""
    return int(function("uplink_internal_HandleCount")())


