"""A minimal ctypes view of libuplinkc's C ABI for tests that must reach the C
functions themselves (the locks, timeouts and error codes live there, so C
callers get them too), independent of uplink_python's native layer.

Run as a script it is the child process of the thread tests, where a Go
panic aborts only the child: ``python _cabi.py share-download <json>``.
"""

from __future__ import annotations

import ctypes
import json
import os
import random
import sys
import threading
from ctypes import (POINTER, Structure, c_bool, c_char, c_char_p, c_int32, c_int64,
                    c_size_t, c_void_p)
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

TIMEOUT = 0x84
NOT_ENOUGH_NODES = 0x85
CANCELED = 0x03
INTERNAL = 0x02
OBJECT_NOT_FOUND = 0x21
BUCKET_NAME_INVALID = 0x10
EOF = -1


class Error(Structure):
    _fields_ = [("code", c_int32), ("message", c_char_p)]


class Handle(Structure):
    _fields_ = [("_handle", c_size_t)]


class Config(Structure):
    _fields_ = [("user_agent", c_char_p), ("dial_timeout_milliseconds", c_int32),
                ("temp_directory", c_char_p)]


class Timeouts(Structure):
    _fields_ = [("request_timeout_milliseconds", c_int64),
                ("stall_timeout_milliseconds", c_int64)]


class HandleResult(Structure):
    _fields_ = [("handle", POINTER(Handle)), ("error", POINTER(Error))]


class IOResult(Structure):
    _fields_ = [("count", c_size_t), ("error", POINTER(Error))]


class StringResult(Structure):
    _fields_ = [("string", c_char_p), ("error", POINTER(Error))]


class Entry(Structure):
    _fields_ = [("key", POINTER(c_char)), ("key_length", c_size_t),
                ("value", POINTER(c_char)), ("value_length", c_size_t)]


class Object(Structure):
    _fields_ = [("key", c_char_p), ("is_prefix", c_bool),
                ("created", c_int64), ("expires", c_int64), ("content_length", c_int64),
                ("entries", POINTER(Entry)), ("count", c_size_t)]


class ObjectResult(Structure):
    _fields_ = [("object", POINTER(Object)), ("error", POINTER(Error))]


_H = POINTER(Handle)
_SIGNATURES: Dict[str, Tuple[Any, List[Any]]] = {
    "uplink_parse_access": (HandleResult, [c_char_p]),
    "uplink_free_access_result": (None, [HandleResult]),
    "uplink_config_open_project2": (HandleResult, [Config, POINTER(Timeouts), _H]),
    "uplink_config_open_project": (HandleResult, [Config, _H]),
    "uplink_config_request_access_with_passphrase2": (
        HandleResult, [Config, POINTER(Timeouts), c_char_p, c_char_p, c_char_p]),
    "uplink_free_project_result": (None, [HandleResult]),
    "uplink_stat_object": (ObjectResult, [_H, c_char_p, c_char_p]),
    "uplink_free_object_result": (None, [ObjectResult]),
    "uplink_download_object": (HandleResult, [_H, c_char_p, c_char_p, c_void_p]),
    "uplink_download_read": (IOResult, [_H, c_void_p, c_size_t]),
    "uplink_free_read_result": (None, [IOResult]),
    "uplink_close_download": (POINTER(Error), [_H]),
    "uplink_free_download_result": (None, [HandleResult]),
    "uplink_upload_object": (HandleResult, [_H, c_char_p, c_char_p, c_void_p]),
    "uplink_upload_write": (IOResult, [_H, c_void_p, c_size_t]),
    "uplink_free_write_result": (None, [IOResult]),
    "uplink_upload_commit": (POINTER(Error), [_H]),
    "uplink_upload_info": (ObjectResult, [_H]),
    "uplink_free_upload_result": (None, [HandleResult]),
    "uplink_cancel": (POINTER(Error), [_H]),
    "uplink_free_error": (None, [POINTER(Error)]),
    "uplink_internal_UniverseIsEmpty": (c_bool, []),
    "uplink_free_string_result": (None, [StringResult]),
}


def library_path() -> str:
    """The libuplinkc the package loads, or $UPLINK_PYTHON_LIBRARY."""
    override = os.environ.get("UPLINK_PYTHON_LIBRARY")
    if override:
        return override
    import uplink_python
    return str(Path(uplink_python.__file__).parent / "libuplinkc.so")


def load() -> ctypes.CDLL:
    lib = ctypes.CDLL(library_path())
    for name, (restype, argtypes) in _SIGNATURES.items():
        # Tolerant, so that the tests can show what an older build did.
        function = getattr(lib, name, None)
        if function is not None:
            function.restype, function.argtypes = restype, argtypes
    return lib


class CError(Exception):
    """A C error: its code and message."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code:#x}: {message}")
        self.code, self.message = code, message


def copy(error: Any) -> Optional[CError]:
    """Copies an UplinkError*; None for NULL. The caller frees it."""
    if not error:
        return None
    return CError(error.contents.code, (error.contents.message or b"").decode())


def take(lib: ctypes.CDLL, error: Any) -> Optional[CError]:
    """Copies and frees an UplinkError* that no result struct owns."""
    exc = copy(error)
    if error:
        lib.uplink_free_error(error)
    return exc


class Session:
    """An open project over the C ABI."""

    def __init__(self, lib: ctypes.CDLL, access: str, config: Optional[Config] = None,
                 timeouts: Optional[Timeouts] = None) -> None:
        self.lib = lib
        self.access_result = lib.uplink_parse_access(access.encode())
        assert not self.access_result.error
        if timeouts is None:
            self.project_result = lib.uplink_config_open_project(
                config or Config(), self.access_result.handle)
        else:
            self.project_result = lib.uplink_config_open_project2(
                config or Config(), ctypes.byref(timeouts), self.access_result.handle)
        assert not self.project_result.error
        self.project = self.project_result.handle

    def close(self) -> None:
        self.lib.uplink_free_project_result(self.project_result)
        self.lib.uplink_free_access_result(self.access_result)

    def stat(self, bucket: str, key: str) -> Tuple[Optional[Dict[str, Any]], Optional[CError]]:
        """(object fields, None) or (None, error)."""
        result = self.lib.uplink_stat_object(self.project, bucket.encode(), key.encode())
        try:
            if result.error:
                return None, copy(result.error)
            obj = result.object.contents
            keys = [ctypes.string_at(obj.entries[i].key, obj.entries[i].key_length).decode()
                    for i in range(obj.count)]
            return {"size": obj.content_length, "keys": keys}, None
        finally:
            self.lib.uplink_free_object_result(result)

    def read_all(self, bucket: str, key: str) -> bytes:
        result = self.lib.uplink_download_object(self.project, bucket.encode(), key.encode(), None)
        assert not result.error
        data = bytearray()
        buffer = ctypes.create_string_buffer(65536)
        try:
            while True:
                read = self.lib.uplink_download_read(result.handle, buffer, len(buffer))
                data += buffer.raw[:read.count]
                error = copy(read.error)
                self.lib.uplink_free_read_result(read)
                if error is not None:
                    if error.code == EOF:
                        return bytes(data)
                    raise error
        finally:
            self.lib.uplink_free_download_result(result)


def share_download(info: Dict[str, Any]) -> Dict[str, Any]:
    """Several threads read one download at once; returns their chunks'
    (offset-free) contents in hex and whether the handle table emptied."""
    lib = load()
    session = Session(lib, info["access"])
    result = lib.uplink_download_object(session.project, info["bucket"].encode(),
                                        info["key"].encode(), None)
    assert not result.error
    chunks: List[bytes] = []
    errors: List[str] = []
    lock = threading.Lock()

    def reader(seed: int) -> None:
        rng = random.Random(seed)
        buffer = ctypes.create_string_buffer(70000)
        while True:
            size = rng.choice((17, 4096, 9000, 65536, 70000))
            read = lib.uplink_download_read(result.handle, buffer, size)
            chunk = buffer.raw[:read.count]
            error = copy(read.error)
            lib.uplink_free_read_result(read)
            with lock:
                if chunk:
                    chunks.append(chunk)
                if error is not None and error.code != EOF:
                    errors.append(str(error))
            if error is not None:
                return

    threads = [threading.Thread(target=reader, args=(seed,)) for seed in range(info["threads"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lib.uplink_free_download_result(result)
    session.close()
    return {"chunks": [chunk.hex() for chunk in chunks], "errors": errors,
            "empty": bool(lib.uplink_internal_UniverseIsEmpty())}


if __name__ == "__main__":
    if sys.argv[1] == "share-download":
        print(json.dumps(share_download(json.loads(sys.argv[2]))))
