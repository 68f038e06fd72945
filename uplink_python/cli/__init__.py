"""uplink-py: a command line for Storj, shaped like the ``uplink`` CLI and aws s3.

Run ``uplink-py --help`` (or ``python -m uplink_python --help``). Locations
are ``sj://bucket/key`` or local paths; ``-`` is standard input or output.
Credentials come from ``--access`` or uplink_python.credentials.default_access.
What a location names is decided in one place, uplink_python.cli._select, for
every command (see its docstring and ``uplink-py --help``).

Exit status: 0 on success, 1 when an operation failed, 2 for a usage error
(as argparse, coreutils and the ``uplink`` CLI do), 130 when interrupted, 141
when standard output was closed early (``uplink-py ls -r sj://b | head -1``).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Callable, Optional, Sequence

from ..errors import ObjectNotFoundError, StorjException
from ._access import access_satellite_host
from ._base import (EXIT_BROKEN_PIPE, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE,
                    PASSPHRASE_NOTE, PROG)
from ._parser import build_parser, parse
from ._select import Failed, Location, UsageError, parse_location


def _setup_logging(verbosity: int) -> None:
    if not verbosity:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logger = logging.getLogger("uplink_python")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbosity > 1 else logging.INFO)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _quiet_stdout() -> None:
    """Points standard output at /dev/null, so that the flush at exit after a closed
    pipe raises nothing (the recipe of Python's signal module documentation)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs uplink-py with ``argv`` (default: sys.argv[1:]); returns the exit status."""
    parser = build_parser()
    args = parse(parser, argv)
    _setup_logging(args.verbose)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except UsageError as exc:
        parser.exit(EXIT_USAGE, f"{PROG}: error: {_one_line(str(exc))}\n")
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_BROKEN_PIPE
    except (Failed, StorjException, OSError, ValueError) as exc:
        text = str(exc)
        if isinstance(exc, OSError) and exc.filename and not isinstance(exc, StorjException):
            text = f"{exc.filename}: {exc.strerror or exc}"
        if isinstance(exc, ObjectNotFoundError) and args.from_passphrase:
            text += f" ({PASSPHRASE_NOTE})"
        try:
            print(f"{PROG}: {_one_line(text)}", file=sys.stderr, flush=True)
        except BrokenPipeError:
            pass
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_FAILED  # pragma: no cover  (parser.exit does not return)


def entry_point() -> None:
    """The console script: exits with main()'s status."""
    status = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
        status = EXIT_BROKEN_PIPE
    sys.exit(status)


__all__ = ["main", "build_parser", "parse_location", "Location", "UsageError", "Failed",
           "entry_point", "access_satellite_host"]