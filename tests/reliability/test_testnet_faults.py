"""The harness's fault control really does what it says (tests/testnet/faults_test.go).

Each control is checked below the library, on raw TCP connections to the proxies, and
once through uplink_python: data stored while every node is up cannot be read with 4 of
the 5 nodes stopped (RS 2-of-4 leaves at most 1 piece), and can again after restarting
them, which proves that clients reach the nodes through the proxies.
"""

from __future__ import annotations

import os
import socket
import time
from typing import Iterator, Tuple

import pytest

from _testnet import NetworkInfo
from uplink_fixtures import put_object
from uplink_python import Project
from uplink_python.errors import StorjException

QUIET = 1.5  # seconds without an answer that count as "no answer"


def _address(host_port: str) -> Tuple[str, int]:
    host, port = host_port.rsplit(":", 1)
    return host, int(port)


def _answers(host_port: str, timeout: float = 10.0) -> bool:
    """Sends bytes that are not a TLS handshake; True when the peer answers or hangs up
    within `timeout` (a live satellite or node rejects them at once), False when the
    connection stays silent."""
    with socket.create_connection(_address(host_port), timeout=10) as conn:
        conn.sendall(b"GET / HTTP/1.0\r\n\r\n" * 4)
        conn.settimeout(timeout)
        try:
            conn.recv(1)
        except socket.timeout:
            return False
        except ConnectionError:
            pass
        return True


def _refused(host_port: str) -> bool:
    try:
        with socket.create_connection(_address(host_port), timeout=10):
            return False
    except ConnectionRefusedError:
        return True


@pytest.fixture
def faults(testnet: NetworkInfo) -> Iterator[NetworkInfo]:
    """The network, with every fault lifted after the test."""
    assert testnet.control, "the network's info file has no fault control address"
    yield testnet
    testnet.heal()
    status = testnet.fault_status()
    assert status["satellite"]["state"] == "up"
    assert [n["state"] for n in status["nodes"]] == ["up"] * 5


def test_status_lists_every_proxy(faults: NetworkInfo) -> None:
    status = faults.fault_status()
    assert status["satellite"]["address"] == faults.satellite_address
    assert [n["address"] for n in status["nodes"]] == faults.storage_node_addresses
    assert len(status["nodes"]) == 5
    assert all(n["state"] == "up" for n in status["nodes"]) and status["satellite"]["state"] == "up"


def test_satellite_freeze_holds_connections_and_thaw_releases_them(faults: NetworkInfo) -> None:
    assert _answers(faults.satellite_address)
    faults.freeze_satellite()
    assert faults.fault_status()["satellite"]["state"] == "frozen"
    # Accepted (no refusal, no reset), but nothing comes back.
    held = socket.create_connection(_address(faults.satellite_address), timeout=10)
    try:
        held.sendall(b"GET / HTTP/1.0\r\n\r\n" * 4)
        held.settimeout(QUIET)
        with pytest.raises(socket.timeout):
            held.recv(1)
        faults.thaw_satellite()
        # The held connection is relayed now: the satellite rejects the bytes.
        held.settimeout(10)
        try:
            held.recv(1)
        except ConnectionError:
            pass
    finally:
        held.close()
    assert _answers(faults.satellite_address)


def test_node_stop_refuses_and_start_restores(faults: NetworkInfo) -> None:
    address = faults.storage_node_addresses[2]
    assert _answers(address)
    faults.stop_node(2)
    assert faults.fault_status()["nodes"][2]["state"] == "down"
    assert _refused(address)
    assert _answers(faults.storage_node_addresses[1])  # the others are untouched
    faults.start_node(2)
    assert faults.fault_status()["nodes"][2]["state"] == "up"
    assert _answers(address)


def test_node_freeze_and_thaw(faults: NetworkInfo) -> None:
    address = faults.storage_node_addresses[4]
    faults.freeze_node(4)
    assert not _answers(address, timeout=QUIET)
    faults.thaw_node(4)
    assert _answers(address)


def test_fault_lifts_itself_after_restore_after(faults: NetworkInfo) -> None:
    faults.stop_node(0, restore_after=1)
    assert _refused(faults.storage_node_addresses[0])
    deadline = time.monotonic() + 15
    while faults.fault_status()["nodes"][0]["state"] != "up":
        assert time.monotonic() < deadline, "the node was not restored by itself"
        time.sleep(0.2)
    assert _answers(faults.storage_node_addresses[0])


def test_clients_reach_the_nodes_through_the_proxies(faults: NetworkInfo, project: Project,
                                                      bucket: str) -> None:
    data = os.urandom(300 * 1024)  # remote, erasure-coded: at most one piece per node
    put_object(project, bucket, "through-proxies", data)
    with faults.nodes_stopped(0, 1, 2, 3):
        with pytest.raises(StorjException):
            with project.download_object(bucket, "through-proxies") as download:
                download.readall()
    with project.download_object(bucket, "through-proxies") as download:
        assert download.readall() == data


def test_unknown_control_requests_are_refused(faults: NetworkInfo) -> None:
    with pytest.raises(RuntimeError, match="404"):
        faults._control("POST", "/nodes/9/stop")
    with pytest.raises(RuntimeError, match="404"):
        faults._control("POST", "/satellite/explode")
