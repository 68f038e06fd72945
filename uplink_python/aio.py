"""asyncio face of uplink_python: every network call as a coroutine.

::

    from uplink_python import aio

    async with await aio.open_project(access) as project:
        await project.put_object("bucket", "key", b"data")
        data = await project.get_object("bucket", "key")
        async for item in project.iter_objects("bucket", recursive=True):
            ...

Each call is a goroutine in libuplinkc, not a Python thread: a thousand calls
in flight cost one waiter thread, and the event loop (any loop, Windows'
Proactor included) only receives finished results. Cancelling the task
(``task.cancel()``, ``asyncio.wait_for``, ``asyncio.timeout``, a failing
``TaskGroup``) cancels the operation in Go at once; a cancelled upload is never
stored, and a commit that completed before the cancel reached it returns as
done. The sync and async objects share the argument checks, conversions and
errors (StorjException subclasses); only the waiting differs.
"""

from __future__ import annotations

import asyncio
import os
from typing import (IO, TYPE_CHECKING, Any, AsyncIterator, Callable, Iterable, List, Literal,
                    Mapping, Optional, Tuple, TypeVar, Union, overload)

from . import _aio_files, _native, files, listing
from ._aio_files import AsyncObjectReader, AsyncObjectWriter
from ._native import _async, calls
from .access import Access
from .credentials import find_access
from .errors import ClosedError, StorjException
from .module_classes import (Bucket, Config, CustomMetadata, DeleteResult, DownloadOptions,
                             EdgeConfig, EdgeCredentials, ListBucketsOptions, ListObjectsOptions,
                             ListObjectVersionsOptions, ListUploadPartsOptions,
                             ListUploadsOptions, Object, ObjectLockConfiguration, Part, Retention,
                             UploadInfo, UploadOptions, VersionedObject, VersioningState)
from .project import DELETE_OBJECTS_MAX_ITEMS, Project, _delete_items
from .transfer import TransferConfig
from .uplink import Uplink

if TYPE_CHECKING:
    import datetime

T = TypeVar("T")

# How much AsyncDownload.read() and iteration ask for at a time.
CHUNK_SIZE = 1024 * 1024
# From this size AsyncDownload.readall reads into the bytes it returns.
_DIRECT_READALL = CHUNK_SIZE
# What readall reads after that, to see the end.
_END_PROBE = 64 * 1024

__all__ = ["AsyncDownload", "AsyncListing", "AsyncObjectReader", "AsyncObjectWriter",
           "AsyncPartUpload", "AsyncProject", "AsyncUpload", "CHUNK_SIZE", "open_project",
           "register_access", "request_access_with_passphrase"]


# ---------------------------------------------------------------------------
# Access

async def request_access_with_passphrase(satellite: str, api_key: str, passphrase: str, *,
                                         config: Optional[Config] = None) -> Access:
    """Requests an access grant from the satellite (as
    Uplink.config_request_access_with_passphrase). Raises StorjException."""
    handle = await _async.run(calls.config_request_access_with_passphrase2, config, satellite,
                              api_key, passphrase)
    return Access(handle, Uplink())


async def register_access(config: EdgeConfig, access: Access,
                          is_public: bool = False) -> EdgeCredentials:
    """Registers ``access`` with an edge auth service and returns its S3
    credentials (as uplink_python.edge.register_access). Raises StorjException."""
    if not isinstance(access, Access):
        raise TypeError(f"access must be an Access, not {type(access).__name__}")
    handle = access._handle  # pylint: disable=protected-access
    with _native.redacting(calls.access_serialize(handle)):
        return await _async.run(calls.edge_register_access2, config, handle, is_public)


async def _access_of(access: Union[Access, str, None], config: Optional[Config]) -> Access:
    if isinstance(access, Access):
        return access
    if isinstance(access, str):
        return Uplink().parse_access(access)
    if access is not None:
        raise TypeError(f"access must be an Access, a serialized access grant or None, "
                        f"not {type(access).__name__}")
    source = find_access()
    if source.grant is not None:
        return Uplink().parse_access(source.grant)
    assert source.request is not None
    return await request_access_with_passphrase(*source.request, config=config)


async def open_project(access: Union[Access, str, None] = None, *,
                       config: Optional[Config] = None) -> "AsyncProject":
    """Opens a project: ``access`` is an Access, a serialized grant, or None for the
    one ``default_access()`` finds. Raises StorjException (NoAccessError when none)."""
    owned = access is None or isinstance(access, str)
    resolved = await _access_of(access, config)
    try:
        project = resolved.config_open_project(config)
    finally:
        if owned:
            resolved.close()
    return AsyncProject(project)


# ---------------------------------------------------------------------------
# Project

class AsyncProject:
    """An open project whose calls are coroutines, with the names and arguments of
    Project's. ``async with`` closes it; so does ``await close()``."""

    def __init__(self, project: Project) -> None:
        if not isinstance(project, Project):
            raise TypeError(f"project must be a Project, not {type(project).__name__}")
        self._project = project
        self._handle = project._handle  # pylint: disable=protected-access

    @property
    def sync(self) -> Project:
        """The sync Project on the same native project (closing either closes both)."""
        return self._project

    @property
    def closed(self) -> bool:
        """True once closed."""
        return not self._handle.alive

    async def close(self) -> None:
        """Closes the project: calls in progress (on it, its uploads, downloads and
        listings) are interrupted and waited for, then it is freed. Later calls do
        nothing. Raises StorjException when closing fails."""
        handle = self._handle
        if not handle.alive:
            return
        try:
            error: Optional[StorjException] = _native.call("uplink_close_project", handle,
                                                           take=_native.take_error)
        except ClosedError:
            return
        # The operations stop at once; their results free what they hold.
        while handle._calls:  # pylint: disable=protected-access
            await asyncio.sleep(0.001)
        handle.release()
        if error is not None:
            raise error

    async def __aenter__(self) -> "AsyncProject":
        self._handle.check()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"<AsyncProject {'closed' if self.closed else 'open'}>"

    def __reduce__(self) -> Any:
        raise TypeError("an AsyncProject cannot be pickled")

    # buckets

    async def ensure_bucket(self, bucket_name: str) -> Bucket:
        """Creates the bucket unless it exists; returns it."""
        return await _async.run(calls.ensure_bucket, self._handle, bucket_name)

    async def stat_bucket(self, bucket_name: str) -> Bucket:
        """Returns the bucket; raises BucketNotFoundError."""
        return await _async.run(calls.stat_bucket, self._handle, bucket_name)

    async def create_bucket(self, bucket_name: str) -> Bucket:
        """Creates a bucket; raises BucketAlreadyExistError when it exists."""
        return await _async.run(calls.create_bucket, self._handle, bucket_name)

    async def delete_bucket(self, bucket_name: str) -> Bucket:
        """Deletes an empty bucket; raises BucketNotEmptyError, BucketNotFoundError."""
        return await _async.run(calls.delete_bucket, self._handle, bucket_name)

    async def delete_bucket_with_objects(self, bucket_name: str, *,
                                         bypass_governance_retention: bool = False) -> Bucket:
        """Deletes a bucket and every object in it (see Project)."""
        if bypass_governance_retention is not False and bypass_governance_retention is not True:
            raise TypeError("bypass_governance_retention must be a bool")
        row = (calls.delete_bucket_with_objects_bypass_governance_retention
               if bypass_governance_retention else calls.delete_bucket_with_objects)
        return await _async.run(row, self._handle, bucket_name)

    def iter_buckets(self, list_bucket_options: Optional[ListBucketsOptions] = None
                     ) -> "AsyncListing[Bucket]":
        """The project's buckets, an async iterator fetching pages ahead."""
        return AsyncListing(calls.list_buckets(self._handle, list_bucket_options))

    async def list_buckets(self, list_bucket_options: Optional[ListBucketsOptions] = None
                           ) -> List[Bucket]:
        """The project's buckets as a list."""
        return await self.iter_buckets(list_bucket_options).to_list()

    # objects

    async def stat_object(self, bucket_name: str, storj_path: str) -> Object:
        """The object's metadata; raises ObjectNotFoundError, BucketNotFoundError."""
        return await _async.run(calls.stat_object, self._handle, bucket_name, storj_path)

    def iter_objects(self, bucket_name: str,
                     list_object_options: Optional[ListObjectsOptions] = None, *,
                     prefix: Optional[str] = None, recursive: Optional[bool] = None,
                     sort: bool = False) -> "AsyncListing[Object]":
        """The bucket's objects, an async iterator fetching pages ahead (the
        arguments as in Project.iter_objects)."""
        options, keep, sort_key = listing.object_listing(list_object_options, prefix,
                                                         recursive, sort)
        return AsyncListing(calls.list_objects(self._handle, bucket_name, options), keep,
                            sort_key)

    async def list_objects(self, bucket_name: str,
                           list_object_options: Optional[ListObjectsOptions] = None, *,
                           prefix: Optional[str] = None, recursive: Optional[bool] = None,
                           sort: bool = False) -> List[Object]:
        """The bucket's objects as a list (see iter_objects)."""
        return await self.iter_objects(bucket_name, list_object_options, prefix=prefix,
                                       recursive=recursive, sort=sort).to_list()

    async def delete_object(self, bucket_name: str, storj_path: str) -> Optional[Object]:
        """Deletes an object; returns what was deleted, or None."""
        return await _async.run(calls.delete_object, self._handle, bucket_name, storj_path)

    async def copy_object(self, old_bucket_name: str, old_storj_path: str,
                          new_bucket_name: str, new_storj_path: str) -> Object:
        """Copies an object on the network; returns the copy."""
        return await _async.run(calls.copy_object, self._handle, old_bucket_name,
                                      old_storj_path, new_bucket_name, new_storj_path)

    async def move_object(self, old_bucket_name: str, old_storj_path: str,
                          new_bucket_name: str, new_storj_path: str) -> None:
        """Moves (renames) an object on the network."""
        await _async.run(calls.move_object, self._handle, old_bucket_name, old_storj_path,
                               new_bucket_name, new_storj_path)

    async def update_object_metadata(self, bucket_name: str, storj_path: str,
                                     custom_metadata: Union[CustomMetadata, Mapping[Any, Any]]
                                     ) -> None:
        """Replaces the object's custom metadata."""
        await _async.run(calls.update_object_metadata, self._handle, bucket_name, storj_path,
                               custom_metadata)

    async def put_object(self, bucket_name: str, key: str, data: Any, *,
                         upload_options: Optional[UploadOptions] = None) -> Object:
        """Stores ``data`` (any bytes-like object, read in place, which must not change
        until this returns) as bucket_name/key and returns the Object. Nothing is
        stored when it fails or is cancelled before the commit."""
        return await _async.put_object(self._handle, bucket_name, key, data, upload_options)

    async def get_object(self, bucket_name: str, key: str, *, offset: int = 0,
                         length: int = -1) -> bytes:
        """The bytes of bucket_name/key from ``offset``, ``length`` of them (-1: all)."""
        return await _async.run(calls.get_object, self._handle, bucket_name, key, offset,
                                      length)

    async def upload_object(self, bucket_name: str, storj_path: str,
                            upload_options: Optional[UploadOptions] = None, *,
                            if_none_match: Optional[str] = None,
                            retention: Optional[Retention] = None,
                            legal_hold: bool = False) -> "AsyncUpload":
        """Starts an upload (arguments as in Project.upload_object); returns an AsyncUpload."""
        legal_hold = _native.flag(legal_hold, "legal_hold")
        if retention is None and not legal_hold and if_none_match is None:
            handle = await _async.run(calls.upload_object, self._handle, bucket_name,
                                      storj_path, upload_options)
        else:
            handle = await _async.run(calls.upload_object2, self._handle, bucket_name,
                                      storj_path, upload_options, retention, legal_hold,
                                      if_none_match)
        return AsyncUpload(handle, self)

    async def download_object(self, bucket_name: str, storj_path: str,
                              download_options: Optional[DownloadOptions] = None, *,
                              version: Optional[bytes] = None) -> "AsyncDownload":
        """Starts a download; returns an AsyncDownload. Raises ObjectNotFoundError."""
        if version is None:
            handle = await _async.run(calls.download_object, self._handle, bucket_name,
                                      storj_path, download_options)
        else:
            handle = await _async.run(calls.download_object_version, self._handle, bucket_name,
                                      storj_path, version, download_options)
        if download_options is None:
            return AsyncDownload(handle, self)
        return AsyncDownload(handle, self, download_options.offset, download_options.length)

    async def upload_file(self, bucket_name: str, key: str,
                          source: Union[str, "os.PathLike[str]", IO[bytes]], *,
                          progress: Optional[Callable[[int], Any]] = None,
                          part_size: Optional[int] = None, concurrency: Optional[int] = None,
                          upload_options: Optional[UploadOptions] = None,
                          custom_metadata: Optional[Union[CustomMetadata, Mapping[Any, Any]]]
                          = None, transfer_config: Optional[TransferConfig] = None) -> Object:
        """Uploads a local file (a path, or a binary file object from its position)
        and returns the stored Object, as Project.upload_file: a file larger than
        the part size is a multipart upload whose parts go out ``concurrency`` at a
        time, as tasks of this loop. A failure or a cancel aborts every part:
        nothing is stored."""
        return await _aio_files.upload_file(
            self, bucket_name, key, source, progress=progress, part_size=part_size,
            concurrency=concurrency, upload_options=upload_options,
            custom_metadata=custom_metadata, transfer_config=transfer_config)

    async def download_file(self, bucket_name: str, key: str,
                            target: Union[str, "os.PathLike[str]", IO[bytes]], *,
                            progress: Optional[Callable[[int], Any]] = None,
                            part_size: Optional[int] = None, concurrency: Optional[int] = None,
                            version: Optional[bytes] = None,
                            transfer_config: Optional[TransferConfig] = None
                            ) -> VersionedObject:
        """Downloads bucket_name/key (one ``version`` of it when given) into a local
        file and returns the object, as Project.download_file: an object larger
        than the part size comes as ranged downloads, ``concurrency`` at a time, all
        of one version. A path is written under a temporary name and renamed when
        complete; a failure or a cancel leaves no file behind."""
        return await _aio_files.download_file(
            self, bucket_name, key, target, progress=progress, part_size=part_size,
            concurrency=concurrency, version=version, transfer_config=transfer_config)

    @overload
    async def open(self, bucket_name: str, key: str, mode: Literal["rb"] = "rb", *,
                   buffer_size: int = ..., version: Optional[bytes] = ...
                   ) -> AsyncObjectReader: ...

    @overload
    async def open(self, bucket_name: str, key: str, mode: Literal["wb", "xb"], *,
                   custom_metadata: Optional[Union[CustomMetadata, Mapping[Any, Any]]] = ...,
                   expires: "Union[int, datetime.datetime, None]" = ...,
                   part_size: Optional[int] = ..., concurrency: Optional[int] = ...,
                   transfer_config: Optional[TransferConfig] = ...) -> AsyncObjectWriter: ...

    async def open(self, bucket_name: str, key: str, mode: str = "rb", *,
                   buffer_size: int = files.DEFAULT_BUFFER_SIZE,
                   version: Optional[bytes] = None,
                   custom_metadata: Optional[Union[CustomMetadata, Mapping[Any, Any]]] = None,
                   expires: "Union[int, datetime.datetime, None]" = None,
                   part_size: Optional[int] = None, concurrency: Optional[int] = None,
                   transfer_config: Optional[TransferConfig] = None
                   ) -> Union[AsyncObjectReader, AsyncObjectWriter]:
        """Opens an object as an async binary file, with Project.open's modes and
        keywords: ``"rb"`` gives a seekable AsyncObjectReader (one version of the
        object), ``"wb"`` an AsyncObjectWriter that stores the object at close,
        ``"xb"`` one whose close fails with FailedPreconditionError when the key
        exists. Raises ValueError for another mode, TypeError for a keyword of the
        other mode, StorjException (ObjectNotFoundError, ...)."""
        exclusive = files.open_mode(mode, version, custom_metadata, expires, transfer_config)
        if exclusive is None:
            return await AsyncObjectReader.open(self, bucket_name, key, version=version,
                                                buffer_size=buffer_size)
        return await AsyncObjectWriter.open(
            self, bucket_name, key, custom_metadata=custom_metadata, expires=expires,
            part_size=part_size, concurrency=concurrency, exclusive=exclusive,
            transfer_config=transfer_config)

    # multipart uploads

    async def begin_upload(self, bucket_name: str, key: str,
                           upload_options: Optional[UploadOptions] = None) -> UploadInfo:
        """Starts a multipart upload; returns its UploadInfo."""
        return await _async.run(calls.begin_upload, self._handle, bucket_name, key,
                                      upload_options)

    async def upload_part(self, bucket_name: str, key: str, upload_id: str,
                          part_number: int) -> "AsyncPartUpload":
        """Starts the upload of one part; returns an AsyncPartUpload."""
        handle = await _async.run(calls.upload_part, self._handle, bucket_name, key, upload_id,
                                  part_number)
        return AsyncPartUpload(handle, self)

    async def commit_upload(self, bucket_name: str, key: str, upload_id: str,
                            custom_metadata: Optional[Union[CustomMetadata, Mapping[Any, Any]]]
                            = None) -> Object:
        """Commits a multipart upload; returns the Object."""
        return await _async.run(calls.commit_upload, self._handle, bucket_name, key, upload_id,
                                      custom_metadata)

    async def abort_upload(self, bucket_name: str, key: str, upload_id: str) -> None:
        """Aborts a multipart upload and its parts."""
        await _async.run(calls.abort_upload, self._handle, bucket_name, key, upload_id)

    def iter_uploads(self, bucket_name: str,
                     list_uploads_options: Optional[ListUploadsOptions] = None
                     ) -> "AsyncListing[UploadInfo]":
        """The bucket's pending multipart uploads, an async iterator."""
        return AsyncListing(calls.list_uploads(self._handle, bucket_name, list_uploads_options))

    async def list_uploads(self, bucket_name: str,
                           list_uploads_options: Optional[ListUploadsOptions] = None
                           ) -> List[UploadInfo]:
        """The bucket's pending multipart uploads as a list."""
        return await self.iter_uploads(bucket_name, list_uploads_options).to_list()

    def iter_upload_parts(self, bucket_name: str, key: str, upload_id: str,
                          list_upload_parts_options: Optional[ListUploadPartsOptions] = None
                          ) -> "AsyncListing[Part]":
        """The parts of a multipart upload, an async iterator."""
        return AsyncListing(calls.list_upload_parts(self._handle, bucket_name, key, upload_id,
                                                  list_upload_parts_options))

    async def list_upload_parts(self, bucket_name: str, key: str, upload_id: str,
                                list_upload_parts_options: Optional[ListUploadPartsOptions]
                                = None) -> List[Part]:
        """The parts of a multipart upload as a list."""
        return await self.iter_upload_parts(bucket_name, key, upload_id,
                                            list_upload_parts_options).to_list()

    # versions

    async def get_bucket_versioning(self, bucket_name: str) -> VersioningState:
        """The bucket's versioning state."""
        state: VersioningState = await _async.run(calls.get_bucket_versioning, self._handle,
                                                bucket_name)
        return state

    async def set_bucket_versioning(self, bucket_name: str, enabled: bool) -> None:
        """Enables (True) or suspends (False) versioning of the bucket."""
        await _async.run(calls.set_bucket_versioning, self._handle, bucket_name, enabled)

    async def stat_object_version(self, bucket_name: str, key: str,
                                  version: Optional[bytes] = None) -> VersionedObject:
        """One version of an object (the latest when None)."""
        return await _async.run(calls.stat_object_version, self._handle, bucket_name, key,
                                      version)

    async def delete_object_version(self, bucket_name: str, key: str,
                                    version: Optional[bytes] = None, *,
                                    bypass_governance_retention: bool = False
                                    ) -> Optional[VersionedObject]:
        """Deletes one version of an object (see Project.delete_object_version)."""
        return await _async.run(calls.delete_object_version, self._handle, bucket_name, key,
                                      version, bypass_governance_retention)

    def iter_object_versions(self, bucket_name: str,
                             list_object_versions_options: Optional[ListObjectVersionsOptions]
                             = None) -> "AsyncListing[VersionedObject]":
        """Every version of the bucket's objects, an async iterator."""
        return AsyncListing(calls.list_object_versions(self._handle, bucket_name,
                                                     list_object_versions_options))

    async def list_object_versions(self, bucket_name: str,
                                   list_object_versions_options:
                                   Optional[ListObjectVersionsOptions] = None
                                   ) -> List[VersionedObject]:
        """Every version of the bucket's objects as a list."""
        return await self.iter_object_versions(bucket_name,
                                               list_object_versions_options).to_list()

    # Object Lock

    async def create_bucket_with_object_lock(self, bucket_name: str,
                                             object_lock_enabled: bool = True) -> Bucket:
        """Creates a bucket with Object Lock (and versioning) enabled."""
        return await _async.run(calls.create_bucket_with_object_lock, self._handle,
                                      bucket_name, object_lock_enabled)

    async def get_bucket_object_lock_configuration(self, bucket_name: str
                                                   ) -> ObjectLockConfiguration:
        """The bucket's Object Lock configuration."""
        return await _async.run(calls.get_bucket_object_lock_configuration, self._handle,
                                      bucket_name)

    async def set_bucket_object_lock_configuration(
            self, bucket_name: str, configuration: ObjectLockConfiguration) -> None:
        """Sets the bucket's Object Lock configuration."""
        await _async.run(calls.set_bucket_object_lock_configuration, self._handle,
                               bucket_name, configuration)

    async def set_object_retention(self, bucket_name: str, key: str,
                                   retention: Optional[Retention], *,
                                   version: Optional[bytes] = None,
                                   bypass_governance_retention: bool = False) -> None:
        """Sets (None: removes) the retention of an object version."""
        await _async.run(calls.set_object_retention, self._handle, bucket_name, key, version,
                               retention, bypass_governance_retention)

    async def get_object_retention(self, bucket_name: str, key: str, *,
                                   version: Optional[bytes] = None) -> Optional[Retention]:
        """The retention of an object version (None when it has none)."""
        return await _async.run(calls.get_object_retention, self._handle, bucket_name, key,
                                      version)

    async def set_object_legal_hold(self, bucket_name: str, key: str, enabled: bool, *,
                                    version: Optional[bytes] = None) -> None:
        """Places or removes a legal hold on an object version."""
        await _async.run(calls.set_object_legal_hold, self._handle, bucket_name, key, version,
                               enabled)

    async def get_object_legal_hold(self, bucket_name: str, key: str, *,
                                    version: Optional[bytes] = None) -> bool:
        """Whether a legal hold is placed on an object version."""
        return await _async.run(calls.get_object_legal_hold, self._handle, bucket_name, key,
                                      version)

    async def delete_objects(self, bucket_name: str,
                             keys_or_items: Iterable[Union[str, Object,
                                                           Tuple[str, Optional[bytes]]]],
                             bypass_governance_retention: bool = False,
                             quiet: bool = False) -> List[DeleteResult]:
        """Deletes many objects of one bucket (see Project.delete_objects)."""
        self._handle.check()
        items = _delete_items(keys_or_items)
        results: List[DeleteResult] = []
        for start in range(0, len(items), DELETE_OBJECTS_MAX_ITEMS):
            results += await _async.delete_objects(
                self._handle, bucket_name, items[start:start + DELETE_OBJECTS_MAX_ITEMS],
                bypass_governance_retention, quiet)
        return results

    async def revoke_access(self, access: Access) -> None:
        """Revokes ``access`` (one shared from this project's grant)."""
        if not isinstance(access, Access):
            raise TypeError(f"access must be an Access, not {type(access).__name__}")
        await _async.run(calls.revoke_access, self._handle, access._handle)


# ---------------------------------------------------------------------------
# Transfers

class AsyncUpload:
    """An upload in progress: ``await write(data)``, then ``await commit()`` (or
    ``abort()``). ``async with`` commits on a clean exit and aborts when the block
    raises (or is cancelled)."""

    _ABORT = calls.upload_abort

    def __init__(self, handle: _native.Handle, project: AsyncProject) -> None:
        self._handle = handle
        self.project = project
        self.committed = False

    async def write(self, data: Any) -> int:
        """Writes all of ``data`` (any bytes-like object, read in place); returns its size."""
        return await _async.upload_write(self._handle, data)

    async def commit(self) -> None:
        """Commits the upload; the object is stored when it returns. A commit that
        completed when the task was cancelled returns normally (it is stored)."""
        await _async.upload_commit(self._handle)
        self.committed = True

    async def abort(self) -> None:
        """Aborts the upload and frees it: nothing is stored."""
        self._handle.release(close=self._ABORT)

    def set_custom_metadata(self, custom_metadata: Union[CustomMetadata, Mapping[Any, Any]]
                            ) -> None:
        """Sets the custom metadata the commit stores."""
        calls.upload_set_custom_metadata(self._handle, custom_metadata)

    def info(self) -> Object:
        """The object as uploaded (complete after commit)."""
        return calls.upload_info(self._handle)

    @property
    def closed(self) -> bool:
        """True once committed-and-closed or aborted."""
        return not self._handle.alive

    def close(self) -> None:
        """Frees the upload; one that was not committed is aborted (without
        waiting for the satellite to drop what it received)."""
        self._handle.release()

    async def __aenter__(self) -> "AsyncUpload":
        self._handle.check()
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        if exc_type is None and not self.committed and self._handle.alive:
            try:
                await self.commit()
            except BaseException:
                self.close()
                raise
        self.close()

    def __repr__(self) -> str:
        return f"<AsyncUpload {'closed' if self.closed else 'open'}>"


class AsyncPartUpload(AsyncUpload):
    """The upload of one part of a multipart upload (write, commit, abort as AsyncUpload)."""

    _ABORT = calls.part_upload_abort

    def set_etag(self, etag: Union[str, bytes]) -> None:
        """Sets the ETag stored with the part."""
        calls.part_upload_set_etag(self._handle, etag)

    def info(self) -> Part:  # type: ignore[override]
        """The part as uploaded so far."""
        return calls.part_upload_info(self._handle)

    def __repr__(self) -> str:
        return f"<AsyncPartUpload {'closed' if self.closed else 'open'}>"


class AsyncDownload:
    """A download in progress: ``await read(n)``, ``await readinto(buffer)``,
    ``await readall()``, ``async for chunk in download``; ``async with`` closes it."""

    def __init__(self, handle: _native.Handle, project: AsyncProject, offset: Any = 0,
                 length: Any = -1) -> None:
        self._handle = handle
        self.project = project
        self._eof = False
        # The range asked for (DownloadOptions) and the bytes read so far: what
        # readall expects to get.
        self._range = (offset, length)
        self._position = 0

    async def read(self, n: Optional[int] = -1) -> bytes:
        """Up to ``n`` bytes and 1 MiB, as soon as some arrived (b"" at the end),
        as asyncio.StreamReader.read: -1 (the default), any negative number or
        None reads to the end. Raises TypeError for another type than an int or
        None."""
        if n is not None and (isinstance(n, bool) or not isinstance(n, int)):
            raise TypeError(f"n must be an int or None, not {type(n).__name__}")
        if n is None or n < 0:
            return await self.readall()
        if self._eof:
            self._handle.check()
            return b""
        data, self._eof = await _async.download_read(self._handle, n)
        self._position += len(data)
        return data

    async def readinto(self, buffer: Any) -> int:
        """Fills ``buffer`` (any writable bytes-like object) in place, unless the
        object ends first; returns the count (0 at the end)."""
        if self._eof:
            self._handle.check()
            return 0
        got, self._eof = await _async.download_readinto(self._handle, buffer, full=True)
        self._position += got
        return got

    async def readall(self) -> bytes:
        """The rest of the object. Go reads it straight into the bytes returned
        when its size is known (no copy on the loop's thread); else it is
        joined from 4 MiB reads."""
        first: bytes = b""
        expected = self._expected()
        if expected >= _DIRECT_READALL and not self._eof:
            direct = await _async.download_read_bytes(self._handle, expected)
            if direct is not None:
                first, self._eof = direct
                self._position += len(first)
        chunks: List[Any] = [first] if first else []
        # After a direct read, the end is usually all that is left: a small probe.
        size = _END_PROBE if first else 4 * CHUNK_SIZE
        while not self._eof:
            buffer = bytearray(size)
            got = await self.readinto(buffer)
            if not got:
                break
            del buffer[got:]
            chunks.append(buffer)
            size = 4 * CHUNK_SIZE
        self._handle.check()
        if first and len(chunks) == 1:
            return first
        joined: bytes = b"".join(chunks)
        return joined

    def _expected(self) -> int:
        """How many bytes are left to read by the object's size and the range
        asked for; 0 when unknown (a range from the end)."""
        offset, length = self._range
        if not isinstance(offset, int) or not isinstance(length, int) or offset < 0:
            return 0
        total = max(0, self.info().system.content_length - offset)
        if length >= 0:
            total = min(total, length)
        return max(0, total - self._position)

    def info(self) -> Object:
        """The object being downloaded."""
        return calls.download_info(self._handle)

    def versioned_info(self) -> VersionedObject:
        """Like info(), with the version being downloaded."""
        return calls.download_info_versioned(self._handle)

    @property
    def closed(self) -> bool:
        """True once closed."""
        return not self._handle.alive

    def close(self) -> None:
        """Frees the download; later calls do nothing."""
        self._handle.release(close=calls.close_download if self._handle.alive else None)

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        while True:
            chunk = await self.read(CHUNK_SIZE)
            if not chunk:
                return
            yield chunk

    async def __aenter__(self) -> "AsyncDownload":
        self._handle.check()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<AsyncDownload {'closed' if self.closed else 'open'}>"


# ---------------------------------------------------------------------------
# Listings

class AsyncListing(AsyncIterator[T]):
    """The items of one listing as an async iterator; the next page is fetched
    while the caller works on the current one. ``aclose()`` (or the end of an
    ``async with`` block) frees it."""

    def __init__(self, cursor: "_native.Cursor[T]", keep: Optional[Callable[[T], bool]] = None,
                 sort_key: Optional[Callable[[T], Any]] = None) -> None:
        self._cursor = _async.AsyncCursor(cursor)
        self._keep = keep
        self._sort_key = sort_key
        self._sorted: Optional[List[T]] = None

    def __aiter__(self) -> "AsyncListing[T]":
        return self

    async def __anext__(self) -> T:
        if self._sort_key is not None:
            if self._sorted is None:
                self._sorted = sorted(await self._all(), key=self._sort_key, reverse=True)
            if not self._sorted:
                raise StopAsyncIteration
            return self._sorted.pop()
        return await self._next_kept()

    async def _next_kept(self) -> T:
        while True:
            item: Optional[T] = await self._cursor.next()
            if item is None:
                raise StopAsyncIteration
            if self._keep is None or self._keep(item):
                return item

    async def _all(self) -> List[T]:
        items = []
        try:
            while True:
                items.append(await self._next_kept())
        except StopAsyncIteration:
            return items

    async def to_list(self) -> List[T]:
        """Every (remaining) item, as a list."""
        try:
            return [item async for item in self]
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        """Stops the listing and frees it; later calls do nothing."""
        self._cursor.close()

    async def __aenter__(self) -> "AsyncListing[T]":
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return "<AsyncListing>"
