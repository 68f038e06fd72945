"""uplink_python: Python binding for Storj, the decentralized encrypted cloud storage.

Start with ``Uplink().request_access_with_passphrase(...)`` or
``Uplink().parse_access(...)``, open a Project from the Access, and upload and
download objects. Errors are StorjException subclasses (uplink_python.errors).

The native library (libuplinkc, Go) is loaded on first use. The Go runtime does
not survive fork(): with multiprocessing use the 'spawn' start method.
"""

import logging as _logging

from .access import Access, EncryptionKey
from .credentials import default_access
from .download import Download
from .errors import (BucketAlreadyExistError, BucketNotEmptyError, BucketNotFoundError,
                     CancelledError, ClosedError, FailedPreconditionError, ForkError,
                     LibUplinkSoError, NoAccessError, ObjectNotFoundError, ObjectProtectedError,
                     PermissionDeniedError, StorjException)
from .listing import Listing
from .module_classes import (Bucket, Config, CustomMetadata, CustomMetadataEntry, DeleteResult,
                             DeleteStatus, DownloadOptions, EdgeConfig, EdgeCredentials,
                             ListBucketsOptions, ListObjectsOptions, ListObjectVersionsOptions,
                             ListUploadPartsOptions, ListUploadsOptions, Object,
                             ObjectLockConfiguration, Part, Permission, Retention, RetentionMode,
                             SharePrefix, SystemMetadata, UploadInfo, UploadOptions,
                             VersionedObject, VersioningState)
from .multipart import PartUpload
from .project import Project
from .retry import NO_RETRY, RetryPolicy
from .transfer import TransferConfig
from .upload import Upload
from .uplink import Uplink

__version__ = "2.0.0"

# The library's logger stays silent unless the application configures logging.
_logging.getLogger("uplink_python").addHandler(_logging.NullHandler())

__all__ = [
    "Access", "Bucket", "BucketAlreadyExistError", "BucketNotEmptyError", "BucketNotFoundError",
    "CancelledError", "ClosedError", "Config", "CustomMetadata", "CustomMetadataEntry",
    "DeleteResult", "DeleteStatus", "Download", "DownloadOptions", "EdgeConfig",
    "EdgeCredentials", "EncryptionKey", "FailedPreconditionError", "ForkError",
    "LibUplinkSoError", "ListBucketsOptions", "ListObjectVersionsOptions", "ListObjectsOptions",
    "ListUploadPartsOptions", "ListUploadsOptions", "Listing", "NoAccessError", "Object",
    "ObjectLockConfiguration", "ObjectNotFoundError", "ObjectProtectedError", "Part",
    "NO_RETRY", "PartUpload", "Permission", "PermissionDeniedError", "Project", "Retention",
    "RetentionMode", "RetryPolicy",
    "SharePrefix", "StorjException", "SystemMetadata", "TransferConfig", "Upload", "UploadInfo",
    "UploadOptions",
    "Uplink", "VersionedObject", "VersioningState", "__version__", "default_access",
]
