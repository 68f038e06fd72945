// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
import "C"

import (
	"errors"
	"unsafe"
)

var errStuck = errors.New("the download returned no data 10000 times in a row")

// uplink_download_read_full reads into bytes until length bytes arrived, the
// object ended (EOF comes with the bytes read so far) or an error stopped it.
// uplink_download_read returns after one of Go's reads (one decrypted block,
// about 7 KiB); this one fills the caller's buffer in one call, so a caller
// that wants a megabyte pays for one call, not for 140.
//
// Each step is one uplink_download_read, so the handle's rules (its turn,
// cancellation, timeouts) apply to every step; between steps another call on
// the handle may take its turn.
//
//export uplink_download_read_full
func uplink_download_read_full(download *C.UplinkDownload, bytes unsafe.Pointer, length C.size_t) C.UplinkReadResult {
	if length == 0 || bytes == nil {
		return uplink_download_read(download, bytes, length)
	}
	if length < offThreadMin {
		return readFull(download, bytes, length)
	}
	// The caller's thread is a C thread: each time Go code on it waits (for
	// the next piece data, many times per megabyte) the runtime hands the
	// thread off and back through the kernel. A goroutine of Go's own waits
	// cheaply; the caller waits once, for the whole buffer.
	done := make(chan C.UplinkReadResult, 1)
	go func() { done <- readFull(download, bytes, length) }()
	return <-done
}

// offThreadMin is the read size from which uplink_download_read_full reads
// on a goroutine of its own rather than on the caller's thread.
const offThreadMin = 64 << 10

// readFull is uplink_download_read_full on the current goroutine.
func readFull(download *C.UplinkDownload, bytes unsafe.Pointer, length C.size_t) C.UplinkReadResult {
	var total C.size_t
	// Go may return 0 bytes without an error at a segment boundary
	// (storj/uplink#99); a run of empty reads this long means it is stuck.
	const maxEmptyReads = 10_000
	empty := 0
	for total < length {
		result := uplink_download_read(download, unsafe.Add(bytes, total), length-total)
		total += result.bytes_read
		if result.error != nil {
			return C.UplinkReadResult{bytes_read: total, error: result.error}
		}
		if result.bytes_read == 0 {
			if empty++; empty >= maxEmptyReads {
				return C.UplinkReadResult{bytes_read: total, error: mallocError(errStuck)}
			}
			continue
		}
		empty = 0
	}
	return C.UplinkReadResult{bytes_read: total}
}
