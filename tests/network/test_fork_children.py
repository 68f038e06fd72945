"""A forked child loads a private copy of libuplinkc on its first native call
(from a memfd, else from a temporary file removed at once): the Access and
Project made before the fork reopen themselves there, streams made before it
raise ForkError, and no handle of the parent's library reaches the child's."""

from __future__ import annotations

import json
import os
import tempfile
import threading
import traceback
from typing import Any, Callable, Dict, Iterator, List, Set

import fsspec
import pytest

from uplink_python import Access, Project, Uplink, _native
from uplink_python.errors import ForkError
from uplink_python.fs import StorjFileSystem
from uplink_python.module_classes import ListObjectsOptions, Permission
from uplink_fixtures import put_object

pytestmark = [pytest.mark.usefixtures("leak_check"),
              pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork() on this platform")]


def in_child(action: Callable[[], Any]) -> Any:
    """Runs ``action`` in a forked child and returns what it returned (JSON), or
    fails with the child's traceback."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no pytest, no finalizers; leave with os._exit
        os.close(read_end)
        try:
            report = {"value": action()}
        except BaseException:  # pylint: disable=broad-except
            report = {"error": traceback.format_exc()}
        os.write(write_end, json.dumps(report).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        raw = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, f"child status {status}"
    report = json.loads(raw)
    assert "error" not in report, report["error"]
    return report["value"]


def test_child_works_through_the_parents_project(project: Project, bucket: str) -> None:
    put_object(project, bucket, "before", b"made by the parent")

    def child() -> Dict[str, Any]:
        results: Dict[int, str] = {}

        def work(number: int) -> None:
            data = os.urandom(300_000)
            key = f"child/{number}"
            with project.upload_object(bucket, key) as upload:
                upload.write(data)
            with project.download_object(bucket, key) as download:
                same = download.readall() == data
            keys = {o.key for o in project.iter_objects(bucket, recursive=True)}
            results[number] = "ok" if same and key in keys else f"wrong: {same} {keys}"

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with project.download_object(bucket, "before") as download:
            before = download.readall().decode()
        project.close()
        return {"results": results, "before": before, "library": _native.library_path(),
                "empty": _native.universe_is_empty()}

    report = in_child(child)
    assert report["results"] == {str(n): "ok" for n in range(4)}
    assert report["before"] == "made by the parent"
    assert report["library"] != _native.library_path()
    assert report["empty"]   # the child's reopened project was closed, nothing else held
    # The parent's project was not disturbed.
    assert sorted(o.key for o in project.iter_objects(bucket, recursive=True)) == \
        ["before", "child/0", "child/1", "child/2", "child/3"]


def test_streams_made_before_the_fork_raise_fork_error(project: Project, bucket: str) -> None:
    put_object(project, bucket, "data", b"0123456789")
    download = project.download_object(bucket, "data")
    assert download.read(2) == (b"01", 2)
    upload = project.upload_object(bucket, "pending")
    listing = project.iter_objects(bucket)

    def child() -> Dict[str, str]:
        outcomes = {}
        for name, call in {"download": lambda: download.read(2),
                           "download again": download.readall,
                           "upload": lambda: upload.write(b"x"),
                           "listing": lambda: next(listing),
                           "download close": download.close,
                           "upload close": upload.close}.items():
            try:
                call()
                outcomes[name] = "returned"
            except ForkError as exc:
                outcomes[name] = "ForkError" if "fork" in str(exc) else str(exc)
            except BaseException as exc:  # pylint: disable=broad-except
                outcomes[name] = repr(exc)
        return outcomes

    assert in_child(child) == {"download": "ForkError", "download again": "ForkError",
                               "upload": "ForkError", "listing": "ForkError",
                               "download close": "returned", "upload close": "returned"}
    assert download.read(8) == (b"23456789", 8)   # the parent's streams carry on
    upload.write(b"parent")
    upload.commit()
    assert sorted(o.key for o in listing) == ["data", "pending"]
    download.close()
    upload.close()


def _recording_ids() -> Set[int]:
    """In the child: wraps every declared function so that the id of each
    handle passed to the library is recorded; returns the set they go to."""
    seen: Set[int] = set()
    _native._loader.lib()
    functions = _native._loader._State.functions

    def recorder(func: Any) -> Any:
        def call(*args: Any) -> Any:
            for arg in args:
                struct = getattr(arg, "_obj", None)   # byref(...)
                if struct is not None and hasattr(struct, "_handle"):
                    seen.add(int(struct._handle))
                if hasattr(arg, "contents") and hasattr(arg.contents, "_handle"):
                    seen.add(int(arg.contents._handle))
            return func(*args)
        return call

    for name in list(functions):
        functions[name] = recorder(functions[name])
    return seen


def test_no_handle_of_the_parent_reaches_the_childs_library(access: Access, project: Project,
                                                             bucket: str) -> None:
    put_object(project, bucket, "k", b"v")
    download = project.download_object(bucket, "k")
    parent_ids = {access._handle._id, project._handle._id, download._handle._id}

    def child() -> Dict[str, Any]:
        seen = _recording_ids()
        with pytest.raises(ForkError):
            download.read(1)
        project.stat_object(bucket, "k")
        access.serialize()
        with project.download_object(bucket, "k") as fresh:
            fresh.readall()
        shared = access.share(Permission(allow_download=True))
        shared.close()
        project.close()
        access.close()
        return {"seen": sorted(seen), "project": project._handle._id,
                "empty": _native.universe_is_empty()}

    report = in_child(child)
    assert report["seen"] and not set(report["seen"]) & parent_ids, (report, parent_ids)
    assert report["project"] not in parent_ids
    assert report["empty"]
    assert download.read(1) == (b"v", 1)
    download.close()


def test_private_copy_from_a_memfd(testnet: Any, project: Project, bucket: str) -> None:
    def child() -> Dict[str, Any]:
        tempfile.tempdir = "/nonexistent/tmp"   # the temporary folder is unusable
        stored = project.stat_object(bucket, "m").system.content_length
        project.close()
        return {"path": _native.library_path(), "stored": stored}

    put_object(project, bucket, "m", b"memfd")
    report = in_child(child)
    assert report["path"].startswith("/proc/") and "/fd/" in report["path"]
    assert report["stored"] == 5


def test_private_copy_from_a_temporary_file(project: Project, bucket: str,
                                            tmp_path: Any) -> None:
    def child() -> Dict[str, Any]:
        def no_memfd(*_: Any) -> int:
            raise OSError("memfd_create refused (test)")
        os.memfd_create = no_memfd  # type: ignore[assignment]
        tempfile.tempdir = str(tmp_path)
        stored = project.stat_object(bucket, "t").system.content_length
        project.close()
        return {"path": _native.library_path(), "left": os.listdir(tmp_path),
                "stored": stored}

    put_object(project, bucket, "t", b"temp")
    report = in_child(child)
    assert report["path"].startswith(str(tmp_path))
    assert report["left"] == []   # removed as soon as it was loaded
    assert report["stored"] == 4


def test_no_private_copy_possible_is_a_clear_fork_error(access: Access) -> None:
    def child() -> str:
        def refused(*_: Any) -> Any:
            raise OSError("refused (test)")
        os.memfd_create = refused  # type: ignore[assignment]
        _native._loader._temp_dirs = lambda: iter(["/nonexistent/a", "/nonexistent/b"])
        try:
            access.serialize()
        except ForkError as exc:
            return str(exc)
        return "no error"

    message = in_child(child)
    assert "private copy" in message and "refused (test)" in message
    assert "/nonexistent/a" in message and "spawn" in message


@pytest.fixture
def fs(testnet: Any) -> Iterator[StorjFileSystem]:
    made = fsspec.filesystem("sj", access=testnet.access)
    yield made
    StorjFileSystem.clear_instance_cache()
    made.close()


def test_file_system_after_fork(testnet: Any, fs: StorjFileSystem, bucket: str) -> None:
    fs.pipe_file(f"{bucket}/a", b"parent")

    def child() -> Dict[str, Any]:
        again = fsspec.filesystem("sj", access=testnet.access)
        fresh = again is not fs   # fsspec's instance cache is per process
        again.pipe_file(f"{bucket}/b", b"child")
        read = fs.cat_file(f"{bucket}/a").decode()
        listed = fs.ls(bucket, detail=False)
        again.close()
        fs.close()
        return {"fresh": fresh, "read": read, "listed": listed,
                "empty": _native.universe_is_empty()}

    report = in_child(child)
    assert report == {"fresh": True, "read": "parent", "listed": [f"{bucket}/a", f"{bucket}/b"],
                      "empty": True}
    assert fs.cat_file(f"{bucket}/b") == b"child"


def test_locks_held_by_parent_threads_do_not_block_the_child(project: Project,
                                                             bucket: str) -> None:
    put_object(project, bucket, "k", b"lock")
    project._handle._mutex.acquire()   # as a parent thread in a call at the fork
    _native._loader._State.lock.acquire()
    try:
        def child() -> int:
            return project.stat_object(bucket, "k").system.content_length
        assert in_child(child) == 4
    finally:
        _native._loader._State.lock.release()
        project._handle._mutex.release()


def test_a_listing_of_the_child_is_its_own(project: Project, bucket: str) -> None:
    for number in range(3):
        put_object(project, bucket, f"l/{number}")

    def child() -> List[str]:
        keys = [o.key for o in project.iter_objects(
            bucket, ListObjectsOptions(prefix="l/", recursive=True))]
        project.close()
        return sorted(keys)

    assert in_child(child) == ["l/0", "l/1", "l/2"]
