"""Errors: code mapping, unknown codes, str/repr, args and pickling. No native library."""

from __future__ import annotations

import errno
import pickle
from typing import Optional

import pytest

from uplink_python import errors
from uplink_python.errors import (BucketAlreadyExistError, BucketNotEmptyError,
                                  BucketNotFoundError, CancelledError, ClosedError,
                                  InternalError, LibUplinkSoError, ObjectNotFoundError,
                                  StorjException, _storj_exception)

EXPECTED = {
    0x02: "InternalError", 0x03: "CancelledError", 0x04: "InvalidHandleError",
    0x05: "TooManyRequestsError", 0x06: "BandwidthLimitExceededError",
    0x07: "StorageLimitExceededError", 0x08: "SegmentsLimitExceededError",
    0x09: "PermissionDeniedError", 0x10: "BucketNameInvalidError",
    0x11: "BucketAlreadyExistError", 0x12: "BucketNotEmptyError", 0x13: "BucketNotFoundError",
    0x20: "ObjectKeyInvalidError", 0x21: "ObjectNotFoundError", 0x22: "UploadDoneError",
    0x30: "EdgeAuthDialFailedError", 0x31: "EdgeRegisterAccessFailedError",
    0x80: "FailedPreconditionError", 0x81: "ObjectProtectedError",
    0x82: "ObjectLockNotAvailableError", 0x83: "MethodNotAllowedError",
    0x84: "StorjTimeoutError", 0x85: "NotEnoughNodesError",
    0x86: "InvalidArgumentError", 0x87: "InterruptedCallError",
}


@pytest.mark.parametrize("code,name", sorted(EXPECTED.items()))
def test_every_code_has_its_class(code: int, name: str) -> None:
    exc = _storj_exception(code, "details here")
    assert type(exc).__name__ == name
    assert isinstance(exc, StorjException)
    assert exc.code == code
    assert exc.details == "details here"
    assert errors.error_class(code) is type(exc)


def test_constants_match_the_header() -> None:
    assert errors.ERROR_STORAGE_LIMIT_EXCEEDED == 0x07
    assert errors.ERROR_SEGMENTS_LIMIT_EXCEEDED == 0x08
    assert errors.ERROR_PERMISSION_DENIED == 0x09
    assert errors.EDGE_ERROR_AUTH_DIAL_FAILED == 0x30
    assert errors.EDGE_ERROR_REGISTER_ACCESS_FAILED == 0x31
    assert errors.ERROR_FAILED_PRECONDITION == 0x80
    assert errors.ERROR_METHOD_NOT_ALLOWED == 0x83
    assert errors.ERROR_EOF == -1


@pytest.mark.parametrize("code", [0x01, 0x7F, 0x99, 12345, -7])
def test_unknown_code_gives_plain_storj_exception(code: int) -> None:
    exc = _storj_exception(code, "mystery")
    assert type(exc) is StorjException
    assert exc.code == code and exc.details == "mystery"
    assert "unknown error" in str(exc) and "mystery" in str(exc)


def test_args_str_and_repr() -> None:
    exc = BucketNotFoundError("no bucket 'x'")
    assert exc.args == ("bucket not found", 0x13, "no bucket 'x'")
    assert str(exc) == "bucket not found: no bucket 'x'"
    assert "BucketNotFoundError" in repr(exc) and "0x13" in repr(exc)
    assert str(InternalError()) == "internal error"
    base = StorjException("msg", 42, "det")
    assert (base.message, base.code, base.details) == ("msg", 42, "det")


@pytest.mark.parametrize("exc", [
    ObjectNotFoundError("gone"), BucketNotEmptyError(""), StorjException("m", 0x77, "d"),
    LibUplinkSoError("tried /x"), ClosedError("the upload is closed"), CancelledError("c"),
    errors.StorjTimeoutError("dial: no answer"), errors.NotEnoughNodesError("found 2"),
])
def test_pickle_round_trip(exc: StorjException) -> None:
    again = pickle.loads(pickle.dumps(exc))
    assert type(again) is type(exc)
    assert (again.message, again.code, again.details, again.args) == (
        exc.message, exc.code, exc.details, exc.args)
    assert str(again) == str(exc)


def test_pickle_keeps_extra_attributes() -> None:
    exc = BucketAlreadyExistError("exists")
    exc.bucket = "kept"  # type: ignore[attr-defined]
    assert pickle.loads(pickle.dumps(exc)).bucket == "kept"


def test_closed_error_is_also_a_value_error() -> None:
    assert issubclass(ClosedError, ValueError)
    assert issubclass(ClosedError, StorjException)


def test_original_names_and_aliases() -> None:
    assert errors.BucketAlreadyExistsError is BucketAlreadyExistError
    assert errors.CanceledError is CancelledError
    assert LibUplinkSoError().code == errors.ERROR_LIBUPLINK_SO_NOT_FOUND


def test_go_stack_frames_are_dropped_from_messages() -> None:
    from uplink_python import _native
    message = ('object not found: uplink: object not found ("k")\n'
               "\tstorj.io/uplink.errwrapf:115\n"
               "\tmain.uplink_stat_object:129\n"
               "\truntime.cgocallback:1160")
    assert _native._errors._without_go_frames(message) == 'object not found: uplink: object not found ("k")'
    assert _native._errors._without_go_frames("two\nlines") == "two\nlines"


BUILTIN_BASES = [
    (0x09, PermissionError, errno.EACCES), (0x10, ValueError, None),
    (0x11, FileExistsError, errno.EEXIST), (0x12, OSError, errno.ENOTEMPTY),
    (0x13, FileNotFoundError, errno.ENOENT), (0x20, ValueError, None),
    (0x21, FileNotFoundError, errno.ENOENT), (0x30, ConnectionError, None),
]


@pytest.mark.parametrize("code,base,number", BUILTIN_BASES)
def test_builtin_bases_keep_storj_fields_and_pickle(code: int, base: type,
                                                    number: Optional[int]) -> None:
    exc = _storj_exception(code, "uplink: the reason")
    assert isinstance(exc, base) and isinstance(exc, StorjException)
    assert exc.args == (exc.message, code, "uplink: the reason")
    if isinstance(exc, OSError) and number is not None:
        assert (exc.errno, exc.strerror, exc.filename) == (number, exc.message, None)
    again = pickle.loads(pickle.dumps(exc))
    assert type(again) is type(exc) and str(again) == str(exc) and again.args == exc.args
    if isinstance(exc, OSError):
        assert again.errno == exc.errno  # type: ignore[attr-defined]


def test_str_shows_the_reason_once() -> None:
    denied = _storj_exception(
        0x09, "uplink: permission denied (metaclient: Unauthorized API credentials)")
    assert denied.message == "permission denied"
    assert str(denied) == "permission denied (metaclient: Unauthorized API credentials)"
    missing = _storj_exception(0x13, 'uplink: bucket not found ("photos")')
    assert str(missing) == 'bucket not found ("photos")'
    assert str(_storj_exception(0x02, "uplink: something odd")) == "internal error: something odd"
    assert str(_storj_exception(0x21, "")) == "object not found"


REFINED = [
    ("uplink: api key format: invalid api key format", errors.InvalidAPIKeyError,
     "invalid API key"),
    ("uplink: node id is required in satelliteNodeURL", errors.SatelliteAddressError,
     "<node id>@host:port"),
    ("uplink: node URL: node ID: invalid format: version and/or checksum bytes missing",
     errors.SatelliteAddressError, "<node id>@host:port"),
    ("uplink: invalid access grant format", errors.InvalidAccessGrantError,
     "invalid access grant"),
    ("uplink: rpc: dial tcp 127.0.0.1:1: connect: connection refused",
     errors.SatelliteUnreachableError, "cannot reach the satellite"),
    ("uplink: rpc: dial tcp: lookup nosuch.invalid: no such host",
     errors.SatelliteUnreachableError, "no such host"),
    ("uplink: context deadline exceeded", errors.NetworkTimeoutError, "timed out"),
    ("uplink: rpc: read tcp 127.0.0.1:5->127.0.0.1:6: read: connection reset by peer",
     errors.NetworkError, "connection reset"),
    ("uplink: some new failure", InternalError, "internal error: some new failure"),
    # A storage node's dial failure is a network failure, never the satellite's.
    ("uplink: piecestore: rpc: dial tcp 127.0.0.1:7: connect: connection refused",
     errors.NetworkError, "piecestore"),
    ("uplink: ecclient: rpc: dial tcp 127.0.0.1:7: i/o timeout",
     errors.NetworkTimeoutError, "ecclient"),
    ("uplink: piecestore: something new", InternalError, "piecestore: something new"),
]


@pytest.mark.parametrize("details,cls,text", REFINED)
def test_internal_errors_are_refined_by_their_text(details: str, cls: type, text: str) -> None:
    exc = _storj_exception(0x02, details)
    assert type(exc) is cls
    assert isinstance(exc, InternalError) and exc.code == 0x02 and exc.message == "internal error"
    assert text in str(exc)
    assert type(pickle.loads(pickle.dumps(exc))) is cls


def test_refined_classes_have_builtin_bases() -> None:
    assert issubclass(errors.BadCredentialsError, ValueError)
    assert issubclass(errors.InvalidAPIKeyError, errors.BadCredentialsError)
    assert issubclass(errors.SatelliteUnreachableError, ConnectionError)
    assert issubclass(errors.NetworkError, ConnectionError)
    assert issubclass(errors.NetworkTimeoutError, TimeoutError)
    assert not issubclass(errors.SatelliteUnreachableError, errors.NetworkError)
    assert issubclass(errors.NoAccessError, LookupError)
    # Other codes are never refined by their text.
    assert type(_storj_exception(0x09, "connection refused")) is errors.PermissionDeniedError


def test_timeout_error_is_also_the_builtin_timeout_error() -> None:
    exc = _storj_exception(0x84, "satellite request: no answer within 30s")
    assert isinstance(exc, TimeoutError) and isinstance(exc, StorjException)
    assert not isinstance(exc, (CancelledError, InternalError))
    assert exc.args == ("timeout", 0x84, "satellite request: no answer within 30s")
    assert exc.errno == errno.ETIMEDOUT
    assert str(exc) == "timeout: satellite request: no answer within 30s"


def test_not_enough_nodes_is_not_a_failed_precondition() -> None:
    assert not issubclass(errors.NotEnoughNodesError, errors.FailedPreconditionError)
    assert errors.ERROR_TIMEOUT == 0x84 and errors.ERROR_NOT_ENOUGH_NODES == 0x85


@pytest.mark.parametrize("not_before, not_after, now, expired, valid_from", [
    (0, 1_000, 1_000, True, False),        # not_after reached
    (0, 1_000, 999, False, False),         # still valid: the refusal is about something else
    (2_000, 0, 1_000, False, True),        # not_before ahead
    (500, 3_000, 1_000, False, False),     # inside the window
    (0, 0, 1_000, False, False),           # no bounds
])
def test_permission_denied_explains_a_grant_out_of_its_window(
        not_before: int, not_after: int, now: float, expired: bool, valid_from: bool) -> None:
    exc = _storj_exception(errors.ERROR_PERMISSION_DENIED,
                           "uplink: permission denied (metaclient: Unauthorized API credentials)")
    assert isinstance(exc, errors.PermissionDeniedError)
    plain = str(exc)
    exc._explain_time_bounds(not_before, not_after, now=now)
    text = str(exc)
    assert (exc.expired_at is not None) == expired
    assert (exc.valid_from is not None) == valid_from
    if expired:
        assert text == f"the access grant expired at 1970-01-01 00:16:40 UTC: {plain}"
    elif valid_from:
        assert text == f"the access grant is not valid until 1970-01-01 00:33:20 UTC: {plain}"
    else:
        assert text == plain == "permission denied (metaclient: Unauthorized API credentials)"
    assert str(pickle.loads(pickle.dumps(exc))) == text


def test_invalid_argument_is_a_value_error_and_an_internal_error() -> None:
    exc = _storj_exception(0x86, "uplink: metaclient: Invalid expiration time")
    assert type(exc) is errors.InvalidArgumentError
    assert isinstance(exc, ValueError) and isinstance(exc, InternalError)
    assert exc.code == errors.ERROR_INVALID_ARGUMENT == 0x86
    assert str(exc) == "invalid argument: metaclient: Invalid expiration time"
    assert type(pickle.loads(pickle.dumps(exc))) is errors.InvalidArgumentError


def test_interrupted_call_is_an_interrupted_error() -> None:
    exc = _storj_exception(0x87, "interrupted by a signal 2")
    assert isinstance(exc, InterruptedError) and exc.errno == errno.EINTR
    assert not isinstance(exc, (InternalError, CancelledError))
    assert errors.ERROR_INTERRUPTED == 0x87
