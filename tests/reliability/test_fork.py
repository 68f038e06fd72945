"""Reliability tier: fork() with every kind of object alive (issue 7, defect 2).

In the child every call on an EncryptionKey, Access, Project, Upload, Download,
PartUpload and every kind of listing made before the fork raises ForkError (the child
reports each call and exits with 0 only then); the parent keeps using all of them.
"""

from __future__ import annotations

from _reliability import assert_no_problems, report, run_worker
from _testnet import NetworkInfo


def test_fork_with_every_kind_of_object_alive(testnet: NetworkInfo) -> None:
    result = run_worker(testnet, "fork", timeout=300)
    report("fork", result)
    assert_no_problems(result)
