"""Each row of library.md's table "Faults and the exception they raise", made real with
the fault harness (tests/testnet/faults_test.go) or with grants that cannot do the call.
No row is InternalError; a storage node's failure is never a satellite class.

Frozen satellites and frozen nodes (StorjTimeoutError) are the rows of
tests/reliability/test_faults.py; Ctrl-C (KeyboardInterrupt) is tests/reliability/test_interrupt.py.
"""

from __future__ import annotations

import asyncio
import io
import os
import socket
import threading
import time
from typing import Any, Callable, Iterator, List, Tuple

import pytest

from _testnet import NetworkInfo
from uplink_fixtures import put_object
from uplink_python import Access, Project, Uplink, aio
from uplink_python.edge import register_access
from uplink_python.errors import (EdgeRegisterAccessFailedError, InternalError,
                                  NotEnoughNodesError, PermissionDeniedError,
                                  SatelliteUnreachableError, StorjException, StorjTimeoutError)
from uplink_python.module_classes import (Config, EdgeConfig, ListObjectsOptions, Permission,
                                          SharePrefix)

MiB = 1024 * 1024


@pytest.fixture
def faults(testnet: NetworkInfo) -> Iterator[NetworkInfo]:
    yield testnet
    testnet.heal()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _satellite_at(testnet: NetworkInfo, host_port: str) -> str:
    """The satellite's node URL with another address: same node id, so only the
    connection can fail."""
    node_id = testnet.satellite_url.split("@", 1)[0]
    return f"{node_id}@{host_port}"


def _raises(cls: type, call: Callable[[], Any]) -> StorjException:
    with pytest.raises(cls) as info:
        call()
    assert type(info.value) is not InternalError
    return info.value  # type: ignore[return-value]


@pytest.mark.parametrize("where", ["refusing connections", "not speaking TLS"])
def test_an_unreachable_satellite_is_satellite_unreachable(testnet: NetworkInfo,
                                                           where: str) -> None:
    host_port = (f"127.0.0.1:{_closed_port()}" if where == "refusing connections"
                 else testnet.auth_http)
    config = Config(dial_timeout_milliseconds=3000)
    exc = _raises(SatelliteUnreachableError, lambda: Uplink().config_request_access_with_passphrase(
        config, _satellite_at(testnet, host_port), testnet.api_key, testnet.passphrase))
    assert isinstance(exc, ConnectionError)


@pytest.mark.parametrize("down", [2, 3, 4])
def test_an_upload_with_too_many_nodes_down_is_not_enough_nodes(faults: NetworkInfo,
                                                                 project: Project, bucket: str,
                                                                 down: int) -> None:
    """5 nodes, RS 2/3/4/4: an upload needs 4 nodes taking pieces."""
    data = os.urandom(MiB + 1)
    with faults.nodes_stopped(*range(down)):
        exc = _raises(NotEnoughNodesError, lambda: put_object(project, bucket, "too-few", data))
    assert not isinstance(exc, ConnectionError)
    assert [o.key for o in project.list_objects(bucket)] == []


def test_a_download_with_too_many_nodes_down_is_not_enough_nodes(faults: NetworkInfo,
                                                                 project: Project,
                                                                 bucket: str) -> None:
    data = os.urandom(MiB + 1)
    put_object(project, bucket, "object", data)
    with faults.nodes_stopped(0, 1, 2, 3):
        def read() -> bytes:
            with project.download_object(bucket, "object") as download:
                return download.readall()
        _raises(NotEnoughNodesError, read)
    with project.download_object(bucket, "object") as download:
        assert download.readall() == data


def test_an_expired_grant_is_permission_denied(access: Access, project: Project,
                                               bucket: str) -> None:
    put_object(project, bucket, "k", b"v")
    expired = access.share(Permission(allow_download=True, allow_list=True,
                                      not_after=int(time.time()) - 60))
    with expired, expired.open_project() as limited:
        _raises(PermissionDeniedError, lambda: limited.stat_object(bucket, "k"))
        _raises(PermissionDeniedError, lambda: limited.download_object(bucket, "k"))


def test_a_revoked_grant_is_permission_denied(access: Access, project: Project,
                                              bucket: str) -> None:
    put_object(project, bucket, "k", b"v")
    shared = access.share(Permission(allow_download=True, allow_list=True))
    with shared, shared.open_project() as limited:
        assert limited.stat_object(bucket, "k").key == "k"
        project.revoke_access(shared)
        _raises(PermissionDeniedError, lambda: limited.stat_object(bucket, "k"))


def _out_of_prefix_calls(p: Project, bucket: str) -> List[Tuple[str, Callable[[], Any]]]:
    def upload() -> None:
        with p.upload_object(bucket, "other/k") as up:
            up.write(b"x")
    return [
        ("stat_object", lambda: p.stat_object(bucket, "other/k")),
        ("download_object", lambda: p.download_object(bucket, "other/k").close()),
        ("upload_object", upload),
        ("begin_upload", lambda: p.begin_upload(bucket, "other/k")),
        ("delete_object", lambda: p.delete_object(bucket, "other/k")),
        ("copy_object", lambda: p.copy_object(bucket, "shared/k", bucket, "other/k")),
        ("move_object", lambda: p.move_object(bucket, "shared/k", bucket, "other/k")),
        ("update_object_metadata", lambda: p.update_object_metadata(bucket, "other/k", {})),
        ("upload_file", lambda: p.upload_file(bucket, "other/k", io.BytesIO(b"x"))),
        ("list_objects", lambda: p.list_objects(
            bucket, ListObjectsOptions(prefix="other/", recursive=True))),
    ]


def test_a_share_used_outside_its_prefix_is_permission_denied(access: Access, project: Project,
                                                             bucket: str) -> None:
    put_object(project, bucket, "other/k", b"v")
    put_object(project, bucket, "shared/k", b"v")
    everything = Permission(allow_download=True, allow_upload=True, allow_list=True,
                            allow_delete=True)
    shared = access.share(everything, [SharePrefix(bucket, "shared/")])
    with shared, shared.open_project() as limited:
        outcomes = {}
        for name, call in _out_of_prefix_calls(limited, bucket):
            try:
                call()
                outcomes[name] = "returned"
            except StorjException as exc:
                outcomes[name] = type(exc).__name__
        assert outcomes == {name: "PermissionDeniedError"
                            for name, _ in _out_of_prefix_calls(limited, bucket)}
    assert {o.key for o in project.list_objects(bucket, ListObjectsOptions(recursive=True))} \
        == {"other/k", "shared/k"}


# The edge auth service (the local network runs one that works): listeners that accept
# and then never answer, or answer with something that is not TLS.
EDGE_BOUND_MS = 500
# A registration that ends before this ran out of the bound set, not of the defaults
# (20 s for the dial, 2 minutes in all); a ceiling for a loaded machine, not a timing.
EDGE_CEILING = 10.0


@pytest.fixture
def auth_listener() -> Iterator[Callable[[bytes], str]]:
    """Starts listeners on loopback; each accepts every connection, sends `answer`
    (b"": nothing) and then holds the connection silently until the test ends."""
    listeners: List[socket.socket] = []
    held: List[socket.socket] = []

    def start(answer: bytes) -> str:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listeners.append(listener)

        def serve() -> None:
            while True:
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return
                held.append(conn)
                if answer:
                    conn.sendall(answer)
        threading.Thread(target=serve, daemon=True).start()
        return f"127.0.0.1:{listener.getsockname()[1]}"
    yield start
    for sock in listeners + held:
        sock.close()


def _timed(call: Callable[[], Any], cls: type) -> Tuple[StorjException, float]:
    started = time.monotonic()
    exc = _raises(cls, call)
    return exc, time.monotonic() - started


@pytest.mark.parametrize("tls", [False, True], ids=["unencrypted", "tls"])
def test_a_silent_auth_service_times_out_within_the_dial_bound(
        access: Access, auth_listener: Callable[[bytes], str], tls: bool) -> None:
    config = EdgeConfig(auth_listener(b""), insecure_unencrypted_connection=not tls,
                        dial_timeout_milliseconds=EDGE_BOUND_MS)
    exc, took = _timed(lambda: register_access(config, access), StorjTimeoutError)
    assert isinstance(exc, TimeoutError) and took < EDGE_CEILING, (exc, took)
    assert access.serialize() not in str(exc) + repr(exc)


def test_a_silent_auth_service_times_out_within_the_request_bound(
        access: Access, auth_listener: Callable[[bytes], str]) -> None:
    """No dial bound: the registration's own bound ends it (sync and async)."""
    config = EdgeConfig(auth_listener(b""), insecure_unencrypted_connection=True,
                        dial_timeout_milliseconds=-1,
                        request_timeout_milliseconds=EDGE_BOUND_MS)
    _, took = _timed(lambda: register_access(config, access), StorjTimeoutError)
    assert took < EDGE_CEILING
    _, took = _timed(lambda: asyncio.run(aio.register_access(config, access)),
                     StorjTimeoutError)
    assert took < EDGE_CEILING


def test_an_auth_service_that_speaks_no_tls_is_a_register_failure(
        access: Access, auth_listener: Callable[[bytes], str]) -> None:
    """As a refused connection: what uplink-c reports (REGISTER_ACCESS_FAILED), at once,
    not after a bound."""
    config = EdgeConfig(auth_listener(b"HTTP/1.1 400 Bad Request\r\n\r\nno TLS here\r\n"),
                        request_timeout_milliseconds=60_000)
    exc, took = _timed(lambda: register_access(config, access), EdgeRegisterAccessFailedError)
    assert took < EDGE_CEILING and not isinstance(exc, TimeoutError)
    assert "tls" in str(exc).lower(), exc
