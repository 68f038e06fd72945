"""Exceptions raised by uplink_python, one class per libuplinkc error code.

Every exception is a :class:`StorjException` carrying ``message`` (the fixed
summary of its code, as in the original), ``code`` (the numeric libuplinkc
code) and ``details`` (the text the native library reported). ``str(e)`` is
the reason in one line: the summary and the details, without the repetition
Go adds ("permission denied (metaclient: ...)", not "permission denied:
uplink: permission denied (metaclient: ...)").

Where a built-in exception fits, the class is also one, so that code written
for files and sockets catches it: not found -> FileNotFoundError, an existing
bucket -> FileExistsError, permission -> PermissionError, network failures ->
ConnectionError, timeouts -> TimeoutError, invalid names and malformed
credentials -> ValueError. Their ``errno`` is set to match.

InternalError, the library's catch-all, is refined by its text into classes
that say what to fix: InvalidAPIKeyError, SatelliteAddressError,
InvalidAccessGrantError (all BadCredentialsError), SatelliteUnreachableError,
NetworkTimeoutError and NetworkError (a connection lost during a call). They stay InternalError
subclasses with the same code and ``message``, so existing handlers still work.

Exceptions pickle, so they cross process boundaries (multiprocessing,
concurrent.futures) intact.
"""

from __future__ import annotations

import datetime
import errno as _errno
import re
import time
from typing import Any, Dict, Optional, Tuple, Type

# Codes of uplink-c (uplink_definitions.h). EOF is a sentinel, never raised.
ERROR_EOF = -1
ERROR_INTERNAL = 0x02
ERROR_CANCELED = 0x03
ERROR_INVALID_HANDLE = 0x04
ERROR_TOO_MANY_REQUESTS = 0x05
ERROR_BANDWIDTH_LIMIT_EXCEEDED = 0x06
ERROR_STORAGE_LIMIT_EXCEEDED = 0x07
ERROR_SEGMENTS_LIMIT_EXCEEDED = 0x08
ERROR_PERMISSION_DENIED = 0x09

ERROR_BUCKET_NAME_INVALID = 0x10
ERROR_BUCKET_ALREADY_EXISTS = 0x11
ERROR_BUCKET_NOT_EMPTY = 0x12
ERROR_BUCKET_NOT_FOUND = 0x13

ERROR_OBJECT_KEY_INVALID = 0x20
ERROR_OBJECT_NOT_FOUND = 0x21
ERROR_UPLOAD_DONE = 0x22

EDGE_ERROR_AUTH_DIAL_FAILED = 0x30
EDGE_ERROR_REGISTER_ACCESS_FAILED = 0x31

# Codes that libuplinkc adds beyond uplink-c (uplink_extensions.h).
ERROR_FAILED_PRECONDITION = 0x80
ERROR_OBJECT_PROTECTED = 0x81
ERROR_OBJECT_LOCK_NOT_AVAILABLE = 0x82
ERROR_METHOD_NOT_ALLOWED = 0x83
ERROR_TIMEOUT = 0x84
ERROR_NOT_ENOUGH_NODES = 0x85
ERROR_INVALID_ARGUMENT = 0x86
ERROR_INTERRUPTED = 0x87

# Codes raised by the Python layer itself; they never come from the library.
ERROR_LIBUPLINK_SO_NOT_FOUND = 0x9999
ERROR_CLOSED = 0x9998
ERROR_FORKED = 0x9997
# Far from the codes above so that codes added beside it do not collide.
ERROR_NO_ACCESS = 0x9990


def _restore(cls: Type["StorjException"], message: str, code: int, details: str,
             state: Optional[Dict[str, Any]]) -> "StorjException":
    """Rebuilds a pickled exception without calling the subclass constructor."""
    exc = cls.__new__(cls)
    StorjException.__init__(exc, message, code, details)
    if state:
        exc.__dict__.update(state)
    return exc


# "X (uplink: X (Y))": one error class wrapped around itself.
_NESTED = re.compile(r"(?P<head>[^()]+?) \((?:uplink: )?(?P=head) \((?P<inner>.*)\)\)\Z", re.S)


class StorjException(Exception):
    """Base class of every error raised by uplink_python.

    Attributes: ``message`` (short summary), ``code`` (numeric error code) and
    ``details`` (the native library's text, may be empty).
    """

    # errno of the classes that are also OSErrors.
    ERRNO: Optional[int] = None

    def __init__(self, message: str, code: int, details: str = "") -> None:
        super().__init__(message, code, details)
        self.message = message
        self.code = code
        self.details = details
        if isinstance(self, OSError):
            # OSError.__init__ read (message, code, details) as (errno, strerror, filename).
            # It also keeps only the first two as args.
            for name, value in (("errno", self.ERRNO), ("strerror", message), ("filename", None)):
                setattr(self, name, value)
            self.args = (message, code, details)

    def reason(self) -> str:
        """The native library's text without Go's "uplink: " prefix."""
        details = self.details.strip()
        # Go wraps some errors twice: "uplink: uplink: permission denied (...)", or
        # "uplink: permission denied (uplink: permission denied (metaclient: ...))".
        while details.startswith("uplink: "):
            details = details[len("uplink: "):].lstrip()
        while True:
            nested = _NESTED.match(details)
            if nested is None:
                return details
            details = f"{nested['head']} ({nested['inner']})"

    def __str__(self) -> str:
        reason = self.reason()
        if not reason:
            return self.message
        if reason.lower().startswith(self.message.lower()):
            return reason
        return f"{self.message}: {reason}"

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(message={self.message!r}, "
                f"code={self.code:#x}, details={self.details!r})")

    def __reduce__(self) -> Tuple[Any, ...]:
        state = {k: v for k, v in self.__dict__.items()
                 if k not in ("message", "code", "details")}
        return (_restore, (type(self), self.message, self.code, self.details, state or None))


class _CodedError(StorjException):
    """A StorjException whose message and code are fixed by its class."""

    MESSAGE = "error"
    CODE = ERROR_INTERNAL

    def __init__(self, details: str = "") -> None:
        super().__init__(self.MESSAGE, self.CODE, details)


class InternalError(_CodedError):
    """The library failed for a reason without a more specific code."""
    MESSAGE, CODE = "internal error", ERROR_INTERNAL


class CancelledError(_CodedError):
    """The operation was cancelled (its project or handle was closed)."""
    MESSAGE, CODE = "operation canceled", ERROR_CANCELED


class InvalidHandleError(_CodedError):
    """The native handle is stale or of the wrong kind."""
    MESSAGE, CODE = "invalid handle", ERROR_INVALID_HANDLE


class TooManyRequestsError(_CodedError):
    """The satellite is rate limiting this project."""
    MESSAGE, CODE = "too many requests", ERROR_TOO_MANY_REQUESTS


class BandwidthLimitExceededError(_CodedError):
    """The project ran out of bandwidth."""
    MESSAGE, CODE = "bandwidth limit exceeded", ERROR_BANDWIDTH_LIMIT_EXCEEDED


class StorageLimitExceededError(_CodedError):
    """The project ran out of storage."""
    MESSAGE, CODE = "storage limit exceeded", ERROR_STORAGE_LIMIT_EXCEEDED


class SegmentsLimitExceededError(_CodedError):
    """The project reached its segment limit."""
    MESSAGE, CODE = "segments limit exceeded", ERROR_SEGMENTS_LIMIT_EXCEEDED


class PermissionDeniedError(_CodedError, PermissionError):
    """The access grant does not allow the operation (also a PermissionError).

    When the grant was shared with a time window that explains the refusal
    (its ``not_after`` has passed, or its ``not_before`` has not come yet),
    ``expired_at`` or ``valid_from`` is that moment (a UTC ``datetime``; None
    otherwise) and the text says so first."""
    MESSAGE, CODE = "permission denied", ERROR_PERMISSION_DENIED
    ERRNO = _errno.EACCES

    expired_at: Optional[datetime.datetime] = None
    valid_from: Optional[datetime.datetime] = None

    def _explain_time_bounds(self, not_before: int, not_after: int,
                            now: Optional[float] = None) -> None:
        """Records the grant's window (unix seconds, 0 for none) when it explains
        the refusal at ``now`` (default: the current time)."""
        now = time.time() if now is None else now
        if not_after and not_after <= now:
            self.expired_at = datetime.datetime.fromtimestamp(not_after, datetime.timezone.utc)
        elif not_before and not_before > now:
            self.valid_from = datetime.datetime.fromtimestamp(not_before, datetime.timezone.utc)

    def __str__(self) -> str:
        text = super().__str__()
        if self.expired_at is not None:
            return f"the access grant expired at {_moment(self.expired_at)}: {text}"
        if self.valid_from is not None:
            return f"the access grant is not valid until {_moment(self.valid_from)}: {text}"
        return text


def _moment(when: datetime.datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S UTC")


class BucketNameInvalidError(_CodedError, ValueError):
    """The bucket name is not valid (also a ValueError)."""
    MESSAGE, CODE = "invalid bucket name", ERROR_BUCKET_NAME_INVALID


class BucketAlreadyExistError(_CodedError, FileExistsError):
    """The bucket exists already (``bucket`` holds it when the library returned it);
    also a FileExistsError."""
    MESSAGE, CODE = "bucket already exists", ERROR_BUCKET_ALREADY_EXISTS
    ERRNO = _errno.EEXIST


class BucketNotEmptyError(_CodedError, OSError):
    """The bucket still holds objects (also an OSError with errno ENOTEMPTY)."""
    MESSAGE, CODE = "bucket not empty", ERROR_BUCKET_NOT_EMPTY
    ERRNO = _errno.ENOTEMPTY


class BucketNotFoundError(_CodedError, FileNotFoundError):
    """The bucket does not exist (also a FileNotFoundError)."""
    MESSAGE, CODE = "bucket not found", ERROR_BUCKET_NOT_FOUND
    ERRNO = _errno.ENOENT


class ObjectKeyInvalidError(_CodedError, ValueError):
    """The object key is not valid (also a ValueError)."""
    MESSAGE, CODE = "invalid object key", ERROR_OBJECT_KEY_INVALID


class ObjectNotFoundError(_CodedError, FileNotFoundError):
    """The object does not exist (also a FileNotFoundError)."""
    MESSAGE, CODE = "object not found", ERROR_OBJECT_NOT_FOUND
    ERRNO = _errno.ENOENT


class UploadDoneError(_CodedError):
    """The upload was already committed or aborted."""
    MESSAGE, CODE = "upload done", ERROR_UPLOAD_DONE


class EdgeAuthDialFailedError(_CodedError, ConnectionError):
    """The edge auth service could not be reached (also a ConnectionError)."""
    MESSAGE, CODE = "auth service dial failed", EDGE_ERROR_AUTH_DIAL_FAILED


class EdgeRegisterAccessFailedError(_CodedError):
    """The edge auth service refused to register the access."""
    MESSAGE, CODE = "register access failed", EDGE_ERROR_REGISTER_ACCESS_FAILED


class FailedPreconditionError(_CodedError):
    """A conditional operation's precondition did not hold."""
    MESSAGE, CODE = "failed precondition", ERROR_FAILED_PRECONDITION


class ObjectProtectedError(_CodedError):
    """Retention or a legal hold forbids the operation."""
    MESSAGE, CODE = "object protected", ERROR_OBJECT_PROTECTED


class ObjectLockNotAvailableError(_CodedError):
    """The bucket has no Object Lock, or its state forbids the change."""
    MESSAGE, CODE = "object lock not available", ERROR_OBJECT_LOCK_NOT_AVAILABLE


class MethodNotAllowedError(_CodedError):
    """The operation is not allowed on this object (e.g. a delete marker)."""
    MESSAGE, CODE = "method not allowed", ERROR_METHOD_NOT_ALLOWED


class StorjTimeoutError(_CodedError, TimeoutError):
    """A call ran out of time: the dial, request or stall timeout of its Config
    (also a TimeoutError, errno ETIMEDOUT). Never an InternalError."""
    MESSAGE, CODE = "timeout", ERROR_TIMEOUT
    ERRNO = _errno.ETIMEDOUT


class NotEnoughNodesError(_CodedError):
    """Too few storage nodes: the satellite found too few for the upload's pieces, or
    too few of them took the pieces of an upload or served those of a download."""
    MESSAGE, CODE = "not enough storage nodes", ERROR_NOT_ENOUGH_NODES


class InvalidArgumentError(InternalError, ValueError):
    """The library or the satellite refused an argument: an expiry in the past, an
    empty permission, a range past the end, a key or metadata too large, a part
    number or user agent Go refuses (also a ValueError; an InternalError
    subclass, as uplink-c reports it so)."""
    MESSAGE, CODE = "invalid argument", ERROR_INVALID_ARGUMENT


class InterruptedCallError(_CodedError, InterruptedError):
    """A signal interrupted the call and its handler did not raise: the operation
    was cancelled (an upload is not stored). Also an InterruptedError (EINTR)."""
    MESSAGE, CODE = "interrupted by a signal", ERROR_INTERRUPTED
    ERRNO = _errno.EINTR


class BadCredentialsError(InternalError, ValueError):
    """The credentials are malformed (an InternalError to the C library; also a ValueError)."""

    HINT = "check the credentials"

    def __str__(self) -> str:
        return f"{self.HINT} ({self.reason()})" if self.reason() else self.HINT


class InvalidAPIKeyError(BadCredentialsError):
    """The API key is malformed (empty, truncated or not an API key)."""
    HINT = "invalid API key: it is empty or malformed; copy it again from the satellite console"


class SatelliteAddressError(BadCredentialsError):
    """The satellite address is not ``<node id>@host:port`` or its node id is malformed."""
    HINT = "invalid satellite address: expected <node id>@host:port"


class InvalidAccessGrantError(BadCredentialsError):
    """The serialized access grant is malformed (truncated, or not a grant)."""
    HINT = "invalid access grant: it is malformed or truncated"


class UploadIdInvalidError(InternalError, ValueError):
    """The upload_id given to a multipart call is not one that begin_upload returned
    (malformed or truncated; also a ValueError)."""

    def __str__(self) -> str:
        hint = "invalid upload id: pass the upload_id that begin_upload returned"
        return f"{hint} ({self.reason()})" if self.reason() else hint


class NetworkError(InternalError, ConnectionError):
    """The connection to the satellite or a storage node broke during a call (also a
    ConnectionError); retried on idempotent calls by default (uplink_python.retry)."""
    ERRNO = _errno.ECONNRESET


class SatelliteUnreachableError(InternalError, ConnectionError):
    """The satellite could not be dialed: connection refused, unknown host, not TLS
    (also a ConnectionError). Go has already retried the dial for a few seconds."""
    ERRNO = _errno.ECONNREFUSED

    def __str__(self) -> str:
        return f"cannot reach the satellite ({self.reason()})"


class NetworkTimeoutError(InternalError, TimeoutError):
    """A network operation ran out of a time bound of Go's own (also a TimeoutError).
    The bounds of Config raise StorjTimeoutError."""
    ERRNO = _errno.ETIMEDOUT

    def __str__(self) -> str:
        return f"timed out ({self.reason()})"


class LibUplinkSoError(_CodedError):
    """The native library libuplinkc could not be loaded; ``details`` lists every path tried."""
    MESSAGE, CODE = "libuplinkc not found", ERROR_LIBUPLINK_SO_NOT_FOUND


class ClosedError(_CodedError, ValueError):
    """The object was closed (or released) and cannot be used any more."""
    MESSAGE, CODE = "object is closed", ERROR_CLOSED


class ForkError(_CodedError, RuntimeError):
    """In a forked child: an object tied to the parent's Go runtime (a stream, an
    encryption key) was used, or no private copy of libuplinkc could be loaded."""
    MESSAGE, CODE = "not usable after fork()", ERROR_FORKED


class NoAccessError(_CodedError, LookupError):
    """No access grant was found (uplink_python.credentials); ``details`` says where
    it looked. It never holds a grant, an API key or a passphrase."""
    MESSAGE, CODE = "no access grant found", ERROR_NO_ACCESS


# Spellings some callers may expect.
BucketAlreadyExistsError = BucketAlreadyExistError
CanceledError = CancelledError
PreconditionFailedError = FailedPreconditionError
EdgeAuthDialError = EdgeAuthDialFailedError

_ERRORS_BY_CODE: Dict[int, Type[_CodedError]] = {
    cls.CODE: cls for cls in (
        InternalError, CancelledError, InvalidHandleError, TooManyRequestsError,
        BandwidthLimitExceededError, StorageLimitExceededError,
        SegmentsLimitExceededError, PermissionDeniedError, BucketNameInvalidError,
        BucketAlreadyExistError, BucketNotEmptyError, BucketNotFoundError,
        ObjectKeyInvalidError, ObjectNotFoundError, UploadDoneError,
        EdgeAuthDialFailedError, EdgeRegisterAccessFailedError,
        FailedPreconditionError, ObjectProtectedError, ObjectLockNotAvailableError,
        MethodNotAllowedError, StorjTimeoutError, NotEnoughNodesError,
        InvalidArgumentError, InterruptedCallError,
    )
}


def error_class(code: int) -> Type[StorjException]:
    """Returns the exception class for a libuplinkc error code (StorjException when unknown)."""
    return _ERRORS_BY_CODE.get(code, StorjException)


_DIAL_PATTERN = (r"rpc: dial|connection refused|no such host|network is unreachable|"
                 r"no route to host|tls: first record|tls: handshake")
_DIAL = re.compile(_DIAL_PATTERN, re.IGNORECASE)

# How Go words the failures that InternalError hides, most specific first.
_INTERNAL_REFINEMENTS: Tuple[Tuple["re.Pattern[str]", Type[InternalError]], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), cls) for pattern, cls in (
        (r"api key format|invalid api key", InvalidAPIKeyError),
        (r"node id is required|node url|satellite ?node ?url|invalid satellite",
         SatelliteAddressError),
        (r"invalid access grant", InvalidAccessGrantError),
        (r"upload id invalid", UploadIdInvalidError),
        (r"deadline exceeded|i/o timeout|timed out|timeout", NetworkTimeoutError),
        (_DIAL_PATTERN, SatelliteUnreachableError),
        (r"connection reset|broken pipe|unexpected eof|use of closed network connection",
         NetworkError),
    ))


# A storage node's failure is never the satellite's.
_NODE_TEXT = re.compile(r"piecestore|ecclient|eestream|storage node|piece", re.IGNORECASE)


def _refine_internal(details: str) -> Type[InternalError]:
    if _NODE_TEXT.search(details):
        for pattern, cls in _INTERNAL_REFINEMENTS:
            if cls is not SatelliteUnreachableError and pattern.search(details):
                return cls
        return NetworkError if _DIAL.search(details) else InternalError
    for pattern, cls in _INTERNAL_REFINEMENTS:
        if pattern.search(details):
            return cls
    return InternalError


def _storj_exception(code: int, details: str) -> StorjException:
    """Builds the exception for a libuplinkc error code; unknown codes give a plain StorjException."""
    cls = _ERRORS_BY_CODE.get(code)
    if cls is None:
        return StorjException(f"unknown error (code {code:#x})", code, details)
    if cls is InternalError:
        cls = _refine_internal(details)
    return cls(details)


__all__ = [name for name in dir() if name.isupper() or name.endswith(("Error", "Exception"))]
