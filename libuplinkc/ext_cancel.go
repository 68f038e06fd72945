// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
import "C"

// uplink_cancel cancels what an upload, download, part upload or iterator
// handle is doing. It may be called from any thread while another thread is
// inside a call on the same handle; that call returns
// UPLINK_ERROR_CANCELED. The handle must still be freed as usual.
//
//export uplink_cancel
func uplink_cancel(h *C.UplinkHandle) *C.UplinkError {
	if h == nil {
		return mallocError(errNull("handle"))
	}
	switch value := universe.Get(h._handle).(type) {
	case *Project, nil:
		// A project is closed with uplink_close_project, not cancelled.
		return mallocError(errInvalidHandle("upload, download, part upload or iterator"))
	case canceller:
		value.cancelScope()
		return nil
	}
	return mallocError(errInvalidHandle("upload, download, part upload or iterator"))
}
