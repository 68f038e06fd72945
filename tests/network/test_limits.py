"""Requests too large for the satellite are refused up front or split, never
reported as a cancellation nobody asked for. Against the local network."""

from __future__ import annotations

from typing import Any, List

import pytest

from uplink_python._native import _calls
from uplink_python._native._convert import MAX_KEY_BYTES
from uplink_python.errors import CancelledError, ObjectNotFoundError, StorjException
from uplink_python.module_classes import DeleteStatus
from uplink_python.project import Project


@pytest.mark.parametrize("call", ["stat_object", "delete_object", "download_object",
                                  "upload_object"])
def test_a_key_over_the_limit_is_a_value_error(project: Project, bucket: str,
                                               call: str) -> None:
    key = "k" * (MAX_KEY_BYTES + 1)
    with pytest.raises(ValueError, match="limited to"):
        getattr(project, call)(bucket, key)


def test_a_long_key_under_the_limit_reaches_the_satellite(project: Project,
                                                          bucket: str) -> None:
    with pytest.raises(ObjectNotFoundError):
        project.stat_object(bucket, "k" * (1024 * 1024))


def test_a_long_bulk_delete_is_split(project: Project, bucket: str,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # 1000 keys of 2000 bytes: more than one request of keys.
    keys = [f"{index:04d}" + "x" * 1996 for index in range(1000)]
    requests: List[int] = []
    real_call = _calls.call

    def counting_call(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "uplink_delete_objects":
            requests.append(args[3])  # the number of items in this request
        return real_call(name, *args, **kwargs)

    monkeypatch.setattr(_calls, "call", counting_call)
    results = project.delete_objects(bucket, keys)
    assert len(requests) > 1 and sum(requests) == len(keys), requests
    assert sorted(r.key for r in results) == keys
    assert {r.status for r in results} == {DeleteStatus.NOT_FOUND}


def test_keys_the_satellite_refuses_are_not_a_cancellation(project: Project,
                                                           bucket: str) -> None:
    # 1000 keys of 5000 bytes (5 MB) used to be dropped with the connection and
    # reported as CancelledError; each is longer than the satellite stores.
    keys = [f"{index:04d}" + "x" * 4996 for index in range(1000)]
    with pytest.raises(StorjException) as info:
        project.delete_objects(bucket, keys)
    assert not isinstance(info.value, CancelledError)
    assert "too long" in str(info.value)
