"""The local Storj network fixture itself."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest

from _testnet import NetworkInfo, load_info

# base58 node id @ loopback : port
SATELLITE_URL = re.compile(r"^([1-9A-HJ-NP-Za-km-z]{40,60})@127\.0\.0\.1:(\d{1,5})$")


def test_satellite_url_form(testnet: NetworkInfo) -> None:
    match = SATELLITE_URL.match(testnet.satellite_url)
    assert match, testnet.satellite_url
    assert 0 < int(match.group(2)) < 65536
    assert testnet.satellite_address == f"127.0.0.1:{match.group(2)}"
    assert (testnet.host, testnet.port) == ("127.0.0.1", int(match.group(2)))


def test_satellite_accepts_tcp(testnet: NetworkInfo) -> None:
    with socket.create_connection((testnet.host, testnet.port), timeout=10):
        pass


def test_credentials_present(testnet: NetworkInfo) -> None:
    assert testnet.api_key and testnet.access
    assert testnet.passphrase == "testnet-passphrase"
    assert testnet.pid > 0


def test_load_info_rejects_incomplete_files(tmp_path: Path) -> None:
    path = tmp_path / "info.json"
    path.write_text(json.dumps({"satellite_url": "x@127.0.0.1:1"}))
    with pytest.raises(ValueError, match="missing"):
        load_info(path)
