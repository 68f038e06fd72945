// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
// #include "uplink_extensions.h"
import "C"

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// Defaults of the bounds a zero UplinkConfig / UplinkConfigTimeouts gets.
const (
	defaultDialTimeout    = 10 * time.Second
	defaultRequestTimeout = 30 * time.Second
	defaultStallTimeout   = 60 * time.Second
)

// ErrTimeout is wrapped by every error of a call that ran out of time.
var ErrTimeout = errors.New("timeout")

// timeoutError names what ran out of time.
func timeoutError(what string, err error) error {
	return fmt.Errorf("%w: %s: %v", ErrTimeout, what, err)
}

// ErrDropped is wrapped by the error of a call whose connection went away
// while nobody cancelled it.
var ErrDropped = errors.New("connection dropped")

func errDropped(err error) error {
	return fmt.Errorf("%w by the peer (Go reported: %v)", ErrDropped, err)
}

// limits are the bounds of one project (or one access request) and the
// clock of its connections' last activity, which the stall watchdog reads.
type limits struct {
	dial     time.Duration
	request  time.Duration
	stall    time.Duration
	activity atomic.Int64 // unix nanoseconds of the last byte moved
	refused  atomic.Int64 // unix nanoseconds of the last refused or cut connection
}

// newLimits applies the defaults: 0 means the default, a negative value
// means no bound (as Go's DialTimeout does).
func newLimits(dial, request, stall time.Duration) *limits {
	return &limits{
		dial:    bound(dial, defaultDialTimeout),
		request: bound(request, defaultRequestTimeout),
		stall:   bound(stall, defaultStallTimeout),
	}
}

// bound reads a timeout the caller gave: 0 means def, a negative value no
// bound (0 in limits).
func bound(value, def time.Duration) time.Duration {
	switch {
	case value == 0:
		return def
	case value < 0:
		return 0
	}
	return value
}

func (lim *limits) touch() { lim.activity.Store(time.Now().UnixNano()) }

// lastActivity is the time a connection of the project last moved a byte.
func (lim *limits) lastActivity() time.Time {
	return time.Unix(0, lim.activity.Load())
}

// requestContext bounds one satellite request, Go's retries included.
func (lim *limits) requestContext(parent context.Context) (context.Context, context.CancelFunc) {
	if lim.request <= 0 {
		return context.WithCancel(parent)
	}
	return context.WithTimeoutCause(parent, lim.request,
		timeoutError("satellite request", fmt.Errorf("no answer within %v", lim.request)))
}

// begin starts one satellite request of proj: its context ends with the
// project and after the request timeout; end releases it and explains the
// request's error (see explain).
func (proj *Project) begin() (context.Context, func(error) error) {
	bounded, cancel := proj.limits.requestContext(proj.ctx)
	ctx, release := interruptibleContext(bounded)
	return ctx, func(err error) error {
		defer cancel()
		defer release()
		return explain(ctx, err)
	}
}

// transfer runs a call on a transfer handle under the stall watchdog: the
// call fails with a timeout when the project's connections move no byte
// for the stall timeout while it runs.
func (st *stream) transfer(what string, fn func()) {
	st.watch(st.limits.stall, what, st.limits.lastActivity, fn)
}

// commitQuiet is how long a commit may go without moving a byte: the
// shorter of the request and stall timeouts (0: no bound).
func (lim *limits) commitQuiet() time.Duration {
	quiet := lim.stall
	if lim.request > 0 && (quiet <= 0 || lim.request < quiet) {
		quiet = lim.request
	}
	return quiet
}

// timeoutsToGo reads the extension struct; NULL means every default.
func timeoutsToGo(timeouts *C.UplinkConfigTimeouts) (request, stall time.Duration) {
	if timeouts == nil {
		return 0, 0
	}
	return time.Duration(timeouts.request_timeout_milliseconds) * time.Millisecond,
		time.Duration(timeouts.stall_timeout_milliseconds) * time.Millisecond
}
