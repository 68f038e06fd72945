"""The local Storj test network for the pytest session (used by tests/conftest.py).

Either attaches to a network that is already running (``UPLINK_TESTNET_INFO_FILE``
names its JSON info file, as written by ``scripts/testnet.sh``), or starts one the way
everything else does, through scripts/testnet.sh (the one place that knows how):
``scripts/testnet.sh prepare`` (build the harness if stale, start PostgreSQL), then
``scripts/testnet.sh run`` in its own process group, logging to a file. It waits for
the info file, and at the end stops the network with SIGINT (SIGKILL after a timeout).
Any failure is a pytest.fail with the log's tail, never a skip.

Environment knobs:
  UPLINK_TESTNET_INFO_FILE      use this running network instead of starting one
  UPLINK_TESTNET_START_TIMEOUT  seconds to wait for the network (default 600)
  UPLINK_TESTNET_BUILD_TIMEOUT  seconds for building the harness and starting PostgreSQL
                                (default 1800)
  UPLINK_TESTNET_KEEP_LOG       if set, print the log path at the end of the session
  STORJ_TEST_POSTGRES           database URL (default: what scripts/postgres.sh prints)
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

REPO = Path(__file__).resolve().parent.parent
TESTNET_SH = REPO / "scripts" / "testnet.sh"

REQUIRED_KEYS = ("satellite_url", "satellite_address", "api_key", "access", "passphrase", "pid",
                 "auth_address", "auth_http", "control", "storage_node_addresses")
# A fault left in place by a test that died is lifted by the harness after this long.
FAULT_RESTORE_AFTER = 300.0
LOG_TAIL_LINES = 60
STOP_TIMEOUT = 60.0


@dataclass(frozen=True)
class NetworkInfo:
    """Credentials of the running local network."""

    satellite_url: str       # <node id>@127.0.0.1:<port>, what request_access wants
    satellite_address: str   # 127.0.0.1:<port>
    api_key: str             # serialized API key of the uplink's project
    access: str              # serialized access grant, made with `passphrase`
    passphrase: str
    pid: int                 # pid of the network process
    auth_address: str        # local edge auth service (DRPC, no TLS): host:port
    auth_http: str           # its HTTP side, host:port: GET /v1/access/<access key id>
    info_file: str           # the JSON file all this was read from
    control: str = ""        # host:port of the harness's fault control (tests/testnet/faults_test.go)
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def host(self) -> str:
        return self.satellite_address.rsplit(":", 1)[0]

    @property
    def port(self) -> int:
        return int(self.satellite_address.rsplit(":", 1)[1])

    # Fault control. Clients reach the satellite and every storage node through proxies
    # in the harness; these switch one proxy to "down" (connections refused, open ones
    # cut), "frozen" (connections accepted and held, nothing relayed) or back to "up".
    # Each fault lifts itself after FAULT_RESTORE_AFTER seconds in case a test dies.

    @property
    def storage_node_addresses(self) -> List[str]:
        """Where clients reach each storage node (its proxy), by index."""
        return [str(a) for a in self.raw.get("storage_node_addresses", [])]

    def _control(self, method: str, path: str, restore_after: Optional[float] = None) -> Any:
        url = f"http://{self.control}{path}"
        if restore_after is not None:
            url += f"?restore_after={restore_after:g}"
        request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"fault control {method} {path}: {exc.code} "
                               f"{exc.read().decode(errors='replace')}") from None

    def fault_status(self) -> Dict[str, Any]:
        """{"satellite": {"state": ...}, "nodes": [{"state": ...}, ...]}; states: up, down, frozen."""
        return dict(self._control("GET", "/status"))

    def stop_node(self, index: int, restore_after: float = FAULT_RESTORE_AFTER) -> None:
        """Storage node `index` refuses connections and its open ones are cut."""
        self._control("POST", f"/nodes/{index}/stop", restore_after)

    def start_node(self, index: int) -> None:
        """Storage node `index` is reachable again (and marked online on the satellite)."""
        self._control("POST", f"/nodes/{index}/start")

    def freeze_node(self, index: int, restore_after: float = FAULT_RESTORE_AFTER) -> None:
        """Storage node `index` accepts connections but answers nothing."""
        self._control("POST", f"/nodes/{index}/freeze", restore_after)

    def thaw_node(self, index: int) -> None:
        """Storage node `index` relays again, the held connections included (and it is
        marked online on the satellite)."""
        self._control("POST", f"/nodes/{index}/thaw")

    def freeze_satellite(self, restore_after: float = FAULT_RESTORE_AFTER) -> None:
        """The satellite accepts connections but answers nothing, like a stopped process."""
        self._control("POST", "/satellite/freeze", restore_after)

    def thaw_satellite(self) -> None:
        """The satellite answers again, the held connections included."""
        self._control("POST", "/satellite/thaw")

    def heal(self) -> None:
        """Lifts every fault, and has the satellite take every node as online again."""
        self.thaw_satellite()
        for index in range(len(self.fault_status()["nodes"])):
            self.start_node(index)

    @contextlib.contextmanager
    def satellite_frozen(self) -> Iterator[None]:
        """The satellite is frozen inside the block and thawed after it, whatever happens."""
        self.freeze_satellite()
        try:
            yield
        finally:
            self.thaw_satellite()

    @contextlib.contextmanager
    def nodes_stopped(self, *indexes: int) -> Iterator[None]:
        """Storage nodes `indexes` are down inside the block and started after it."""
        try:
            for index in indexes:
                self.stop_node(index)
            yield
        finally:
            for index in indexes:
                self.start_node(index)

    @contextlib.contextmanager
    def nodes_frozen(self, *indexes: int) -> Iterator[None]:
        """Storage nodes `indexes` (default: all) are frozen inside the block, thawed after."""
        indexes = indexes or tuple(range(len(self.storage_node_addresses)))
        try:
            for index in indexes:
                self.freeze_node(index)
            yield
        finally:
            for index in indexes:
                self.thaw_node(index)


def load_info(path: "os.PathLike[str] | str") -> NetworkInfo:
    """Reads a network info file; raises ValueError when it is incomplete."""
    with open(path, encoding="utf-8") as handle:
        raw = json.load(handle)
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: not a JSON object")
    missing = [key for key in REQUIRED_KEYS if not raw.get(key)]
    if missing:
        raise ValueError(f"{path}: missing {', '.join(missing)}")
    return NetworkInfo(
        satellite_url=str(raw["satellite_url"]),
        satellite_address=str(raw["satellite_address"]),
        api_key=str(raw["api_key"]),
        access=str(raw["access"]),
        passphrase=str(raw["passphrase"]),
        pid=int(raw["pid"]),
        auth_address=str(raw["auth_address"]),
        auth_http=str(raw["auth_http"]),
        info_file=str(path),
        control=str(raw["control"]),
        raw=raw,
    )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return "".join(deque(handle, maxlen=lines))
    except OSError as exc:
        return f"(cannot read {path}: {exc})"


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "")
    try:
        return float(value) if value else default
    except ValueError:
        pytest.fail(f"{name}={value!r} is not a number", pytrace=False)
        raise  # unreachable, for type checkers


def _run_script(args: list[str], what: str, timeout: float, env: Dict[str, str]) -> str:
    """Runs a set-up script; returns its stdout or fails the session with its output."""
    try:
        # Own process group, so that a timeout also stops what it started (go build, ...).
        process = subprocess.Popen(args, cwd=str(REPO), env=env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   start_new_session=True)
    except OSError as exc:
        pytest.fail(f"local Storj network: {what} could not run: {exc}", pytrace=False)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(f"local Storj network: {what} timed out after {timeout:.0f}s\n"
                    f"{stdout}{stderr}", pytrace=False)
    if process.returncode != 0:
        pytest.fail(f"local Storj network: {what} failed (exit {process.returncode}):\n"
                    f"{stdout}{stderr}", pytrace=False)
    return stdout


class LocalNetwork:
    """A network process started by this session."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.info_path = workdir / "testnet.json"
        self.log_path = workdir / "testnet.log"
        self.tmpdir = workdir / "tmp"
        self.process: Optional[subprocess.Popen[bytes]] = None

    def _fail(self, message: str) -> None:
        pytest.fail(f"local Storj network: {message}\n"
                    f"--- last {LOG_TAIL_LINES} lines of {self.log_path} ---\n"
                    f"{_tail(self.log_path)}", pytrace=False)

    def start(self) -> NetworkInfo:
        env = dict(os.environ)
        env.pop("UPLINK_TESTNET_INFO_FILE", None)
        env.setdefault("GOTOOLCHAIN", "local")

        _run_script(["bash", str(TESTNET_SH), "prepare"],
                    "building the harness and starting PostgreSQL (scripts/testnet.sh prepare)",
                    _env_float("UPLINK_TESTNET_BUILD_TIMEOUT", 1800), env)

        self.tmpdir.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            self.info_path.unlink()
        env.update({
            "UPLINK_TESTNET_INFO": str(self.info_path),
            # The network stops by itself if pytest dies without tearing it down.
            "UPLINK_TESTNET_EXIT_WITH_PARENT": "1",
            # testplanet keeps node data under TMPDIR; keep it with the log.
            "TMPDIR": str(self.tmpdir),
        })
        with open(self.log_path, "wb") as log:
            # testnet.sh execs the harness binary, so this process is the network itself
            # (its parent, which it watches, is pytest) and SIGINT reaches it directly.
            self.process = subprocess.Popen(
                ["bash", str(TESTNET_SH), "run"], cwd=str(REPO), env=env,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        return self._wait_ready(_env_float("UPLINK_TESTNET_START_TIMEOUT", 600))

    def _wait_ready(self, timeout: float) -> NetworkInfo:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while True:
            if self.info_path.exists():
                try:
                    return load_info(self.info_path)
                except (OSError, ValueError):
                    pass  # the write is atomic, so this is unexpected: keep polling
            code = self.process.poll()
            if code is not None:
                self._fail(f"the network process exited with code {code} before it was ready")
            if time.monotonic() > deadline:
                self.stop()
                self._fail(f"the network was not ready after {timeout:.0f}s")
            time.sleep(0.1)

    def stop(self) -> Optional[int]:
        """SIGINT to the process group, then SIGKILL after STOP_TIMEOUT; returns the exit code."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        # Anything left in the group (there should be nothing).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        return process.returncode


@contextlib.contextmanager
def network_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NetworkInfo]:
    """Yields the credentials of a running network for the whole session."""
    info_file = os.environ.get("UPLINK_TESTNET_INFO_FILE")
    if info_file:
        try:
            info = load_info(info_file)
        except (OSError, ValueError) as exc:
            pytest.fail(f"UPLINK_TESTNET_INFO_FILE={info_file}: {exc}", pytrace=False)
        if not _pid_alive(info.pid):
            pytest.fail(f"UPLINK_TESTNET_INFO_FILE={info_file}: the network (pid {info.pid}) "
                        "is not running any more", pytrace=False)
        yield info
        return

    network = LocalNetwork(tmp_path_factory.mktemp("testnet"))
    try:
        yield network.start()
    finally:
        code = network.stop()
        if code not in (None, 0, -signal.SIGINT):
            sys.stderr.write(f"\nwarning: the local Storj network exited with code {code} "
                             f"at shutdown; last lines of {network.log_path}:\n"
                             f"{_tail(network.log_path, 20)}\n")
        elif os.environ.get("UPLINK_TESTNET_KEEP_LOG"):
            sys.stderr.write(f"\nlocal Storj network log: {network.log_path}\n")
        # Node data (can be GiBs after benchmarks); testplanet normally removes it itself.
        subprocess.run(["rm", "-rf", str(network.tmpdir)], check=False)
