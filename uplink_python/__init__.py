"""uplink_python: Python binding for Storj, the decentralized encrypted cloud storage.

Start with ``Uplink().request_access_with_passphrase(...)`` or
``Uplink().parse_access(...)``, open a Project from the Access, and upload and
download objects. Errors are StorjException subclasses (uplink_python.errors).

The native library (libuplinkc, Go) is loaded on first use. The Go runtime does
not survive fork(): with multiprocessing use the 'spawn' start method.
"""

from .access import Access, EncryptionKey
from .download import Download
from .errors import (BucketAlreadyExistError, BucketNotEmptyError, BucketNotFoundError,
                     ClosedError, ForkError, LibUplinkSoError, ObjectNotFoundError,
                     PermissionDeniedError, StorjException)
from .module_classes import (Bucket, Config, CustomMetadata, CustomMetadataEntry,
                             DownloadOptions, ListBucketsOptions, ListObjectsOptions, Object,
                             Permission, SharePrefix, SystemMetadata, UploadOptions)
from .project import Project
from .upload import Upload
from .uplink import Uplink

__version__ = "2.0.0"

__all__ = [
    "Access", "Bucket", "BucketAlreadyExistError", "BucketNotEmptyError", "BucketNotFoundError",
    "ClosedError", "Config", "CustomMetadata", "CustomMetadataEntry", "Download",
    "DownloadOptions", "EncryptionKey", "ForkError", "LibUplinkSoError", "ListBucketsOptions",
    "ListObjectsOptions", "Object", "ObjectNotFoundError", "Permission",
    "PermissionDeniedError", "Project", "SharePrefix", "StorjException", "SystemMetadata",
    "Upload", "UploadOptions", "Uplink", "__version__",
]
