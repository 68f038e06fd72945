"""uplink-py, the command line, run end to end in subprocesses against the local network."""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
import urllib.request
from typing import Any, Dict, List, Optional

import pytest

import uplink_python
from uplink_python.credentials import load_access_info
from uplink_fixtures import delete_bucket_fully, random_bucket_name

PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(uplink_python.__file__)))
SCRIPT = os.path.join(os.path.dirname(sys.executable), "uplink-py")
MIB = 1024 * 1024


def _env(config_dir: str, **extra: str) -> Dict[str, str]:
    """A clean environment: no STORJ_*/UPLINK_* leaking in, the given config dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STORJ_", "UPLINK_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [PACKAGE_PARENT, env.get("PYTHONPATH")]))
    env["UPLINK_CONFIG_DIR"] = config_dir
    env.update(extra)
    return env


class Cli:
    """Runs uplink-py with one configuration directory; remembers every output."""

    def __init__(self, config_dir: str, secrets: List[str]) -> None:
        self.config_dir = config_dir
        self.secrets = secrets
        self.outputs: List[str] = []

    def run(self, *args: str, stdin: Optional[bytes] = None, code: int = 0,
            env: Optional[Dict[str, str]] = None, module: bool = True
            ) -> "subprocess.CompletedProcess[bytes]":
        command = [sys.executable, "-m", "uplink_python"] if module else [SCRIPT]
        result = subprocess.run([*command, *args], input=stdin, capture_output=True,
                                env=env or _env(self.config_dir), timeout=300, check=False)
        text = result.stdout.decode(errors="replace") + result.stderr.decode(errors="replace")
        assert result.returncode == code, f"uplink-py {' '.join(args)}: {text}"
        # share prints the restricted grant it makes, never the one it was given.
        self.outputs.append(text)
        return result

    def out(self, *args: str, **kwargs: Any) -> str:
        return self.run(*args, **kwargs).stdout.decode()

    def err(self, *args: str, code: int = 1, **kwargs: Any) -> str:
        return self.run(*args, code=code, **kwargs).stderr.decode()

    def assert_no_secrets(self) -> None:
        for text in self.outputs:
            for secret in self.secrets:
                assert secret not in text


@pytest.fixture
def cli(testnet: Any, tmp_path: Any) -> Any:
    """uplink-py with the network's grant imported as the default access "main"."""
    runner = Cli(str(tmp_path / "config"), [testnet.access, testnet.api_key, testnet.passphrase])
    runner.run("access", "import", "main", testnet.access)
    yield runner
    runner.assert_no_secrets()


@pytest.fixture
def cli_bucket(testnet: Any, cli: Cli) -> Any:
    name = random_bucket_name("cli")
    cli.run("mb", f"sj://{name}")
    yield name
    delete_bucket_fully(testnet, name)


def test_access_import_writes_the_uplink_cli_file_and_never_prints_grants(
        testnet: Any, cli: Cli, tmp_path: Any) -> None:
    info = load_access_info(cli.config_dir)
    assert info is not None and info.default == "main" and info.accesses == {"main": testnet.access}
    grant_file = tmp_path / "grant.txt"
    grant_file.write_text(testnet.access + "\n")
    cli.run("access", "import", "second", str(grant_file))
    assert "already exists" in cli.err("access", "import", "second", testnet.access)
    cli.run("access", "import", "second", testnet.access, "--force")

    listed = cli.out("access", "list")
    host = testnet.satellite_address.rsplit("@", 1)[-1]
    assert "*" in listed.splitlines()[1] and "main" in listed and "second" in listed
    assert host in listed
    rows = [json.loads(line) for line in cli.out("access", "list", "--json").splitlines()]
    assert rows == [{"name": "main", "default": True, "satellite": host},
                    {"name": "second", "default": False, "satellite": host}]

    cli.run("access", "use", "second")
    assert load_access_info(cli.config_dir).default == "second"  # type: ignore[union-attr]
    inspected = json.loads(cli.out("access", "inspect", "--json"))
    assert "second" in inspected["origin"]
    assert inspected["satellite_address"] == testnet.satellite_url
    assert inspected["grant"] == f"<hidden, {len(testnet.access)} characters>"
    assert "satellite_address" in cli.out("access", "inspect", "main")
    assert "is the default" in cli.err("access", "remove", "second")
    cli.run("access", "remove", "main")
    assert sorted(load_access_info(cli.config_dir).accesses) == ["second"]  # type: ignore[union-attr]


def test_objects_round_trip(cli: Cli, cli_bucket: str, tmp_path: Any) -> None:
    data = os.urandom(11 * MIB + 123)
    source = tmp_path / "big.bin"
    source.write_bytes(data)
    remote = f"sj://{cli_bucket}/dir/big.bin"
    # Three 5 MiB parts moved by two threads: a multipart upload.
    out = cli.out("cp", str(source), f"sj://{cli_bucket}/dir/", "--parallelism", "2",
                  "--part-size", str(5 * MIB))
    assert f"upload: {source} to {remote}" in out

    listed = cli.out("ls", f"sj://{cli_bucket}")
    assert listed.split() == ["KIND", "CREATED", "SIZE", "KEY", "PRE", "dir/"]
    rows = [json.loads(line) for line in
            cli.out("ls", "--recursive", "--json", f"sj://{cli_bucket}").splitlines()]
    assert [(r["kind"], r["size"], r["key"]) for r in rows] == [("OBJ", len(data), "dir/big.bin")]
    assert cli_bucket in cli.out("ls")

    assert cli.run("cat", remote).stdout == data
    back = tmp_path / "back.bin"
    cli.run("cp", remote, str(back), "--parallelism", "3", "--part-size", str(4 * MIB))
    assert back.read_bytes() == data

    cli.run("cp", remote, f"sj://{cli_bucket}/copy.bin")
    cli.run("mv", f"sj://{cli_bucket}/copy.bin", f"sj://{cli_bucket}/moved.bin")
    assert cli.run("cat", f"sj://{cli_bucket}/moved.bin").stdout == data
    assert "no such object" in cli.err("rm", f"sj://{cli_bucket}/copy.bin")

    # standard input and output
    cli.run("cp", "-", f"sj://{cli_bucket}/stdin.txt", stdin=b"from stdin\n")
    assert cli.run("cp", f"sj://{cli_bucket}/stdin.txt", "-").stdout == b"from stdin\n"

    assert "bucket not empty" in cli.err("rb", f"sj://{cli_bucket}")
    cli.run("rm", f"sj://{cli_bucket}/moved.bin")
    assert f"Bucket {cli_bucket} removed" in cli.out("rb", "--force", f"sj://{cli_bucket}")
    assert "bucket not found" in cli.err("ls", f"sj://{cli_bucket}")


def test_recursive_copy_and_remove(cli: Cli, cli_bucket: str, tmp_path: Any) -> None:
    tree = {"a.txt": b"a" * 10, "sub/b.txt": b"b" * 2000, "sub/deeper/c.bin": os.urandom(70000)}
    local = tmp_path / "tree"
    for name, content in tree.items():
        (local / name).parent.mkdir(parents=True, exist_ok=True)
        (local / name).write_bytes(content)
    cli.run("cp", "--recursive", "--transfers", "3", str(local), f"sj://{cli_bucket}/up")
    listed = [json.loads(line)["key"] for line in
              cli.out("ls", "-r", "--json", f"sj://{cli_bucket}/up/").splitlines()]
    assert sorted(listed) == sorted(f"up/{name}" for name in tree)
    assert "PRE" in cli.out("ls", f"sj://{cli_bucket}/up/")

    down = tmp_path / "down"
    cli.run("cp", "-r", f"sj://{cli_bucket}/up/", str(down))
    for name, content in tree.items():
        assert (down / name).read_bytes() == content

    cli.run("cp", "-r", f"sj://{cli_bucket}/up/sub/", f"sj://{cli_bucket}/copy/")
    copied = [json.loads(line)["key"] for line in
              cli.out("ls", "-r", "--json", f"sj://{cli_bucket}/copy/").splitlines()]
    assert sorted(copied) == ["copy/b.txt", "copy/deeper/c.bin"]

    cli.run("mv", "-r", f"sj://{cli_bucket}/copy/", f"sj://{cli_bucket}/moved/")
    assert cli.out("ls", "-r", "--json", f"sj://{cli_bucket}/copy/") == ""

    removed = cli.out("rm", "-r", f"sj://{cli_bucket}/up/")
    assert removed.count("delete: ") == 3
    left = [json.loads(line)["key"] for line in
            cli.out("ls", "-r", "--json", f"sj://{cli_bucket}").splitlines()]
    assert sorted(left) == ["moved/b.txt", "moved/deeper/c.bin"]


def test_usage_errors_exit_2_and_failures_exit_1(cli: Cli, tmp_path: Any) -> None:
    assert "see 'uplink-py --help'" in cli.err(code=2)
    assert "invalid choice" in cli.err("frobnicate", code=2)
    assert "only sj://" in cli.err("ls", "s3://bucket", code=2)
    assert "one of the locations must be sj://" in cli.err("cp", "a", "b", code=2)
    assert "is a directory" in cli.err("cp", str(tmp_path), "sj://x/y", code=2)
    assert "names no object" in cli.err("cat", "sj://bucket", code=2)
    assert "invalid choice" in cli.err("access", "frob", code=2)
    assert "object not found" in cli.err("cat", "sj://nosuchbucket-cli/key")
    assert "no such file" in cli.err("cp", str(tmp_path / "missing"), "sj://b/k").lower()

    empty = Cli(str(tmp_path / "empty"), cli.secrets)
    text = empty.err("ls")
    assert "no access grant found" in text and "STORJ_ACCESS" in text


def test_help_everywhere(cli: Cli) -> None:
    assert "ls" in cli.out("--help") and "share" in cli.out("-h")
    for command in ("ls", "mb", "rb", "cp", "mv", "sync", "cat", "rm", "share", "access",
                    "access import", "access list", "access inspect", "access use",
                    "access remove"):
        out = cli.out(*command.split(), "--help")
        assert out.startswith("usage: uplink-py " + command)
    assert uplink_python.__version__ in cli.out("--version")
    # The console script is the same program.
    assert "usage: uplink-py" in cli.out("--help", module=False)


def test_credentials_from_the_environment(testnet: Any, cli: Cli, tmp_path: Any) -> None:
    name = random_bucket_name("cli-env")
    empty_dir = str(tmp_path / "none")
    try:
        cli.run("mb", f"sj://{name}", env=_env(empty_dir, STORJ_ACCESS=testnet.access))
        triple = _env(empty_dir, STORJ_SATELLITE=testnet.satellite_url,
                      STORJ_API_KEY=testnet.api_key, STORJ_PASSPHRASE=testnet.passphrase)
        assert name in cli.out("ls", env=triple)
        assert name in cli.out("ls", env=_env(empty_dir, UPLINK_ACCESS=testnet.access))
        assert name in cli.out("ls", "--access", "main")
        assert "no access named 'other'" in cli.err("ls", "--access", "other")
        bad = _env(empty_dir, STORJ_SATELLITE=testnet.satellite_url,
                   STORJ_API_KEY=testnet.api_key)
        assert "STORJ_PASSPHRASE missing" in cli.err("ls", env=bad)
    finally:
        delete_bucket_fully(testnet, name)


def test_verbose_logs_calls_without_secrets(cli: Cli, cli_bucket: str) -> None:
    cli.run("cp", "-", f"sj://{cli_bucket}/k", stdin=b"12345")
    result = cli.run("-vv", "cat", f"sj://{cli_bucket}/k")
    log = result.stderr.decode()
    assert result.stdout == b"12345"
    assert "uplink_python" in log and "DEBUG" in log and "access from" in log


def _progress_output(cli: Cli, *args: str) -> bytes:
    """Runs uplink-py with standard error on a terminal; returns what it wrote there."""
    master, slave = pty.openpty()
    # A real terminal has a size; a fresh pty's is 0x0, where tqdm draws nothing.
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    try:
        process = subprocess.Popen([sys.executable, "-m", "uplink_python", *args],
                                   stdout=subprocess.DEVNULL, stderr=slave,
                                   env=_env(cli.config_dir))
        os.close(slave)
        chunks = []
        while True:
            ready, _, _ = select.select([master], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=120) == 0, b"".join(chunks)
    finally:
        os.close(master)
    return b"".join(chunks)


def test_progress_bar_on_a_terminal_only(cli: Cli, cli_bucket: str, tmp_path: Any) -> None:
    source = tmp_path / "p.bin"
    source.write_bytes(os.urandom(3 * MIB))
    on_terminal = _progress_output(cli, "cp", str(source), f"sj://{cli_bucket}/p.bin")
    assert b"\rcp:" in on_terminal and b"3.00M" in on_terminal and b"B/s" in on_terminal
    assert b"100%" in on_terminal  # the finished bar stays, at 100%
    piped = cli.run("cp", f"sj://{cli_bucket}/p.bin", str(tmp_path / "q.bin"))
    assert piped.stderr == b""
    forced = cli.run("cp", "--progress", f"sj://{cli_bucket}/p.bin", str(tmp_path / "r.bin"))
    assert b"cp:" in forced.stderr and b"B/s" in forced.stderr
    quiet = _progress_output(cli, "cp", "--no-progress", str(source), f"sj://{cli_bucket}/p2")
    assert quiet == b""


def test_share_readonly_prefix(testnet: Any, cli: Cli, cli_bucket: str, tmp_path: Any) -> None:
    cli.run("cp", "-", f"sj://{cli_bucket}/pub/a.txt", stdin=b"public")
    cli.run("cp", "-", f"sj://{cli_bucket}/private.txt", stdin=b"private")
    out = cli.out("share", f"sj://{cli_bucket}/pub/", "--not-after", "+2h")
    assert "Download  : Allowed" in out and "Upload    : Disallowed" in out
    assert "NotAfter  : 20" in out
    grant = next(line.split(":", 1)[1].strip() for line in out.splitlines()
                 if line.startswith("Access    :"))
    assert grant != testnet.access

    shared = Cli(str(tmp_path / "shared-config"), [grant])
    assert shared.run("cat", f"sj://{cli_bucket}/pub/a.txt", "--access", grant).stdout == b"public"
    denied = shared.err("cat", f"sj://{cli_bucket}/private.txt", "--access", grant)
    assert "permission denied" in denied
    assert "permission denied" in shared.err("cp", "-", f"sj://{cli_bucket}/pub/new", "--access",
                                             grant, stdin=b"x")
    shared.assert_no_secrets()

    assert "give a time" in cli.err("share", f"sj://{cli_bucket}", "--not-after", "soon", code=2)


def test_share_url_through_the_local_auth_service(testnet: Any, cli: Cli,
                                                   cli_bucket: str) -> None:
    out = cli.out("share", "--url", f"sj://{cli_bucket}/pub/", "--auth-service",
                  f"http://{testnet.auth_address}", "--base-url", "https://link.example")
    key_id = next(line.split(":", 1)[1].strip() for line in out.splitlines()
                  if line.startswith("Access Key ID:"))
    assert f"https://link.example/s/{key_id}/{cli_bucket}/pub/" in out
    url = f"http://{testnet.auth_http}/v1/access/{key_id}"
    with urllib.request.urlopen(url, timeout=30) as response:
        stored = json.load(response)
    assert stored["public"] is True
    assert f"Access    : {stored['access_grant']}" in out
    unreachable = cli.err("share", "--register", f"sj://{cli_bucket}", "--auth-service",
                          "http://127.0.0.1:1")
    # What Go's edge client (and so uplink-c) reports for an unreachable service.
    assert "register access failed" in unreachable and "127.0.0.1:1" in unreachable


def test_console_script_is_installed() -> None:
    assert shutil.which("uplink-py", path=os.path.dirname(sys.executable)) == SCRIPT


def test_locations_times_and_auth_services_parse() -> None:
    from uplink_python import cli as module  # pylint: disable=import-outside-toplevel
    from uplink_python.cli import _access  # pylint: disable=import-outside-toplevel

    assert module.parse_location("sj://b/dir/k") == module.Location("b", "dir/k")
    assert module.parse_location("sj://b") == module.Location("b", "")
    assert module.parse_location("./local/file") == module.Location("", "./local/file", remote=False)
    assert str(module.parse_location("sj://b/k")) == "sj://b/k"
    for bad in ("sj://", "sj:///key", "s3://b/k", "https://x"):
        with pytest.raises(module.UsageError):
            module.parse_location(bad)

    assert _access._unix_time("1700000000") == 1700000000
    assert _access._unix_time("2030-01-31T12:00:00Z") == 1896091200
    assert _access._unix_time("2030-01-31T13:00:00+01:00") == 1896091200
    now = int(time.time())
    assert now + 7200 - 5 <= _access._unix_time("+2h") <= now + 7200 + 5
    assert now + 7 * 86400 - 5 <= _access._unix_time("+7d") <= now + 7 * 86400 + 5
    for bad in ("+", "+2", "+xh", "tomorrow", "2030-13-01"):
        with pytest.raises(argparse.ArgumentTypeError):
            _access._unix_time(bad)

    remote = _access._edge_config("https://auth.storjshare.io")
    assert remote.auth_service_address == "auth.storjshare.io:7777"
    assert remote.insecure_unencrypted_connection is False
    local = _access._edge_config("http://127.0.0.1:20000/")
    assert local.auth_service_address == "127.0.0.1:20000"
    assert local.insecure_unencrypted_connection is True
    assert _access._edge_config("auth.example:8888").auth_service_address == "auth.example:8888"
    with pytest.raises(module.UsageError):
        _access._edge_config("ftp://auth.example")


def test_ctrl_c_exits_130_and_stores_nothing(cli: Cli, cli_bucket: str) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "uplink_python", "-vv", "cp", "-", f"sj://{cli_bucket}/partial"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=_env(cli.config_dir))
    assert process.stdin is not None and process.stderr is not None
    try:
        process.stdin.write(b"x" * 100_000)
        process.stdin.flush()
        seen = b""
        deadline = time.monotonic() + 60
        while b"open_project() took" not in seen:  # the project is open once this is logged
            ready, _, _ = select.select([process.stderr], [], [], 1)
            assert time.monotonic() < deadline, seen
            if ready:
                chunk = os.read(process.stderr.fileno(), 65536)
                assert chunk, seen
                seen += chunk
        time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        time.sleep(0.5)
        process.stdin.close()  # the reading thread then sees the end of its input
        assert process.wait(timeout=60) == 130
        assert b"interrupted" in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert cli.out("ls", "-r", "--json", f"sj://{cli_bucket}") == ""
