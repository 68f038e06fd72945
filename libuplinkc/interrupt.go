// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
// extern void uplink_mark_watched_thread(void);
// extern int uplink_on_watched_thread(void);
import "C"

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
)

// ErrInterrupted is wrapped by the error of a call that a signal
// interrupted (see uplink_interrupt_watch).
var ErrInterrupted = errors.New("interrupted by a signal")

// Python runs its signal handlers only when the main thread returns from a
// native call, so a Ctrl-C during a blocking call would wait for the call's
// timeout. Python can write one byte per signal to a file descriptor
// (signal.set_wakeup_fd); libuplinkc reads it and cancels the call in
// flight on the thread that asked for it, which then returns
// UPLINK_ERROR_INTERRUPTED at once and Python runs the handler.
var interrupts struct {
	watching atomic.Bool
	// paused turns the watch off for calls that start while it is set (a
	// benchmark's paired comparison, uplink_internal_PauseInterruptWatch).
	paused atomic.Bool
	mu     sync.Mutex
	// stop cancels the innermost call in flight on the watched thread
	// (nil: none).
	stop context.CancelCauseFunc
}

// interruptible makes the call in progress interruptible by a signal when
// it runs on the watched thread: stop cancels it with the cause. The
// returned function must be called when the call returns.
func interruptible(stop context.CancelCauseFunc) (release func()) {
	if !interrupts.watching.Load() || interrupts.paused.Load() || C.uplink_on_watched_thread() == 0 {
		return func() {}
	}
	interrupts.mu.Lock()
	outer := interrupts.stop
	interrupts.stop = stop
	interrupts.mu.Unlock()
	return func() {
		// A call inside another on the same thread hands the signal back
		// to the outer one when it returns.
		interrupts.mu.Lock()
		interrupts.stop = outer
		interrupts.mu.Unlock()
	}
}

// interruptibleContext derives a context from parent that a signal cancels
// while the call runs on the watched thread.
func interruptibleContext(parent context.Context) (context.Context, func()) {
	if !interrupts.watching.Load() || interrupts.paused.Load() || C.uplink_on_watched_thread() == 0 {
		return parent, func() {}
	}
	ctx, stop := context.WithCancelCause(parent)
	release := interruptible(stop)
	return ctx, func() {
		release()
		stop(nil)
	}
}

// markWatchedThread makes the calling OS thread the watched one.
func markWatchedThread() { C.uplink_mark_watched_thread() }

// interrupt cancels the call in flight on the watched thread, if any.
func interrupt(signal byte) {
	interrupts.mu.Lock()
	defer interrupts.mu.Unlock()
	if interrupts.stop != nil {
		interrupts.stop(fmt.Errorf("%w %d", ErrInterrupted, signal))
	}
}

// uplink_interrupt_watch makes the calling thread's blocking calls
// interruptible by signals: libuplinkc reads fd (the read end of the pipe
// whose write end is signal.set_wakeup_fd's, or any descriptor that
// receives one byte, the signal's number, per signal) and, for each byte
// whose bit is set in signals (bit n for signal n), cancels the call in
// flight on this thread, which returns UPLINK_ERROR_INTERRUPTED. Every
// byte is then written on to chain_fd when it is not negative (the wakeup
// fd installed before). libuplinkc owns fd from now on. Only one thread is
// watched; a second call is refused.
//
//export uplink_interrupt_watch
func uplink_interrupt_watch(fd, chainFd C.int, signals C.uint64_t) *C.UplinkError {
	return mallocError(watchInterrupts(int(fd), int(chainFd), uint64(signals)))
}

func watchInterrupts(fd, chainFd int, signals uint64) error {
	if fd < 0 {
		return errInvalidArg("fd", "negative")
	}
	if !interrupts.watching.CompareAndSwap(false, true) {
		return errInvalidArg("fd", "a thread is watched already")
	}
	markWatchedThread()
	wakeups := os.NewFile(uintptr(fd), "signal wakeup")
	go func() {
		buf := make([]byte, 64)
		for {
			n, err := wakeups.Read(buf)
			for _, signal := range buf[:n] {
				if signal < 64 && signals&(1<<signal) != 0 {
					interrupt(signal)
				}
			}
			if n > 0 && chainFd >= 0 {
				_, _ = syscall.Write(chainFd, buf[:n])
			}
			if err != nil && !errors.Is(err, syscall.EINTR) && !errors.Is(err, syscall.EAGAIN) {
				return
			}
		}
	}()
	return nil
}

// uplink_internal_PauseInterruptWatch turns the interrupt watch off (paused)
// or on again for the calls that start from now on, and reports whether a
// thread is watched at all. For benchmarks only: the cost of the watch on
// the hot paths, measured in one process, round by round.
//
//export uplink_internal_PauseInterruptWatch
func uplink_internal_PauseInterruptWatch(paused C.bool) C.bool {
	interrupts.paused.Store(bool(paused))
	return C.bool(interrupts.watching.Load())
}
