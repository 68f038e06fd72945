"""uplink-py acts on what ls -r lists, and nothing else: a property test against the
local network over random key sets and random locations.

One location has one meaning in every command (uplink_python.cli._select): with -r,
sj://b/logs is the folder logs/ (never logs2/b, logsX, nor the object logs itself).
The sets rm -r, cp -r, mv -r and sync act on, by their --dry-run output and by their
real effects, must equal the set ls -r of the same location lists (less what an
--exclude pattern matches). UPLINK_CLI_EXAMPLES sets the number of examples.
"""

from __future__ import annotations

import contextlib
import fnmatch
import io
import json
import os
import shutil
import tempfile
from typing import Any, Iterator, List, Set, Tuple

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from uplink_python import Uplink
from uplink_python.cli import main
from uplink_fixtures import delete_bucket_fully, put_object, random_bucket_name

KEYS = ["logs", "logs/a", "logs/b/c", "logs/", "logs2/b", "logsX", "logs.txt", "lo",
        "other", "other/logs/x", "l/ogs"]
LOCATIONS = ["", "logs", "logs/", "logs/b", "logs/b/", "lo", "logs2", "l", "other", "nothing"]
PATTERNS = ["*", "a", "b/*", "*/*", "*.txt", "[ab]*", "logs*"]
EXAMPLES = int(os.environ.get("UPLINK_CLI_EXAMPLES", "20"))


def run(*argv: str) -> Tuple[int, str, str]:
    """Runs uplink-py in this process; returns (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(list(argv))
        except SystemExit as exc:  # argparse's usage errors
            status = int(exc.code or 0)
    return status, out.getvalue(), err.getvalue()


def ok(*argv: str) -> str:
    status, out, err = run(*argv)
    assert status == 0, (argv, out, err)
    return out


def listed(access: str, location: str) -> Set[str]:
    return {json.loads(line)["key"] for line in
            ok("ls", "-r", "--json", location, "--access", access).splitlines()}


def sources(output: str) -> List[str]:
    """The sj:// sources of '(dryrun) verb: SOURCE[ to TARGET]' lines."""
    found = []
    for line in output.splitlines():
        assert line.startswith("(dryrun) "), line
        text = line.split(": ", 1)[1]
        found.append(text.split(" to ", 1)[0])
    return found


def keys_of(bucket: str, locations: List[str]) -> Set[str]:
    prefix = f"sj://{bucket}/"
    assert all(text.startswith(prefix) for text in locations), locations
    return {text[len(prefix):] for text in locations}


@pytest.fixture(scope="module")
def shared(testnet: Any) -> Iterator[str]:
    """Two buckets, NAME and NAME-to, emptied by each example."""
    name = random_bucket_name("cli-select")
    with Uplink().parse_access(testnet.access) as access, access.open_project() as project:
        project.create_bucket(name)
        project.create_bucket(name + "-to")
    yield name
    delete_bucket_fully(testnet, name)
    delete_bucket_fully(testnet, name + "-to")


@contextlib.contextmanager
def opened(testnet: Any) -> Iterator[Any]:
    with Uplink().parse_access(testnet.access) as access, access.open_project() as project:
        yield project


def _empty(project: Any, bucket: str) -> None:
    keys = [item.key for item in project.list_objects(bucket, recursive=True)]
    if keys:
        project.delete_objects(bucket, keys)


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(keys=st.sets(st.sampled_from(KEYS), min_size=1, max_size=6),
       where=st.sampled_from(LOCATIONS), pattern=st.sampled_from(PATTERNS))
def test_every_command_acts_on_what_ls_lists(testnet: Any, shared: str, leak_check: None,
                                             keys: Set[str], where: str, pattern: str
                                             ) -> None:
    bucket = shared
    to = bucket + "-to"
    access = testnet.access
    with opened(testnet) as project:
        _empty(project, bucket)
        _empty(project, to)
        for key in keys:
            put_object(project, bucket, key, key.encode())
    location = f"sj://{bucket}/{where}"
    folder = where if not where or where.endswith("/") else where + "/"
    expected = {key for key in keys if key.startswith(folder)}

    seen = listed(access, location)
    assert seen == expected

    assert keys_of(bucket, sources(ok("rm", "-r", "--dry-run", location, "--access", access))) \
        == seen
    assert keys_of(bucket, sources(ok("mv", "-r", "--dry-run", location, f"sj://{to}/m",
                                      "--access", access))) == seen
    assert keys_of(bucket, sources(ok("cp", "-r", "--dry-run", location, f"sj://{to}/c",
                                      "--access", access))) == seen
    # --exclude takes away exactly the names (relative to the folder) it matches.
    kept = {key for key in seen if not fnmatch.fnmatchcase(key[len(folder):], pattern)}
    for command in (["rm", "-r"], ["cp", "-r"], ["mv", "-r"], ["sync"]):
        target = [] if command[0] == "rm" else [f"sj://{to}/f"]
        out = ok(*command, "--dry-run", location, *target, "--exclude", pattern,
                 "--access", access)
        assert keys_of(bucket, sources(out)) == kept, command
    scratch = tempfile.mkdtemp(prefix="cli-select-")
    try:
        down = os.path.join(scratch, "down")
        # Names that cannot be files below the directory (keys "logs/" or "a/"), and
        # keys that other keys make folders ("logs" beside "logs/a") are skipped, each
        # with a line on standard error and exit status 1.
        names = {key[len(folder):] for key in seen if all(key[len(folder):].split("/"))}
        folders = {"/".join(name.split("/")[:depth]) for name in names
                   for depth in range(1, name.count("/") + 1)}
        safe = {folder + name for name in names if name not in folders}
        for command in (["sync"], ["cp", "-r"]):
            status, out, err = run(*command, "--dry-run", location, down, "--access", access)
            assert status == (1 if safe != seen else 0), err
            assert len(err.splitlines()) == len(seen - safe)
            assert keys_of(bucket, sources(out)) == safe
        # Dry runs changed nothing.
        assert listed(access, f"sj://{bucket}") == keys
        assert not os.path.exists(down)

        status, _, err = run("cp", "-r", location, down, "--access", access)
        assert status == (1 if safe != seen else 0), err
        copied = set()
        for directory, _, files in os.walk(down):
            for file_name in files:
                relative = os.path.relpath(os.path.join(directory, file_name), down)
                copied.add(folder + relative.replace(os.sep, "/"))
        assert copied == safe
        for key in safe:
            with open(os.path.join(down, *key[len(folder):].split("/")), "rb") as handle:
                assert handle.read() == key.encode()
    finally:
        shutil.rmtree(scratch)

    # mv -r then rm -r, for real: each takes exactly the listed keys.
    ok("cp", "-r", location, f"sj://{to}/c", "--access", access)
    assert listed(access, f"sj://{to}/c") == {f"c/{key[len(folder):]}" for key in seen}
    ok("mv", "-r", location, f"sj://{to}/m", "--access", access)
    assert listed(access, f"sj://{bucket}") == keys - seen
    assert listed(access, f"sj://{to}/m") == {f"m/{key[len(folder):]}" for key in seen}
    ok("rm", "-r", f"sj://{to}/m", "--access", access)
    assert listed(access, f"sj://{to}") == {f"c/{key[len(folder):]}" for key in seen}
    with opened(testnet) as project:
        for key in keys - seen:
            put_object(project, bucket, key + "-kept", b"k")
    before = listed(access, f"sj://{bucket}")
    doomed = listed(access, location)
    ok("rm", "-r", location, "--access", access)
    assert listed(access, f"sj://{bucket}") == before - doomed


def test_location_rules_without_a_network(tmp_path: Any) -> None:
    from uplink_python.cli import _select  # pylint: disable=import-outside-toplevel
    from uplink_python.cli._transfers import byte_range  # pylint: disable=import-outside-toplevel

    logs = _select.parse_location("sj://b/logs")
    assert logs.folder() == _select.Location("b", "logs/") == logs.folder().folder()
    assert logs.join("a/b") == _select.Location("b", "logs/a/b")
    assert not logs.names_folder() and _select.parse_location("sj://b/logs/").names_folder()
    assert _select.parse_location("sj://b").names_folder()
    assert _select.parse_location(str(tmp_path)).names_folder()
    assert _select.parse_location(str(tmp_path)).join("x/y").key == str(tmp_path / "x" / "y")

    filters = _select.Filters([("exclude", "*"), ("include", "*.txt"), ("exclude", "tmp/*")])
    assert filters.included("a.txt") and not filters.included("a.bin")
    assert not filters.included("tmp/a.txt") and _select.Filters().included("anything")

    for name in ("a", "a/b", "a.b/c..d"):
        assert _select.safe_local_name(name)
    for name in ("", "../x", "a/../../x", "a//b", "./a", "a/", "/abs"):
        assert not _select.safe_local_name(name), name

    assert byte_range("bytes=2-4") == (2, 3) and byte_range("7-") == (7, -1)
    assert byte_range("-2") == (-2, -1) and byte_range("0-0") == (0, 1)
