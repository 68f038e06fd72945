"""Project: buckets and objects of one Storj project."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, List, Mapping, Optional, Union

from . import _native
from .access import Access
from .download import Download
from .module_classes import (Bucket, CustomMetadata, DownloadOptions, ListBucketsOptions,
                             ListObjectsOptions, Object, UploadOptions)
from .upload import Upload

if TYPE_CHECKING:
    from .uplink import Uplink


class Project:
    """An open project. Use it as a context manager, or call ``close()`` when done.

    Uploads, downloads and listings started from a project keep it alive;
    closing the project cancels them.
    """

    def __init__(self, handle: _native.Handle, uplink: Optional["Uplink"] = None) -> None:
        self._handle = handle
        self.uplink = uplink

    def close(self) -> None:
        """Closes the project and frees it; later calls do nothing. Raises StorjException."""
        _native.close_project(self._handle)

    @property
    def closed(self) -> bool:
        """True once closed."""
        return not self._handle.alive

    def __enter__(self) -> "Project":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __reduce__(self) -> Any:
        raise TypeError("a Project cannot be pickled")

    def __repr__(self) -> str:
        return f"<Project {'closed' if self.closed else 'open'}>"

    # buckets

    def ensure_bucket(self, bucket_name: str) -> Bucket:
        """Creates the bucket unless it exists; returns it. Raises StorjException
        (e.g. BucketNameInvalidError)."""
        return _native.bucket_call("uplink_ensure_bucket", self._handle, bucket_name)

    def stat_bucket(self, bucket_name: str) -> Bucket:
        """Returns the bucket; raises BucketNotFoundError when it does not exist."""
        return _native.bucket_call("uplink_stat_bucket", self._handle, bucket_name)

    def create_bucket(self, bucket_name: str) -> Bucket:
        """Creates a bucket and returns it; raises BucketAlreadyExistError when it
        exists (the existing bucket is in the exception's ``bucket`` attribute)."""
        return _native.bucket_call("uplink_create_bucket", self._handle, bucket_name)

    def delete_bucket(self, bucket_name: str) -> Bucket:
        """Deletes an empty bucket and returns it; raises BucketNotEmptyError or
        BucketNotFoundError."""
        return _native.bucket_call("uplink_delete_bucket", self._handle, bucket_name)

    def delete_bucket_with_objects(self, bucket_name: str) -> Bucket:
        """Deletes a bucket and every object in it; returns the bucket.
        Raises BucketNotFoundError."""
        return _native.bucket_call("uplink_delete_bucket_with_objects", self._handle,
                                   bucket_name)

    def iter_buckets(self, list_bucket_options: Optional[ListBucketsOptions] = None
                     ) -> Iterator[Bucket]:
        """Yields the project's buckets one at a time; raises StorjException while iterating."""
        return _native.iter_buckets(self._handle, list_bucket_options)

    def list_buckets(self, list_bucket_options: Optional[ListBucketsOptions] = None
                     ) -> List[Bucket]:
        """Returns the project's buckets as a list; raises StorjException."""
        return list(self.iter_buckets(list_bucket_options))

    # objects

    def stat_object(self, bucket_name: str, storj_path: str) -> Object:
        """Returns the object's metadata; raises ObjectNotFoundError or BucketNotFoundError."""
        return _native.stat_object(self._handle, bucket_name, storj_path)

    def iter_objects(self, bucket_name: str,
                     list_object_options: Optional[ListObjectsOptions] = None
                     ) -> Iterator[Object]:
        """Yields the bucket's objects (and prefixes, unless recursive) one at a time;
        raises StorjException (e.g. BucketNotFoundError) while iterating."""
        return _native.iter_objects(self._handle, bucket_name, list_object_options)

    def list_objects(self, bucket_name: str,
                     list_object_options: Optional[ListObjectsOptions] = None) -> List[Object]:
        """Returns the bucket's objects as a list; raises StorjException."""
        return list(self.iter_objects(bucket_name, list_object_options))

    def delete_object(self, bucket_name: str, storj_path: str) -> Optional[Object]:
        """Deletes an object; returns what was deleted, or None if there was nothing.
        Raises StorjException (e.g. PermissionDeniedError)."""
        return _native.delete_object(self._handle, bucket_name, storj_path)

    def copy_object(self, old_bucket_name: str, old_storj_path: str, new_bucket_name: str,
                    new_storj_path: str) -> Object:
        """Copies an object on the network; returns the copy. Raises ObjectNotFoundError."""
        return _native.copy_object(self._handle, old_bucket_name, old_storj_path,
                                   new_bucket_name, new_storj_path)

    def move_object(self, old_bucket_name: str, old_storj_path: str, new_bucket_name: str,
                    new_storj_path: str) -> None:
        """Moves (renames) an object on the network. Raises ObjectNotFoundError."""
        _native.move_object(self._handle, old_bucket_name, old_storj_path,
                            new_bucket_name, new_storj_path)

    def update_object_metadata(self, bucket_name: str, storj_path: str,
                               custom_metadata: Union[CustomMetadata, Mapping[Any, Any]]) -> None:
        """Replaces the object's custom metadata. Raises ObjectNotFoundError."""
        _native.update_object_metadata(self._handle, bucket_name, storj_path, custom_metadata)

    def upload_object(self, bucket_name: str, storj_path: str,
                      upload_options: Optional[UploadOptions] = None) -> Upload:
        """Starts an upload to bucket_name/storj_path; returns an Upload to write, then commit.
        Raises StorjException."""
        handle = _native.upload_object(self._handle, bucket_name, storj_path, upload_options)
        return Upload(handle, self.uplink, project=self, bucket_name=bucket_name,
                      storj_path=storj_path)

    def download_object(self, bucket_name: str, storj_path: str,
                        download_options: Optional[DownloadOptions] = None) -> Download:
        """Starts a download of bucket_name/storj_path; returns a Download.
        Raises ObjectNotFoundError and other StorjException."""
        handle = _native.download_object(self._handle, bucket_name, storj_path,
                                         download_options)
        return Download(handle, self.uplink, self, bucket_name, storj_path)

    def revoke_access(self, access: Access) -> None:
        """Revokes ``access`` (one shared from this project's grant). Raises StorjException."""
        if not isinstance(access, Access):
            raise TypeError(f"access must be an Access, not {type(access).__name__}")
        _native.revoke_access(self._handle, access._handle)  # pylint: disable=protected-access
