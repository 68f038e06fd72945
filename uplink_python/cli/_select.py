"""What a location names: the one resolver every uplink-py command uses.

The rule (documented in library.md and ``uplink-py --help``):

* without ``--recursive`` a location names one object or file. ``sj://b/logs``
  is the object ``logs``; ``sj://b/logs/`` and ``sj://b`` name folders, and a
  command asked to act on a folder without ``--recursive`` says so.
* with ``--recursive`` a location names a folder and everything below it.
  ``sj://b/logs`` and ``sj://b/logs/`` are both the folder ``logs/``: the keys
  that start with ``logs/``, never ``logs2/b`` or ``logsX`` (nor the object
  ``logs`` itself); ``sj://b`` is the whole bucket. A local path is a directory.

Every entry carries its name relative to that folder ("/"-separated), so that
``cp -r SRC DST`` puts the contents of SRC into DST in both directions, and
``ls -r``, ``rm -r``, ``cp -r``, ``mv -r`` and ``sync`` of one location act on
exactly the same set of keys.
"""

from __future__ import annotations

import fnmatch
import os
from typing import Iterator, List, NamedTuple, Optional, Sequence, Tuple

from ..errors import ObjectNotFoundError
from ..module_classes import ListObjectsOptions, Object
from ..project import Project

# The custom metadata key holding a file's modification time (unix seconds, decimal),
# as rclone keeps it; sync compares it with the local file's.
MTIME_KEY = "mtime"


class UsageError(Exception):
    """The command line asks for something impossible (exit status 2)."""


class Failed(Exception):
    """An operation failed for a reason already worded for the user (exit status 1)."""


class Location(NamedTuple):
    """A parsed location: ``remote`` sj://bucket/key, or a local path in ``key``
    ("-" for standard input or output) with an empty ``bucket``."""

    bucket: str
    key: str
    remote: bool = True

    def __str__(self) -> str:
        return f"sj://{self.bucket}/{self.key}" if self.remote else self.key

    @property
    def is_stream(self) -> bool:
        """True for "-", standard input or output."""
        return not self.remote and self.key == "-"

    def names_folder(self) -> bool:
        """True when the location can only be a folder: a bucket, a key ending in
        "/", or an existing local directory (or a path ending in a separator)."""
        if self.remote:
            return self.key == "" or self.key.endswith("/")
        return self.key.endswith(("/", os.sep)) or os.path.isdir(self.key)

    def folder(self) -> "Location":
        """The folder this location names with --recursive (see the module docstring)."""
        if self.remote and self.key and not self.key.endswith("/"):
            return Location(self.bucket, self.key + "/")
        return self

    def join(self, name: str) -> "Location":
        """The location of ``name`` ("/"-separated) inside this folder."""
        if self.remote:
            return Location(self.bucket, self.folder().key + name)
        return Location("", os.path.join(self.key, *name.split("/")), remote=False)

    def basename(self) -> str:
        """The last part of the key or path ("" for a bucket or a folder)."""
        if self.remote:
            return self.key.rsplit("/", 1)[-1]
        return os.path.basename(self.key)


def parse_location(text: str) -> Location:
    """Returns the Location of ``sj://bucket/key`` or of a local path."""
    if not isinstance(text, str) or not text:
        raise UsageError("a location cannot be empty")
    if text.startswith("sj://"):
        bucket, _, key = text[len("sj://"):].partition("/")
        if not bucket:
            raise UsageError(f"{text!r} has no bucket (sj://BUCKET/KEY)")
        return Location(bucket, key)
    if "://" in text:
        raise UsageError(f"{text!r}: only sj:// locations and local paths are supported")
    return Location("", text, remote=False)


class Filters:
    """--exclude/--include globs, applied in order to names relative to the folder;
    the last pattern that matches decides, and a name no pattern matches is included
    (as aws s3 does)."""

    def __init__(self, rules: Optional[Sequence[Tuple[str, str]]] = None) -> None:
        self.rules = list(rules or [])

    def __bool__(self) -> bool:
        return bool(self.rules)

    def included(self, name: str) -> bool:
        """True when ``name`` passes the filters."""
        keep = True
        for kind, pattern in self.rules:
            if fnmatch.fnmatchcase(name, pattern):
                keep = kind == "include"
        return keep


class Entry(NamedTuple):
    """One object or file a location names: its ``name`` relative to the selected
    folder ("/"-separated; the base name for a single object), where it is, its size
    and modification time (unix seconds; an object's ``mtime`` metadata, else its
    creation time)."""

    name: str
    location: Location
    size: int
    mtime: float
    item: Optional[Object] = None


def object_mtime(item: Object) -> float:
    """The modification time sync compares: the ``mtime`` custom metadata, else the
    creation time."""
    for entry in item.custom.entries:
        if entry.key == MTIME_KEY:
            try:
                return float(entry.value)
            except (TypeError, ValueError):
                break
    return float(item.system.created or 0)


def _object_entry(location: Location, name: str, item: Object) -> Entry:
    return Entry(name, Location(location.bucket, item.key), item.system.content_length,
                 object_mtime(item), item)


def recursive_keys(project: Project, location: Location, *, custom: bool = False
                   ) -> Iterator[Object]:
    """Every object in the folder ``location`` names with --recursive."""
    folder = location.folder()
    options = ListObjectsOptions(prefix=folder.key, recursive=True, system=True, custom=custom)
    with project.iter_objects(location.bucket, options, sort=True) as listing:
        for item in listing:
            if item.key.startswith(folder.key) and not item.is_prefix:
                yield item


def select(project: Optional[Project], location: Location, recursive: bool,
           filters: Optional[Filters] = None, *, custom: bool = False,
           missing_ok: bool = False) -> List[Entry]:
    """The entries ``location`` names (see the module docstring), in name order.

    Without ``recursive`` a folder-like location raises UsageError ("use
    --recursive"); a missing object raises ObjectNotFoundError, a missing file
    Failed, unless ``missing_ok`` (then the list is empty). Filters apply to
    recursive selections only.
    """
    filters = filters or Filters()
    if not recursive:
        if location.is_stream:
            return [Entry("-", location, -1, 0.0)]
        if location.names_folder():
            what = "a bucket" if location.remote and not location.key else \
                "a folder" if location.remote else "a directory"
            raise UsageError(f"{location} is {what}: use --recursive")
        if location.remote:
            assert project is not None
            try:
                item = project.stat_object(location.bucket, location.key)
            except ObjectNotFoundError:
                if missing_ok:
                    return []
                raise
            return [_object_entry(location, location.basename(), item)]
        try:
            stat = os.stat(location.key)
        except FileNotFoundError:
            if missing_ok:
                return []
            raise Failed(f"{location.key}: no such file") from None
        return [Entry(location.basename(), location, stat.st_size, stat.st_mtime)]
    if location.is_stream:
        raise UsageError("--recursive cannot read standard input or write standard output")
    entries: List[Entry] = []
    if location.remote:
        assert project is not None
        prefix = location.folder().key
        for item in recursive_keys(project, location, custom=custom):
            name = item.key[len(prefix):]
            if filters.included(name):
                entries.append(_object_entry(location, name, item))
        return entries
    if not os.path.isdir(location.key):
        if missing_ok and not os.path.exists(location.key):
            return []
        raise Failed(f"{location.key}: not a directory" if os.path.exists(location.key)
                     else f"{location.key}: no such directory")
    for folder, directories, files in os.walk(location.key):
        directories.sort()
        for file_name in files:
            path = os.path.join(folder, file_name)
            name = os.path.relpath(path, location.key).replace(os.sep, "/")
            if not filters.included(name):
                continue
            try:
                stat = os.stat(path)
            except FileNotFoundError:
                continue  # removed while we walked
            entries.append(Entry(name, Location("", path, remote=False), stat.st_size,
                                 stat.st_mtime))
    entries.sort(key=lambda entry: entry.name)
    return entries


def safe_local_name(name: str) -> bool:
    """True when a key's relative name can be a file below the target directory:
    no empty, "." or ".." parts (a key "a/../../x" must never write outside the
    directory it is copied into), and no drive or backslash on Windows."""
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return False
    return os.sep == "/" or not any(os.sep in part or ":" in part for part in parts)


def placeable(entries: List[Entry], target: Location) -> Tuple[List[Entry], List[str]]:
    """The entries that can be written below ``target`` under their names, and a
    message for each that cannot: on a local disk a name must be a safe file name
    (safe_local_name), and a key cannot be a file when other keys make it a folder
    (``logs`` beside ``logs/a``: only ``logs/a`` is written)."""
    if target.remote:
        return entries, []
    safe = [entry for entry in entries if safe_local_name(entry.name)]
    folders = {entry.name[:index] for entry in safe
               for index, char in enumerate(entry.name) if char == "/"}
    kept: List[Entry] = []
    skipped: List[str] = []
    for entry in entries:
        if not safe_local_name(entry.name):
            skipped.append(f"skipped {entry.location}: its key cannot be a file name below "
                           "the target directory")
        elif entry.name in folders:
            skipped.append(f"skipped {entry.location}: other keys make {entry.name!r} a "
                           "folder there")
        else:
            kept.append(entry)
    return kept, skipped
