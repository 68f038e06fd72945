// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// peer listens on loopback and runs serve on every connection.
func peer(t *testing.T, serve func(net.Conn)) string {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = listener.Close() })
	go func() {
		for {
			conn, err := listener.Accept()
			if err != nil {
				return
			}
			go serve(conn)
		}
	}()
	return listener.Addr().String()
}

func TestDialerTimesOutASilentPeerWithoutANetError(t *testing.T) {
	address := peer(t, func(conn net.Conn) { time.Sleep(2 * time.Second); _ = conn.Close() })
	lim := newLimits(100*time.Millisecond, 0, 0)
	conn, err := dialer(lim)(context.Background(), "tcp", address)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	start := time.Now()
	_, err = conn.Read(make([]byte, 1))
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Fatalf("the read took %v", elapsed)
	}
	var netErr net.Error
	if !errors.Is(err, ErrTimeout) || errors.As(err, &netErr) {
		t.Fatalf("want a timeout that Go's metainfo client does not retry, got %#v", err)
	}
}

func TestDialerLiftsTheDeadlineOnceThePeerAnswered(t *testing.T) {
	address := peer(t, func(conn net.Conn) {
		_, _ = conn.Write([]byte{1})
		time.Sleep(300 * time.Millisecond) // longer than the dial timeout
		_, _ = conn.Write([]byte{2})
	})
	lim := newLimits(100*time.Millisecond, 0, 0)
	before := lim.lastActivity()
	conn, err := dialer(lim)(context.Background(), "tcp", address)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	buf := make([]byte, 1)
	for want := byte(1); want <= 2; want++ {
		if _, err := conn.Read(buf); err != nil || buf[0] != want {
			t.Fatalf("read %d: %v %v", want, buf, err)
		}
	}
	if !lim.lastActivity().After(before) {
		t.Fatal("bytes moved without stamping the activity clock")
	}
}

func TestDialerCountsNoProgressToAPeerThatNeverAnswers(t *testing.T) {
	silent := peer(t, func(conn net.Conn) { time.Sleep(2 * time.Second); _ = conn.Close() })
	lim := newLimits(500*time.Millisecond, 0, 0)
	before := lim.lastActivity()
	conn, err := dialer(lim)(context.Background(), "tcp", silent)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	if _, err := conn.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if !lim.lastActivity().Equal(before) {
		t.Fatal("a connection to a silent peer stamped the activity clock")
	}

	answering := peer(t, func(conn net.Conn) {
		_, _ = conn.Write([]byte{1})
		_, _ = io.Copy(io.Discard, conn)
	})
	conn2, err := dialer(lim)(context.Background(), "tcp", answering)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn2.Close() }()
	if _, err := conn2.Read(make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	answered := lim.lastActivity()
	if !answered.After(before) {
		t.Fatal("the peer's answer did not stamp the activity clock")
	}
	time.Sleep(10 * time.Millisecond)
	if _, err := conn2.Write([]byte("data")); err != nil {
		t.Fatal(err)
	}
	if !lim.lastActivity().After(answered) {
		t.Fatal("a write to a peer that answered did not stamp the activity clock")
	}
}
