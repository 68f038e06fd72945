"""scripts/stamps.sh, the skipping of finished set-up steps (scripts/setup.sh, test.sh).

Each test runs the real functions in bash, in a scratch git checkout with a fake
scripts/build-dist.sh that counts its runs, so a step that is skipped or run again
is seen, not assumed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Dict, Optional

import pytest

STAMPS_SH = Path(__file__).resolve().parents[2] / "scripts" / "stamps.sh"

FAKE_BUILD_DIST = """#!/usr/bin/env bash
# Counts its runs, and writes a wheel per target whose bytes differ from run to run
# (as real builds' timestamps do).
set -euo pipefail
echo "$*" >>build-dist.calls
mkdir -p dist
for target in "$@"; do
	case $target in
		linux-x86_64) tag=manylinux2014_x86_64.manylinux_2_17_x86_64 ;;
		linux-aarch64) tag=manylinux2014_aarch64.manylinux_2_17_aarch64 ;;
	esac
	echo "$RANDOM$RANDOM $(cat src/a.py)" >"dist/uplink_python-1.0-py3-none-$tag.whl"
done
"""


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    for tool in ("bash", "git", "go", "sha256sum"):
        assert shutil.which(tool), f"{tool} is needed to run scripts/stamps.sh"
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    (repo / "src").mkdir()
    (repo / "scripts" / "build-dist.sh").write_text(FAKE_BUILD_DIST)
    (repo / "scripts" / "build-dist.sh").chmod(0o755)
    (repo / "pyproject.toml").write_text('version = "1.0"\n')
    (repo / "src" / "a.py").write_text("one\n")
    (repo / ".gitignore").write_text("/build/\n/dist/\n*.so\nbuild-dist.calls\n")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    return repo


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo,
                   check=True, capture_output=True)


def bash(repo: Path, script: str, env: Optional[Dict[str, str]] = None) -> str:
    environment = {k: v for k, v in os.environ.items() if k != "UPLINK_REBUILD"}
    environment.update(env or {})
    done = subprocess.run(["bash", "-c", f"set -euo pipefail; source {STAMPS_SH}\n{script}"],
                          cwd=repo, env=environment, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def build(repo: Path, *targets: str, env: Optional[Dict[str, str]] = None) -> int:
    """Runs build_wheels with WHEEL_SOURCES=src; returns how often build-dist.sh ran so far."""
    bash(repo, f"WHEEL_SOURCES=(src scripts/build-dist.sh); build_wheels {' '.join(targets)}", env)
    calls = repo / "build-dist.calls"
    return len(calls.read_text().splitlines()) if calls.exists() else 0


def test_a_clean_checkout_builds_and_an_unchanged_one_skips(checkout: Path) -> None:
    assert build(checkout, "linux-x86_64") == 1
    assert build(checkout, "linux-x86_64") == 1
    assert (checkout / "build" / "stamps" / "wheel-linux-x86_64").is_file()


def test_a_changed_or_new_source_rebuilds(checkout: Path) -> None:
    assert build(checkout, "linux-x86_64") == 1
    (checkout / "src" / "a.py").write_text("two\n")
    assert build(checkout, "linux-x86_64") == 2
    (checkout / "src" / "new.py").write_text("untracked, not ignored\n")
    assert build(checkout, "linux-x86_64") == 3
    assert build(checkout, "linux-x86_64") == 3


def test_ignored_files_do_not_count(checkout: Path) -> None:
    assert build(checkout, "linux-x86_64") == 1
    (checkout / "src" / "lib.so").write_bytes(b"built")
    assert build(checkout, "linux-x86_64") == 1


def test_a_missing_or_replaced_output_rebuilds(checkout: Path) -> None:
    assert build(checkout, "linux-x86_64") == 1
    wheel = next((checkout / "dist").glob("*.whl"))
    wheel.write_text("built by hand from other sources\n")
    assert build(checkout, "linux-x86_64") == 2
    next((checkout / "dist").glob("*.whl")).unlink()
    assert build(checkout, "linux-x86_64") == 3
    assert next((checkout / "dist").glob("*.whl")).is_file()


def test_only_stale_targets_are_built(checkout: Path) -> None:
    assert build(checkout, "linux-x86_64") == 1
    assert build(checkout, "linux-x86_64", "linux-aarch64") == 2
    assert (checkout / "build-dist.calls").read_text().splitlines()[-1] == "linux-aarch64"


def test_uplink_rebuild_forces(checkout: Path) -> None:
    assert build(checkout, "linux-x86_64") == 1
    assert build(checkout, "linux-x86_64", env={"UPLINK_REBUILD": "1"}) == 2


def test_a_failed_step_runs_again(checkout: Path) -> None:
    assert build(checkout, "linux-x86_64") == 1
    (checkout / "src" / "a.py").write_text("two\n")
    script = checkout / "scripts" / "build-dist.sh"
    good = script.read_text()
    script.write_text(good.replace('echo "$*" >>build-dist.calls', 'echo "$*" >>build-dist.calls; exit 1'))
    failed = subprocess.run(["bash", "-c", f"set -euo pipefail; source {STAMPS_SH}\n"
                             "WHEEL_SOURCES=(src); build_wheels linux-x86_64"],
                            cwd=checkout, capture_output=True, text=True, timeout=120)
    assert failed.returncode != 0
    assert not (checkout / "build" / "stamps" / "wheel-linux-x86_64").exists()
    script.write_text(good)
    (checkout / "src" / "a.py").write_text("one\n")  # back to the inputs of the last success
    assert build(checkout, "linux-x86_64") == 3


def test_outside_a_git_checkout_nothing_is_skipped(checkout: Path) -> None:
    shutil.rmtree(checkout / ".git")
    assert build(checkout, "linux-x86_64") == 1
    assert build(checkout, "linux-x86_64") == 2


def test_stamp_functions(checkout: Path) -> None:
    out = bash(checkout, """
        stamp_fresh step key && echo fresh0 || echo stale0
        stamp_done step key
        stamp_fresh step key && echo fresh1 || echo stale1
        stamp_fresh step other && echo fresh2 || echo stale2
        UPLINK_REBUILD=1 stamp_fresh step key && echo fresh3 || echo stale3
        stamp_clear step
        stamp_fresh step key && echo fresh4 || echo stale4
        [[ $(hash_files pyproject.toml) == $(hash_files pyproject.toml) ]] && echo same
        [[ $(hash_files pyproject.toml) != $(hash_files missing) ]] && echo differs
    """)
    assert out.split() == ["stale0", "fresh1", "stale2", "stale3", "stale4", "same", "differs"]
