// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// ceiling bounds a wait for something that should take milliseconds; it is
// generous so that a loaded machine does not fail the test.
const ceiling = 30 * time.Second

func TestWatchCancelsAStalledCall(t *testing.T) {
	s := rootScope(newLimits(0, 0, 0))
	const limit = 50 * time.Millisecond
	start := time.Now()
	returned := make(chan time.Duration)
	go func() {
		s.watch(limit, "read", nil, func() { <-s.ctx.Done() })
		returned <- time.Since(start)
	}()
	select {
	case elapsed := <-returned:
		if elapsed < limit {
			t.Fatalf("the watchdog cancelled after %v, before the %v limit", elapsed, limit)
		}
	case <-time.After(ceiling):
		t.Fatalf("the watchdog did not cancel a stalled call within %v", ceiling)
	}
	if cause := context.Cause(s.ctx); !errors.Is(cause, ErrTimeout) {
		t.Fatalf("cause %v, want a timeout", cause)
	}
}

func TestWatchLetsAProgressingCallRun(t *testing.T) {
	lim := newLimits(0, 0, 0)
	s := rootScope(lim)
	// The call moves a byte whenever the watchdog looks, so only a watchdog
	// that ignores progress can stop it, however late the goroutines run.
	var looks atomic.Int32
	progress := func() time.Time {
		lim.touch()
		looks.Add(1)
		return lim.lastActivity()
	}
	deadline := time.Now().Add(ceiling)
	s.watch(20*time.Millisecond, "write", progress, func() {
		for looks.Load() < 3 && s.ctx.Err() == nil && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
	})
	if s.ctx.Err() != nil {
		t.Fatalf("a call making progress was cancelled: %v", context.Cause(s.ctx))
	}
	if n := looks.Load(); n < 3 {
		t.Fatalf("the watchdog looked at the progress %d times in %v, want 3", n, ceiling)
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
