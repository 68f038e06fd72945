"""download_read semantics of the native layer, driven by a scripted fake library (no network).

Go returns 0 bytes without an error at segment boundaries (storj/uplink#99)
and may return the last bytes together with EOF; the layer must loop over the
former and keep the latter.
"""

from __future__ import annotations

import ctypes
from typing import Any, Iterator, List, Tuple

import pytest

from uplink_python import _native
from uplink_python._native import _errors, _gate, _streams
from uplink_python import module_def as d
from uplink_python.errors import InternalError, ObjectNotFoundError


class FakeLibrary:
    """Plays back (payload, error code or None) for each streaming read call
    (uplink_download_read_some, which the layer uses; uplink_download_read alike)."""

    def __init__(self, script: List[Tuple[bytes, Any]]) -> None:
        self.script: Iterator[Tuple[bytes, Any]] = iter(script)
        self.errors: List[Any] = []
        self.freed_errors = 0
        self.freed_results = 0
        self.calls = 0

    def uplink_download_read(self, _download: Any, pointer: Any, count: int) -> Any:
        self.calls += 1
        payload, code = next(self.script)
        assert len(payload) <= count
        ctypes.memmove(pointer, payload, len(payload))
        result = d._ReadResult(len(payload), None)
        if code is not None:
            error = d._Error(code, b"boom" if code != -1 else None)
            self.errors.append(error)
            result.error = ctypes.pointer(error)
        return result

    uplink_download_read_some = uplink_download_read

    def uplink_free_error(self, _err: Any) -> None:
        self.freed_errors += 1

    def uplink_free_read_result(self, result: Any) -> None:
        assert not result.error, "the error must have been moved out before the result is freed"
        self.freed_results += 1


@pytest.fixture
def fake_download(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    holder: List[FakeLibrary] = []

    def install(script: List[Tuple[bytes, Any]]) -> FakeLibrary:
        fake = FakeLibrary(script)
        holder.append(fake)
        # The gate and the error choke point are the only places that fetch functions.
        for module in (_gate, _errors):
            monkeypatch.setattr(module, "function", lambda name: getattr(fake, name))
        return fake

    struct = d._DownloadStruct(12345)
    handle = _native.Handle("download", ctypes.pointer(struct), "uplink_free_download_result",
                            d._DownloadResult())
    yield install, handle
    handle._finalizer.detach()  # pylint: disable=protected-access  # nothing native to free


def test_zero_byte_reads_are_skipped(fake_download: Any) -> None:
    install, handle = fake_download
    fake = install([(b"", None), (b"", None), (b"abc", None)])
    assert _native.download_read(handle, 10) == (b"abc", False)
    # A result without an error owns no memory: nothing to free.
    assert fake.calls == 3 and fake.freed_results == 0


def test_data_together_with_eof_is_kept(fake_download: Any) -> None:
    install, handle = fake_download
    fake = install([(b"tail", -1)])
    assert _native.download_read(handle, 10) == (b"tail", True)
    assert fake.freed_errors == 1 and fake.freed_results == 1


def test_readinto_fills_in_place(fake_download: Any) -> None:
    install, handle = fake_download
    install([(b"", None), (b"xyz", -1)])
    target = bytearray(8)
    assert _native.download_readinto(handle, memoryview(target)[2:], full=False) == (3, True)
    assert target == bytearray(b"\0\0xyz\0\0\0")


def test_other_errors_raise_and_are_freed(fake_download: Any) -> None:
    install, handle = fake_download
    fake = install([(b"", 0x21)])
    with pytest.raises(ObjectNotFoundError):
        _native.download_read(handle, 10)
    assert fake.freed_errors == 1 and fake.freed_results == 1


def test_a_stuck_download_is_reported_not_spun_on(fake_download: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    install, handle = fake_download
    monkeypatch.setattr(_streams, "_MAX_EMPTY_READS", 5)
    install([(b"", None)] * 5)
    with pytest.raises(InternalError, match="no data"):
        _native.download_read(handle, 10)
