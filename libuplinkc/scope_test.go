// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestWatchCancelsAStalledCall(t *testing.T) {
	s := rootScope(newLimits(0, 0, 0))
	start := time.Now()
	s.watch(50*time.Millisecond, "read", nil, func() { <-s.ctx.Done() })
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Fatalf("the watchdog took %v", elapsed)
	}
	if cause := context.Cause(s.ctx); !errors.Is(cause, ErrTimeout) {
		t.Fatalf("cause %v, want a timeout", cause)
	}
}

func TestWatchLetsAProgressingCallRun(t *testing.T) {
	lim := newLimits(0, 0, 0)
	s := rootScope(lim)
	s.watch(60*time.Millisecond, "write", lim.lastActivity, func() {
		for i := 0; i < 10; i++ {
			lim.touch()
			time.Sleep(20 * time.Millisecond)
		}
	})
	if s.ctx.Err() != nil {
		t.Fatalf("a call making progress was cancelled: %v", context.Cause(s.ctx))
	}
}

func TestSerialTakesTurnsAndShutInterrupts(t *testing.T) {
	st := &stream{scope: rootScope(newLimits(0, 0, 0))}
	var inside, most int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer st.lock()()
			mu.Lock()
			inside++
			most = max(most, inside)
			mu.Unlock()
			time.Sleep(time.Millisecond)
			mu.Lock()
			inside--
			mu.Unlock()
		}()
	}
	wg.Wait()
	if most != 1 {
		t.Fatalf("%d calls ran at once", most)
	}

	blocked := make(chan struct{})
	go func() {
		defer st.lock()()
		close(blocked)
		<-st.ctx.Done() // a call blocked until its scope is cancelled
	}()
	<-blocked
	closed := false
	st.shut(st.cancel, func() { closed = true })
	if !closed || !errors.Is(context.Cause(st.ctx), context.Canceled) {
		t.Fatal("shut must cancel, wait for the call, then close")
	}
}
