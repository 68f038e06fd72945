"""The gate every native call passes through: fork safety of every kind of
object, one outcome for a close from another thread, and the original
uplink-python's native attributes. Against the local network."""

from __future__ import annotations

import ctypes
import os
import threading
from typing import Any, Callable, Dict, List

import pytest

from uplink_python import _native
from uplink_python.errors import ClosedError, ForkError, StorjException
from uplink_python.module_classes import ListObjectsOptions
from uplink_python.project import Project
from uplink_python.uplink import Uplink
from uplink_fixtures import put_object


def _in_child(actions: Dict[str, Callable[[], Any]]) -> Dict[str, str]:
    """Runs each action in a forked child; returns what each raised (by class name)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: leaves with os._exit
        outcomes = []
        for name, action in actions.items():
            try:
                action()
                outcome = "returned"
            except BaseException as exc:  # pylint: disable=broad-except
                outcome = type(exc).__name__
            outcomes.append(f"{name}={outcome}")
        os.write(write_end, "\n".join(outcomes).encode())
        os._exit(0)
    os.close(write_end)
    chunks = []
    while True:
        chunk = os.read(read_end, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, f"child status {status}"
    return dict(line.split("=", 1) for line in b"".join(chunks).decode().splitlines())


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork() on this platform")
def test_in_the_child_streams_made_before_fork_raise_and_the_rest_reopens(
        uplink: Uplink, access: Any, project: Project, bucket: str) -> None:
    for index in range(3):
        put_object(project, bucket, f"fork/{index}", b"data %d" % index)
    key = access.derive_encryption_key("passphrase", b"salt")
    upload = project.upload_object(bucket, "fork/pending")
    upload.write(b"pending")
    download = project.download_object(bucket, "fork/0")
    info = project.begin_upload(bucket, "fork/multipart")
    part = project.upload_part(bucket, "fork/multipart", info.upload_id, 1)
    objects = project.iter_objects(bucket, ListObjectsOptions(prefix="fork/", recursive=True))
    first = next(objects).key  # a listing in progress, as in the report
    buckets = project.iter_buckets()
    uploads = project.iter_uploads(bucket)
    versions = project.iter_object_versions(bucket)
    parts = project.iter_upload_parts(bucket, "fork/multipart", info.upload_id)

    outcomes = _in_child({
        "encryption_key": lambda: access.override_encryption_key(bucket, "p/", key),
        "access": access.serialize,
        "project": lambda: project.stat_object(bucket, "fork/1"),
        "upload": lambda: upload.write(b"more"),
        "download": lambda: download.read(4),
        "part_upload": lambda: part.write(b"part"),
        "object_listing": lambda: next(objects),
        "bucket_listing": lambda: next(buckets),
        "upload_listing": lambda: next(uploads),
        "version_listing": lambda: next(versions),
        "part_listing": lambda: next(parts),
        "new_access": lambda: uplink.parse_access(access.serialize()),
    })
    reopened = {"access", "project", "new_access"}
    assert outcomes == {name: "returned" if name in reopened else "ForkError"
                        for name in outcomes}, outcomes

    # The parent is untouched: its connections were not used by the child.
    assert project.stat_object(bucket, "fork/1").system.content_length == 6
    assert sorted([first] + [o.key for o in objects]) == ["fork/0", "fork/1", "fork/2"]
    assert download.read(6) == (b"data 0", 6)
    for item in (buckets, uploads, versions, parts):
        item.close()
    upload.close()
    download.close()
    part.close()
    project.abort_upload(bucket, "fork/multipart", info.upload_id)
    key.close()


def test_fork_error_is_a_storj_exception() -> None:
    assert issubclass(ForkError, StorjException)


def test_close_during_a_read_interrupts_it_with_closed_error(project: Project,
                                                              bucket: str) -> None:
    """A read blocked in another thread ends with ClosedError when the download
    is closed, and the handle is freed only after the read left libuplinkc."""
    size = 8 * 1024 * 1024
    put_object(project, bucket, "big", os.urandom(size))
    outcomes: List[str] = []
    for _ in range(5):
        download = project.download_object(bucket, "big")
        errors: List[BaseException] = []
        started = threading.Event()

        def read_all() -> None:
            buffer = bytearray(64 * 1024)
            try:
                download.readinto(buffer)
                started.set()  # reading: 8 MiB is over a hundred more reads
                while download.readinto(buffer):
                    pass
            except BaseException as exc:  # pylint: disable=broad-except
                errors.append(exc)
            finally:
                started.set()

        reader = threading.Thread(target=read_all)
        reader.start()
        assert started.wait(60), "the first read did not return"
        download.close()
        reader.join(30)
        assert not reader.is_alive(), "close() did not interrupt the read"
        outcomes.append(type(errors[0]).__name__ if errors else "finished")
    # Either the read finished before the close, or it saw ClosedError: never
    # CancelledError, InvalidHandleError or "stream: already closed".
    assert set(outcomes) <= {"ClosedError", "finished"}, outcomes
    assert "ClosedError" in outcomes, outcomes


def test_close_project_during_calls_gives_closed_error(access: Any, bucket: str) -> None:
    project = access.open_project()
    put_object(project, bucket, "k", b"v")
    errors: List[BaseException] = []
    calling = threading.Barrier(4)

    def stat_forever() -> None:
        # Until the close ends it: a call in progress, or the next one, raises.
        try:
            project.stat_object(bucket, "k")
            calling.wait(60)
            while True:
                project.stat_object(bucket, "k")
        except BaseException as exc:  # pylint: disable=broad-except
            errors.append(exc)

    threads = [threading.Thread(target=stat_forever) for _ in range(3)]
    for thread in threads:
        thread.start()
    calling.wait(60)  # every thread made a call and is calling again
    project.close()
    for thread in threads:
        thread.join(30)
        assert not thread.is_alive()
    assert len(errors) == 3
    assert all(isinstance(exc, ClosedError) for exc in errors), errors


def test_original_native_attributes(uplink: Uplink, access: Any, project: Project,
                                    bucket: str) -> None:
    """The original exposed the C handles; programs read ``.contents._handle``."""
    put_object(project, bucket, "attr", b"12345")
    assert access.access.contents._handle > 0
    assert project.project.contents._handle > 0
    with project.upload_object(bucket, "attr2") as upload:
        assert upload.upload.contents._handle > 0
        upload.write(b"x")
    with project.download_object(bucket, "attr") as download:
        handle_id = download.download.contents._handle
        assert handle_id > 0
        # A copy: changing it does not change what the download uses.
        pointer = download.download
        pointer.contents._handle = 0
        assert download.download.contents._handle == handle_id
        assert download.read(5) == (b"12345", 5)
    with pytest.raises(ClosedError):
        _ = download.download
    for name in ("access", "project", "upload", "download"):
        owner = {"access": access, "project": project, "upload": upload,
                 "download": download}[name]
        with pytest.raises(AttributeError):
            setattr(owner, name, None)


def test_m_libuplink_goes_through_the_gate(uplink: Uplink, access: Any) -> None:
    library = uplink.m_libuplink
    assert Uplink().m_libuplink is library
    with pytest.raises(AttributeError):
        uplink.m_libuplink = None  # type: ignore[misc]
    with pytest.raises(AttributeError):
        library.uplink_no_such_function  # pylint: disable=pointless-statement
    serialize = library.uplink_access_serialize
    # Original programs assign the declarations before each call: accepted, and
    # the declared signature stays.
    declared = serialize.argtypes
    serialize.argtypes = [ctypes.c_void_p]
    serialize.restype = ctypes.c_int
    assert serialize.argtypes == declared
    result = serialize(access.access)
    try:
        assert ctypes.string_at(result.string).decode() == access.serialize()
    finally:
        library.uplink_free_string_result(result)
    assert _native.handle_count() >= 1
