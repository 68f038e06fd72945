// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

import (
	"io"
	"testing"
	"time"
)

// gatherIn runs gather on a goroutine and returns its outcome channel.
func gatherIn(ra *readAhead, want int, done chan struct{}) chan bool {
	result := make(chan bool, 1)
	go func() { result <- ra.gather(want, done) }()
	return result
}

// waitsForAChunk checks that gather is still waiting long after its window,
// then that one chunk ends the wait.
func waitsForAChunk(t *testing.T, ra *readAhead, result chan bool) {
	t.Helper()
	time.Sleep(20 * gatherWait)
	select {
	case <-result:
		t.Fatal("gather returned with nothing queued")
	default:
	}
	ra.queue(chunk{buf: []byte("x")})
	if !outcome(t, result) || len(ra.ready) != 1 {
		t.Fatalf("gather did not return with the one chunk (%d queued)", len(ra.ready))
	}
}

func outcome(t *testing.T, result chan bool) bool {
	t.Helper()
	select {
	case ok := <-result:
		return ok
	case <-time.After(10 * time.Second):
		t.Fatal("gather did not return")
		return false
	}
}

func TestSignalWakesOnceTheWantedCountIsQueued(t *testing.T) {
	ra := newReadAhead()
	ra.want.Store(4)
	for i := 0; i < 3; i++ {
		ra.queue(chunk{buf: []byte{byte(i)}})
	}
	if len(ra.wake) != 0 || ra.want.Load() != 4 {
		t.Fatal("woken with 3 of the 4 chunks wanted")
	}
	ra.queue(chunk{buf: []byte{3}})
	if len(ra.wake) != 1 || ra.want.Load() != 0 {
		t.Fatal("not woken with the 4 chunks wanted")
	}
	ra.queue(chunk{buf: []byte{4}})
	if len(ra.wake) != 1 {
		t.Fatal("woken twice")
	}
}

func TestSignalWakesAtTheEnd(t *testing.T) {
	ra := newReadAhead()
	ra.want.Store(4)
	ra.queue(chunk{err: io.EOF})
	if len(ra.wake) != 1 || ra.want.Load() != 0 {
		t.Fatal("not woken by the last chunk")
	}
}

func TestGatherReturnsOnceItHasWhatItWants(t *testing.T) {
	ra := newReadAhead()
	result := gatherIn(ra, 4, make(chan struct{}))
	for i := 0; i < 4; i++ {
		ra.queue(chunk{buf: []byte{byte(i)}})
	}
	if !outcome(t, result) {
		t.Fatal("gather reported an interrupt")
	}
	if len(ra.ready) != 4 {
		t.Fatalf("%d chunks queued, want 4", len(ra.ready))
	}
}

func TestGatherTakesTheFirstChunkAfterTheWindow(t *testing.T) {
	ra := newReadAhead()
	waitsForAChunk(t, ra, gatherIn(ra, gatherMax, make(chan struct{})))
}

func TestGatherReturnsWithFewerAtTheWindow(t *testing.T) {
	ra := newReadAhead()
	ra.queue(chunk{buf: []byte("x")})
	if !outcome(t, gatherIn(ra, gatherMax, make(chan struct{}))) {
		t.Fatal("gather reported an interrupt")
	}
}

func TestGatherEndsWithTheReading(t *testing.T) {
	ra := newReadAhead()
	result := gatherIn(ra, gatherMax, make(chan struct{}))
	ra.queue(chunk{buf: []byte("x")})
	ra.queue(chunk{err: io.EOF})
	if !outcome(t, result) {
		t.Fatal("gather reported an interrupt")
	}
	// Once the last chunk is queued, a later gather does not wait at all.
	if !outcome(t, gatherIn(ra, gatherMax, make(chan struct{}))) {
		t.Fatal("gather reported an interrupt")
	}
}

func TestGatherStopsWhenDone(t *testing.T) {
	ra := newReadAhead()
	done := make(chan struct{})
	result := gatherIn(ra, gatherMax, done)
	close(done)
	if outcome(t, result) {
		t.Fatal("gather did not report the interrupt")
	}
	if ra.want.Load() != 0 {
		t.Fatal("an interrupted gather left its wish for the pump")
	}
}

func TestGatherIgnoresAWakeUpLeftFromBefore(t *testing.T) {
	ra := newReadAhead()
	ra.wake <- struct{}{}
	waitsForAChunk(t, ra, gatherIn(ra, 2, make(chan struct{})))
}
