"""hello_storj.py, the sample program, run end to end against the local network."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any, Dict, List

import uplink_python

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join(REPO, "hello_storj.py")


def _env(**extra: str) -> Dict[str, str]:
    """The environment of the sample: this package importable, no STORJ_* leaking in."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("STORJ_") and k != "UPLINK_TESTNET_INFO_FILE"}
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(uplink_python.__file__)))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_parent, env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def _run(args: List[str], env: Dict[str, str]) -> "subprocess.CompletedProcess[str]":
    return subprocess.run([sys.executable, SAMPLE, *args], env=env, capture_output=True,
                          text=True, timeout=600, check=False)


def test_sample_with_the_testnet_info_file(testnet: Any, tmp_path: Any) -> None:
    info = tmp_path / "testnet.json"
    info.write_text(json.dumps({"satellite_url": testnet.satellite_url,
                                "api_key": testnet.api_key,
                                "passphrase": testnet.passphrase}))
    result = _run([], _env(UPLINK_TESTNET_INFO_FILE=str(info)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "the download matches the upload" in result.stdout
    assert "reads the same data" in result.stdout
    assert "Done." in result.stdout


def test_sample_with_arguments_and_a_file(testnet: Any, tmp_path: Any) -> None:
    source = tmp_path / "mine.txt"
    source.write_bytes(b"my own file\n" * 1000)
    result = _run(["--satellite", testnet.satellite_url, "--api-key", testnet.api_key,
                   "--passphrase", testnet.passphrase, "--file", str(source),
                   "--bucket", "hello-storj-args"], _env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "hello-storj-args/hello/mine.txt" in result.stdout


def test_sample_with_environment_variables(testnet: Any) -> None:
    result = _run([], _env(STORJ_SATELLITE=testnet.satellite_url, STORJ_API_KEY=testnet.api_key,
                           STORJ_PASSPHRASE=testnet.passphrase))
    assert result.returncode == 0, result.stdout + result.stderr


def test_sample_fails_with_a_bad_api_key(testnet: Any) -> None:
    result = _run(["--api-key", "not-a-key"], _env(STORJ_SATELLITE=testnet.satellite_url,
                                                  STORJ_PASSPHRASE=testnet.passphrase))
    assert result.returncode == 1
    assert "hello_storj failed" in result.stderr


def test_sample_needs_credentials() -> None:
    result = _run([], _env())
    assert result.returncode != 0
    assert "missing satellite" in result.stderr
