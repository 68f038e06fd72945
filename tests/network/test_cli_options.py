"""uplink-py ls/rm/cp options, pipes and error messages, against the local network."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from typing import Any

from uplink_python import Uplink
from uplink_python.module_classes import ListUploadsOptions
from test_cli import Cli, _env, cli, cli_bucket  # noqa: F401  (fixtures)


def test_ls_options(cli: Cli, cli_bucket: str) -> None:
    for key, size in (("logs/a.txt", 10), ("logs/b/c.txt", 2048), ("logs2/b.txt", 1),
                      ("logsX.txt", 3)):
        cli.run("cp", "-", f"sj://{cli_bucket}/{key}", stdin=b"x" * size)
    # Without -r keys relative to the folder listed, with -r whole; in key order.
    text = cli.out("ls", f"sj://{cli_bucket}/logs")
    assert [line.split()[-1] for line in text.splitlines()[1:]] == ["a.txt", "b/"]
    text = cli.out("ls", "-r", f"sj://{cli_bucket}/logs")
    assert [line.split()[-1] for line in text.splitlines()[1:]] == ["logs/a.txt", "logs/b/c.txt"]
    rows = [json.loads(line) for line in
            cli.out("ls", "-r", "-o", "json", "--summarize", f"sj://{cli_bucket}").splitlines()]
    assert [row["key"] for row in rows[:-1]] == ["logs/a.txt", "logs/b/c.txt", "logs2/b.txt",
                                                 "logsX.txt"]
    assert rows[-1] == {"total_objects": 4, "total_size": 10 + 2048 + 1 + 3}
    human = cli.out("ls", "-r", "-H", "--summarize", f"sj://{cli_bucket}/logs/")
    assert "2.0 KiB" in human and "Total Objects: 2" in human and "Total Size: 2.0 KiB" in human


def test_versions_and_pending_uploads(testnet: Any, cli: Cli, cli_bucket: str) -> None:
    with Uplink().parse_access(testnet.access) as access, access.open_project() as project:
        project.set_bucket_versioning(cli_bucket, True)
        for data in (b"1", b"22"):
            cli.run("cp", "-", f"sj://{cli_bucket}/v/k", stdin=data)
        pending = project.begin_upload(cli_bucket, "v/pending").upload_id
        versions = [json.loads(line) for line in cli.out(
            "ls", "--all-versions", "-r", "--json", f"sj://{cli_bucket}/v").splitlines()]
        assert [(row["key"], row["size"]) for row in versions] == [("v/k", 2), ("v/k", 1)]
        assert all(len(row["version"]) > 8 for row in versions)
        uploads = [json.loads(line) for line in cli.out(
            "ls", "--pending", "-r", "--json", f"sj://{cli_bucket}/v").splitlines()]
        assert [(row["key"], row["upload_id"]) for row in uploads] == [("v/pending", pending)]

        assert cli.out("rm", "--pending", "-r", "--dry-run", f"sj://{cli_bucket}/v") == \
            f"(dryrun) abort: sj://{cli_bucket}/v/pending (upload {pending})\n"
        cli.run("rm", "--pending", "-r", f"sj://{cli_bucket}/v")
        assert project.list_uploads(cli_bucket, ListUploadsOptions(recursive=True)) == []

        out = cli.out("rm", "--all-versions", f"sj://{cli_bucket}/v/k")
        assert out.count("delete: ") == 2
        assert cli.out("ls", "--all-versions", "-r", "--json", f"sj://{cli_bucket}") == ""


def test_cp_range_expires_and_metadata(testnet: Any, cli: Cli, cli_bucket: str,
                                       tmp_path: Any) -> None:
    source = tmp_path / "digits"
    source.write_bytes(b"0123456789")
    cli.run("cp", str(source), f"sj://{cli_bucket}/d", "--expires", "+2h",
            "--metadata", '{"color": "blue"}')
    remote = f"sj://{cli_bucket}/d"
    assert cli.run("cp", remote, "-", "--range", "bytes=2-4").stdout == b"234"
    assert cli.run("cp", remote, "-", "--range", "7-").stdout == b"789"
    assert cli.run("cp", remote, "-", "--range", "-2").stdout == b"89"
    cli.run("cp", remote, str(tmp_path / "part"), "--range", "0-0")
    assert (tmp_path / "part").read_bytes() == b"0"
    with Uplink().parse_access(testnet.access) as access, access.open_project() as project:
        stored = project.stat_object(cli_bucket, "d")
    assert stored.system.expires > 0
    metadata = stored.custom.to_dict()
    assert metadata["color"] == "blue" and float(metadata["mtime"]) == os.stat(source).st_mtime
    assert "give bytes=START-END" in cli.err("cp", remote, "-", "--range", "5-2", code=2)
    assert "JSON object of strings" in cli.err("cp", str(source), remote, "--metadata", "[1]",
                                               code=2)


def test_rm_several_locations_and_folders_need_recursive(cli: Cli, cli_bucket: str) -> None:
    for key in ("a", "b", "dir/c"):
        cli.run("cp", "-", f"sj://{cli_bucket}/{key}", stdin=b"x")
    assert "use --recursive" in cli.err("rm", f"sj://{cli_bucket}/dir/", code=2)
    assert "use --recursive" in cli.err("cp", f"sj://{cli_bucket}/dir/", ".", code=2)
    out = cli.out("rm", f"sj://{cli_bucket}/a", f"sj://{cli_bucket}/b")
    assert out.splitlines() == [f"delete: sj://{cli_bucket}/a", f"delete: sj://{cli_bucket}/b"]
    # A missing one fails (exit 1) without keeping the others from being removed.
    result = cli.run("rm", f"sj://{cli_bucket}/gone", f"sj://{cli_bucket}/dir/c", code=1)
    assert result.stdout.decode() == f"delete: sj://{cli_bucket}/dir/c\n"
    assert "gone: no such object" in result.stderr.decode()


def test_a_closed_pipe_ends_quietly(cli: Cli, cli_bucket: str) -> None:
    for index in range(3):
        cli.run("cp", "-", f"sj://{cli_bucket}/k{index}", stdin=b"x")
    process = subprocess.Popen([sys.executable, "-m", "uplink_python", "ls", "-r",
                                f"sj://{cli_bucket}"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=_env(cli.config_dir))
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # as `| head -0` would, before the first line
    error = process.stderr.read()
    assert process.wait(timeout=120) in (0, 141), error
    assert error == b""


def test_verbose_reports_each_transfer_and_progress_needs_tqdm(cli: Cli, cli_bucket: str,
                                                               tmp_path: Any) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    for name in ("one", "two"):
        (tree / name).write_bytes(name.encode())
    log = cli.run("-v", "cp", "-r", str(tree), f"sj://{cli_bucket}/t").stderr.decode()
    for name in ("one", "two"):
        assert f"upload: {tree / name} to sj://{cli_bucket}/t/{name} (3 bytes in" in log

    blocker = tmp_path / "blocker" / "tqdm"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('tqdm is not installed')\n")
    env = _env(cli.config_dir)
    env["PYTHONPATH"] = os.pathsep.join([str(blocker.parent), env["PYTHONPATH"]])
    result = cli.run("cp", "--progress", "-r", str(tree), f"sj://{cli_bucket}/u", env=env)
    assert result.stderr.decode().count("needs tqdm") == 1
    assert "uplink-python[cli]" in result.stderr.decode()


def test_errors_say_what_to_do(testnet: Any, cli: Cli, cli_bucket: str, tmp_path: Any) -> None:
    empty = str(tmp_path / "none")
    text = cli.err("ls", env=_env(empty, STORJ_ACCESS="garbage"))
    assert "malformed grant" in text and len(text.splitlines()) == 1
    text = cli.err("ls", "--access", str(tmp_path / "missing-grant"), env=_env(empty))
    assert "does not exist" in text and "missing-grant" in text

    cli.run("cp", "-", f"sj://{cli_bucket}/secret", stdin=b"s")
    wrong = _env(empty, STORJ_SATELLITE=testnet.satellite_url, STORJ_API_KEY=testnet.api_key,
                 STORJ_PASSPHRASE="not the passphrase")
    result = cli.run("ls", "-r", f"sj://{cli_bucket}", env=wrong)
    assert "another passphrase" in result.stderr.decode()
    assert "another passphrase" in cli.err("cat", f"sj://{cli_bucket}/secret", env=wrong)
    # A grant may not be from a passphrase the user typed: no note then.
    assert "another passphrase" not in cli.err("cat", f"sj://{cli_bucket}/none")

    out = cli.out("share", f"sj://{cli_bucket}/pub/")
    grant = next(line.split(":", 1)[1].strip() for line in out.splitlines()
                 if line.startswith("Access    :"))
    shared = Cli(str(tmp_path / "shared"), [grant])
    denied = shared.err("cat", f"sj://{cli_bucket}/secret", "--access", grant)
    assert denied.lower().count("permission denied") == 1, denied
    assert len(denied.splitlines()) == 1
    # A share not valid yet: the satellite refuses its API key, wrapped twice by Go.
    out = cli.out("share", f"sj://{cli_bucket}/", "--not-before", "+1h")
    later = next(line.split(":", 1)[1].strip() for line in out.splitlines()
                 if line.startswith("Access    :"))
    shared.secrets.append(later)
    refused = shared.err("cat", f"sj://{cli_bucket}/secret", "--access", later)
    assert refused.lower().count("permission denied") == 1, refused
    assert "uplink:" not in refused
    shared.assert_no_secrets()


def test_nested_go_errors_read_once() -> None:
    from uplink_python.errors import PermissionDeniedError  # pylint: disable=import-outside-toplevel
    for details, text in (
            ("uplink: permission denied (uplink: permission denied (metaclient: no))",
             "permission denied (metaclient: no)"),
            ('uplink: uplink: permission denied ("k")', 'permission denied ("k")'),
            ("uplink: permission denied (metainfo: x (y))", "permission denied (metainfo: x (y))")):
        assert str(PermissionDeniedError(details)) == text


def test_share_register_names_the_scheme_and_address_it_tried(testnet: Any, cli: Cli,
                                                              cli_bucket: str) -> None:
    # TLS to the local service's plain DRPC port: it answers something that is not
    # TLS, or nothing (then the dial bound ends the wait); either way a message.
    text = cli.err("share", "--register", f"sj://{cli_bucket}", "--auth-service",
                   f"https://{testnet.auth_address}")
    assert "register access failed" in text and testnet.auth_address in text
    assert "TLS" in text and "http://HOST:PORT" in text and len(text.splitlines()) == 1


def test_share_register_ends_when_the_auth_service_never_answers(cli: Cli,
                                                                 cli_bucket: str) -> None:
    """A service that accepts and never answers (here without TLS, which a connection
    check alone cannot tell from a working one) fails within the CLI's dial bound."""
    from uplink_python.cli import _access  # pylint: disable=import-outside-toplevel
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        address = f"127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        text = cli.err("share", "--register", f"sj://{cli_bucket}", "--auth-service",
                       f"http://{address}")
        took = time.monotonic() - started
    assert "register access failed" in text and address in text and len(text.splitlines()) == 1
    # The CLI's bound, not the library's default dial bound (20 s) nor its 2 minutes in
    # all; the time is only a ceiling for a loaded machine, not a timing.
    assert f"did not answer within {_access.AUTH_CONNECT_TIMEOUT:g}s" in text, text
    assert took < _access.AUTH_CONNECT_TIMEOUT + 60, took
