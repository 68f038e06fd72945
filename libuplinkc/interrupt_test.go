// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

import (
	"context"
	"errors"
	"io"
	"os"
	"runtime"
	"testing"
	"time"
)

func TestInterruptCancelsOnlyTheWatchedThread(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	chainR, chainW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = w.Close(); _ = chainR.Close(); _ = chainW.Close() }()

	// Another thread's call is never interrupted.
	other := make(chan error)
	go func() {
		ctx, release := interruptibleContext(context.Background())
		defer release()
		select {
		case <-ctx.Done():
			other <- context.Cause(ctx)
		case <-time.After(200 * time.Millisecond):
			other <- nil
		}
	}()

	watched := make(chan error)
	ready := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		if err := watchInterrupts(int(r.Fd()), int(chainW.Fd()), 1<<2); err != nil {
			t.Error(err)
		}
		ctx, release := interruptibleContext(context.Background())
		defer release()
		close(ready)
		select {
		case <-ctx.Done():
			watched <- context.Cause(ctx)
		case <-time.After(ceiling):
			watched <- errors.New("not interrupted")
		}
	}()
	<-ready
	// A signal outside the mask passes on to the chained descriptor only:
	// once it is there, the watcher has handled it.
	buf := make([]byte, 1)
	if _, err := w.Write([]byte{28}); err != nil {
		t.Fatal(err)
	}
	if n, err := io.ReadFull(chainR, buf); n != 1 || err != nil || buf[0] != 28 {
		t.Fatalf("chained descriptor got %v %v %v", n, err, buf)
	}
	select {
	case err := <-watched:
		t.Fatalf("signal 28 is not in the mask but ended the call: %v", err)
	default:
	}
	if _, err := w.Write([]byte{2}); err != nil {
		t.Fatal(err)
	}
	if err := <-watched; !errors.Is(err, ErrInterrupted) || errorCode(err) != 0x87 {
		t.Fatalf("the watched call ended with %v, want an interruption", err)
	}
	if err := <-other; err != nil {
		t.Fatalf("a call on another thread was cancelled: %v", err)
	}
	if n, err := io.ReadFull(chainR, buf); n != 1 || err != nil || buf[0] != 2 {
		t.Fatalf("chained descriptor got %v %v %v", n, err, buf)
	}
	if watchInterrupts(int(r.Fd()), -1, 1<<2) == nil {
		t.Fatal("a second watch must be refused")
	}
	runtime.KeepAlive(r)
}

// BenchmarkInterruptible is what a blocking call pays: on another thread
// (one atomic load and one cgo call) and on the watched thread.
func BenchmarkInterruptible(b *testing.B) {
	_, stop := context.WithCancelCause(context.Background())
	b.Run("other thread", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			interruptible(stop)()
		}
	})
	b.Run("watched thread", func(b *testing.B) {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		interrupts.watching.Store(true)
		markWatchedThread()
		for i := 0; i < b.N; i++ {
			interruptible(stop)()
		}
	})
	b.Run("watched thread, request context", func(b *testing.B) {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		markWatchedThread()
		for i := 0; i < b.N; i++ {
			_, release := interruptibleContext(context.Background())
			release()
		}
	})
}
