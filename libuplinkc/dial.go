// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

import (
	"context"
	"net"
	"sync"
	"time"
)

// boundedDial opens TCP connections whose connect and first answer must
// both come within timeout. Go uplink's connection pool dials lazily, on the
// first request and outside Config.DialTimeout, so without this a satellite
// that accepts connections and never answers hangs a call forever.
func boundedDial(timeout time.Duration) func(ctx context.Context, network, address string) (net.Conn, error) {
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		dialer := net.Dialer{Timeout: timeout}
		conn, err := dialer.DialContext(ctx, network, address)
		if err != nil {
			return nil, err
		}
		if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
			_ = conn.Close()
			return nil, err
		}
		return &answeredConn{Conn: conn}, nil
	}
}

// answeredConn lifts the dial deadline once the peer has answered.
type answeredConn struct {
	net.Conn
	once sync.Once
}

func (conn *answeredConn) Read(p []byte) (int, error) {
	n, err := conn.Conn.Read(p)
	if n > 0 {
		conn.once.Do(func() { _ = conn.Conn.SetDeadline(time.Time{}) })
	}
	return n, err
}
