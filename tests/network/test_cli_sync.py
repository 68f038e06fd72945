"""uplink-py sync, --dry-run, filters and the cp -r folder rule, against the local network."""

from __future__ import annotations

import json
import os
import time
from typing import Any, Dict, List

import pytest

from test_cli import Cli, cli, cli_bucket  # noqa: F401  (fixtures)


def _tree(root: Any, files: Dict[str, bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def _keys(cli: Cli, location: str) -> List[str]:
    return sorted(json.loads(line)["key"]
                  for line in cli.out("ls", "-r", "--json", location).splitlines())


def _local(root: Any) -> Dict[str, bytes]:
    found = {}
    for directory, _, files in os.walk(root):
        for name in files:
            path = os.path.join(directory, name)
            found[os.path.relpath(path, root).replace(os.sep, "/")] = open(path, "rb").read()
    return found


def test_sync_up_down_and_across(cli: Cli, cli_bucket: str, tmp_path: Any) -> None:
    files = {"a.txt": b"alpha", "sub/b.txt": b"beta" * 100, "sub/deep/c.bin": os.urandom(5000),
             "skip.tmp": b"temporary"}
    up = tmp_path / "up"
    _tree(up, files)
    remote = f"sj://{cli_bucket}/mirror"

    dry = cli.out("sync", "--dry-run", str(up), remote, "--exclude", "*.tmp")
    assert sorted(dry.splitlines()) == sorted(
        f"(dryrun) upload: {up / name} to {remote}/{name}" for name in files if name != "skip.tmp")
    assert _keys(cli, f"sj://{cli_bucket}") == []

    out = cli.out("sync", str(up), remote, "--exclude", "*.tmp", "--transfers", "3")
    assert sorted(out.splitlines()) == sorted(line[len("(dryrun) "):] for line in dry.splitlines())
    assert _keys(cli, remote) == ["mirror/a.txt", "mirror/sub/b.txt", "mirror/sub/deep/c.bin"]
    # The modification time travels in the metadata: a second sync sends nothing.
    assert cli.out("sync", str(up), remote, "--exclude", "*.tmp") == ""

    # A changed size, or only a changed time, is sent again; nothing else.
    (up / "a.txt").write_bytes(b"alpha, longer")
    stamp = time.time() - 3600
    os.utime(up / "sub" / "b.txt", (stamp, stamp))
    out = cli.out("sync", str(up), remote, "--exclude", "*.tmp")
    assert sorted(out.splitlines()) == [f"upload: {up / 'a.txt'} to {remote}/a.txt",
                                        f"upload: {up / 'sub/b.txt'} to {remote}/sub/b.txt"]

    # Down: contents of the folder into the directory, times kept.
    down = tmp_path / "down"
    cli.run("sync", remote, str(down))
    assert _local(down) == {name: (up / name).read_bytes() for name in files if name != "skip.tmp"}
    assert abs(os.stat(down / "sub" / "b.txt").st_mtime - stamp) < 0.01
    assert cli.out("sync", remote, str(down)) == ""

    # --delete removes what the source lacks, and leaves excluded names alone.
    (down / "extra.txt").write_bytes(b"extra")
    (down / "keep.log").write_bytes(b"log")
    out = cli.out("sync", "--delete", remote, str(down), "--exclude", "*.log")
    assert out.splitlines() == [f"delete: {down / 'extra.txt'}"]
    assert (down / "keep.log").exists() and not (down / "extra.txt").exists()

    # Storj to Storj, then --delete there.
    other = f"sj://{cli_bucket}/other"
    cli.run("sync", remote, other)
    assert _keys(cli, other) == ["other/a.txt", "other/sub/b.txt", "other/sub/deep/c.bin"]
    assert cli.out("sync", remote, other) == ""
    cli.run("rm", f"{remote}/a.txt")
    assert cli.out("sync", "--delete", "--dry-run", remote, other) == \
        f"(dryrun) delete: {other}/a.txt\n"
    cli.run("sync", "--delete", remote, other)
    assert _keys(cli, other) == ["other/sub/b.txt", "other/sub/deep/c.bin"]
    # A mistyped source is empty: --delete refuses to empty the destination for it.
    text = cli.err("sync", "--delete", f"sj://{cli_bucket}/mirrror", other)
    assert "holds nothing to sync" in text
    assert "holds nothing" in cli.err("sync", "--delete", f"sj://{cli_bucket}/mirrror", str(down))
    assert _keys(cli, other) == ["other/sub/b.txt", "other/sub/deep/c.bin"]
    assert (down / "a.txt").exists()


def test_cp_recursive_copies_contents_both_ways(cli: Cli, cli_bucket: str, tmp_path: Any
                                                ) -> None:
    album = tmp_path / "album"
    _tree(album, {"x.jpg": b"x", "2024/y.jpg": b"y", "notes.txt": b"n"})
    cli.run("cp", "-r", str(album), f"sj://{cli_bucket}/pics")
    assert _keys(cli, f"sj://{cli_bucket}") == ["pics/2024/y.jpg", "pics/notes.txt", "pics/x.jpg"]
    back = tmp_path / "back"
    cli.run("cp", "-r", f"sj://{cli_bucket}/pics", str(back), "--exclude", "*.txt")
    assert _local(back) == {"x.jpg": b"x", "2024/y.jpg": b"y"}
    out = cli.out("cp", "-r", "--dry-run", f"sj://{cli_bucket}/pics/", str(back),
                  "--exclude", "*", "--include", "2024/*")
    assert out == f"(dryrun) download: sj://{cli_bucket}/pics/2024/y.jpg to {back / '2024' / 'y.jpg'}\n"
    # rm -r takes the same filters; --dry-run deletes nothing.
    assert cli.out("rm", "-r", "--dry-run", f"sj://{cli_bucket}/pics", "--exclude", "*.jpg") == \
        f"(dryrun) delete: sj://{cli_bucket}/pics/notes.txt\n"
    assert len(_keys(cli, f"sj://{cli_bucket}")) == 3
    cli.run("rm", "-r", f"sj://{cli_bucket}/pics", "--exclude", "*.jpg")
    assert _keys(cli, f"sj://{cli_bucket}") == ["pics/2024/y.jpg", "pics/x.jpg"]
    assert "need --recursive" in cli.err("rm", f"sj://{cli_bucket}/pics/x.jpg", "--exclude", "*",
                                         code=2)


def test_a_key_that_escapes_the_directory_is_never_written(cli: Cli, cli_bucket: str,
                                                           tmp_path: Any) -> None:
    for key in ("d/ok.txt", "d/../../escape.txt", "d/a//b.txt"):
        cli.run("cp", "-", f"sj://{cli_bucket}/{key}", stdin=b"data")
    target = tmp_path / "area" / "inner" / "target"
    text = cli.err("cp", "-r", f"sj://{cli_bucket}/d", str(target))
    assert "escape.txt" in text and "a//b.txt" in text and "cannot be a file name" in text
    assert _local(tmp_path / "area") == {"inner/target/ok.txt": b"data"}
    assert not any("escape" in name for name in _local(tmp_path))

    # "d/ok.txt" beside "d/ok.txt/more": a file and a folder of one name; the folder wins.
    cli.run("cp", "-", f"sj://{cli_bucket}/d/ok.txt/more", stdin=b"more")
    other = tmp_path / "area" / "other"
    result = cli.run("sync", f"sj://{cli_bucket}/d", str(other), code=1)
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 3 and "other keys make 'ok.txt' a folder" in lines[-1]
    assert _local(other) == {"ok.txt/more": b"more"}


@pytest.mark.parametrize("command", ["cp", "mv"])
def test_dry_run_of_one_object_changes_nothing(cli: Cli, cli_bucket: str, command: str) -> None:
    cli.run("cp", "-", f"sj://{cli_bucket}/one", stdin=b"1")
    verb = "copy" if command == "cp" else "move"
    assert cli.out(command, "--dry-run", f"sj://{cli_bucket}/one", f"sj://{cli_bucket}/two") == \
        f"(dryrun) {verb}: sj://{cli_bucket}/one to sj://{cli_bucket}/two\n"
    assert cli.out("rm", "--dry-run", f"sj://{cli_bucket}/one") == \
        f"(dryrun) delete: sj://{cli_bucket}/one\n"
    assert _keys(cli, f"sj://{cli_bucket}") == ["one"]
