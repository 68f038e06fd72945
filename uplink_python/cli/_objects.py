"""uplink-py ls, mb, rb, cat and rm."""

from __future__ import annotations

import argparse
import sys
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, TypeVar

from ..errors import ObjectNotFoundError
from ..module_classes import (DeleteStatus, ListObjectVersionsOptions, ListUploadsOptions, Object,
                              UploadInfo, VersionedObject)
from ..project import Project
from ._base import (EXIT_FAILED, EXIT_OK, PASSPHRASE_NOTE, format_size, format_time,
                    open_project, print_json, remote, say, table, warn)
from ._select import Filters, Location, UsageError, select

T = TypeVar("T", UploadInfo, VersionedObject)


def _json(args: argparse.Namespace) -> bool:
    return bool(args.json or args.output == "json")


def _version_text(version: Optional[bytes]) -> str:
    return version.hex() if version else ""


def _named(items: Iterable[T], location: Location, recursive: bool,
           filters: Optional[Filters]) -> List[T]:
    """The listed items (uploads, versions) that ``location`` names, by select's rule,
    in key order."""
    filters = filters or Filters()
    if not recursive:
        kept = [item for item in items if item.key == location.key]
    else:
        folder = location.folder().key
        kept = [item for item in items if item.key.startswith(folder) and not item.is_prefix
                and filters.included(item.key[len(folder):])]
    # sorted() is stable: the versions of one key stay newest first.
    return sorted(kept, key=lambda item: item.key)


def _listing_prefix(location: Location, recursive: bool) -> str:
    """The prefix to list for what ``location`` names: its folder, or the folder that
    holds the one key it names."""
    if recursive:
        return location.folder().key
    if location.names_folder():
        raise UsageError(f"{location} is a folder: use --recursive")
    return location.key[:location.key.rfind("/") + 1]


def _pending(project: Project, location: Location, recursive: bool,
             filters: Optional[Filters] = None) -> List[UploadInfo]:
    """The unfinished multipart uploads a location names."""
    options = ListUploadsOptions(prefix=_listing_prefix(location, recursive), recursive=True,
                                 system=True)
    return _named(project.iter_uploads(location.bucket, options), location, recursive, filters)


def _versions(project: Project, location: Location, recursive: bool,
              filters: Optional[Filters] = None) -> List[VersionedObject]:
    """Every version (and delete marker) a location names."""
    options = ListObjectVersionsOptions(prefix=_listing_prefix(location, recursive),
                                        recursive=True, system=True)
    return _named(project.iter_object_versions(location.bucket, options), location, recursive,
                  filters)


def cmd_ls(args: argparse.Namespace) -> int:
    """ls: buckets, or the objects and folders under sj://bucket/prefix."""
    as_json = _json(args)
    with open_project(args) as project:
        if args.location is None:
            buckets = sorted(project.iter_buckets(), key=lambda bucket: bucket.name)
            if as_json:
                for bucket in buckets:
                    print_json({"kind": "BKT", "created": format_time(args, bucket.created),
                                "name": bucket.name})
            else:
                table([(format_time(args, b.created), b.name) for b in buckets],
                      ("CREATED", "NAME"))
            return EXIT_OK
        location = remote(args.location)
        if args.pending:
            rows: List[Tuple[str, ...]] = [
                ("UPL", format_time(args, upload.system.created), "", upload.key,
                 upload.upload_id, "")
                    for upload in _pending(project, location, True)
                    if args.recursive or "/" not in upload.key[len(location.folder().key):]]
            return _print_rows(args, rows, ("KIND", "CREATED", "SIZE", "KEY", "UPLOAD ID"),
                               location)
        if args.all_versions:
            rows = []
            for version in _versions(project, location, True):
                if not args.recursive and "/" in version.key[len(location.folder().key):]:
                    continue
                kind = "DEL" if version.is_delete_marker else "OBJ"
                size = "" if version.is_delete_marker else \
                    format_size(args, version.system.content_length)
                rows.append((kind, format_time(args, version.system.created), size,
                             version.key, _version_text(version.version),
                             str(version.system.content_length)))
            return _print_rows(args, rows, ("KIND", "CREATED", "SIZE", "KEY", "VERSION"),
                               location)
        if args.recursive:
            items = [entry.item for entry in select(project, location, True)
                     if entry.item is not None]
        else:
            items = _one_level(project, location)
        rows = [("PRE" if item.is_prefix else "OBJ",
                 "" if item.is_prefix else format_time(args, item.system.created),
                 "" if item.is_prefix else format_size(args, item.system.content_length),
                 item.key, "", "" if item.is_prefix else str(item.system.content_length))
                for item in items]
        return _print_rows(args, rows, ("KIND", "CREATED", "SIZE", "KEY"), location)


def _one_level(project: Project, location: Location) -> List[Object]:
    """ls without -r: the object a key names (if any) and the folder's first level."""
    found: List[Object] = []
    if location.key and not location.key.endswith("/"):
        try:
            found.append(project.stat_object(location.bucket, location.key))
        except ObjectNotFoundError:
            pass
    listing = project.iter_objects(location.bucket, prefix=location.folder().key,
                                   recursive=False, sort=True)
    with listing:
        found += [item for item in listing if item.key.startswith(location.folder().key)]
    return found


def _print_rows(args: argparse.Namespace, rows: Sequence[Tuple[str, ...]],
                headers: Tuple[str, ...], location: Location) -> int:
    """Prints ls rows (KIND, CREATED, SIZE, KEY[, VERSION or UPLOAD ID][, bytes]): keys
    relative to the listed folder without -r and whole with -r, as aws s3 ls shows them;
    --summarize adds the totals."""
    folder = location.folder().key
    objects = [row for row in rows if row[0] in ("OBJ", "UPL")]
    total = sum(int(row[5]) for row in rows if len(row) > 5 and row[5] and row[0] == "OBJ")
    if _json(args):
        for row in rows:
            record: Dict[str, Any] = {"kind": row[0], "created": row[1],
                                      "size": int(row[5]) if len(row) > 5 and row[5] else None,
                                      "key": row[3]}
            if headers[-1] == "VERSION":
                record["version"] = row[4]
            elif headers[-1] == "UPLOAD ID":
                record["upload_id"] = row[4]
            print_json(record)
        if args.summarize:
            print_json({"total_objects": len(objects), "total_size": total})
    else:
        shown = []
        for row in rows:
            key = row[3]
            if not args.recursive and key.startswith(folder) and key != location.key:
                key = key[len(folder):]
            shown.append((*row[:3], key, *row[4:len(headers)]))
        table(shown, headers)
        if args.summarize:
            say("")
            say(f"Total Objects: {len(objects)}")
            say(f"   Total Size: {format_size(args, total)}")
    if not rows and getattr(args, "from_passphrase", False):
        warn(f"note: nothing listed; {PASSPHRASE_NOTE}")
    return EXIT_OK


def cmd_mb(args: argparse.Namespace) -> int:
    """mb: makes a bucket."""
    location = remote(args.bucket, key=False)
    with open_project(args) as project:
        project.create_bucket(location.bucket)
    say(f"Bucket {location.bucket} created")
    return EXIT_OK


def cmd_rb(args: argparse.Namespace) -> int:
    """rb: removes a bucket (with everything in it when --force)."""
    location = remote(args.bucket, key=False)
    with open_project(args) as project:
        if args.force:
            project.delete_bucket_with_objects(location.bucket)
        else:
            project.delete_bucket(location.bucket)
    say(f"Bucket {location.bucket} removed")
    return EXIT_OK


def cmd_cat(args: argparse.Namespace) -> int:
    """cat: writes an object to standard output."""
    location = remote(args.location, key=True)
    if location.names_folder():
        raise UsageError(f"{location} is a folder: cat writes one object")
    with open_project(args) as project:
        project.download_file(location.bucket, location.key, sys.stdout.buffer,
                              concurrency=1)
    sys.stdout.buffer.flush()
    return EXIT_OK


def cmd_rm(args: argparse.Namespace) -> int:
    """rm: removes objects (every object in a folder with --recursive), every version
    of them with --all-versions, or unfinished uploads with --pending."""
    locations = [remote(text) for text in args.locations]
    filters = Filters(args.filters)
    if filters and not args.recursive:
        raise UsageError("--exclude and --include need --recursive")
    for location in locations:
        if not args.recursive and location.names_folder():
            what = "a bucket" if not location.key else "a folder"
            raise UsageError(f"{location} is {what}: use --recursive"
                             + (", or rb" if not location.key else ""))
    prefix = "(dryrun) " if args.dry_run else ""
    failures = 0
    with open_project(args) as project:
        for location in locations:
            if args.pending:
                for upload in _pending(project, location, args.recursive, filters):
                    target = Location(location.bucket, upload.key)
                    if not args.dry_run:
                        try:
                            project.abort_upload(location.bucket, upload.key, upload.upload_id)
                        except ObjectNotFoundError as exc:
                            failures += 1
                            warn(f"cannot abort the upload of {target}: {exc}")
                            continue
                    say(f"{prefix}abort: {target} (upload {upload.upload_id})")
                continue
            if args.all_versions:
                items: List[Any] = _versions(project, location, args.recursive, filters)
                described = {id(item): f" (version {_version_text(item.version)})"
                             for item in items}
            elif args.recursive:
                items = [entry.item for entry in select(project, location, True, filters)]
                described = {}
            elif args.dry_run:
                try:
                    items = [entry.item for entry in select(project, location, False)]
                except ObjectNotFoundError:
                    items = []
                described = {}
            else:
                items = [] if project.delete_object(location.bucket, location.key) is None \
                    else [location]
                if items:
                    say(f"delete: {location}")
            if not args.recursive and not items:
                # The other locations are still removed.
                failures += 1
                warn(f"cannot remove {location}: no such object")
                continue
            if not args.recursive and not args.dry_run and not args.all_versions:
                continue
            if args.dry_run:
                for item in items:
                    say(f"(dryrun) delete: {Location(location.bucket, item.key)}"
                        f"{described.get(id(item), '')}")
                continue
            failures += _delete(project, location.bucket, items, described)
    return EXIT_FAILED if failures else EXIT_OK


def _delete(project: Project, bucket: str, items: List[Any], described: Dict[int, str]) -> int:
    """Deletes objects (versions, when the items are versions); returns the failures."""
    failures = 0
    results = project.delete_objects(bucket, items) if items else []
    for item, result in zip(items, results):
        removed = Location(bucket, result.key)
        status = DeleteStatus(result.status)
        if status == DeleteStatus.OK:
            say(f"delete: {removed}{described.get(id(item), '')}")
        else:
            failures += 1
            warn(f"cannot remove {removed}: {status.name.lower().replace('_', ' ')}")
    return failures
