"""The argument parser of uplink-py."""

from __future__ import annotations

import argparse
import os
from typing import Any, Callable, NoReturn, Optional, Sequence

from .. import __version__, credentials
from ..transfer import DEFAULT_PART_SIZE
from ._access import (DEFAULT_AUTH_SERVICE, DEFAULT_BASE_URL, _unix_time, cmd_access_import,
                      cmd_access_inspect, cmd_access_list, cmd_access_remove, cmd_access_use,
                      cmd_share)
from ._base import PROG
from ._objects import cmd_cat, cmd_ls, cmd_mb, cmd_rb, cmd_rm
from ._transfers import byte_range, cmd_cp, cmd_mv, cmd_sync, metadata_json

LOCATIONS = """\
What a location names (the same in every command):
  without -r, sj://BUCKET/KEY is one object and a local path one file;
  sj://BUCKET and sj://BUCKET/DIR/ are folders, which need -r.
  with -r, sj://BUCKET/DIR and sj://BUCKET/DIR/ are the folder DIR/: every key
  starting with DIR/ (never DIR2/x or DIRx, nor the object DIR itself); a
  local path is a directory. rm -r, cp -r, mv -r and sync act on exactly what
  ls -r of the same location lists.
  cp -r SRC DST and sync SRC DST copy the contents of SRC into DST, in both
  directions (as aws s3 does): cp -r ./album sj://b/pics puts album/x.jpg at
  sj://b/pics/x.jpg, and cp -r sj://b/pics ./album puts it back at album/x.jpg.
"""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on standard error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())} "
                     f"(see '{self.prog} --help')\n")


class _Filter(argparse.Action):
    """--exclude/--include: kept in one list, in the order given."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: Optional[str] = None) -> None:
        rules = list(getattr(namespace, self.dest, None) or [])
        rules.append(("exclude" if option_string == "--exclude" else "include", values))
        setattr(namespace, self.dest, rules)


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
                       help="report each transfer and log the library's calls to standard "
                            "error (-vv: more)")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 1 or more")
    return value


def _filters(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--exclude", action=_Filter, dest="filters", default=[], metavar="GLOB",
                     help="leave out names (relative to the folder) matching GLOB; with "
                          "--include, the last matching pattern decides")
    sub.add_argument("--include", action=_Filter, dest="filters", default=[], metavar="GLOB",
                     help="keep names matching GLOB even if an earlier --exclude matched")


def _dry_run(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--dry-run", action="store_true",
                     help="print what would be done, as '(dryrun) upload: A to B', "
                          "and change nothing")


def _transfer_flags(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("-t", "--transfers", type=_positive_int, default=4,
                     help="files moved at once (default 4)")
    sub.add_argument("-p", "--parallelism", type=_positive_int, default=1,
                     help="parts of one large file moved at once (default 1)")
    sub.add_argument("--part-size", type=_positive_int, default=DEFAULT_PART_SIZE,
                     help=f"bytes per part with --parallelism (default {DEFAULT_PART_SIZE})")
    progress = sub.add_mutually_exclusive_group()
    progress.add_argument("--progress", dest="progress", action="store_true", default=None,
                          help="show a progress bar (default: when stderr is a terminal; "
                               "needs the cli extra, tqdm)")
    progress.add_argument("--no-progress", dest="progress", action="store_false",
                          help="never show a progress bar")
    _dry_run(sub)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of uplink-py."""
    parser = _Parser(
        prog=PROG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Storj from the command line: buckets, objects, shares and accesses.\n\n"
        + LOCATIONS,
        epilog="Exit status: 0 success, 1 failure, 2 usage error, 130 interrupted, "
               "141 output closed early (a pipe).")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _common(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, handler: Callable[[argparse.Namespace], int], text: str,
                into: Any = commands, locations: bool = False) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = into.add_parser(
            name, help=text, description=text + ("\n\n" + LOCATIONS if locations else ""),
            formatter_class=argparse.RawDescriptionHelpFormatter)
        sub.set_defaults(handler=handler)
        _common(sub)
        return sub

    sub = command("ls", cmd_ls, "list buckets, or objects and folders under sj://BUCKET/PREFIX; "
                  "sorted by key; without -r keys are shown relative to the folder listed, with "
                  "-r whole (as aws s3 ls); JSON always has whole keys", locations=True)
    sub.add_argument("location", nargs="?", help="sj://BUCKET[/PREFIX] (none: list buckets)")
    sub.add_argument("-r", "--recursive", action="store_true", help="list every key below")
    sub.add_argument("--json", action="store_true", help="one JSON object per line (-o json)")
    sub.add_argument("-o", "--output", choices=("text", "json"), default="text",
                     help="text (default) or json")
    sub.add_argument("--utc", action="store_true", help="times in UTC, not local time")
    sub.add_argument("--all-versions", action="store_true",
                     help="every version and delete marker, with its version id")
    sub.add_argument("--pending", action="store_true",
                     help="unfinished multipart uploads, with their upload ids")
    sub.add_argument("-H", "--human-readable", action="store_true",
                     help="sizes in KiB, MiB, GiB")
    sub.add_argument("--summarize", action="store_true",
                     help="end with the number of objects and their total size")

    sub = command("mb", cmd_mb, "make a bucket")
    sub.add_argument("bucket", help="sj://BUCKET")

    sub = command("rb", cmd_rb, "remove a bucket")
    sub.add_argument("bucket", help="sj://BUCKET")
    sub.add_argument("--force", action="store_true", help="remove its objects too")

    sub = command("cp", cmd_cp, "copy files to, from or within Storj (- is stdin/stdout)",
                  locations=True)
    sub.add_argument("source", help="sj://BUCKET/KEY, a local path or -")
    sub.add_argument("destination", help="sj://BUCKET/KEY, a local path or -")
    sub.add_argument("-r", "--recursive", action="store_true",
                     help="copy the contents of the folder SOURCE into the folder DESTINATION")
    _transfer_flags(sub)
    _filters(sub)
    sub.add_argument("--range", type=byte_range, metavar="RANGE",
                     help="download only bytes=START-END (END included), START- or -LAST")
    sub.add_argument("--expires", type=_unix_time, metavar="TIME",
                     help="the uploaded objects expire at TIME: 2030-01-31T12:00:00Z, +2h, "
                          "+7d or unix seconds")
    sub.add_argument("--metadata", type=metadata_json, metavar="JSON",
                     help="custom metadata of the written objects, a JSON object of strings")

    sub = command("mv", cmd_mv, "move objects within Storj (server side)", locations=True)
    sub.add_argument("source", help="sj://BUCKET/KEY")
    sub.add_argument("destination", help="sj://BUCKET/KEY")
    sub.add_argument("-r", "--recursive", action="store_true",
                     help="move the contents of the folder SOURCE into the folder DESTINATION")
    sub.add_argument("-t", "--transfers", type=_positive_int, default=4,
                     help="objects moved at once (default 4)")
    sub.set_defaults(progress=False)
    _dry_run(sub)
    _filters(sub)

    sub = command("sync", cmd_sync, "make the folder DESTINATION hold what the folder SOURCE "
                  "holds: send what is missing or differs in size or modification time (kept "
                  "in the objects' 'mtime' metadata)", locations=True)
    sub.add_argument("source", help="sj://BUCKET[/DIR] or a local directory")
    sub.add_argument("destination", help="sj://BUCKET[/DIR] or a local directory")
    sub.add_argument("--delete", action="store_true",
                     help="also delete what DESTINATION holds and SOURCE does not (excluded "
                          "names are left alone)")
    _transfer_flags(sub)
    _filters(sub)

    sub = command("cat", cmd_cat, "write an object to standard output")
    sub.add_argument("location", help="sj://BUCKET/KEY")

    sub = command("rm", cmd_rm, "remove objects", locations=True)
    sub.add_argument("locations", nargs="+", metavar="location",
                     help="sj://BUCKET/KEY, or sj://BUCKET[/DIR] with -r")
    sub.add_argument("-r", "--recursive", action="store_true",
                     help="remove every object in the folder")
    sub.add_argument("--all-versions", action="store_true",
                     help="remove every version and delete marker, not only the latest")
    sub.add_argument("--pending", action="store_true",
                     help="abort unfinished multipart uploads instead of removing objects")
    _dry_run(sub)
    _filters(sub)

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


def parse(parser: argparse.ArgumentParser, argv: Optional[Sequence[str]]) -> argparse.Namespace:
    """Parses argv and fills in the options a command does not take."""
    args = parser.parse_args(argv)
    for name, default in (("access", None), ("config_dir", None), ("verbose", 0),
                          ("progress", None), ("utc", False), ("dry_run", False),
                          ("filters", []), ("metadata", None), ("expires", None),
                          ("range", None), ("from_passphrase", False)):
        if not hasattr(args, name):
            setattr(args, name, default)
    return args
