"""PartUpload: one part of a multipart upload (Project.begin_upload / upload_part)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Union

from . import _native
from ._native import calls
from .module_classes import Part
from .upload import UploadStream

if TYPE_CHECKING:
    from .project import Project

# Every part but the last must be at least this large (a satellite limit).
MIN_PART_SIZE = 5 * 1024 * 1024


class PartUpload(UploadStream):
    """The upload of one part, from Project.upload_part.

    Write the part's data (zero-copy, like Upload.write), optionally
    ``set_etag()``, then ``commit()``. As a context manager it commits on a
    clean exit and aborts on an exception. Every part but the last must be at
    least 5 MiB (MIN_PART_SIZE). Parts of one upload may be uploaded from
    several threads at once.
    """

    _WHAT = "part upload"
    _WRITE, _COMMIT, _ABORT = (calls.part_upload_write, calls.part_upload_commit,
                               calls.part_upload_abort)

    def __init__(self, handle: _native.Handle, project: Optional["Project"] = None,
                 bucket_name: str = "", key: str = "", upload_id: str = "",
                 part_number: int = 0) -> None:
        super().__init__(handle)
        self.project = project
        self.bucket_name = bucket_name
        self.key = key
        self.upload_id = upload_id
        self.part_number = part_number

    def set_etag(self, etag: Union[str, bytes]) -> None:
        """Sets the part's ETag (stored with it, returned by info() and list_upload_parts).
        Raises StorjException, TypeError/ValueError for a bad etag."""
        calls.part_upload_set_etag(self._handle, etag)

    def info(self) -> Part:
        """Returns the part as uploaded so far. Raises StorjException."""
        return calls.part_upload_info(self._handle)

    def __repr__(self) -> str:
        return (f"<PartUpload {self.bucket_name}/{self.key} part {self.part_number} "
                f"{self._state()}>")
