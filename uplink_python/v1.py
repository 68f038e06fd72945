"""The original's first, procedural API: every call returns ``(result, error)``.

Programs written against it keep running::

    from uplink_python import v1

    access, error = v1.request_access_with_passphrase(satellite, api_key, passphrase)
    if error is not None:
        print(error)
    project, error = v1.open_project(access)
    ...
    error = v1.close_project(project)

The same functions are methods of :class:`Uplink` (``v1.Uplink().open_project(access)``).
Each is a thin wrapper over the current classes: the results are the current
objects (Access, Project, Bucket, Object, Upload, Download; lists for the list
calls), and ``error`` is None or an :class:`Error`, a ``str`` (the error's text)
that also carries the exception in ``.exception`` and its ``.code``. Only Storj
errors become ``error`` values: a wrong argument type still raises TypeError.

``upload_write`` takes a ctypes ``POINTER(c_ubyte)`` (or any bytes-like object) and
a length; ``download_read`` returns ``(data, ReadResult, error)`` with ``data`` a
``POINTER(c_ubyte)`` to ``ReadResult.bytes_read`` bytes, as the original did.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, List, NamedTuple, Optional, Tuple, TypeVar, Union

from . import _native
from .access import Access
from .download import Download
from .errors import StorjException
from .module_classes import (Bucket, Config, CustomMetadata, DownloadOptions, ListBucketsOptions,
                             ListObjectsOptions, Object, Permission, SharePrefix, UploadOptions)
from .project import Project
from .upload import Upload
from .uplink import Uplink as _Uplink

T = TypeVar("T")

__all__ = ["Error", "ReadResult", "WriteResult", "Uplink", "access_serialize", "access_share",
           "close_download", "close_project", "config_open_project",
           "config_request_access_with_passphrase", "create_bucket", "delete_bucket",
           "delete_object", "download_info", "download_object", "download_read",
           "ensure_bucket", "list_buckets", "list_objects", "open_project", "parse_access",
           "request_access_with_passphrase", "stat_bucket", "stat_object", "upload_abort",
           "upload_commit", "upload_info", "upload_object", "upload_set_custom_metadata",
           "upload_write"]


class Error(str):
    """A v1 error: its text (``str(error)``), plus ``exception``, ``code`` and ``details``."""

    exception: StorjException

    def __new__(cls, exception: StorjException) -> "Error":
        error = super().__new__(cls, str(exception))
        error.exception = exception
        return error

    @property
    def code(self) -> int:
        """The numeric error code (as in uplink_python.errors)."""
        return self.exception.code

    @property
    def details(self) -> str:
        """The native library's text."""
        return self.exception.details

    def __reduce__(self) -> Any:
        return (Error, (self.exception,))


class WriteResult(NamedTuple):
    """What upload_write wrote."""

    bytes_written: int


class ReadResult(NamedTuple):
    """What download_read read (0 at the end of the object)."""

    bytes_read: int


_UPLINK = _Uplink()


def _call(function: Callable[[], T]) -> Tuple[Optional[T], Optional[Error]]:
    try:
        return function(), None
    except StorjException as exc:
        return None, Error(exc)


def _status(function: Callable[[], Any]) -> Optional[Error]:
    return _call(function)[1]


def request_access_with_passphrase(satellite: str, api_key: str, passphrase: str
                                   ) -> Tuple[Optional[Access], Optional[Error]]:
    """Asks the satellite for an access grant; returns (Access, error)."""
    return _call(lambda: _UPLINK.request_access_with_passphrase(satellite, api_key, passphrase))


def config_request_access_with_passphrase(config: Optional[Config], satellite: str, api_key: str,
                                          passphrase: str
                                          ) -> Tuple[Optional[Access], Optional[Error]]:
    """Like request_access_with_passphrase, dialing with ``config``; returns (Access, error)."""
    return _call(lambda: _UPLINK.config_request_access_with_passphrase(
        config, satellite, api_key, passphrase))


def parse_access(serialized_access: str) -> Tuple[Optional[Access], Optional[Error]]:
    """Parses a serialized grant; returns (Access, error)."""
    return _call(lambda: _UPLINK.parse_access(serialized_access))


def access_serialize(access: Access) -> Tuple[Optional[str], Optional[Error]]:
    """Returns (the grant as a string, error)."""
    return _call(access.serialize)


def access_share(access: Access, permission: Optional[Permission],
                 shared_prefix: Optional[Iterable[Any]]
                 ) -> Tuple[Optional[Access], Optional[Error]]:
    """Restricts ``access`` to ``permission`` on the prefixes (dicts with "bucket" and
    "prefix", or SharePrefix objects); returns (the new Access, error)."""
    prefixes: List[SharePrefix] = []
    for item in shared_prefix or []:
        if isinstance(item, dict):
            prefixes.append(SharePrefix(bucket=item.get("bucket", ""),
                                        prefix=item.get("prefix", "")))
        else:
            prefixes.append(item)
    return _call(lambda: access.share(permission, prefixes))


def open_project(access: Access) -> Tuple[Optional[Project], Optional[Error]]:
    """Opens the access's project; returns (Project, error)."""
    return _call(access.open_project)


def config_open_project(config: Optional[Config], access: Access
                        ) -> Tuple[Optional[Project], Optional[Error]]:
    """Opens the access's project dialing with ``config``; returns (Project, error)."""
    return _call(lambda: access.config_open_project(config))


def close_project(project: Project) -> Optional[Error]:
    """Closes the project; returns the error or None."""
    return _status(project.close)


def ensure_bucket(project: Project, bucket_name: str) -> Tuple[Optional[Bucket], Optional[Error]]:
    """Creates the bucket unless it exists; returns (Bucket, error)."""
    return _call(lambda: project.ensure_bucket(bucket_name))


def stat_bucket(project: Project, bucket_name: str) -> Tuple[Optional[Bucket], Optional[Error]]:
    """Returns (Bucket, error)."""
    return _call(lambda: project.stat_bucket(bucket_name))


def create_bucket(project: Project, bucket_name: str) -> Tuple[Optional[Bucket], Optional[Error]]:
    """Creates a bucket; returns (Bucket, error)."""
    return _call(lambda: project.create_bucket(bucket_name))


def delete_bucket(project: Project, bucket_name: str) -> Tuple[Optional[Bucket], Optional[Error]]:
    """Deletes an empty bucket; returns (the deleted Bucket, error)."""
    return _call(lambda: project.delete_bucket(bucket_name))


def list_buckets(project: Project, list_bucket_options: Optional[ListBucketsOptions] = None
                 ) -> Tuple[Optional[List[Bucket]], Optional[Error]]:
    """Returns (a list of Buckets, error)."""
    return _call(lambda: project.list_buckets(list_bucket_options))


def stat_object(project: Project, bucket_name: str, storj_path: str
                ) -> Tuple[Optional[Object], Optional[Error]]:
    """Returns (Object, error)."""
    return _call(lambda: project.stat_object(bucket_name, storj_path))


def list_objects(project: Project, bucket_name: str,
                 list_object_options: Optional[ListObjectsOptions] = None
                 ) -> Tuple[Optional[List[Object]], Optional[Error]]:
    """Returns (a list of Objects, error)."""
    return _call(lambda: project.list_objects(bucket_name, list_object_options))


def delete_object(project: Project, bucket_name: str, storj_path: str
                  ) -> Tuple[Optional[Object], Optional[Error]]:
    """Deletes an object; returns (the deleted Object or None when there was none, error)."""
    return _call(lambda: project.delete_object(bucket_name, storj_path))


def upload_object(project: Project, bucket_name: str, storj_path: str,
                  upload_options: Optional[UploadOptions] = None
                  ) -> Tuple[Optional[Upload], Optional[Error]]:
    """Starts an upload; returns (Upload, error)."""
    return _call(lambda: project.upload_object(bucket_name, storj_path, upload_options))


def upload_write(upload: Upload, data_to_write: Any, size_to_write: int
                 ) -> Tuple[Optional[WriteResult], Optional[Error]]:
    """Writes ``size_to_write`` bytes from a ctypes ``POINTER(c_ubyte)`` (or a bytes-like
    object); returns (WriteResult, error)."""
    view = _native.pointer_view(data_to_write, size_to_write)
    written, error = _call(lambda: upload.write(view, size_to_write))
    return (None if written is None else WriteResult(written)), error


def upload_commit(upload: Upload) -> Optional[Error]:
    """Commits the upload; returns the error or None."""
    return _status(upload.commit)


def upload_abort(upload: Upload) -> Optional[Error]:
    """Aborts the upload; returns the error or None."""
    return _status(upload.abort)


def upload_set_custom_metadata(upload: Upload, custom_metadata: Union[CustomMetadata, Any]
                               ) -> Optional[Error]:
    """Sets the upload's custom metadata; returns the error or None."""
    return _status(lambda: upload.set_custom_metadata(custom_metadata))


def upload_info(upload: Upload) -> Tuple[Optional[Object], Optional[Error]]:
    """Returns (the upload's Object, error)."""
    return _call(upload.info)


def download_object(project: Project, bucket_name: str, storj_path: str,
                    download_options: Optional[DownloadOptions] = None
                    ) -> Tuple[Optional[Download], Optional[Error]]:
    """Starts a download; returns (Download, error)."""
    return _call(lambda: project.download_object(bucket_name, storj_path, download_options))


def download_read(download: Download, size_to_read: int
                  ) -> Tuple[Any, Optional[ReadResult], Optional[Error]]:
    """Reads up to ``size_to_read`` bytes; returns (a ``POINTER(c_ubyte)`` to the data,
    ReadResult, error). ``bytes_read`` is 0 at the end of the object."""
    if isinstance(size_to_read, bool) or not isinstance(size_to_read, int):
        raise TypeError(f"size_to_read must be an int, not {type(size_to_read).__name__}")
    if size_to_read < 0:
        raise ValueError(f"size_to_read must not be negative, got {size_to_read}")
    pointer, view = _native.ubyte_buffer(size_to_read)
    count, error = _call(lambda: download.readinto(view))
    if error is not None:
        return None, None, error
    return pointer, ReadResult(count or 0), None


def close_download(download: Download) -> Optional[Error]:
    """Closes the download; returns the error or None."""
    return _status(download.close)


def download_info(download: Download) -> Tuple[Optional[Object], Optional[Error]]:
    """Returns (the download's Object, error)."""
    return _call(download.info)


class Uplink:
    """The v1 functions as methods, for programs written ``uplink.open_project(access)``."""

    request_access_with_passphrase = staticmethod(request_access_with_passphrase)
    config_request_access_with_passphrase = staticmethod(config_request_access_with_passphrase)
    parse_access = staticmethod(parse_access)
    access_serialize = staticmethod(access_serialize)
    access_share = staticmethod(access_share)
    open_project = staticmethod(open_project)
    config_open_project = staticmethod(config_open_project)
    close_project = staticmethod(close_project)
    ensure_bucket = staticmethod(ensure_bucket)
    stat_bucket = staticmethod(stat_bucket)
    create_bucket = staticmethod(create_bucket)
    delete_bucket = staticmethod(delete_bucket)
    list_buckets = staticmethod(list_buckets)
    stat_object = staticmethod(stat_object)
    list_objects = staticmethod(list_objects)
    delete_object = staticmethod(delete_object)
    upload_object = staticmethod(upload_object)
    upload_write = staticmethod(upload_write)
    upload_commit = staticmethod(upload_commit)
    upload_abort = staticmethod(upload_abort)
    upload_set_custom_metadata = staticmethod(upload_set_custom_metadata)
    upload_info = staticmethod(upload_info)
    download_object = staticmethod(download_object)
    download_read = staticmethod(download_read)
    close_download = staticmethod(close_download)
    download_info = staticmethod(download_info)

    def __repr__(self) -> str:
        return "v1.Uplink()"
