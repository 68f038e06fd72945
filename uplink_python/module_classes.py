"""Plain value classes passed to and returned by uplink_python calls.

They hold Python data only; the native layer converts them to and from the C
structs. Each class keeps the constructor arguments and ``get_dict()`` of the
original uplink-python.
"""

from __future__ import annotations

import datetime
import enum
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

Text = Union[str, bytes]


def _as_bytes(value: Text, what: str) -> bytes:
    if isinstance(value, str):
        try:
            return str.encode(value, "utf-8", "surrogateescape")
        except UnicodeEncodeError as exc:
            position = exc.start  # the exception holds the whole text: do not chain it
        raise ValueError(f"{what} is not valid text: it holds a lone surrogate "
                         f"(U+{ord(value[position]):04X}) at index {position}")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"{what} must be str or bytes, not {type(value).__name__}")


class _Value:
    """Equality, repr and get_dict from the attributes listed in ``_FIELDS``.

    ``_OPTIONAL_FIELDS`` are (name, default) pairs of attributes beyond the
    original uplink-python ones: they take part in equality, and show in
    ``repr()`` and ``get_dict()`` only when they differ from their default, so
    that values built the original way look exactly as they used to.
    """

    _FIELDS: Tuple[str, ...] = ()
    _OPTIONAL_FIELDS: Tuple[Tuple[str, Any], ...] = ()

    def _shown(self) -> List[str]:
        names = list(self._FIELDS)
        names += [name for name, default in self._OPTIONAL_FIELDS
                  if getattr(self, name) != default]
        return names

    def get_dict(self) -> Dict[str, Any]:
        """Returns the attributes as a dictionary."""
        return {name: getattr(self, name) for name in self._shown()}

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        names = list(self._FIELDS) + [name for name, _ in self._OPTIONAL_FIELDS]
        return all(getattr(self, n) == getattr(other, n) for n in names)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        args = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._shown())
        return f"{type(self).__name__}({args})"


class Config(_Value):
    """Settings for requesting an access or opening a project.

    The bounds, in milliseconds (0 uses the default, a negative value
    disables the bound); a call that runs out of time raises StorjTimeoutError:

    * ``dial_timeout_milliseconds`` (default 10 s): opening a connection, up to
      the peer's first answer.
    * ``request_timeout_milliseconds`` (keyword only, default 30 s): one
      satellite request, the library's retries included.
    * ``stall_timeout_milliseconds`` (keyword only, default 60 s): a download
      read, upload write or commit during which the project's connections
      move no byte.

    ``temp_directory`` is where uploads may buffer data ("inmemory" keeps it
    in memory).
    """

    _FIELDS = ("user_agent", "dial_timeout_milliseconds", "temp_directory")
    _OPTIONAL_FIELDS = (("request_timeout_milliseconds", 0), ("stall_timeout_milliseconds", 0))

    def __init__(self, user_agent: str = "", dial_timeout_milliseconds: int = 0,
                 temp_directory: str = "", *, request_timeout_milliseconds: int = 0,
                 stall_timeout_milliseconds: int = 0) -> None:
        self.user_agent = user_agent
        self.dial_timeout_milliseconds = dial_timeout_milliseconds
        self.temp_directory = temp_directory
        self.request_timeout_milliseconds = request_timeout_milliseconds
        self.stall_timeout_milliseconds = stall_timeout_milliseconds


# The granular Object Lock permissions that ``allow_lock`` switches together.
LOCK_PERMISSIONS = ("allow_put_object_retention", "allow_get_object_retention",
                    "allow_put_object_legal_hold", "allow_get_object_legal_hold",
                    "allow_put_bucket_object_lock_configuration",
                    "allow_get_bucket_object_lock_configuration")


class Permission(_Value):
    """What a shared access may do.

    ``not_before``/``not_after`` are unix seconds (or ``datetime``), 0 for no
    bound. Beyond the original arguments (keyword only):

    * ``max_object_ttl``: the longest lifetime of objects uploaded with the
      shared access, in seconds or as a ``timedelta``; None for no limit.
      Uploads without an expiry (or a later one) get ``now + max_object_ttl``.
    * ``allow_lock``: all the Object Lock permissions below except
      ``allow_bypass_governance_retention``; each can also be set alone.
    """

    _FIELDS = ("allow_download", "allow_upload", "allow_list", "allow_delete",
               "not_before", "not_after")
    _OPTIONAL_FIELDS = tuple((name, False) for name in LOCK_PERMISSIONS) + (
        ("allow_bypass_governance_retention", False), ("max_object_ttl", None))

    def __init__(self, allow_download: bool = False, allow_upload: bool = False,
                 allow_list: bool = False, allow_delete: bool = False,
                 not_before: Union[int, datetime.datetime] = 0,
                 not_after: Union[int, datetime.datetime] = 0, *,
                 max_object_ttl: Optional[Union[int, float, datetime.timedelta]] = None,
                 allow_lock: bool = False,
                 allow_put_object_retention: bool = False,
                 allow_get_object_retention: bool = False,
                 allow_put_object_legal_hold: bool = False,
                 allow_get_object_legal_hold: bool = False,
                 allow_put_bucket_object_lock_configuration: bool = False,
                 allow_get_bucket_object_lock_configuration: bool = False,
                 allow_bypass_governance_retention: bool = False) -> None:
        self.allow_download = allow_download
        self.allow_upload = allow_upload
        self.allow_list = allow_list
        self.allow_delete = allow_delete
        self.not_before = not_before
        self.not_after = not_after
        self.max_object_ttl = max_object_ttl
        self.allow_put_object_retention = allow_put_object_retention or allow_lock
        self.allow_get_object_retention = allow_get_object_retention or allow_lock
        self.allow_put_object_legal_hold = allow_put_object_legal_hold or allow_lock
        self.allow_get_object_legal_hold = allow_get_object_legal_hold or allow_lock
        self.allow_put_bucket_object_lock_configuration = (
            allow_put_bucket_object_lock_configuration or allow_lock)
        self.allow_get_bucket_object_lock_configuration = (
            allow_get_bucket_object_lock_configuration or allow_lock)
        self.allow_bypass_governance_retention = allow_bypass_governance_retention

    @property
    def allow_lock(self) -> bool:
        """True when every Object Lock permission of ``LOCK_PERMISSIONS`` is granted;
        setting it grants (or withdraws) them all."""
        return all(getattr(self, name) for name in LOCK_PERMISSIONS)

    @allow_lock.setter
    def allow_lock(self, value: bool) -> None:
        for name in LOCK_PERMISSIONS:
            setattr(self, name, bool(value))

    @property
    def extended(self) -> bool:
        """True when the permission uses anything beyond uplink-c's Permission."""
        return any(getattr(self, name) != default for name, default in self._OPTIONAL_FIELDS)


class SharePrefix(_Value):
    """A bucket, and optionally a key prefix inside it ("" for the whole bucket), to share."""

    _FIELDS = ("bucket", "prefix")

    def __init__(self, bucket: str = "", prefix: str = "") -> None:
        self.bucket = bucket
        self.prefix = prefix


class Bucket(_Value):
    """A bucket: its ``name`` and ``created`` time in unix seconds."""

    _FIELDS = ("name", "created")

    def __init__(self, name: str = "", created: int = 0) -> None:
        self.name = name
        self.created = created


class SystemMetadata(_Value):
    """Metadata kept by the satellite: unix times (0 when unset) and the size in bytes."""

    _FIELDS = ("created", "expires", "content_length")

    def __init__(self, created: int = 0, expires: int = 0, content_length: int = 0) -> None:
        self.created = created
        self.expires = expires
        self.content_length = content_length


class CustomMetadataEntry(_Value):
    """One user metadata key/value pair; str or bytes, binary safe.

    The lengths are always computed from the UTF-8 encoded data:
    ``key_length``/``value_length`` are accepted for compatibility and ignored.
    """

    _FIELDS = ("key", "key_length", "value", "value_length")

    def __init__(self, key: Text = "", key_length: int = 0, value: Text = "",
                 value_length: int = 0) -> None:
        # pylint: disable=unused-argument
        _as_bytes(key, "CustomMetadataEntry.key")
        _as_bytes(value, "CustomMetadataEntry.value")
        self.key = key
        self.value = value

    @property
    def key_bytes(self) -> bytes:
        """The key as bytes."""
        return _as_bytes(self.key, "CustomMetadataEntry.key")

    @property
    def value_bytes(self) -> bytes:
        """The value as bytes."""
        return _as_bytes(self.value, "CustomMetadataEntry.value")

    @property
    def key_length(self) -> int:
        """Length of the encoded key in bytes."""
        return len(self.key_bytes)

    @property
    def value_length(self) -> int:
        """Length of the encoded value in bytes."""
        return len(self.value_bytes)


class CustomMetadata(_Value):
    """User metadata of an object: a list of CustomMetadataEntry.

    ``count`` is accepted for compatibility; it always equals ``len(entries)``.
    """

    _FIELDS = ("entries", "count")

    def __init__(self, entries: Optional[Iterable[CustomMetadataEntry]] = None,
                 count: int = 0) -> None:
        # pylint: disable=unused-argument
        try:
            iterator = iter(entries or [])
        except TypeError:
            raise TypeError("entries must be a list of CustomMetadataEntry, "
                            f"not {type(entries).__name__}") from None
        self.entries: List[CustomMetadataEntry] = list(iterator)

    @classmethod
    def from_dict(cls, mapping: Mapping[Text, Text]) -> "CustomMetadata":
        """Returns the metadata holding the pairs of ``mapping``."""
        return cls([CustomMetadataEntry(key=k, value=v) for k, v in mapping.items()])

    def to_dict(self) -> Dict[Text, Text]:
        """Returns the entries as a ``{key: value}`` dictionary."""
        return {entry.key: entry.value for entry in self.entries}

    @property
    def count(self) -> int:
        """Number of entries."""
        return len(self.entries)

    def get_dict(self) -> Dict[str, Any]:
        return {"entries": [entry.get_dict() for entry in self.entries], "count": self.count}


class Object(_Value):
    """An object (or, with ``is_prefix``, a prefix) as listed or stat'ed."""

    _FIELDS: Tuple[str, ...] = ("key", "is_prefix", "system", "custom")

    def __init__(self, key: str = "", is_prefix: bool = False,
                 system: Optional[SystemMetadata] = None,
                 custom: Optional[CustomMetadata] = None) -> None:
        self.key = key
        self.is_prefix = is_prefix
        self.system = system if system is not None else SystemMetadata()
        self.custom = custom if custom is not None else CustomMetadata()

    def get_dict(self) -> Dict[str, Any]:
        return {"key": self.key, "is_prefix": self.is_prefix,
                "system": self.system.get_dict(), "custom": self.custom.get_dict()}


class ListObjectsOptions(_Value):
    """Options of list_objects: key ``prefix`` (ending in "/"), ``cursor`` to start after,
    ``recursive`` listing, and whether to fetch ``system`` and ``custom`` metadata."""

    _FIELDS = ("prefix", "cursor", "recursive", "system", "custom")

    def __init__(self, prefix: str = "", cursor: str = "", recursive: bool = False,
                 system: bool = False, custom: bool = False) -> None:
        self.prefix = prefix
        self.cursor = cursor
        self.recursive = recursive
        self.system = system
        self.custom = custom


class ListBucketsOptions(_Value):
    """Options of list_buckets: ``cursor`` is the bucket name to start after."""

    _FIELDS = ("cursor",)

    def __init__(self, cursor: str = "") -> None:
        self.cursor = cursor


class UploadOptions(_Value):
    """Options of upload_object: ``expires`` in unix seconds (or a ``datetime``), 0 for never."""

    _FIELDS = ("expires",)

    def __init__(self, expires: Union[int, datetime.datetime] = 0) -> None:
        self.expires = expires


class DownloadOptions(_Value):
    """Options of download_object: byte ``offset`` (negative counts from the end)
    and ``length`` (negative reads to the end)."""

    _FIELDS = ("offset", "length")

    def __init__(self, offset: int = 0, length: int = -1) -> None:
        self.offset = offset
        self.length = length


# ---------------------------------------------------------------------------
# Beyond the original API: versions, Object Lock, multipart, bulk delete, edge.

class RetentionMode(enum.IntEnum):
    """Object Lock retention modes.

    GOVERNANCE can be lifted early by an access allowed to bypass it;
    COMPLIANCE cannot be shortened or removed by anyone until it ends.
    """

    NONE = 0
    COMPLIANCE = 1
    GOVERNANCE = 2


class VersioningState(enum.IntEnum):
    """Versioning state of a bucket, as the satellite reports it."""

    UNSUPPORTED = 0
    UNVERSIONED = 1
    ENABLED = 2
    SUSPENDED = 3


class DeleteStatus(enum.IntEnum):
    """Outcome of one item of Project.delete_objects."""

    INTERNAL_ERROR = 0
    UNAUTHORIZED = 1
    NOT_FOUND = 2
    OK = 3
    LOCKED = 4


def _utc(value: Union[int, float, datetime.datetime], what: str) -> datetime.datetime:
    if not isinstance(value, datetime.datetime) and (
            isinstance(value, bool) or not isinstance(value, (int, float))):
        raise TypeError(f"{what} must be a datetime or unix seconds, not {type(value).__name__}")
    try:
        if isinstance(value, datetime.datetime):
            if value.tzinfo is None:
                value = value.astimezone()  # a naive datetime is local time, as for timestamp()
            return value.astimezone(datetime.timezone.utc)
        return datetime.datetime.fromtimestamp(value, datetime.timezone.utc)
    except (OverflowError, OSError, ValueError) as exc:
        reason = str(exc)
    raise ValueError(f"{what} is out of range ({value!r}): {reason}")


class Retention(_Value):
    """An Object Lock retention: ``mode`` (RetentionMode) until ``retain_until``.

    ``retain_until`` is kept as a UTC ``datetime``; unix seconds are accepted.
    """

    _FIELDS = ("mode", "retain_until")

    def __init__(self, mode: Union[RetentionMode, int],
                 retain_until: Union[int, float, datetime.datetime]) -> None:
        self.mode = RetentionMode(mode)
        self.retain_until = _utc(retain_until, "retain_until")


class ObjectLockConfiguration(_Value):
    """A bucket's Object Lock configuration.

    ``default_retention_mode`` (RetentionMode.NONE for no default) applies to
    new objects for ``default_retention_days`` or ``default_retention_years``
    (at most one of the two is non-zero).
    """

    _FIELDS = ("enabled", "default_retention_mode", "default_retention_days",
               "default_retention_years")

    def __init__(self, enabled: bool = True,
                 default_retention_mode: Union[RetentionMode, int] = RetentionMode.NONE,
                 default_retention_days: int = 0, default_retention_years: int = 0) -> None:
        self.enabled = enabled
        self.default_retention_mode = RetentionMode(default_retention_mode)
        self.default_retention_days = default_retention_days
        self.default_retention_years = default_retention_years


class VersionedObject(Object):
    """An Object together with its version and Object Lock state.

    ``version`` is the opaque version id (bytes; None when the library gave
    none), ``legal_hold`` None when unknown (it is only reported by some
    calls), ``retention`` None when the object has none.
    """

    _FIELDS = Object._FIELDS + ("version", "is_versioned", "is_delete_marker", "is_latest",
                                "legal_hold", "retention")

    def __init__(self, key: str = "", is_prefix: bool = False,
                 system: Optional[SystemMetadata] = None,
                 custom: Optional[CustomMetadata] = None, version: Optional[bytes] = None,
                 is_versioned: bool = False, is_delete_marker: bool = False,
                 is_latest: bool = False, legal_hold: Optional[bool] = None,
                 retention: Optional[Retention] = None) -> None:
        super().__init__(key, is_prefix, system, custom)
        self.version = version
        self.is_versioned = is_versioned
        self.is_delete_marker = is_delete_marker
        self.is_latest = is_latest
        self.legal_hold = legal_hold
        self.retention = retention

    def get_dict(self) -> Dict[str, Any]:
        result = super().get_dict()
        result.update(version=self.version, is_versioned=self.is_versioned,
                      is_delete_marker=self.is_delete_marker, is_latest=self.is_latest,
                      legal_hold=self.legal_hold,
                      retention=self.retention.get_dict() if self.retention else None)
        return result


class ListObjectVersionsOptions(_Value):
    """Options of list_object_versions: like ListObjectsOptions, plus
    ``version_cursor`` (bytes) to start after that version of ``cursor``."""

    _FIELDS = ("prefix", "cursor", "version_cursor", "recursive", "system", "custom")

    def __init__(self, prefix: str = "", cursor: str = "",
                 version_cursor: Optional[bytes] = None, recursive: bool = False,
                 system: bool = False, custom: bool = False) -> None:
        self.prefix = prefix
        self.cursor = cursor
        self.version_cursor = version_cursor
        self.recursive = recursive
        self.system = system
        self.custom = custom


class UploadInfo(_Value):
    """A pending multipart upload: its ``upload_id`` and the object it will create."""

    _FIELDS = ("upload_id", "key", "is_prefix", "system", "custom")

    def __init__(self, upload_id: str = "", key: str = "", is_prefix: bool = False,
                 system: Optional[SystemMetadata] = None,
                 custom: Optional[CustomMetadata] = None) -> None:
        self.upload_id = upload_id
        self.key = key
        self.is_prefix = is_prefix
        self.system = system if system is not None else SystemMetadata()
        self.custom = custom if custom is not None else CustomMetadata()

    def get_dict(self) -> Dict[str, Any]:
        return {"upload_id": self.upload_id, "key": self.key, "is_prefix": self.is_prefix,
                "system": self.system.get_dict(), "custom": self.custom.get_dict()}


class Part(_Value):
    """One uploaded part of a multipart upload: number, size in bytes, modification
    time (unix seconds) and ETag (bytes, empty when none was set)."""

    _FIELDS = ("part_number", "size", "modified", "etag")

    def __init__(self, part_number: int = 0, size: int = 0, modified: int = 0,
                 etag: bytes = b"") -> None:
        self.part_number = part_number
        self.size = size
        self.modified = modified
        self.etag = etag


class ListUploadsOptions(ListObjectsOptions):
    """Options of list_uploads; the same fields as ListObjectsOptions."""


class ListUploadPartsOptions(_Value):
    """Options of list_upload_parts: ``cursor`` is the part number to start after."""

    _FIELDS = ("cursor",)

    def __init__(self, cursor: int = 0) -> None:
        self.cursor = cursor


class DeleteResult(_Value):
    """The outcome of one item of Project.delete_objects.

    ``status`` is a DeleteStatus; ``removed_version`` is set when a version was
    removed, ``marker_version`` when a delete marker was inserted instead (a
    versioned bucket).
    """

    _FIELDS = ("key", "requested_version", "status", "removed", "removed_version",
               "marker_inserted", "marker_version")

    def __init__(self, key: str = "", requested_version: Optional[bytes] = None,
                 status: Union[DeleteStatus, int] = DeleteStatus.OK, removed: bool = False,
                 removed_version: Optional[bytes] = None, marker_inserted: bool = False,
                 marker_version: Optional[bytes] = None) -> None:
        self.key = key
        self.requested_version = requested_version
        self.status = status
        self.removed = removed
        self.removed_version = removed_version
        self.marker_inserted = marker_inserted
        self.marker_version = marker_version

    @property
    def ok(self) -> bool:
        """True when the item was deleted."""
        return self.status == DeleteStatus.OK


class EdgeConfig(_Value):
    """How to reach a Storj edge auth service.

    ``auth_service_address`` is ``host:port`` (e.g. ``auth.storjshare.io:7777``);
    ``certificate_pem`` a PEM certificate to trust instead of the system's;
    ``insecure_unencrypted_connection`` skips TLS (only for local test services).

    The bounds of a registration, in milliseconds (keyword only; 0 uses the
    default, a negative value disables the bound); one that runs out raises
    StorjTimeoutError:

    * ``dial_timeout_milliseconds`` (default 20 s): connecting, up to the
      service's first answer (its TLS handshake, or its reply without TLS).
    * ``request_timeout_milliseconds`` (default 2 minutes): the whole
      registration, connecting included.
    """

    _FIELDS = ("auth_service_address", "certificate_pem", "insecure_unencrypted_connection")
    _OPTIONAL_FIELDS = (("dial_timeout_milliseconds", 0), ("request_timeout_milliseconds", 0))

    def __init__(self, auth_service_address: str, certificate_pem: Optional[str] = None,
                 insecure_unencrypted_connection: bool = False, *,
                 dial_timeout_milliseconds: int = 0,
                 request_timeout_milliseconds: int = 0) -> None:
        self.auth_service_address = auth_service_address
        self.certificate_pem = certificate_pem
        self.insecure_unencrypted_connection = insecure_unencrypted_connection
        self.dial_timeout_milliseconds = dial_timeout_milliseconds
        self.request_timeout_milliseconds = request_timeout_milliseconds


class EdgeCredentials(_Value):
    """S3 credentials from an edge auth service: ``access_key_id``, ``secret_key``
    and the gateway ``endpoint``. ``repr()`` never shows the secret key."""

    _FIELDS = ("access_key_id", "secret_key", "endpoint")

    def __init__(self, access_key_id: str = "", secret_key: str = "", endpoint: str = "") -> None:
        self.access_key_id = access_key_id
        self.secret_key = secret_key
        self.endpoint = endpoint

    def __repr__(self) -> str:
        return (f"EdgeCredentials(access_key_id={self.access_key_id!r}, secret_key=<redacted>, "
                f"endpoint={self.endpoint!r})")

