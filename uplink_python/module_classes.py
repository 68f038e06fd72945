"""Plain value classes passed to and returned by uplink_python calls.

They hold Python data only; the native layer converts them to and from the C
structs. Each class keeps the constructor arguments and ``get_dict()`` of the
original uplink-python.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

Text = Union[str, bytes]


def _as_bytes(value: Text, what: str) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"{what} must be str or bytes, not {type(value).__name__}")


class _Value:
    """Equality, repr and get_dict from the attributes listed in ``_FIELDS``."""

    _FIELDS: Tuple[str, ...] = ()

    def get_dict(self) -> Dict[str, Any]:
        """Returns the attributes as a dictionary."""
        return {name: getattr(self, name) for name in self._FIELDS}

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self._FIELDS)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        args = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._FIELDS)
        return f"{type(self).__name__}({args})"


class Config(_Value):
    """Settings for requesting an access or opening a project.

    ``dial_timeout_milliseconds``: 0 uses the library default (10 s), a
    negative value disables the timeout. ``temp_directory`` is where uploads may
    buffer data ("inmemory" keeps it in memory).
    """

    _FIELDS = ("user_agent", "dial_timeout_milliseconds", "temp_directory")

    def __init__(self, user_agent: str = "", dial_timeout_milliseconds: int = 0,
                 temp_directory: str = "") -> None:
        self.user_agent = user_agent
        self.dial_timeout_milliseconds = dial_timeout_milliseconds
        self.temp_directory = temp_directory


class Permission(_Value):
    """What a shared access may do; ``not_before``/``not_after`` are unix seconds, 0 for no bound."""

    _FIELDS = ("allow_download", "allow_upload", "allow_list", "allow_delete",
               "not_before", "not_after")

    def __init__(self, allow_download: bool = False, allow_upload: bool = False,
                 allow_list: bool = False, allow_delete: bool = False,
                 not_before: int = 0, not_after: int = 0) -> None:
        self.allow_download = allow_download
        self.allow_upload = allow_upload
        self.allow_list = allow_list
        self.allow_delete = allow_delete
        self.not_before = not_before
        self.not_after = not_after


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
        self.entries: List[CustomMetadataEntry] = list(entries or [])

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

    _FIELDS = ("key", "is_prefix", "system", "custom")

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
    """Options of upload_object: ``expires`` in unix seconds, 0 for never."""

    _FIELDS = ("expires",)

    def __init__(self, expires: int = 0) -> None:
        self.expires = expires


class DownloadOptions(_Value):
    """Options of download_object: byte ``offset`` (negative counts from the end)
    and ``length`` (negative reads to the end)."""

    _FIELDS = ("offset", "length")

    def __init__(self, offset: int = 0, length: int = -1) -> None:
        self.offset = offset
        self.length = length
