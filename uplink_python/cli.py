"""uplink-py: a command line for Storj, shaped like the ``uplink`` CLI.

Run ``uplink-py --help`` (or ``python -m uplink_python --help``). Locations
are ``sj://bucket/key`` or local paths; ``-`` is standard input or output.
Credentials come from ``--access`` or uplink_python.credentials.default_access.

Exit status: 0 on success, 1 when an operation failed, 2 for a usage error
(as argparse, coreutils and the ``uplink`` CLI do), 130 when interrupted.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import datetime
import importlib
import json
import logging
import os
import sys
import threading
from typing import (Any, Callable, Iterator, List, NamedTuple, Optional, Sequence, Tuple,
                    Union)

from . import __version__, credentials, edge
from .access import Access
from .errors import ObjectNotFoundError, StorjException
from .module_classes import DeleteStatus, EdgeConfig, ListObjectsOptions, Object, Permission, SharePrefix
from .project import Project
from .transfer import DEFAULT_PART_SIZE

PROG = "uplink-py"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
DEFAULT_AUTH_SERVICE = "https://auth.storjshare.io"
DEFAULT_BASE_URL = "https://link.storjshare.io"
# The auth service's DRPC port when its URL names none (as the uplink CLI assumes).
AUTH_SERVICE_PORT = 7777

_log = logging.getLogger("uplink_python")


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


def parse_location(text: str) -> Location:
    """Returns the Location of ``sj://bucket/key`` or of a local path."""
    if text.startswith("sj://"):
        bucket, _, key = text[len("sj://"):].partition("/")
        if not bucket:
            raise UsageError(f"{text!r} has no bucket (sj://BUCKET/KEY)")
        return Location(bucket, key)
    if "://" in text:
        raise UsageError(f"{text!r}: only sj:// locations and local paths are supported")
    return Location("", text, remote=False)


# Progress


class _ProgressBar:
    """A byte-counting progress bar on standard error (tqdm), or nothing at all."""

    def __init__(self, enabled: bool, total: Optional[int], description: str) -> None:
        self._bar: Any = None
        self._lock = threading.Lock()
        if enabled:
            try:
                tqdm = importlib.import_module("tqdm")
            except ImportError:
                _log.debug("tqdm is not installed: no progress bar (pip install "
                           "'uplink-python[cli]')")
                return
            self._bar = tqdm.tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024,
                                  desc=description, file=sys.stderr, leave=False)

    def __call__(self, count: int) -> None:
        if self._bar is not None:
            with self._lock:
                self._bar.update(count)

    def close(self) -> None:
        """Removes the bar."""
        if self._bar is not None:
            self._bar.close()


def _wants_progress(args: argparse.Namespace) -> bool:
    if args.progress is not None:
        return bool(args.progress)
    return sys.stderr.isatty() and not getattr(args, "quiet", False)


# Output helpers


def _time(args: argparse.Namespace, unix: Union[int, datetime.datetime]) -> str:
    if not unix:
        return ""
    moment = unix if isinstance(unix, datetime.datetime) else \
        datetime.datetime.fromtimestamp(unix, datetime.timezone.utc)
    if not args.utc:
        moment = moment.astimezone()
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _table(rows: Sequence[Tuple[str, ...]], headers: Tuple[str, ...]) -> None:
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


def _print_json(record: Any) -> None:
    print(json.dumps(record, sort_keys=False))


# Access and project


def _access(args: argparse.Namespace) -> Access:
    return credentials.default_access(args.access, config_dir=args.config_dir)


@contextlib.contextmanager
def _project(args: argparse.Namespace) -> Iterator[Project]:
    with _access(args) as access, access.open_project() as project:
        yield project


def _remote(args: argparse.Namespace, text: str, *, key: Optional[bool] = None) -> Location:
    """A remote location; ``key`` True requires a key, False forbids one."""
    location = parse_location(text)
    if not location.remote:
        raise UsageError(f"{text!r} is not a sj://BUCKET location")
    if key is True and not location.key:
        raise UsageError(f"{text!r} names no object (sj://BUCKET/KEY)")
    if key is False and location.key:
        raise UsageError(f"{text!r}: give a bucket only (sj://BUCKET)")
    return location


def _objects_under(project: Project, bucket: str, prefix: str) -> Iterator[Object]:
    """Every object whose key starts with ``prefix`` (a folder-like prefix when it
    ends in "/", else any key with those first characters)."""
    folder = prefix if prefix.endswith("/") or not prefix else prefix[:prefix.rfind("/") + 1]
    listing = project.iter_objects(bucket, ListObjectsOptions(prefix=folder, recursive=True,
                                                              system=True))
    with listing:
        for item in listing:
            if item.key.startswith(prefix):
                yield item


# Commands


def cmd_ls(args: argparse.Namespace) -> int:
    """ls: buckets, or the objects and prefixes under sj://bucket/prefix."""
    with _project(args) as project:
        if args.location is None:
            buckets = project.iter_buckets()
            if args.json:
                for bucket in buckets:
                    _print_json({"kind": "BKT", "created": _time(args, bucket.created),
                                 "name": bucket.name})
            else:
                _table([(_time(args, b.created), b.name) for b in buckets], ("CREATED", "NAME"))
            return EXIT_OK
        location = _remote(args, args.location)
        prefix = location.key
        if prefix and not prefix.endswith("/"):
            # A key names an object or the folder-like prefix of that name.
            prefix += "/"
            try:
                found = [project.stat_object(location.bucket, location.key)]
            except ObjectNotFoundError:
                found = []
        else:
            found = []
        options = ListObjectsOptions(prefix=prefix, recursive=args.recursive, system=True)
        rows = []
        for item in [*found, *project.iter_objects(location.bucket, options)]:
            kind = "PRE" if item.is_prefix else "OBJ"
            created = "" if item.is_prefix else _time(args, item.system.created)
            size = "" if item.is_prefix else str(item.system.content_length)
            if args.json:
                _print_json({"kind": kind, "created": created,
                             "size": None if item.is_prefix else item.system.content_length,
                             "key": item.key})
            else:
                rows.append((kind, created, size, item.key))
        if not args.json:
            _table(rows, ("KIND", "CREATED", "SIZE", "KEY"))
    return EXIT_OK


def cmd_mb(args: argparse.Namespace) -> int:
    """mb: makes a bucket."""
    location = _remote(args, args.bucket, key=False)
    with _project(args) as project:
        project.create_bucket(location.bucket)
    print(f"Bucket {location.bucket} created")
    return EXIT_OK


def cmd_rb(args: argparse.Namespace) -> int:
    """rb: removes a bucket (with everything in it when --force)."""
    location = _remote(args, args.bucket, key=False)
    with _project(args) as project:
        if args.force:
            project.delete_bucket_with_objects(location.bucket)
        else:
            project.delete_bucket(location.bucket)
    print(f"Bucket {location.bucket} removed")
    return EXIT_OK


class _Job(NamedTuple):
    source: Location
    target: Location
    size: Optional[int]


def _join(location: Location, name: str) -> Location:
    if location.remote:
        return Location(location.bucket, location.key + name)
    return Location("", os.path.join(location.key, *name.split("/")), remote=False)


def _is_folder(location: Location) -> bool:
    if location.remote:
        return location.key == "" or location.key.endswith("/")
    return location.key.endswith(os.sep) or os.path.isdir(location.key)


def _plan(project: Project, source: Location, target: Location, recursive: bool) -> List[_Job]:
    """The single transfers of a cp or mv, with their sizes when known."""
    if not recursive:
        if source.remote and not source.key:
            raise UsageError(f"{source} names a bucket, not an object: use --recursive")
        if not source.remote and os.path.isdir(source.key):
            raise UsageError(f"{source} is a directory: use --recursive")
        if _is_folder(target) and not (target.key == "-" and not target.remote):
            base = source.key.rstrip("/").rsplit("/", 1)[-1] if source.remote \
                else os.path.basename(source.key.rstrip(os.sep))
            if not base or base == "-":
                raise UsageError(f"name the destination object: {target} is a folder")
            target = _join(target, base)
        size = os.path.getsize(source.key) if not source.remote and source.key != "-" else None
        return [_Job(source, target, size)]
    if source.key == "-" or target.key == "-":
        raise UsageError("--recursive cannot read standard input or write standard output")
    if target.remote and target.key and not target.key.endswith("/"):
        target = Location(target.bucket, target.key + "/")
    jobs = []
    if source.remote:
        base = source.key if not source.key or source.key.endswith("/") \
            else source.key[:source.key.rfind("/") + 1]
        for item in _objects_under(project, source.bucket, source.key):
            jobs.append(_Job(Location(source.bucket, item.key),
                             _join(target, item.key[len(base):]), item.system.content_length))
    else:
        if not os.path.isdir(source.key):
            raise Failed(f"{source.key}: not a directory")
        for folder, _, files in os.walk(source.key):
            for name in sorted(files):
                path = os.path.join(folder, name)
                relative = os.path.relpath(path, source.key).replace(os.sep, "/")
                jobs.append(_Job(Location("", path, remote=False), _join(target, relative),
                                 os.path.getsize(path)))
    return jobs


def _transfer(project: Project, job: _Job, args: argparse.Namespace,
              progress: Callable[[int], None]) -> None:
    source, target = job.source, job.target
    concurrency = args.parallelism
    if source.remote and target.remote:
        project.copy_object(source.bucket, source.key, target.bucket, target.key)
        progress(job.size or 0)
    elif target.remote:
        if source.key == "-":
            project.upload_file(target.bucket, target.key, sys.stdin.buffer,
                                progress=progress, concurrency=1)
        else:
            project.upload_file(target.bucket, target.key, source.key, progress=progress,
                                concurrency=concurrency, part_size=args.part_size)
    elif source.remote:
        if target.key == "-":
            project.download_file(source.bucket, source.key, sys.stdout.buffer,
                                  progress=progress, concurrency=1)
            sys.stdout.buffer.flush()
        else:
            directory = os.path.dirname(target.key)
            if directory:
                os.makedirs(directory, exist_ok=True)
            project.download_file(source.bucket, source.key, target.key,
                                  progress=progress, concurrency=concurrency,
                                  part_size=args.part_size)
    else:
        raise UsageError("one of the locations must be sj://: use cp(1) for local copies")


def _run_jobs(project: Project, jobs: List[_Job], args: argparse.Namespace,
              verb: str, after: Optional[Callable[[_Job], None]] = None) -> int:
    """Runs the transfers, ``args.transfers`` at a time; reports each; returns the exit status."""
    sizes = [job.size for job in jobs]
    total = sum(size for size in sizes if size is not None) if None not in sizes else None
    bar = _ProgressBar(_wants_progress(args), total, verb)
    quiet_stdout = any(job.target.key == "-" and not job.target.remote for job in jobs)
    failures = 0

    def run(job: _Job) -> None:
        _transfer(project, job, args, bar)
        if after is not None:
            after(job)

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=args.transfers)
    try:
        futures = {pool.submit(run, job): job for job in jobs}
        for future in concurrent.futures.as_completed(futures):
            job = futures[future]
            error = future.exception()
            if error is None:
                if not quiet_stdout:
                    print(f"{job.source} --> {job.target}", flush=True)
                continue
            if not isinstance(error, (StorjException, OSError)):
                raise error
            failures += 1
            print(f"{PROG}: {verb} {job.source} failed: {error}", file=sys.stderr)
    finally:
        # On Ctrl-C nothing new starts; closing the project then cancels what runs.
        pool.shutdown(wait=False, cancel_futures=True)
        bar.close()
    return EXIT_FAILED if failures else EXIT_OK


def cmd_cp(args: argparse.Namespace) -> int:
    """cp: copies between local files and sj:// objects, or between sj:// objects."""
    source, target = parse_location(args.source), parse_location(args.destination)
    if not source.remote and not target.remote:
        raise UsageError("one of the locations must be sj://: use cp(1) for local copies")
    with _project(args) as project:
        jobs = _plan(project, source, target, args.recursive)
        if not jobs:
            raise Failed(f"nothing to copy under {source}")
        return _run_jobs(project, jobs, args, "cp")


def cmd_mv(args: argparse.Namespace) -> int:
    """mv: moves objects within the network (server side)."""
    source, target = parse_location(args.source), parse_location(args.destination)
    if not (source.remote and target.remote):
        raise UsageError("mv moves sj:// objects to sj:// locations; use cp then rm otherwise")
    with _project(args) as project:
        jobs = _plan(project, source, target, args.recursive)
        if not jobs:
            raise Failed(f"nothing to move under {source}")
        failures = 0
        for job in jobs:
            try:
                project.move_object(job.source.bucket, job.source.key,
                                    job.target.bucket, job.target.key)
            except StorjException as exc:
                failures += 1
                print(f"{PROG}: mv {job.source} failed: {exc}", file=sys.stderr)
                continue
            print(f"{job.source} --> {job.target}")
    return EXIT_FAILED if failures else EXIT_OK


def cmd_cat(args: argparse.Namespace) -> int:
    """cat: writes an object to standard output."""
    location = _remote(args, args.location, key=True)
    with _project(args) as project:
        project.download_file(location.bucket, location.key, sys.stdout.buffer,
                              concurrency=1)
    sys.stdout.buffer.flush()
    return EXIT_OK


def cmd_rm(args: argparse.Namespace) -> int:
    """rm: removes an object, or every object under a prefix with --recursive."""
    location = _remote(args, args.location)
    if not args.recursive and not location.key:
        raise UsageError(f"{args.location} names a bucket: use --recursive, or rb")
    with _project(args) as project:
        if not args.recursive:
            if project.delete_object(location.bucket, location.key) is None:
                raise Failed(f"cannot remove {location}: no such object")
            print(f"removed {location}")
            return EXIT_OK
        keys = [item.key for item in _objects_under(project, location.bucket, location.key)]
        failures = 0
        for result in project.delete_objects(location.bucket, keys):
            removed = Location(location.bucket, result.key)
            status = DeleteStatus(result.status)
            if status == DeleteStatus.OK:
                print(f"removed {removed}")
            else:
                failures += 1
                print(f"{PROG}: cannot remove {removed}: {status.name.lower().replace('_', ' ')}",
                      file=sys.stderr)
    return EXIT_FAILED if failures else EXIT_OK


def _unix_time(text: str) -> int:
    """Parses --not-before/--not-after: ISO 8601, +DURATION (e.g. +2h, +30m, +7d) or unix."""
    value = text.strip()
    if value.startswith("+"):
        units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
        if len(value) < 3 or value[-1] not in units or not value[1:-1].isdigit():
            raise argparse.ArgumentTypeError(f"{text!r}: use +NUMBER followed by s, m, h or d")
        now = datetime.datetime.now(datetime.timezone.utc).timestamp()
        return int(now) + int(value[1:-1]) * units[value[-1]]
    if value.isdigit():
        return int(value)
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give a time as 2030-01-31T12:00:00Z, +24h or unix seconds") from None
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return int(moment.timestamp())


def _edge_config(address: str) -> EdgeConfig:
    """The EdgeConfig of an auth service given as https://host[:port], http://host:port
    (unencrypted, for local services) or host:port."""
    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "https", address
    host = rest.rstrip("/")
    if ":" not in host.rsplit("]", 1)[-1]:
        host = f"{host}:{AUTH_SERVICE_PORT}"
    if scheme not in ("http", "https"):
        raise UsageError(f"--auth-service {address!r}: use https://HOST[:PORT] or http://HOST:PORT")
    return EdgeConfig(host, insecure_unencrypted_connection=scheme == "http")


def cmd_share(args: argparse.Namespace) -> int:
    """share: prints a restricted access grant (and optionally a linkshare URL)."""
    prefixes = [_remote(args, text) for text in args.prefixes]
    permission = Permission(allow_download=not args.writeonly, allow_list=not args.writeonly,
                            allow_upload=not args.readonly, allow_delete=not args.readonly,
                            not_before=args.not_before or 0, not_after=args.not_after or 0)
    register = args.register or args.url or args.public
    with _access(args) as access:
        shares = [SharePrefix(bucket=loc.bucket, prefix=loc.key) for loc in prefixes]
        with access.share(permission, shares) as shared:
            grant = shared.serialize()
            credentials_ = (edge.register_access(_edge_config(args.auth_service), shared,
                                                 is_public=args.url or args.public)
                            if register else None)
    print(f"Sharing access to satellite {access_satellite_host(grant)}")
    print("=========== ACCESS RESTRICTIONS ==========================================")
    print(f"Download  : {'Allowed' if permission.allow_download else 'Disallowed'}")
    print(f"Upload    : {'Allowed' if permission.allow_upload else 'Disallowed'}")
    print(f"Lists     : {'Allowed' if permission.allow_list else 'Disallowed'}")
    print(f"Deletes   : {'Allowed' if permission.allow_delete else 'Disallowed'}")
    print(f"NotBefore : {_time(args, permission.not_before) or 'No restriction'}")
    print(f"NotAfter  : {_time(args, permission.not_after) or 'No restriction'}")
    print(f"Paths     : {', '.join(str(loc) for loc in prefixes)}")
    print("=========== SERIALIZED ACCESS WITH THE ABOVE RESTRICTIONS TO SHARE WITH OTHERS ===")
    print(f"Access    : {grant}")
    if credentials_ is not None:
        print("========== GATEWAY CREDENTIALS ===========================================")
        print(f"Access Key ID: {credentials_.access_key_id}")
        print(f"Secret Key   : {credentials_.secret_key}")
        print(f"Endpoint     : {credentials_.endpoint}")
        if args.url:
            for loc in prefixes:
                url = edge.join_share_url(args.base_url, credentials_.access_key_id,
                                          loc.bucket, loc.key)
                print(f"Public URL   : {url}")
    if args.export_to:
        with open(args.export_to, "x", encoding="utf-8") as handle:
            handle.write(grant + "\n")
        os.chmod(args.export_to, 0o600)
        print(f"Exported access to: {os.path.abspath(args.export_to)}")
    return EXIT_OK


def access_satellite_host(grant: str) -> str:
    """The host:port of a grant's satellite (its node id left out, as the uplink CLI shows it)."""
    from .uplink import Uplink  # pylint: disable=import-outside-toplevel
    access = Uplink().parse_access(grant)
    with access:
        return access.satellite_address().rsplit("@", 1)[-1]


def cmd_access_import(args: argparse.Namespace) -> int:
    """access import: saves a grant (or a file holding one) under a name."""
    from .uplink import Uplink  # pylint: disable=import-outside-toplevel
    directory = args.config_dir or credentials.uplink_config_dir()
    text = args.grant
    if os.path.isfile(text):
        with open(text, encoding="utf-8") as handle:
            text = handle.read().strip()
    with Uplink().parse_access(text):
        pass  # only checks that the grant parses
    info = credentials.load_access_info(directory) or credentials.AccessInfo("", {})
    if args.name in info.accesses and not args.force:
        raise Failed(f"access {args.name!r} already exists: use --force to overwrite it")
    accesses = dict(info.accesses, **{args.name: text})
    default = args.name if args.use or not info.default else info.default
    path = credentials.save_access_info(credentials.AccessInfo(default, accesses), directory)
    print(f"Imported access {args.name!r} to {path!r}")
    return EXIT_OK


def cmd_access_list(args: argparse.Namespace) -> int:
    """access list: the saved accesses, without their grants."""
    info = credentials.load_access_info(args.config_dir)
    if info is None:
        raise Failed("no accesses saved: use 'uplink-py access import NAME GRANT'")
    rows = []
    for name in sorted(info.accesses):
        try:
            host = access_satellite_host(info.accesses[name])
        except StorjException:
            host = "<access parse error>"
        if args.json:
            _print_json({"name": name, "default": name == info.default, "satellite": host})
        rows.append(("*" if name == info.default else "", name, host))
    if not args.json:
        _table(rows, ("CURRENT", "NAME", "SATELLITE"))
    return EXIT_OK


def cmd_access_use(args: argparse.Namespace) -> int:
    """access use: makes a saved access the default."""
    info = credentials.load_access_info(args.config_dir)
    if info is None or args.name not in info.accesses:
        raise Failed(f"access {args.name!r} does not exist: see 'uplink-py access list'")
    credentials.save_access_info(credentials.AccessInfo(args.name, info.accesses),
                                 args.config_dir)
    print(f"Switched default access to {args.name!r}")
    return EXIT_OK


def cmd_access_remove(args: argparse.Namespace) -> int:
    """access remove: forgets a saved access."""
    info = credentials.load_access_info(args.config_dir)
    if info is None or args.name not in info.accesses:
        raise Failed(f"access {args.name!r} does not exist: see 'uplink-py access list'")
    if args.name == info.default and not args.force:
        raise Failed(f"access {args.name!r} is the default: use --force to remove it")
    accesses = {k: v for k, v in info.accesses.items() if k != args.name}
    default = "" if args.name == info.default else info.default
    credentials.save_access_info(credentials.AccessInfo(default, accesses), args.config_dir)
    print(f"Removed access {args.name!r}")
    return EXIT_OK


def cmd_access_inspect(args: argparse.Namespace) -> int:
    """access inspect: where an access comes from and its satellite; never the grant."""
    source = credentials.find_access(args.name, config_dir=args.config_dir)
    record = {"origin": source.origin}
    if source.grant is not None:
        from .uplink import Uplink  # pylint: disable=import-outside-toplevel
        with Uplink().parse_access(source.grant) as access:
            record["satellite_address"] = access.satellite_address()
        record["grant"] = f"<hidden, {len(source.grant)} characters>"
    else:
        assert source.request is not None
        record["satellite_address"] = source.request[0]
        record["api_key"] = "<hidden>"
        record["passphrase"] = "<hidden>"
    if args.json:
        _print_json(record)
    else:
        for key, value in record.items():
            print(f"{key:<18}: {value}")
    return EXIT_OK


# The parser


def _common(parser: argparse.ArgumentParser) -> None:
    """Options that every command takes (also after the command name)."""
    group = parser.add_argument_group("common options")
    group.add_argument("--access", default=argparse.SUPPRESS,
                       help="access name, serialized grant or file holding one "
                            "(default: STORJ_ACCESS, STORJ_SATELLITE/API_KEY/PASSPHRASE, "
                            "UPLINK_ACCESS, then the uplink CLI's default access)")
    group.add_argument("--config-dir", default=argparse.SUPPRESS,
                       help="the uplink CLI's configuration directory "
                            f"(default: {credentials.uplink_config_dir()}; $UPLINK_CONFIG_DIR)")
    group.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS,
                       help="log the library's calls to standard error (-vv: more)")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 1 or more")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of uplink-py."""
    parser = argparse.ArgumentParser(
        prog=PROG, description="Storj from the command line: buckets, objects, shares and "
        "accesses. Locations are sj://BUCKET/KEY or local paths.",
        epilog="Exit status: 0 success, 1 failure, 2 usage error.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _common(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, handler: Callable[[argparse.Namespace], int], text: str,
                into: Any = commands) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = into.add_parser(name, help=text, description=text)
        sub.set_defaults(handler=handler)
        _common(sub)
        return sub

    def listing_flags(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--json", action="store_true", help="one JSON object per line")
        sub.add_argument("--utc", action="store_true", help="times in UTC, not local time")

    sub = command("ls", cmd_ls, "list buckets, or objects and prefixes under sj://BUCKET/PREFIX")
    sub.add_argument("location", nargs="?", help="sj://BUCKET[/PREFIX] (none: list buckets)")
    sub.add_argument("-r", "--recursive", action="store_true", help="list every key below")
    listing_flags(sub)

    sub = command("mb", cmd_mb, "make a bucket")
    sub.add_argument("bucket", help="sj://BUCKET")

    sub = command("rb", cmd_rb, "remove a bucket")
    sub.add_argument("bucket", help="sj://BUCKET")
    sub.add_argument("--force", action="store_true", help="remove its objects too")

    def transfer_flags(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("-r", "--recursive", action="store_true",
                         help="copy every object under the prefix / every file in the directory")
        sub.add_argument("-t", "--transfers", type=_positive_int, default=4,
                         help="files moved at once (default 4)")
        sub.add_argument("-p", "--parallelism", type=_positive_int, default=1,
                         help="parts of one large file moved at once (default 1)")
        sub.add_argument("--part-size", type=_positive_int, default=DEFAULT_PART_SIZE,
                         help=f"bytes per part with --parallelism (default {DEFAULT_PART_SIZE})")
        progress = sub.add_mutually_exclusive_group()
        progress.add_argument("--progress", dest="progress", action="store_true", default=None,
                              help="show a progress bar (default: when stderr is a terminal)")
        progress.add_argument("--no-progress", dest="progress", action="store_false",
                              help="never show a progress bar")

    sub = command("cp", cmd_cp, "copy files to, from or within Storj (- is stdin/stdout)")
    sub.add_argument("source", help="sj://BUCKET/KEY, a local path or -")
    sub.add_argument("destination", help="sj://BUCKET/KEY, a local path or -")
    transfer_flags(sub)

    sub = command("mv", cmd_mv, "move objects within Storj (server side)")
    sub.add_argument("source", help="sj://BUCKET/KEY")
    sub.add_argument("destination", help="sj://BUCKET/KEY")
    sub.add_argument("-r", "--recursive", action="store_true", help="move every object below")

    sub = command("cat", cmd_cat, "write an object to standard output")
    sub.add_argument("location", help="sj://BUCKET/KEY")

    sub = command("rm", cmd_rm, "remove objects")
    sub.add_argument("location", help="sj://BUCKET/KEY, or sj://BUCKET[/PREFIX] with -r")
    sub.add_argument("-r", "--recursive", action="store_true", help="remove every object below")

    sub = command("share", cmd_share, "print an access grant restricted to some prefixes")
    sub.add_argument("prefixes", nargs="+", metavar="sj://BUCKET[/PREFIX]",
                     help="what the shared access may reach")
    mode = sub.add_mutually_exclusive_group()
    mode.add_argument("--readonly", dest="readonly", action="store_true", default=True,
                      help="download and list only (the default)")
    mode.add_argument("--readwrite", dest="readonly", action="store_false",
                      help="also upload and delete")
    mode.add_argument("--writeonly", action="store_true",
                      help="upload and delete only (implies not read-only)")
    sub.add_argument("--not-before", type=_unix_time, metavar="TIME",
                     help="valid from TIME: 2030-01-31T12:00:00Z, +2h, +7d or unix seconds")
    sub.add_argument("--not-after", type=_unix_time, metavar="TIME",
                     help="valid until TIME (same forms)")
    sub.add_argument("--register", action="store_true",
                     help="register it with the auth service and print S3 credentials")
    sub.add_argument("--public", action="store_true",
                     help="register it as public (readable through the linkshare service)")
    sub.add_argument("--url", action="store_true",
                     help="print linkshare URLs (implies --register --public)")
    sub.add_argument("--auth-service", default=os.environ.get("UPLINK_AUTH_SERVICE",
                                                              DEFAULT_AUTH_SERVICE),
                     help="auth service, https://HOST[:PORT] or http://HOST:PORT for a local "
                          "one ($UPLINK_AUTH_SERVICE; default %(default)s)")
    sub.add_argument("--base-url", default=os.environ.get("UPLINK_BASE_URL", DEFAULT_BASE_URL),
                     help="linkshare service ($UPLINK_BASE_URL; default %(default)s)")
    sub.add_argument("--export-to", metavar="FILE", help="also write the grant to FILE (new)")
    sub.add_argument("--utc", action="store_true", help="times in UTC, not local time")

    sub = command("access", cmd_access_inspect, "manage saved accesses (shared with the uplink "
                  "CLI's access.json)")
    accesses = sub.add_subparsers(dest="access_command", metavar="ACTION", required=True)
    item = command("import", cmd_access_import, "save a grant under a name", accesses)
    item.add_argument("name", help="name to save it as")
    item.add_argument("grant", metavar="GRANT|FILE", help="serialized grant or file holding one")
    item.add_argument("--force", action="store_true", help="overwrite an access of that name")
    item.add_argument("--use", action="store_true", help="make it the default access")
    item = command("list", cmd_access_list, "list saved accesses (never their grants)", accesses)
    item.add_argument("--json", action="store_true", help="one JSON object per line")
    item = command("inspect", cmd_access_inspect,
                   "show where an access comes from and its satellite (never the secrets)",
                   accesses)
    item.add_argument("name", nargs="?", help="access name, grant or file (default: the one "
                                              "the other commands would use)")
    item.add_argument("--json", action="store_true", help="print a JSON object")
    item = command("use", cmd_access_use, "make a saved access the default", accesses)
    item.add_argument("name")
    item = command("remove", cmd_access_remove, "forget a saved access", accesses)
    item.add_argument("name")
    item.add_argument("--force", action="store_true", help="remove it even if it is the default")
    return parser


def _setup_logging(verbosity: int) -> None:
    if not verbosity:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logger = logging.getLogger("uplink_python")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbosity > 1 else logging.INFO)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs uplink-py with ``argv`` (default: sys.argv[1:]); returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    for name, default in (("access", None), ("config_dir", None), ("verbose", 0)):
        if not hasattr(args, name):
            setattr(args, name, default)
    for name, default in (("progress", None), ("utc", False)):
        if not hasattr(args, name):
            setattr(args, name, default)
    _setup_logging(args.verbose)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except UsageError as exc:
        parser.exit(EXIT_USAGE, f"{PROG}: error: {exc}\n")
    except (Failed, StorjException, OSError, ValueError) as exc:
        text = str(exc)
        if isinstance(exc, OSError) and exc.filename and not isinstance(exc, StorjException):
            text = f"{exc.filename}: {exc.strerror or exc}"
        print(f"{PROG}: {text}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_FAILED  # pragma: no cover  (parser.exit does not return)


def entry_point() -> None:
    """The console script: exits with main()'s status."""
    sys.exit(main())


__all__ = ["main", "build_parser", "parse_location", "Location", "entry_point"]
