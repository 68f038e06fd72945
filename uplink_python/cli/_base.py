"""What the uplink-py commands share: exit codes, output, progress, the project."""

from __future__ import annotations

import argparse
import contextlib
import datetime
import importlib
import json
import logging
import sys
import threading
from typing import Any, Iterator, Optional, Sequence, Set, Tuple, Union

from .. import credentials
from ..access import Access
from ..project import Project
from ._select import Location, UsageError, parse_location

PROG = "uplink-py"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 0, 1, 2, 130, 141

# Said when a listing is empty or an object missing under an access made from a
# passphrase: the network cannot tell a wrong passphrase from an empty project.
PASSPHRASE_NOTE = ("the access was made from a passphrase; objects stored with another "
                   "passphrase are not visible with it (and a wrong one sees none)")

_log = logging.getLogger("uplink_python")
_warned: Set[str] = set()
_warned_lock = threading.Lock()


def say(text: str) -> None:
    """Prints one line to standard output."""
    print(text, flush=True)


def warn(text: str, *, once: bool = False) -> None:
    """Prints ``uplink-py: text`` to standard error (only the first time when ``once``)."""
    if once:
        with _warned_lock:
            if text in _warned:
                return
            _warned.add(text)
    print(f"{PROG}: {text}", file=sys.stderr, flush=True)


class ProgressBar:
    """A byte-counting progress bar on standard error (tqdm), or nothing at all."""

    def __init__(self, enabled: bool, total: Optional[int], description: str, *,
                 asked: bool = False) -> None:
        self._bar: Any = None
        self._lock = threading.Lock()
        if enabled:
            try:
                tqdm = importlib.import_module("tqdm")
            except ImportError:
                if asked:
                    warn("--progress needs tqdm: pip install 'uplink-python[cli]'", once=True)
                return
            self._bar = tqdm.tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024,
                                  desc=description, file=sys.stderr, leave=False)

    def __call__(self, count: int) -> None:
        if self._bar is not None:
            with self._lock:
                self._bar.update(count)

    def close(self, complete: bool = False) -> None:
        """Ends the bar: a complete one stays on the terminal at 100%, any other is
        removed."""
        if self._bar is not None:
            self._bar.leave = complete
            if complete and self._bar.total is not None:
                self._bar.n = self._bar.total
                self._bar.refresh()
            self._bar.close()


def wants_progress(args: argparse.Namespace) -> bool:
    """--progress, --no-progress, or a bar when standard error is a terminal."""
    if args.progress is not None:
        return bool(args.progress)
    return sys.stderr.isatty()


def format_time(args: argparse.Namespace, unix: Union[int, float, datetime.datetime]) -> str:
    """A time as YYYY-MM-DD HH:MM:SS, local unless --utc; "" for 0."""
    if not unix:
        return ""
    moment = unix if isinstance(unix, datetime.datetime) else \
        datetime.datetime.fromtimestamp(unix, datetime.timezone.utc)
    if not args.utc:
        moment = moment.astimezone()
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def format_size(args: argparse.Namespace, size: int) -> str:
    """Bytes, or with --human-readable 1.5 KiB, 3.0 MiB, ... (as aws s3 ls)."""
    if not getattr(args, "human_readable", False):
        return str(size)
    value = float(size)
    for unit in ("Bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if value < 1024 or unit == "PiB":
            return f"{size} Bytes" if unit == "Bytes" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def table(rows: Sequence[Tuple[str, ...]], headers: Tuple[str, ...]) -> None:
    """Prints rows in aligned columns under their headers."""
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, *rows]:
        say("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


def print_json(record: Any) -> None:
    """Prints one JSON object on a line."""
    say(json.dumps(record, sort_keys=False))


def open_access(args: argparse.Namespace) -> Access:
    """The access of --access or the environment; notes whether a passphrase made it."""
    source = credentials.find_access(args.access, config_dir=args.config_dir)
    args.from_passphrase = source.request is not None
    return credentials.default_access(args.access, config_dir=args.config_dir)


@contextlib.contextmanager
def open_project(args: argparse.Namespace) -> Iterator[Project]:
    """The project of the access (closed at the end)."""
    with open_access(args) as access, access.open_project() as project:
        yield project


def remote(text: str, *, key: Optional[bool] = None) -> Location:
    """A remote location; ``key`` True requires a key, False forbids one."""
    location = parse_location(text)
    if not location.remote:
        raise UsageError(f"{text!r} is not a sj://BUCKET location")
    if key is True and not location.key:
        raise UsageError(f"{text!r} names no object (sj://BUCKET/KEY)")
    if key is False and location.key:
        raise UsageError(f"{text!r}: give a bucket only (sj://BUCKET)")
    return location
