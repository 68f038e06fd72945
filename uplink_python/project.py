"""Project: buckets and objects of one Storj project."""

from __future__ import annotations

import os
from typing import (IO, TYPE_CHECKING, Any, Callable, Iterable, List, Literal, Mapping, Optional,
                    Tuple, Union, overload)

from . import _native, files, listing, transfer
from ._native import calls
from .retry import DEFAULT_RETRY, ONCE, READ, WRITE, RetryPolicy, project_call
from .access import Access
from .download import Download
from .files import ObjectReader, ObjectWriter
from .listing import Listing
from .module_classes import (Bucket, CustomMetadata, DeleteResult, DownloadOptions,
                             ListBucketsOptions, ListObjectsOptions, ListObjectVersionsOptions,
                             ListUploadPartsOptions, ListUploadsOptions, Object,
                             ObjectLockConfiguration, Part, Retention, UploadInfo, UploadOptions,
                             VersionedObject, VersioningState)
from .multipart import PartUpload
from .transfer import TransferConfig
from .upload import Upload

if TYPE_CHECKING:
    import datetime

    from .uplink import Uplink


class Project(_native.HandleOwner):
    """An open project. Use it as a context manager, or call ``close()`` when done.

    Uploads, downloads and listings started from a project keep it alive;
    closing the project cancels them.
    """

    # How calls are retried (uplink_python.retry); set it on a project to change it.
    retry: RetryPolicy = DEFAULT_RETRY

    def __init__(self, handle: _native.Handle, uplink: Optional["Uplink"] = None) -> None:
        self._handle = handle
        self.uplink = uplink

    @property
    def project(self) -> Any:
        """The native handle in the original uplink-python's shape: a ctypes
        pointer to a copy of the C struct (``.contents._handle`` is its id).
        Read-only; raises ClosedError once closed."""
        return self._handle.c_pointer()

    def close(self) -> None:
        """Closes the project and frees it; later calls do nothing. Raises StorjException."""
        self._handle.release(close=calls.close_project)

    def __reduce__(self) -> Any:
        raise TypeError("a Project cannot be pickled")

    def __repr__(self) -> str:
        return f"<Project {'closed' if self.closed else 'open'}>"

    # buckets

    @project_call(READ)
    def ensure_bucket(self, bucket_name: str) -> Bucket:
        """Creates the bucket unless it exists; returns it. Raises StorjException
        (e.g. BucketNameInvalidError)."""
        return calls.ensure_bucket(self._handle, bucket_name)

    @project_call(READ)
    def stat_bucket(self, bucket_name: str) -> Bucket:
        """Returns the bucket; raises BucketNotFoundError when it does not exist."""
        return calls.stat_bucket(self._handle, bucket_name)

    @project_call(WRITE)
    def create_bucket(self, bucket_name: str) -> Bucket:
        """Creates a bucket and returns it; raises BucketAlreadyExistError when it
        exists (the existing bucket is in the exception's ``bucket`` attribute)."""
        return calls.create_bucket(self._handle, bucket_name)

    @project_call(WRITE)
    def delete_bucket(self, bucket_name: str) -> Bucket:
        """Deletes an empty bucket and returns it; raises BucketNotEmptyError or
        BucketNotFoundError."""
        return calls.delete_bucket(self._handle, bucket_name)

    @project_call(WRITE)
    def delete_bucket_with_objects(self, bucket_name: str, *,
                                   bypass_governance_retention: bool = False) -> Bucket:
        """Deletes a bucket and every object in it; returns the bucket. With
        ``bypass_governance_retention``, objects under governance-mode retention go too
        (the access needs that permission). Raises BucketNotFoundError, StorjException."""
        if bypass_governance_retention is not False and bypass_governance_retention is not True:
            raise TypeError("bypass_governance_retention must be a bool")
        row = (calls.delete_bucket_with_objects_bypass_governance_retention
               if bypass_governance_retention else calls.delete_bucket_with_objects)
        return row(self._handle, bucket_name)

    def iter_buckets(self, list_bucket_options: Optional[ListBucketsOptions] = None
                     ) -> Listing[Bucket]:
        """Yields the project's buckets one at a time (a Listing); raises StorjException
        while iterating."""
        return Listing(calls.list_buckets(self._handle, list_bucket_options))

    @project_call(READ)
    def list_buckets(self, list_bucket_options: Optional[ListBucketsOptions] = None
                     ) -> List[Bucket]:
        """Returns the project's buckets as a list; raises StorjException."""
        return list(self.iter_buckets(list_bucket_options))

    # objects

    @project_call(READ)
    def stat_object(self, bucket_name: str, storj_path: str) -> Object:
        """Returns the object's metadata; raises ObjectNotFoundError or BucketNotFoundError."""
        return calls.stat_object(self._handle, bucket_name, storj_path)

    def iter_objects(self, bucket_name: str,
                     list_object_options: Optional[ListObjectsOptions] = None, *,
                     prefix: Optional[str] = None, recursive: Optional[bool] = None,
                     sort: bool = False) -> Listing[Object]:
        """Yields the bucket's objects (and prefixes, unless recursive) one at a time
        (a Listing); raises StorjException (e.g. BucketNotFoundError) while iterating.

        Without ``list_object_options`` the objects come with their system metadata
        (size, times), under ``prefix`` and ``recursive`` when given. Any prefix works,
        not only one ending in "/" (``"logs/2024-"`` keeps the keys starting with it).
        Keys come in the satellite's order, which is not alphabetical (keys are
        stored encrypted); ``sort=True`` sorts them by key, reading the whole
        listing first.
        """
        options, keep, sort_key = listing.object_listing(list_object_options, prefix,
                                                         recursive, sort)
        return Listing(calls.list_objects(self._handle, bucket_name, options), keep, sort_key)

    @project_call(READ)
    def list_objects(self, bucket_name: str,
                     list_object_options: Optional[ListObjectsOptions] = None, *,
                     prefix: Optional[str] = None, recursive: Optional[bool] = None,
                     sort: bool = False) -> List[Object]:
        """Returns the bucket's objects as a list (see iter_objects); raises
        StorjException."""
        return list(self.iter_objects(bucket_name, list_object_options, prefix=prefix,
                                      recursive=recursive, sort=sort))

    @project_call(READ)
    def delete_object(self, bucket_name: str, storj_path: str) -> Optional[Object]:
        """Deletes an object; returns what was deleted, or None if there was nothing.
        Raises StorjException (e.g. PermissionDeniedError)."""
        return calls.delete_object(self._handle, bucket_name, storj_path)

    @project_call(WRITE)
    def copy_object(self, old_bucket_name: str, old_storj_path: str, new_bucket_name: str,
                    new_storj_path: str) -> Object:
        """Copies an object on the network; returns the copy. Raises ObjectNotFoundError."""
        return calls.copy_object(self._handle, old_bucket_name, old_storj_path,
                                   new_bucket_name, new_storj_path)

    @project_call(WRITE)
    def move_object(self, old_bucket_name: str, old_storj_path: str, new_bucket_name: str,
                    new_storj_path: str) -> None:
        """Moves (renames) an object on the network. Raises ObjectNotFoundError."""
        calls.move_object(self._handle, old_bucket_name, old_storj_path,
                            new_bucket_name, new_storj_path)

    @project_call(WRITE)
    def put_object(self, bucket_name: str, key: str, data: Any, *,
                   upload_options: Optional[UploadOptions] = None) -> Object:
        """Stores ``data`` (bytes or any bytes-like object, read in place) as
        bucket_name/key in one native call and returns the stored Object. Nothing is
        stored when it fails. Raises StorjException, TypeError for data that is not
        bytes-like."""
        with _native.readable_buffer(data, None, "data", "size") as (pointer, count):
            return calls.put_object(self._handle, bucket_name, key, pointer, count,
                                    upload_options)

    @project_call(READ)
    def get_object(self, bucket_name: str, key: str, *, offset: int = 0,
                   length: int = -1) -> bytes:
        """Returns the bytes of bucket_name/key from ``offset``, ``length`` of them
        (-1: to the end), read in one native call. Raises ObjectNotFoundError and
        other StorjException."""
        return calls.get_object(self._handle, bucket_name, key, offset, length)

    @project_call(WRITE)
    def update_object_metadata(self, bucket_name: str, storj_path: str,
                               custom_metadata: Union[CustomMetadata, Mapping[Any, Any]]) -> None:
        """Replaces the object's custom metadata. Raises ObjectNotFoundError."""
        calls.update_object_metadata(self._handle, bucket_name, storj_path, custom_metadata)

    @project_call(WRITE)
    def upload_object(self, bucket_name: str, storj_path: str,
                      upload_options: Optional[UploadOptions] = None, *,
                      if_none_match: Optional[str] = None, retention: Optional[Retention] = None,
                      legal_hold: bool = False) -> Upload:
        """Starts an upload to bucket_name/storj_path; returns an Upload to write, then commit.

        Keyword only, beyond the original: ``if_none_match="*"`` makes the commit
        fail with FailedPreconditionError when the key already exists;
        ``retention`` (a Retention) and ``legal_hold`` lock the new object (the
        bucket needs Object Lock). Raises StorjException.
        """
        legal_hold = _native.flag(legal_hold, "legal_hold")
        if if_none_match is None and retention is None and not legal_hold:
            handle = calls.upload_object(self._handle, bucket_name, storj_path, upload_options)
        else:
            handle = calls.upload_object2(self._handle, bucket_name, storj_path,
                                            upload_options, retention, legal_hold, if_none_match)
        return Upload(handle, self.uplink, project=self, bucket_name=bucket_name,
                      storj_path=storj_path)

    @project_call(READ)
    def download_object(self, bucket_name: str, storj_path: str,
                        download_options: Optional[DownloadOptions] = None, *,
                        version: Optional[bytes] = None) -> Download:
        """Starts a download of bucket_name/storj_path (of one ``version`` of it when
        given); returns a Download. Raises ObjectNotFoundError and other StorjException."""
        if version is None:
            handle = calls.download_object(self._handle, bucket_name, storj_path,
                                             download_options)
        else:
            handle = calls.download_object_version(self._handle, bucket_name, storj_path,
                                                     version, download_options)
        return Download(handle, self.uplink, self, bucket_name, storj_path)

    @project_call(ONCE)
    def upload_file(self, bucket_name: str, key: str,
                    source: Union[str, "os.PathLike[str]", IO[bytes]], *,
                    progress: Optional[Callable[[int], Any]] = None,
                    part_size: Optional[int] = None, concurrency: Optional[int] = None,
                    upload_options: Optional[UploadOptions] = None,
                    custom_metadata: Optional[Union[CustomMetadata, Mapping[Any, Any]]] = None,
                    transfer_config: Optional[TransferConfig] = None) -> Object:
        """Uploads a local file (a path, or a binary file object read from its current
        position) to bucket_name/key and returns the stored Object.

        A file larger than the part size is sent as a multipart upload, its parts on
        several threads (needs a seekable source), as ``transfer_config`` (a
        TransferConfig) says; ``part_size`` and ``concurrency`` replace its fields. ``progress(n)`` is called with
        the number of bytes sent since the last call. Nothing is stored when it fails.
        See uplink_python.transfer.
        """
        return transfer.upload_file(self, bucket_name, key, source, progress=progress,
                                    part_size=part_size, concurrency=concurrency,
                                    upload_options=upload_options,
                                    custom_metadata=custom_metadata,
                                    transfer_config=transfer_config)

    @project_call(ONCE)
    def download_file(self, bucket_name: str, key: str,
                      target: Union[str, "os.PathLike[str]", IO[bytes]], *,
                      progress: Optional[Callable[[int], Any]] = None,
                      part_size: Optional[int] = None, concurrency: Optional[int] = None,
                      version: Optional[bytes] = None,
                      transfer_config: Optional[TransferConfig] = None) -> Object:
        """Downloads bucket_name/key into a local file (a path, or a binary file object
        written from its current position) and returns the Object.

        An object larger than the part size is fetched as ranges on several threads
        (needs a seekable target), all of the same version, as ``transfer_config``
        says; ``part_size`` and ``concurrency`` replace its fields. ``progress(n)`` is
        called with the number of bytes received since the last call. A path is
        written under a temporary name and renamed at the end, so it never holds half
        an object. See uplink_python.transfer.
        """
        return transfer.download_file(self, bucket_name, key, target, progress=progress,
                                      part_size=part_size, concurrency=concurrency,
                                      version=version, transfer_config=transfer_config)

    # file objects

    @overload
    def open(self, bucket_name: str, key: str, mode: Literal["rb"] = "rb", *,
             buffer_size: int = ..., version: Optional[bytes] = ...) -> ObjectReader: ...

    @overload
    def open(self, bucket_name: str, key: str, mode: Literal["wb", "xb"], *,
             custom_metadata: Optional[Union[CustomMetadata, Mapping[Any, Any]]] = ...,
             expires: "Union[int, datetime.datetime, None]" = ...,
             part_size: Optional[int] = ..., concurrency: Optional[int] = ...,
             transfer_config: Optional[TransferConfig] = ...) -> ObjectWriter: ...

    def open(self, bucket_name: str, key: str, mode: str = "rb", *,
             buffer_size: int = files.DEFAULT_BUFFER_SIZE, version: Optional[bytes] = None,
             custom_metadata: Optional[Union[CustomMetadata, Mapping[Any, Any]]] = None,
             expires: "Union[int, datetime.datetime, None]" = None,
             part_size: Optional[int] = None, concurrency: Optional[int] = None,
             transfer_config: Optional[TransferConfig] = None
             ) -> Union[ObjectReader, ObjectWriter]:
        """Opens bucket_name/key as a standard binary file object.

        ``"rb"`` returns a seekable ObjectReader (an ``io.BufferedReader`` with
        ``buffer_size`` bytes of buffer) of the latest version, or of ``version``; a
        seek downloads nothing. ``"wb"`` returns an ObjectWriter: the object is
        stored when it is closed, with ``custom_metadata`` and ``expires`` (unix
        seconds or a datetime), and nothing is stored when the ``with`` block
        raises. Writes larger than the part size go out as a multipart upload on
        several threads, as ``transfer_config`` says (``part_size`` and
        ``concurrency`` replace its fields; see uplink_python.files). ``"xb"`` writes as one
        upload that fails at close with FailedPreconditionError if the key exists.
        Raises ObjectNotFoundError ("rb"), StorjException, ValueError for another
        mode.
        """
        return files.open_object(self, bucket_name, key, mode, buffer_size=buffer_size,
                                 version=version, custom_metadata=custom_metadata,
                                 expires=expires, part_size=part_size, concurrency=concurrency,
                                 transfer_config=transfer_config)

    # multipart uploads

    @project_call(WRITE)
    def begin_upload(self, bucket_name: str, key: str,
                     upload_options: Optional[UploadOptions] = None) -> UploadInfo:
        """Starts a multipart upload; returns its UploadInfo (``upload_id``).
        Raises StorjException."""
        return calls.begin_upload(self._handle, bucket_name, key, upload_options)

    def upload_part(self, bucket_name: str, key: str, upload_id: str,
                    part_number: int) -> PartUpload:
        """Starts the upload of part ``part_number`` (parts are assembled in number
        order); returns a PartUpload to write, then commit. Raises StorjException."""
        handle = calls.upload_part(self._handle, bucket_name, key, upload_id, part_number)
        return PartUpload(handle, self, bucket_name, key, upload_id, part_number)

    @project_call(WRITE)
    def commit_upload(self, bucket_name: str, key: str, upload_id: str,
                      custom_metadata: Optional[Union[CustomMetadata, Mapping[Any, Any]]] = None
                      ) -> Object:
        """Assembles the committed parts into the object and returns it.
        Raises StorjException (e.g. ObjectNotFoundError for an unknown upload_id)."""
        return calls.commit_upload(self._handle, bucket_name, key, upload_id, custom_metadata)

    @project_call(WRITE)
    def abort_upload(self, bucket_name: str, key: str, upload_id: str) -> None:
        """Abandons a multipart upload and its parts. Raises StorjException."""
        calls.abort_upload(self._handle, bucket_name, key, upload_id)

    def iter_uploads(self, bucket_name: str,
                     list_uploads_options: Optional[ListUploadsOptions] = None
                     ) -> Listing[UploadInfo]:
        """Yields the bucket's pending multipart uploads (a Listing)."""
        return Listing(calls.list_uploads(self._handle, bucket_name, list_uploads_options))

    @project_call(READ)
    def list_uploads(self, bucket_name: str,
                     list_uploads_options: Optional[ListUploadsOptions] = None
                     ) -> List[UploadInfo]:
        """Returns the bucket's pending multipart uploads as a list; raises StorjException."""
        return list(self.iter_uploads(bucket_name, list_uploads_options))

    def iter_upload_parts(self, bucket_name: str, key: str, upload_id: str,
                          list_upload_parts_options: Optional[ListUploadPartsOptions] = None
                          ) -> Listing[Part]:
        """Yields the committed parts of a multipart upload (a Listing)."""
        return Listing(calls.list_upload_parts(self._handle, bucket_name, key, upload_id,
                                                 list_upload_parts_options))

    iter_parts = iter_upload_parts

    @project_call(READ)
    def list_upload_parts(self, bucket_name: str, key: str, upload_id: str,
                          list_upload_parts_options: Optional[ListUploadPartsOptions] = None
                          ) -> List[Part]:
        """Returns the committed parts of a multipart upload as a list."""
        return list(self.iter_upload_parts(bucket_name, key, upload_id,
                                           list_upload_parts_options))

    # versions

    @project_call(READ)
    def get_bucket_versioning(self, bucket_name: str) -> VersioningState:
        """Returns the bucket's VersioningState. Raises BucketNotFoundError."""
        state: VersioningState = calls.get_bucket_versioning(self._handle, bucket_name)
        return state

    @project_call(WRITE)
    def set_bucket_versioning(self, bucket_name: str, enabled: bool) -> None:
        """Enables versioning of a bucket (True), or suspends it (False).
        Raises StorjException."""
        calls.set_bucket_versioning(self._handle, bucket_name, enabled)

    @project_call(READ)
    def stat_object_version(self, bucket_name: str, key: str,
                            version: Optional[bytes] = None) -> VersionedObject:
        """Returns one version of an object (the latest when ``version`` is None).
        Raises ObjectNotFoundError."""
        return calls.stat_object_version(self._handle, bucket_name, key, version)

    @project_call(WRITE)
    def delete_object_version(self, bucket_name: str, key: str,
                              version: Optional[bytes] = None, *,
                              bypass_governance_retention: bool = False
                              ) -> Optional[VersionedObject]:
        """Deletes one version of an object and returns it (None when nothing was
        deleted). Without ``version``, a versioned bucket gets a delete marker
        (returned). Raises ObjectProtectedError when retention or a legal hold
        protects the version."""
        return calls.delete_object_version(self._handle, bucket_name, key, version,
                                             bypass_governance_retention)

    def iter_object_versions(self, bucket_name: str,
                             list_object_versions_options:
                             Optional[ListObjectVersionsOptions] = None
                             ) -> Listing[VersionedObject]:
        """Yields every version of the bucket's objects, newest first per key (a Listing)."""
        return Listing(calls.list_object_versions(self._handle, bucket_name,
                                                    list_object_versions_options))

    @project_call(READ)
    def list_object_versions(self, bucket_name: str,
                             list_object_versions_options:
                             Optional[ListObjectVersionsOptions] = None
                             ) -> List[VersionedObject]:
        """Returns every version of the bucket's objects as a list."""
        return list(self.iter_object_versions(bucket_name, list_object_versions_options))

    # Object Lock

    @project_call(WRITE)
    def create_bucket_with_object_lock(self, bucket_name: str,
                                       object_lock_enabled: bool = True) -> Bucket:
        """Creates a bucket with Object Lock (and so versioning) enabled.
        Raises BucketAlreadyExistError and other StorjException."""
        return calls.create_bucket_with_object_lock(self._handle, bucket_name,
                                                      object_lock_enabled)

    @project_call(READ)
    def get_bucket_object_lock_configuration(self, bucket_name: str) -> ObjectLockConfiguration:
        """Returns the bucket's ObjectLockConfiguration. Raises
        ObjectLockNotAvailableError when the bucket has no Object Lock."""
        return calls.get_bucket_object_lock_configuration(self._handle, bucket_name)

    @project_call(WRITE)
    def set_bucket_object_lock_configuration(self, bucket_name: str,
                                             configuration: ObjectLockConfiguration) -> None:
        """Sets the bucket's Object Lock configuration (e.g. a default retention).
        Raises StorjException."""
        calls.set_bucket_object_lock_configuration(self._handle, bucket_name, configuration)

    @project_call(WRITE)
    def set_object_retention(self, bucket_name: str, key: str,
                             retention: Optional[Retention], *,
                             version: Optional[bytes] = None,
                             bypass_governance_retention: bool = False) -> None:
        """Sets the retention of an object version (the latest when ``version`` is None);
        None removes it. Shortening or removing a GOVERNANCE retention needs
        ``bypass_governance_retention``. Raises ObjectProtectedError, StorjException."""
        calls.set_object_retention(self._handle, bucket_name, key, version, retention,
                                     bypass_governance_retention)

    @project_call(READ)
    def get_object_retention(self, bucket_name: str, key: str, *,
                             version: Optional[bytes] = None) -> Optional[Retention]:
        """Returns the retention of an object version (None when it has none)."""
        return calls.get_object_retention(self._handle, bucket_name, key, version)

    @project_call(WRITE)
    def set_object_legal_hold(self, bucket_name: str, key: str, enabled: bool, *,
                              version: Optional[bytes] = None) -> None:
        """Places (True) or removes (False) a legal hold on an object version; a held
        version cannot be deleted. Raises StorjException."""
        calls.set_object_legal_hold(self._handle, bucket_name, key, version, enabled)

    @project_call(READ)
    def get_object_legal_hold(self, bucket_name: str, key: str, *,
                              version: Optional[bytes] = None) -> bool:
        """Returns whether a legal hold is placed on an object version."""
        return calls.get_object_legal_hold(self._handle, bucket_name, key, version)

    # bulk delete

    @project_call(WRITE)
    def delete_objects(self, bucket_name: str,
                       keys_or_items: Iterable[Union[str, Object, Tuple[str, Optional[bytes]]]],
                       bypass_governance_retention: bool = False,
                       quiet: bool = False) -> List[DeleteResult]:
        """Deletes many objects of one bucket; returns one DeleteResult per item.

        Items are keys (the latest version), ``(key, version)`` pairs, or Objects
        (a VersionedObject names its version). Missing keys are reported with
        status NOT_FOUND, protected ones LOCKED, rather than raised. With ``quiet``
        the satellite may leave successful items out. Sent in requests of at most
        1000 items and 1 MiB of keys. Raises StorjException for a request as a
        whole, ValueError for a key longer than MAX_KEY_BYTES.
        """
        self._handle.check()  # fail when closed
        items = _delete_items(keys_or_items)
        results: List[DeleteResult] = []
        for start in range(0, len(items), DELETE_OBJECTS_MAX_ITEMS):
            results += calls.delete_objects(
                self._handle, bucket_name, items[start:start + DELETE_OBJECTS_MAX_ITEMS],
                bypass_governance_retention, quiet)
        return results

    @project_call(WRITE)
    def revoke_access(self, access: Access) -> None:
        """Revokes ``access`` (one shared from this project's grant). Raises StorjException."""
        if not isinstance(access, Access):
            raise TypeError(f"access must be an Access, not {type(access).__name__}")
        calls.revoke_access(self._handle, access._handle)  # pylint: disable=protected-access


# The satellite takes at most this many items in one delete_objects request.
DELETE_OBJECTS_MAX_ITEMS = 1000


def _delete_items(keys_or_items: Any) -> List[Tuple[str, Optional[bytes]]]:
    if isinstance(keys_or_items, (str, bytes)):
        raise TypeError("keys_or_items must be a list of keys, not a string")
    try:
        iterator = iter(keys_or_items)
    except TypeError:
        raise TypeError("keys_or_items must be a list of keys, (key, version) pairs or "
                        f"Objects, not {type(keys_or_items).__name__}") from None
    items: List[Tuple[str, Optional[bytes]]] = []
    for index, item in enumerate(iterator):
        if isinstance(item, str):
            items.append((item, None))
        elif isinstance(item, VersionedObject):
            items.append((item.key, item.version))
        elif isinstance(item, Object):
            items.append((item.key, None))
        elif isinstance(item, tuple) and len(item) == 2:
            items.append((item[0], item[1]))
        else:
            raise TypeError(f"keys_or_items[{index}] must be a key, a (key, version) pair "
                            f"or an Object, not {type(item).__name__}")
    return items
