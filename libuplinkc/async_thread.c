// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

// The completion queue of the calling thread's async operations (see
// uplink_async_queue_use in async.go): a C thread-local, since an event
// loop owns its thread and Go cannot name the OS thread of a cgo call.

#include <stdint.h>

__attribute__((visibility("hidden"))) _Thread_local uint64_t uplink_queue_of_thread;

__attribute__((visibility("hidden"))) void uplink_set_thread_queue(uint64_t queue) { uplink_queue_of_thread = queue; }

__attribute__((visibility("hidden"))) uint64_t uplink_thread_queue(void) { return uplink_queue_of_thread; }
