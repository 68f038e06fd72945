"""Reliability tier: fork() with every kind of object alive (issue 7, defect 2), and
forked workers that keep working (issue 20; scenarios in reliability_fork.py).

In the child every call on an EncryptionKey, Upload, Download, PartUpload and every kind
of listing made before the fork raises ForkError, and every call on the Access and
Project made before it works (they reopen themselves in the child's private copy of
the library); the parent keeps using all of them. Then forks as real programs make
them: 50 in a row, forks with transfers in flight, a child that forks again,
Pool(maxtasksperchild=1), ProcessPoolExecutor with each start method, the
DataLoader pattern and dask's process scheduler; each reports its children's resident memory (RSS).
"""

from __future__ import annotations

from _reliability import assert_no_problems, report, rounds, run_worker
from _testnet import NetworkInfo


def test_fork_with_every_kind_of_object_alive(testnet: NetworkInfo) -> None:
    result = run_worker(testnet, "fork", timeout=300)
    report("fork", result)
    assert_no_problems(result)


def test_fifty_forks_in_a_row_each_child_on_several_threads(testnet: NetworkInfo) -> None:
    result = run_worker(testnet, "fork_many", timeout=900, forks=rounds(50), threads=4)
    report("fork_many", result)
    assert_no_problems(result)


def test_forks_while_the_parent_has_transfers_in_flight(testnet: NetworkInfo) -> None:
    result = run_worker(testnet, "fork_many", timeout=900, forks=rounds(10), threads=2,
                        busy=True)
    report("fork_many busy", result)
    assert_no_problems(result)
    assert result["parent rounds while forking"] > 0


def test_a_child_that_forks_again(testnet: NetworkInfo) -> None:
    result = run_worker(testnet, "fork_nested", timeout=300)
    report("fork_nested", result)
    assert_no_problems(result)


def test_pool_with_one_task_per_child(testnet: NetworkInfo) -> None:
    result = run_worker(testnet, "fork_pool", timeout=300, tasks=6)
    report("fork_pool", result)
    assert_no_problems(result)


def test_process_pool_executor_with_every_start_method(testnet: NetworkInfo) -> None:
    result = run_worker(testnet, "process_pool", timeout=600, tasks=4)
    report("process_pool", result)
    assert_no_problems(result)


def test_dataloader_pattern(testnet: NetworkInfo) -> None:
    result = run_worker(testnet, "dataloader", timeout=300, items=12, workers=3)
    report("dataloader", result)
    assert_no_problems(result)


def test_dask_process_workers(testnet: NetworkInfo) -> None:
    result = run_worker(testnet, "dask", timeout=600, tasks=6)
    report("dask", result)
    assert_no_problems(result)
