// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

import (
	"errors"
	"math/rand"
	"net"
	"testing"
	"time"

	"storj.io/uplink/edge"
)

// register runs registerAccess against address with the given bounds and
// returns its error and how long it took.
func register(t *testing.T, address string, insecure bool, dial, whole time.Duration) (error, time.Duration) {
	t.Helper()
	access := randomAccess(t, rand.New(rand.NewSource(19)), 0, 0)
	config := edge.Config{AuthServiceAddress: address, InsecureUnencryptedConnection: insecure}
	start := time.Now()
	_, err := registerAccess(config, edgeLimits(dial, whole), access, &edge.RegisterAccessOptions{})
	return err, time.Since(start)
}

func silent(conn net.Conn) { time.Sleep(10 * time.Second); _ = conn.Close() }

func TestEdgeSilentAuthServiceTimesOutWithinTheDialBound(t *testing.T) {
	address := peer(t, silent)
	for _, insecure := range []bool{true, false} {
		err, took := register(t, address, insecure, 200*time.Millisecond, 0)
		if !errors.Is(err, ErrTimeout) || errorCode(err) != 0x84 {
			t.Fatalf("insecure=%v: want a timeout, got %v", insecure, err)
		}
		if took > 5*time.Second {
			t.Fatalf("insecure=%v: took %v with a 200ms dial bound", insecure, took)
		}
	}
}

func TestEdgeSilentAuthServiceTimesOutWithinTheWholeBound(t *testing.T) {
	address := peer(t, silent)
	err, took := register(t, address, true, -1, 300*time.Millisecond)
	if !errors.Is(err, ErrTimeout) || took > 5*time.Second {
		t.Fatalf("want a timeout within the whole bound, got %v after %v", err, took)
	}
}

func TestEdgeAuthServiceThatSpeaksNoTLS(t *testing.T) {
	address := peer(t, func(conn net.Conn) {
		_, _ = conn.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\nthis is not TLS\r\n"))
		silent(conn)
	})
	err, took := register(t, address, false, 0, 0)
	if !errors.Is(err, edge.ErrRegisterAccessFailed) || errorCode(err) != 0x31 {
		t.Fatalf("want REGISTER_ACCESS_FAILED, got %v", err)
	}
	if took > 5*time.Second {
		t.Fatalf("a TLS refusal took %v", took)
	}
}

func TestEdgeRefusedAuthServiceIsARegisterFailure(t *testing.T) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	address := listener.Addr().String()
	_ = listener.Close()
	err, _ = register(t, address, true, 0, 0)
	if !errors.Is(err, edge.ErrRegisterAccessFailed) || errorCode(err) != 0x31 {
		t.Fatalf("want REGISTER_ACCESS_FAILED as uplink-c reports it, got %v", err)
	}
}

func TestEdgeLimits(t *testing.T) {
	for _, tc := range []struct{ dial, whole, wantDial, wantWhole time.Duration }{
		{0, 0, defaultEdgeDialTimeout, defaultEdgeRegisterTimeout},
		{-1, -5, 0, 0},
		{time.Second, time.Minute, time.Second, time.Minute},
	} {
		lim := edgeLimits(tc.dial, tc.whole)
		if lim.dial != tc.wantDial || lim.request != tc.wantWhole {
			t.Errorf("edgeLimits(%v, %v) = %v, %v", tc.dial, tc.whole, lim.dial, lim.request)
		}
	}
}
