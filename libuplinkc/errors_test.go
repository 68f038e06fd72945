// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zeebo/errs"

	"storj.io/common/encryption"
	"storj.io/common/rpc/rpcstatus"
	"storj.io/uplink"
	"storj.io/uplink/edge"
	"storj.io/uplink/private/eestream"
	privateObject "storj.io/uplink/private/object"
)

var uplinkClass = errs.Class("uplink")

func TestErrorCodes(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code int32
	}{
		{io.EOF, -1},
		{errors.New("anything else"), 0x02},
		{errNull("project"), 0x02},
		{context.Canceled, 0x03},
		{errInvalidHandle("project"), 0x04},
		{uplink.ErrTooManyRequests, 0x05},
		{uplink.ErrBandwidthLimitExceeded, 0x06},
		{uplink.ErrStorageLimitExceeded, 0x07},
		{uplink.ErrSegmentsLimitExceeded, 0x08},
		{uplink.ErrPermissionDenied, 0x09},
		{uplink.ErrBucketNameInvalid, 0x10},
		{uplink.ErrBucketAlreadyExists, 0x11},
		{uplink.ErrBucketNotEmpty, 0x12},
		{uplink.ErrBucketNotFound, 0x13},
		{uplink.ErrObjectKeyInvalid, 0x20},
		{uplink.ErrObjectNotFound, 0x21},
		{uplink.ErrUploadDone, 0x22},
		{edge.ErrAuthDialFailed, 0x30},
		{edge.ErrRegisterAccessFailed, 0x31},
		{uplink.ErrUploadIDInvalid, 0x02},
		{privateObject.ErrFailedPrecondition, 0x80},
		{privateObject.ErrObjectProtected, 0x81},
		{privateObject.ErrMethodNotAllowed, 0x83},
		// Wrapped errors keep their code.
		{fmt.Errorf("stat: %w", uplink.ErrObjectNotFound), 0x21},
		{uplinkClass.Wrap(uplink.ErrBucketNotFound), 0x13},
		{fmt.Errorf("read: %w", context.Canceled), 0x03},
		// Beyond uplink-c.
		{timeoutError("dial", errors.New("no answer")), 0x84},
		{errDropped(context.Canceled), 0x02},
		{rpcstatus.Error(rpcstatus.FailedPrecondition, "not enough nodes: requested 4, found 2"), 0x85},
		{fmt.Errorf("%w: not enough nodes: found 2", privateObject.ErrFailedPrecondition), 0x85},
		{rpcstatus.Error(rpcstatus.FailedPrecondition, "object already exists"), 0x80},
		{rpcstatus.Error(rpcstatus.InvalidArgument, "The specified bucket name must be at least 3 and no more than 63 characters long"), 0x10},
		{rpcstatus.Error(rpcstatus.InvalidArgument, "key length is too big"), 0x86},
		{errInvalidArg("length", "negative"), 0x86},
		{privateObject.ErrObjectVersionInvalid, 0x86},
		{errors.New("permission is empty"), 0x86},
		{errors.New("suffix requires length to be negative, got 3"), 0x86},
		{errors.New("metaclient: metadata is too large"), 0x86},
		{errs.New("partNumber should be less than max(int32)"), 0x86},
		{errs.New("invalid user agent: expected comment char @11"), 0x86},
		{errs.New("WaitWrite called after DoneWriting"), 0x02},
		{fmt.Errorf("read: %w", ErrInterrupted), 0x87},
		{eestream.ErrInactive.New("timed out after 10s"), 0x84},
		{errs.New("failed to upload enough pieces (needed at least 4 but got 2); piecestore: rpc: dial tcp 127.0.0.1:1: connect: connection refused"), 0x85},
		{errs.New("too many retries: are any nodes reachable?"), 0x85},
		{errs.New("eestream: error retrieving piece 00: ecclient: rpc: dial tcp 127.0.0.1:1: connect: connection refused"), 0x85},
		{errs.New("ecclient: successful puts (2) less than success threshold (4)"), 0x85},
		{encryption.ErrMissingEncryptionBase.New("bucket/key"), 0x09},
		{errs.New("upload already done"), 0x22},
		{errors.New("rpc: dial tcp 127.0.0.1:1: connect: connection refused"), 0x02},
	} {
		if got := int32(errorCode(tc.err)); got != tc.code {
			t.Errorf("errorCode(%v) = %#x, want %#x", tc.err, got, tc.code)
		}
	}
}

func TestMallocError(t *testing.T) {
	if mallocError(nil) != nil {
		t.Fatal("nil error must be NULL")
	}
	eof := mallocError(io.EOF)
	if int32(eof.code) != -1 || eof.message != nil {
		t.Fatalf("EOF must have code -1 and no message: %+v", eof)
	}
	uplink_free_error(eof)

	notFound := mallocError(uplink.ErrObjectNotFound)
	if int32(notFound.code) != 0x21 || notFound.message == nil {
		t.Fatalf("unexpected %+v", notFound)
	}
	uplink_free_error(notFound)
	uplink_free_error(nil)
}

func TestExplain(t *testing.T) {
	live := context.Background()
	if got := errorCode(explain(live, fmt.Errorf("rpc: %w", context.Canceled))); got != 0x02 {
		t.Errorf("a cancel nobody asked for must be INTERNAL, got %#x", got)
	}
	cancelled := newScope(live, newLimits(0, 0, 0))
	cancelled.cancel()
	if got := errorCode(explain(cancelled.ctx, errors.New("stream closed"))); got != 0x03 {
		t.Errorf("the caller's cancel must be CANCELED, got %#x", got)
	}
	ctx, cancel := (&limits{request: time.Millisecond}).requestContext(live)
	defer cancel()
	<-ctx.Done()
	if got := errorCode(explain(ctx, context.Canceled)); got != 0x84 {
		t.Errorf("a request past its deadline must be TIMEOUT, got %#x", got)
	}
	if explain(live, nil) != nil || explain(live, io.EOF) != io.EOF {
		t.Error("nil and EOF must pass through")
	}
}

// The satellite dropping a request (one over its size limit) reaches Go as a
// cancel-like error or as a reset, depending on timing; both are a dropped
// connection, with Go's text kept.
func TestExplainLabelsEveryFormOfDroppedConnection(t *testing.T) {
	live := context.Background()
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	for _, err := range []error{
		fmt.Errorf("rpc: %w", context.Canceled),
		reset,
		errs.New("manager closed: closed: %w", reset),
		errs.New("manager closed: closed: read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer"),
		fmt.Errorf("write: %w", syscall.EPIPE),
		errors.New("write tcp 127.0.0.1:1->127.0.0.1:2: write: broken pipe"),
	} {
		got := explain(live, err)
		if errorCode(got) != 0x02 || !errors.Is(got, ErrDropped) {
			t.Errorf("explain(%v) = %v, want a dropped connection", err, got)
		}
		if !strings.Contains(got.Error(), "connection dropped") || !strings.Contains(got.Error(), err.Error()) {
			t.Errorf("explain(%v) = %q, want the label and Go's text", err, got)
		}
	}
	// A storage node's reset inside a failed transfer stays that transfer's
	// failure.
	nodes := errs.New("failed to upload enough pieces (needed at least 4 but got 2); piecestore: read: connection reset by peer")
	if got := errorCode(explain(live, nodes)); got != 0x85 {
		t.Errorf("a node's reset in a failed upload must be NOT_ENOUGH_NODES, got %#x", got)
	}
}

func TestQuiescenceAfterRefusedConnectionsIsNotEnoughNodes(t *testing.T) {
	lim := newLimits(0, 0, 0)
	quiet := eestream.ErrInactive.New("")
	if got := errorCode(lim.nodesRefused(quiet)); got != 0x84 {
		t.Errorf("quiescence without refused connections must be TIMEOUT, got %#x", got)
	}
	lim.refused.Store(time.Now().UnixNano())
	if got := errorCode(lim.nodesRefused(quiet)); got != 0x85 {
		t.Errorf("quiescence after refused connections must be NOT_ENOUGH_NODES, got %#x", got)
	}
	lim.refused.Store(time.Now().Add(-time.Hour).UnixNano())
	if got := errorCode(lim.nodesRefused(quiet)); got != 0x84 {
		t.Errorf("an old refusal must not count, got %#x", got)
	}
	if lim.nodesRefused(nil) != nil || lim.nodesRefused(io.EOF) != io.EOF {
		t.Error("nil and EOF must pass through")
	}
}

func TestTruerWritesReportTheUploadsOwnFailure(t *testing.T) {
	refused := errs.New("metaclient: invalid expiration time, cannot be in the past")
	for _, tc := range []struct {
		name  string
		later error // what an empty write returns after the race
		want  error
	}{
		{"the upload failed", refused, refused},
		{"the upload was committed", errs.New("already finished"), nil},
		{"the upload goes on", nil, nil},
	} {
		calls := 0
		write := truerWrites(func(p []byte) (int, error) {
			calls++
			if calls == 1 {
				return 3, errs.New(raceWithFailure)
			}
			if len(p) != 0 {
				t.Fatalf("%s: the second write moved bytes", tc.name)
			}
			return 0, tc.later
		})
		n, err := write([]byte("abcdef"))
		if n != 3 {
			t.Errorf("%s: n = %d", tc.name, n)
		}
		if tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
		if tc.want == nil && (err == nil || !strings.Contains(err.Error(), raceWithFailure)) {
			t.Errorf("%s: got %v, want Go's own error", tc.name, err)
		}
	}
	plain := truerWrites(func(p []byte) (int, error) { return len(p), nil })
	if n, err := plain([]byte("ab")); n != 2 || err != nil {
		t.Errorf("a good write became %d, %v", n, err)
	}
}
