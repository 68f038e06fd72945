"""hello_storj.py, the sample program, run end to end against the local network."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any, Dict, List

import uplink_python

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join(REPO, "hello_storj.py")


def _env(**extra: str) -> Dict[str, str]:
    """The environment of the sample: this package importable, no STORJ_* leaking in."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("STORJ_", "UPLINK_"))}
    env["UPLINK_CONFIG_DIR"] = os.path.join(os.sep, "nonexistent", "uplink-config")
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(uplink_python.__file__)))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_parent, env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def _run(args: List[str], env: Dict[str, str]) -> "subprocess.CompletedProcess[str]":
    return subprocess.run([sys.executable, SAMPLE, *args], env=env, capture_output=True,
                          text=True, timeout=600, check=False)


def test_sample_with_storj_access(testnet: Any) -> None:
    result = _run([], _env(STORJ_ACCESS=testnet.access))
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


def test_sample_with_the_uplink_cli_config(testnet: Any, tmp_path: Any) -> None:
    # access.json as the Go uplink CLI writes it, found through UPLINK_CONFIG_DIR.
    (tmp_path / "access.json").write_text(json.dumps(
        {"Default": "mine", "Accesses": {"mine": testnet.access}}, indent="\t"))
    result = _run([], _env(UPLINK_CONFIG_DIR=str(tmp_path)))
    assert result.returncode == 0, result.stdout + result.stderr
    result = _run(["--access", "mine", "--bucket", "hello-storj-named"],
                  _env(UPLINK_CONFIG_DIR=str(tmp_path)))
    assert result.returncode == 0, result.stdout + result.stderr


def test_sample_fails_with_a_bad_api_key(testnet: Any) -> None:
    result = _run(["--satellite", testnet.satellite_url, "--api-key", "not-a-key",
                   "--passphrase", testnet.passphrase], _env())
    assert result.returncode == 1
    assert "hello_storj failed" in result.stderr
    assert testnet.passphrase not in result.stderr


def test_sample_needs_all_three_parts() -> None:
    result = _run(["--satellite", "x@y:1"], _env())
    assert result.returncode == 2
    assert "missing --api-key, --passphrase" in result.stderr


def test_sample_needs_credentials() -> None:
    result = _run([], _env())
    assert result.returncode == 1
    assert "no access grant found" in result.stderr and "STORJ_ACCESS" in result.stderr
