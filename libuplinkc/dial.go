// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"syscall"
	"time"
)

// dialer opens the TCP connections of one project (or access request).
// Connect and first answer must both come within the dial timeout: Go
// uplink's connection pool dials lazily, on the first request and outside
// Config.DialTimeout, so without this a satellite that accepts connections
// and never answers hangs a call forever. A dial that runs out of time
// returns an error that is not a net.Error, because Go's metainfo client
// retries net.Errors for about six seconds plus seven dial timeouts.
// Every byte moved stamps lim's activity clock for the stall watchdog:
// every byte read, and every byte written once the peer has answered. A
// connection accepted by a peer that never answers (a frozen node) is no
// progress: it would otherwise keep a stalled transfer of the same project
// alive (a download stalled for 2 s failed after 4 s, as an upload of the
// project dialled the frozen nodes in between).
func dialer(lim *limits) func(ctx context.Context, network, address string) (net.Conn, error) {
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		dialer := net.Dialer{Timeout: lim.dial}
		conn, err := dialer.DialContext(ctx, network, address)
		if err != nil {
			var netErr net.Error
			if errors.As(err, &netErr) && netErr.Timeout() && ctx.Err() == nil {
				return nil, dialTimeout(address, lim.dial)
			}
			if ctx.Err() == nil {
				lim.refused.Store(time.Now().UnixNano())
			}
			return nil, err
		}
		watched := &watchedConn{Conn: conn, lim: lim, address: address}
		if lim.dial > 0 {
			if err := conn.SetDeadline(time.Now().Add(lim.dial)); err != nil {
				_ = conn.Close()
				return nil, err
			}
			watched.waiting.Store(true)
		}
		return watched, nil
	}
}

func dialTimeout(address string, limit time.Duration) error {
	return timeoutError("dial", fmt.Errorf("%s did not answer within %v", address, limit))
}

// watchedConn stamps the activity clock and lifts the dial deadline once
// the peer has answered.
type watchedConn struct {
	net.Conn
	lim     *limits
	address string
	// waiting is set while the dial deadline is on.
	waiting atomic.Bool
	// answered is set once the peer sent a byte.
	answered atomic.Bool
}

func (conn *watchedConn) Read(p []byte) (int, error) {
	n, err := conn.Conn.Read(p)
	if n > 0 {
		conn.lim.touch()
		conn.answered.Store(true)
		if conn.waiting.CompareAndSwap(true, false) {
			_ = conn.Conn.SetDeadline(time.Time{})
		}
	}
	var netErr net.Error
	if err != nil && conn.waiting.Load() && errors.As(err, &netErr) && netErr.Timeout() {
		return n, dialTimeout(conn.address, conn.lim.dial)
	}
	if errors.Is(err, syscall.ECONNRESET) {
		conn.lim.refused.Store(time.Now().UnixNano())
	}
	return n, err
}

func (conn *watchedConn) Write(p []byte) (int, error) {
	n, err := conn.Conn.Write(p)
	if n > 0 && conn.answered.Load() {
		conn.lim.touch()
	}
	var netErr net.Error
	if err != nil && conn.waiting.Load() && errors.As(err, &netErr) && netErr.Timeout() {
		return n, dialTimeout(conn.address, conn.lim.dial)
	}
	return n, err
}
