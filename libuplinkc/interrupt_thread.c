// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

// The thread whose calls a signal interrupts (see interrupt.go). A C
// thread-local: Go has no cheap way to name the OS thread of a cgo call.

__attribute__((visibility("hidden"))) _Thread_local int uplink_watched_thread;

__attribute__((visibility("hidden"))) void uplink_mark_watched_thread(void) { uplink_watched_thread = 1; }

__attribute__((visibility("hidden"))) int uplink_on_watched_thread(void) { return uplink_watched_thread; }
