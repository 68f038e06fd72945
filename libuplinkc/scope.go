// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
import "C"

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"syscall"
	"time"

	"storj.io/common/errs2"
	"storj.io/uplink/private/eestream"
)

// errCanceled is the cause of a scope cancelled by the caller (uplink_cancel,
// a close or a free). It wraps context.Canceled, so it maps to CANCELED.
var errCanceled = errors.Join(context.Canceled, errors.New("cancelled by the caller"))

// scope is a cancellable context. Projects own a root scope; uploads,
// downloads, part uploads and iterators own a child of it, so closing a
// project cancels everything it started, and freeing or cancelling a
// child stops only that child. The cause of the cancellation tells the
// caller's cancel (errCanceled) from a timeout (an ErrTimeout).
type scope struct {
	ctx    context.Context
	cancel func()
	stop   context.CancelCauseFunc
	limits *limits
}

func newScope(parent context.Context, lim *limits) scope {
	ctx, stop := context.WithCancelCause(parent)
	return scope{ctx: ctx, cancel: func() { stop(errCanceled) }, stop: stop, limits: lim}
}

func rootScope(lim *limits) scope { return newScope(context.Background(), lim) }

func (parent *scope) child() scope { return newScope(parent.ctx, parent.limits) }

// canceller is implemented by every handle that owns a scope.
type canceller interface{ cancelScope() }

func (s *scope) cancelScope() { s.cancel() }

// interrupted turns the result of a call on a cancelled scope into the
// cause of the cancellation: Go uplink may report a cancelled transfer as
// some other error, or not at all when the data fit in a buffer. EOF passes
// through. Other errors are explained by explain.
func (s *scope) interrupted(err error) error {
	if s.ctx.Err() != nil && err != io.EOF {
		return context.Cause(s.ctx)
	}
	return explain(s.ctx, s.limits.nodesRefused(err))
}

// explain gives err the meaning the caller can rely on: a context error
// of a call whose context ended on a deadline or a stall is a timeout; a
// "context canceled" that nobody asked for (drpc reports a connection the
// satellite dropped, for example after a request over its 4 MiB limit, that
// way) is a dropped connection, not a cancellation.
func explain(ctx context.Context, err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	if ctx.Err() != nil {
		if cause := context.Cause(ctx); !errors.Is(cause, context.Canceled) {
			return cause
		}
		return errCanceled
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return timeoutError("request", err)
	}
	if errs2.IsCanceled(err) || isConnectionReset(err) {
		return errDropped(err)
	}
	return err
}

// isConnectionReset reports a connection the peer reset or closed under a
// request (drpc reports it as "manager closed: ... connection reset by peer"
// when the satellite drops a request over its size limit before reading it).
// A storage node's reset is not one: the transfer's own failure (not enough
// nodes) is the truer answer.
func isConnectionReset(err error) bool {
	if isNotEnoughNodes(err) || eestream.ErrInactive.Has(err) {
		return false
	}
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	text := err.Error()
	return strings.Contains(text, "connection reset by peer") || strings.Contains(text, "broken pipe")
}

// serial makes the calls on one handle take turns: Go uplink's uploads,
// downloads and iterators are not safe for concurrent use (two readers of
// one download panic in eestream). uplink_cancel never takes it; closes and
// frees cancel the scope first, so they interrupt a blocked call instead of
// waiting for it.
type serial struct{ mu sync.Mutex }

// lock waits for the handle's turn and returns the unlock function.
func (s *serial) lock() func() {
	s.mu.Lock()
	return s.mu.Unlock
}

// stream is what every upload, download, part upload and iterator handle
// embeds: its scope and its turn.
type stream struct {
	scope
	serial
}

// shut cancels the stream, then waits for the call in progress to return,
// and runs close in its turn.
func (st *stream) shut(cancel func(), close func()) {
	cancel()
	defer st.lock()()
	close()
}

// watch runs fn while a watchdog cancels the scope with a timeout when fn
// lasts limit without progress. progress returns the time of the last
// progress, or the zero time when only the call's own duration counts.
func (s *scope) watch(limit time.Duration, what string, progress func() time.Time, fn func()) {
	defer interruptible(s.stop)()
	if limit <= 0 {
		fn()
		return
	}
	start := time.Now()
	done := make(chan struct{})
	var timer *time.Timer
	var mu sync.Mutex
	check := func() {
		mu.Lock()
		defer mu.Unlock()
		select {
		case <-done:
			return
		default:
		}
		last := start
		if progress != nil {
			if p := progress(); p.After(last) {
				last = p
			}
		}
		if idle := time.Since(last); idle >= limit {
			s.stop(timeoutError(what, errors.New("no progress for "+limit.String())))
			return
		}
		timer.Reset(time.Until(last.Add(limit)))
	}
	mu.Lock()
	timer = time.AfterFunc(limit, check)
	mu.Unlock()
	defer func() {
		mu.Lock()
		close(done)
		timer.Stop()
		mu.Unlock()
	}()
	fn()
}

// uplink_cancel cancels what an upload, download, part upload or iterator
// handle is doing. It may be called from any thread while another thread is
// inside a call on the same handle; that call returns
// UPLINK_ERROR_CANCELED. The handle must still be freed as usual.
//
//export uplink_cancel
func uplink_cancel(h *C.UplinkHandle) *C.UplinkError {
	if h == nil {
		return mallocError(errNull("handle"))
	}
	switch value := universe.Get(h._handle).(type) {
	case *Project, nil:
		// A project is closed with uplink_close_project, not cancelled.
		return mallocError(errInvalidHandle("upload, download, part upload or iterator"))
	case canceller:
		value.cancelScope()
		return nil
	}
	return mallocError(errInvalidHandle("upload, download, part upload or iterator"))
}
