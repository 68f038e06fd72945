"""uplink-py cp, mv and sync: a plan of single transfers, shown (--dry-run) or run."""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import logging
import os
import sys
import time
from typing import Callable, Dict, List, NamedTuple, Optional, Tuple

from ..errors import StorjException
from ..module_classes import DownloadOptions, UploadOptions
from ..project import Project
from ..transfer import DEFAULT_PART_SIZE, TransferConfig
from ._base import (EXIT_FAILED, EXIT_OK, ProgressBar, open_project, say, wants_progress, warn)
from ._select import (MTIME_KEY, Entry, Failed, Filters, Location, UsageError, object_mtime,
                      parse_location, placeable, select)

_log = logging.getLogger("uplink_python")

# Modification times closer than this are the same to sync (metadata keeps them as
# decimal seconds; some file systems keep less than nanoseconds).
MTIME_WINDOW = 0.001
CHUNK = 1024 * 1024


class Job(NamedTuple):
    """One step of a plan: ``kind`` is upload, download, copy, move or delete."""

    kind: str
    source: Location
    target: Location
    size: int
    mtime: float = 0.0
    entry: Optional[Entry] = None

    def __str__(self) -> str:
        if self.kind == "delete":
            return f"delete: {self.source}"
        return f"{self.kind}: {self.source} to {self.target}"


def _kind(source: Location, target: Location, move: bool) -> str:
    if source.remote and target.remote:
        return "move" if move else "copy"
    return "upload" if target.remote else "download"


def plan(project: Project, source: Location, target: Location, recursive: bool,
         filters: Filters, *, move: bool = False) -> Tuple[List[Job], List[str]]:
    """The transfers of a cp or mv, and a message for each entry that cannot be written
    (see placeable).

    Without --recursive one object or file goes to ``target``, or into it when it
    names a folder (under the source's base name). With --recursive the contents
    of the folder SOURCE names go into the folder TARGET, in both directions:
    ``cp -r sj://b/album d`` writes d/x.jpg for sj://b/album/x.jpg, and
    ``cp -r ./album sj://b/pics`` writes sj://b/pics/x.jpg for ./album/x.jpg.
    """
    check_plan(source, target, recursive, filters)
    kind = _kind(source, target, move)
    if not recursive:
        entries = select(project, source, False, custom=True)
        if not entries:
            return [], []
        entry = entries[0]
        if not target.is_stream and target.names_folder():
            if entry.name in ("", "-"):
                raise UsageError(f"name the destination object: {target} is a folder")
            target = target.join(entry.name)
        return [Job(kind, entry.location, target, entry.size, entry.mtime, entry)], []
    if target.is_stream:
        raise UsageError("--recursive cannot read standard input or write standard output")
    entries, skipped = placeable(select(project, source, True, filters, custom=True), target)
    return [Job(kind, entry.location, target.join(entry.name), entry.size, entry.mtime, entry)
            for entry in entries], skipped


def check_plan(source: Location, target: Location, recursive: bool, filters: Filters) -> None:
    """Raises UsageError for a cp or mv that cannot be (before any network call)."""
    if not source.remote and not target.remote:
        raise UsageError("one of the locations must be sj://: use cp(1) for local copies")
    if recursive and (source.is_stream or target.is_stream):
        raise UsageError("--recursive cannot read standard input or write standard output")
    if not recursive:
        if filters:
            raise UsageError("--exclude and --include need --recursive")
        if not source.is_stream and source.names_folder():
            what = "a bucket" if source.remote and not source.key else \
                "a folder" if source.remote else "a directory"
            raise UsageError(f"{source} is {what}: use --recursive")


def _metadata(args: argparse.Namespace, job: Job) -> Dict[str, str]:
    metadata: Dict[str, str] = {}
    if job.mtime:
        metadata[MTIME_KEY] = repr(float(job.mtime))
    metadata.update(getattr(args, "metadata", None) or {})
    return metadata


def _upload_options(args: argparse.Namespace) -> Optional[UploadOptions]:
    expires = getattr(args, "expires", None)
    return UploadOptions(expires=expires) if expires else None


def _download_range(project: Project, job: Job, byte_range: Tuple[int, int],
                    progress: Callable[[int], None]) -> None:
    offset, length = byte_range
    options = DownloadOptions(offset=offset, length=length)
    with project.download_object(job.source.bucket, job.source.key, options) as download:
        if job.target.is_stream:
            handle = sys.stdout.buffer
            _copy(download, handle, progress)
            handle.flush()
            return
        _make_parent(job.target.key)
        temporary = f"{job.target.key}.{os.urandom(6).hex()}.part"
        try:
            with open(temporary, "xb") as handle:
                _copy(download, handle, progress)
            os.replace(temporary, job.target.key)
        except BaseException:
            if os.path.exists(temporary):
                os.remove(temporary)
            raise


def _copy(download: object, handle: object, progress: Callable[[int], None]) -> None:
    buffer = bytearray(CHUNK)
    with memoryview(buffer) as view:
        while True:
            count = download.readinto(view)  # type: ignore[attr-defined]
            if not count:
                return
            handle.write(view[:count])  # type: ignore[attr-defined]
            progress(count)


def _make_parent(path: str) -> None:
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)


def transfer_config(args: argparse.Namespace, jobs: List[Job]) -> TransferConfig:
    """The TransferConfig of --part-size and --parallelism, checked once before any job
    runs (an upload's parts must be at least 5 MiB); raises UsageError."""
    try:
        config = TransferConfig(part_size=getattr(args, "part_size", DEFAULT_PART_SIZE),
                                concurrency=getattr(args, "parallelism", 1))
        if any(job.kind == "upload" for job in jobs):
            config.for_upload()
    except ValueError as exc:
        raise UsageError(f"--part-size/--parallelism: {exc}") from None
    return config


def run_one(project: Project, job: Job, args: argparse.Namespace,
            progress: Callable[[int], None], config: TransferConfig) -> None:
    """Carries out one job, splitting large files as ``config`` says."""
    source, target = job.source, job.target
    byte_range: Optional[Tuple[int, int]] = getattr(args, "range", None)
    if job.kind == "delete":
        if source.remote:
            if project.delete_object(source.bucket, source.key) is None:
                raise Failed(f"{source}: no such object")
        else:
            os.remove(source.key)
    elif job.kind == "move":
        project.move_object(source.bucket, source.key, target.bucket, target.key)
    elif job.kind == "copy":
        project.copy_object(source.bucket, source.key, target.bucket, target.key)
        item = job.entry.item if job.entry is not None else None
        metadata = getattr(args, "metadata", None)
        if item is not None and (metadata or not any(entry.key == MTIME_KEY
                                                     for entry in item.custom.entries)):
            # The copy keeps the source's metadata; sync needs its time there too.
            kept = {entry.key: entry.value for entry in item.custom.entries}
            kept[MTIME_KEY] = repr(float(object_mtime(item)))
            kept.update(metadata or {})
            project.update_object_metadata(target.bucket, target.key, kept)
        progress(job.size)
    elif job.kind == "upload":
        stream = source.is_stream
        project.upload_file(target.bucket, target.key,
                            sys.stdin.buffer if stream else source.key, progress=progress,
                            transfer_config=TransferConfig(config.part_size, 1)
                            if stream else config, upload_options=_upload_options(args),
                            custom_metadata=_metadata(args, job) or None)
    elif byte_range is not None:
        _download_range(project, job, byte_range, progress)
    elif target.is_stream:
        project.download_file(source.bucket, source.key, sys.stdout.buffer, progress=progress,
                              transfer_config=TransferConfig(config.part_size, 1))
        sys.stdout.buffer.flush()
    else:
        _make_parent(target.key)
        project.download_file(source.bucket, source.key, target.key, progress=progress,
                              transfer_config=config)
        if job.mtime:
            os.utime(target.key, (job.mtime, job.mtime))


def run_jobs(project: Project, jobs: List[Job], args: argparse.Namespace, verb: str) -> int:
    """Shows the jobs (--dry-run) or runs them, ``args.transfers`` at a time, printing
    each as it ends, in aws s3's words; returns the exit status."""
    config = transfer_config(args, jobs)
    if args.dry_run:
        for job in jobs:
            say(f"(dryrun) {job}")
        return EXIT_OK
    if not jobs:
        return EXIT_OK
    sizes = [job.size for job in jobs]
    total = sum(sizes) if all(size >= 0 for size in sizes) else None
    bar = ProgressBar(wants_progress(args), total, verb, asked=bool(args.progress))
    quiet = any(job.target.is_stream for job in jobs)
    failures = 0

    def run(job: Job) -> float:
        started = time.monotonic()
        run_one(project, job, args, bar, config)
        return time.monotonic() - started

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=getattr(args, "transfers", 1))
    complete = False
    try:
        futures = {pool.submit(run, job): job for job in jobs}
        for future in concurrent.futures.as_completed(futures):
            job = futures[future]
            error = future.exception()
            if error is None:
                _log.info("%s (%s bytes in %.2f s)", job, job.size if job.size >= 0 else "?",
                          future.result())
                if not quiet:
                    say(str(job))
                continue
            if isinstance(error, BrokenPipeError) or \
                    not isinstance(error, (StorjException, OSError, Failed)):
                raise error
            failures += 1
            warn(f"{job.kind} failed: {job.source}: {error}")
        complete = not failures
    finally:
        # On Ctrl-C nothing new starts; closing the project then cancels what runs.
        pool.shutdown(wait=False, cancel_futures=True)
        bar.close(complete)
    return EXIT_FAILED if failures else EXIT_OK


def _report_skipped(skipped: List[str]) -> int:
    for text in skipped:
        warn(text)
    return EXIT_FAILED if skipped else EXIT_OK


def cmd_cp(args: argparse.Namespace) -> int:
    """cp: copies between local files and sj:// objects, or between sj:// objects."""
    source, target = parse_location(args.source), parse_location(args.destination)
    if args.range is not None and (args.recursive or not source.remote or target.remote):
        raise UsageError("--range downloads part of one object: sj://BUCKET/KEY to a file or -")
    if (args.expires or args.metadata) and not target.remote:
        raise UsageError("--expires and --metadata apply to objects written to sj://")
    check_plan(source, target, args.recursive, Filters(args.filters))
    with open_project(args) as project:
        jobs, skipped = plan(project, source, target, args.recursive, Filters(args.filters))
        if not jobs and not skipped and not args.recursive:
            raise Failed(f"nothing to copy: {source}")
        status = run_jobs(project, jobs, args, "cp")
    return max(status, _report_skipped(skipped))


def cmd_mv(args: argparse.Namespace) -> int:
    """mv: moves objects within the network (server side)."""
    source, target = parse_location(args.source), parse_location(args.destination)
    if not (source.remote and target.remote):
        raise UsageError("mv moves sj:// objects to sj:// locations; use cp then rm otherwise")
    check_plan(source, target, args.recursive, Filters(args.filters))
    with open_project(args) as project:
        jobs, _ = plan(project, source, target, args.recursive, Filters(args.filters),
                       move=True)
        return run_jobs(project, jobs, args, "mv")


def cmd_sync(args: argparse.Namespace) -> int:
    """sync: makes the folder DST hold what the folder SRC holds (new or changed files,
    by size and modification time), and with --delete nothing else."""
    source, target = parse_location(args.source), parse_location(args.destination)
    if not source.remote and not target.remote:
        raise UsageError("one of the locations must be sj://")
    if source.is_stream or target.is_stream:
        raise UsageError("sync works on folders, not standard input or output")
    filters = Filters(args.filters)
    with open_project(args) as project:
        sources = select(project, source, True, filters, custom=True)
        if args.delete and not sources:
            # An empty prefix looks like a mistyped one: never empty DST for it.
            raise Failed(f"{source} holds nothing to sync: with --delete that would remove "
                         f"everything in {target}; nothing done")
        present = {entry.name: entry
                   for entry in select(project, target, True, filters, custom=True,
                                       missing_ok=True)}
        kind = _kind(source, target, False)
        writable, skipped = placeable(sources, target)
        jobs = []
        for entry in writable:
            there = present.get(entry.name)
            if there is None or there.size != entry.size or \
                    abs(there.mtime - entry.mtime) > MTIME_WINDOW:
                jobs.append(Job(kind, entry.location, target.join(entry.name), entry.size,
                                entry.mtime, entry))
        status = run_jobs(project, jobs, args, "sync")
        if args.delete and status == EXIT_OK:
            names = {entry.name for entry in sources}
            gone = [Job("delete", there.location, there.location, there.size)
                    for name, there in sorted(present.items()) if name not in names]
            status = run_jobs(project, gone, args, "sync")
        elif args.delete:
            warn("nothing deleted: some transfers failed")
    return max(status, _report_skipped(skipped))


def metadata_json(text: str) -> Dict[str, str]:
    """Parses --metadata: a JSON object of strings."""
    try:
        value = json.loads(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not JSON: give an object such as '{{\"color\": \"blue\"}}'") from None
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                              for k, v in value.items()):
        raise argparse.ArgumentTypeError(f"{text!r}: give a JSON object of strings")
    return value


def byte_range(text: str) -> Tuple[int, int]:
    """Parses --range: [bytes=]START-END (inclusive), START- or -LAST; returns the
    (offset, length) of DownloadOptions."""
    value = text.strip()
    if value.startswith("bytes="):
        value = value[len("bytes="):]
    start, dash, end = value.partition("-")
    try:
        if not dash or (not start and not end):
            raise ValueError
        if not start:
            last = int(end)
            if last < 1:
                raise ValueError
            return -last, -1
        first = int(start)
        if first < 0:
            raise ValueError
        if not end:
            return first, -1
        stop = int(end)
        if stop < first:
            raise ValueError
        return first, stop - first + 1
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give bytes=START-END, START- or -LAST (bytes, END included)") from None
