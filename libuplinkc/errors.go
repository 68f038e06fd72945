// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
// #include <stdio.h>
// #include "uplink_extensions.h"
import "C"

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unsafe"

	"storj.io/common/encryption"
	"storj.io/common/errs2"
	"storj.io/common/rpc/rpcstatus"
	"storj.io/uplink"
	"storj.io/uplink/edge"
	privateBucket "storj.io/uplink/private/bucket"
	"storj.io/uplink/private/eestream"
	privateObject "storj.io/uplink/private/object"
)

// ErrInvalidHandle is returned for a stale handle or a handle of another kind.
var ErrInvalidHandle = errors.New("invalid handle")

// ErrNull is returned when a required argument is NULL.
var ErrNull = errors.New("NULL")

// ErrInvalidArg is returned for an argument with an impossible value.
var ErrInvalidArg = errors.New("invalid argument")

// errNull names the NULL argument, as uplink-c does.
func errNull(name string) error { return fmt.Errorf("%w: %s", ErrNull, name) }

// errInvalidArg names the argument whose value is wrong.
func errInvalidArg(name, why string) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidArg, name, why)
}

// errInvalidHandle names the handle kind that was expected.
func errInvalidHandle(kind string) error { return fmt.Errorf("%w: %s", ErrInvalidHandle, kind) }

// codedErrors maps sentinel errors to C codes. Order matters only where an
// error wraps more than one sentinel; the first match wins.
var codedErrors = []struct {
	err  error
	code C.int32_t
}{
	{uplink.ErrTooManyRequests, C.UPLINK_ERROR_TOO_MANY_REQUESTS},
	{uplink.ErrBandwidthLimitExceeded, C.UPLINK_ERROR_BANDWIDTH_LIMIT_EXCEEDED},
	{uplink.ErrStorageLimitExceeded, C.UPLINK_ERROR_STORAGE_LIMIT_EXCEEDED},
	{uplink.ErrSegmentsLimitExceeded, C.UPLINK_ERROR_SEGMENTS_LIMIT_EXCEEDED},
	{uplink.ErrPermissionDenied, C.UPLINK_ERROR_PERMISSION_DENIED},
	{uplink.ErrBucketNameInvalid, C.UPLINK_ERROR_BUCKET_NAME_INVALID},
	{uplink.ErrBucketAlreadyExists, C.UPLINK_ERROR_BUCKET_ALREADY_EXISTS},
	{uplink.ErrBucketNotEmpty, C.UPLINK_ERROR_BUCKET_NOT_EMPTY},
	{uplink.ErrBucketNotFound, C.UPLINK_ERROR_BUCKET_NOT_FOUND},
	{uplink.ErrObjectKeyInvalid, C.UPLINK_ERROR_OBJECT_KEY_INVALID},
	{uplink.ErrObjectNotFound, C.UPLINK_ERROR_OBJECT_NOT_FOUND},
	{uplink.ErrUploadDone, C.UPLINK_ERROR_UPLOAD_DONE},
	{edge.ErrAuthDialFailed, C.EDGE_ERROR_AUTH_DIAL_FAILED},
	{edge.ErrRegisterAccessFailed, C.EDGE_ERROR_REGISTER_ACCESS_FAILED},

	{privateObject.ErrFailedPrecondition, C.UPLINK_ERROR_FAILED_PRECONDITION},
	{privateObject.ErrObjectProtected, C.UPLINK_ERROR_OBJECT_PROTECTED},
	{privateBucket.ErrBucketNoLock, C.UPLINK_ERROR_OBJECT_LOCK_NOT_AVAILABLE},
	{privateBucket.ErrBucketInvalidStateObjectLock, C.UPLINK_ERROR_OBJECT_LOCK_NOT_AVAILABLE},
	{privateBucket.ErrBucketInvalidObjectLockConfig, C.UPLINK_ERROR_OBJECT_LOCK_NOT_AVAILABLE},
	{privateObject.ErrNoObjectLockConfiguration, C.UPLINK_ERROR_OBJECT_LOCK_NOT_AVAILABLE},
	{privateObject.ErrMethodNotAllowed, C.UPLINK_ERROR_METHOD_NOT_ALLOWED},
	{ErrInvalidArg, C.UPLINK_ERROR_INVALID_ARGUMENT},
	{privateObject.ErrObjectVersionInvalid, C.UPLINK_ERROR_INVALID_ARGUMENT},
}

// rpcCodes maps satellite status codes that arrive unwrapped (for example
// from the plain upload path) to the extension codes.
var rpcCodes = []struct {
	status rpcstatus.StatusCode
	code   C.int32_t
}{
	{rpcstatus.FailedPrecondition, C.UPLINK_ERROR_FAILED_PRECONDITION},
	{rpcstatus.ObjectLockObjectProtected, C.UPLINK_ERROR_OBJECT_PROTECTED},
	{rpcstatus.MethodNotAllowed, C.UPLINK_ERROR_METHOD_NOT_ALLOWED},
}

// errorCode returns the C code of err. io.EOF is C's EOF.
func errorCode(err error) C.int32_t {
	switch {
	case errors.Is(err, io.EOF):
		return C.EOF
	case errors.Is(err, ErrInvalidHandle):
		return C.UPLINK_ERROR_INVALID_HANDLE
	case errors.Is(err, ErrTimeout):
		return C.UPLINK_ERROR_TIMEOUT
	case errors.Is(err, ErrDropped):
		return C.UPLINK_ERROR_INTERNAL
	case errors.Is(err, ErrInterrupted):
		return C.UPLINK_ERROR_INTERRUPTED
	case errs2.IsCanceled(err):
		return C.UPLINK_ERROR_CANCELED
	case eestream.ErrInactive.Has(err):
		// Go's own stall detection: the nodes stopped sending.
		return C.UPLINK_ERROR_TIMEOUT
	case isNotEnoughNodes(err):
		return C.UPLINK_ERROR_NOT_ENOUGH_NODES
	case isBucketNameRefused(err):
		return C.UPLINK_ERROR_BUCKET_NAME_INVALID
	case encryption.ErrMissingEncryptionBase.Has(err):
		// The key is outside every prefix the access holds keys for: the
		// same refusal upload_object reports for that key.
		return C.UPLINK_ERROR_PERMISSION_DENIED
	case strings.Contains(err.Error(), "upload already done"):
		// Go uplink's streams have no sentinel for a write or commit on an
		// upload that is finished (a write racing a commit).
		return C.UPLINK_ERROR_UPLOAD_DONE
	case isInvalidArgument(err):
		return C.UPLINK_ERROR_INVALID_ARGUMENT
	}
	for _, known := range codedErrors {
		if errors.Is(err, known.err) {
			return known.code
		}
	}
	for _, known := range rpcCodes {
		if errs2.IsRPC(err, known.status) {
			return known.code
		}
	}
	return C.UPLINK_ERROR_INTERNAL
}

// isFailedPrecondition reports a FailedPrecondition status, whether Go
// converted it to its sentinel or left it an RPC error.
func isFailedPrecondition(err error) bool {
	return errors.Is(err, privateObject.ErrFailedPrecondition) || errs2.IsRPC(err, rpcstatus.FailedPrecondition)
}

// isNotEnoughNodes reports the satellite's refusal to place an upload's
// pieces. It comes as FailedPrecondition, the status of a refused
// if_none_match too; only the satellite's message (overlay's error class
// "not enough nodes") tells them apart. The same shortage shows later, on the nodes themselves, as an upload that
// could not place enough pieces or a download that could not read enough.
func isNotEnoughNodes(err error) bool {
	if isFailedPrecondition(err) && strings.Contains(err.Error(), "not enough nodes") {
		return true
	}
	return mentions(err, nodeShortages)
}

// mentions reports whether err's text holds one of phrases: Go uplink has
// no sentinel for these failures.
func mentions(err error, phrases []string) bool {
	text := err.Error()
	for _, phrase := range phrases {
		if strings.Contains(text, phrase) {
			return true
		}
	}
	return false
}

// refusalWindow is how recent a refused or cut connection must be to
// explain a transfer that stopped moving: longer than Go's quiescence
// detection (5 s without progress).
const refusalWindow = 30 * time.Second

// nodesRefused tells a transfer that Go ended for lack of progress
// ("quiescence") because storage nodes refused or cut its connections (too
// few nodes left: NOT_ENOUGH_NODES) from one whose nodes went silent (a
// stall: TIMEOUT).
func (lim *limits) nodesRefused(err error) error {
	if err == nil || lim == nil || !eestream.ErrInactive.Has(err) {
		return err
	}
	last := lim.refused.Load()
	if last == 0 || time.Since(time.Unix(0, last)) > refusalWindow {
		return err
	}
	return fmt.Errorf("not enough pieces: storage nodes refused or cut connections (Go reported: %v)", err)
}

// nodeShortages are Go uplink's words for too few storage nodes taking or
// serving pieces (storage/streams, ecclient, eestream).
var nodeShortages = []string{
	"failed to upload enough pieces",
	"successful puts (",
	"too many retries: are any nodes reachable?",
	"not enough readers to reconstruct data",
	"not enough pieces",
	"failed to download segment",
	"error retrieving piece",
}

// isInvalidArgument reports input the caller got wrong: the satellite's
// InvalidArgument (a key too long, an expiry in the past, metadata too
// large, ...) and Go uplink's own checks of arguments.
func isInvalidArgument(err error) bool {
	return errs2.IsRPC(err, rpcstatus.InvalidArgument) || mentions(err, argumentRefusals)
}

// argumentRefusals are Go uplink's (and storj.io/common's) words for an
// argument it refuses before asking anyone.
var argumentRefusals = []string{
	"permission is empty",
	"invalid time range",
	"prefix must end with slash",
	"suffix requires length to be negative",
	"negative offset",
	"negative length",
	"invalid range ",
	"invalid direction",
	"invalid pairs",
	"metadata is too large",
	"invalid base url",
	"accessKeyID is required",
	"is required if key is specified",
	"key is required for a raw download link",
	"AuthServiceAddress is missing",
	"object key is missing",
	"partNumber should be less than",
	"invalid user agent",
}

// isBucketNameRefused reports the satellite's InvalidArgument for a bucket
// name of the wrong length on an object request; Go converts it to
// ErrBucketNameInvalid only on bucket requests.
func isBucketNameRefused(err error) bool {
	return errs2.IsRPC(err, rpcstatus.InvalidArgument) && strings.Contains(err.Error(), "bucket name")
}

// mallocError turns err into a C error, or NULL for nil. EOF carries no
// message, as in uplink-c.
func mallocError(err error) *C.UplinkError {
	if err == nil {
		return nil
	}
	cerror := (*C.UplinkError)(C.calloc(1, C.sizeof_UplinkError))
	cerror.code = errorCode(err)
	if cerror.code != C.EOF {
		cerror.message = C.CString(fmt.Sprintf("%+v", err))
	}
	return cerror
}

// uplink_free_error frees an error returned by any function.
//
//export uplink_free_error
func uplink_free_error(err *C.UplinkError) {
	if err == nil {
		return
	}
	C.free(unsafe.Pointer(err.message))
	C.free(unsafe.Pointer(err))
}
