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
// The whole read takes the handle's turn once: another thread's read on the
// same download gets the bytes before or after this buffer, never between.
// Each step honours cancellation and the stall timeout as
// uplink_download_read does.
//
//export uplink_download_read_full
func uplink_download_read_full(download *C.UplinkDownload, bytes unsafe.Pointer, length C.size_t) C.UplinkReadResult {
	if length == 0 || bytes == nil {
		return uplink_download_read(download, bytes, length)
	}
	down, buf, err := readArgs(download, bytes, length)
	if err != nil {
		return readResult(0, err)
	}
	if length < offThreadMin {
		n, err := down.readFull(buf)
		return readResult(n, err)
	}
	// The caller's thread is a C thread: each time Go code on it waits (for
	// the next piece data, many times per megabyte) the runtime hands the
	// thread off and back through the kernel. A goroutine of Go's own waits
	// cheaply; the caller waits once, for the whole buffer.
	done := make(chan C.UplinkReadResult, 1)
	go func() {
		n, err := down.readFull(buf)
		done <- readResult(n, err)
	}()
	return <-done
}

// offThreadMin is the read size from which uplink_download_read_full reads
// on a goroutine of its own rather than on the caller's thread.
const offThreadMin = 64 << 10

// readFull fills buf in the handle's turn: from the read-ahead once started,
// else with Go's reads under one stall watchdog for the whole buffer.
func (down *Download) readFull(buf []byte) (n int, err error) {
	defer down.lock()()
	if down.ahead != nil {
		return fill(buf, func(b []byte) (int, error) { return down.take(down.ahead, b) })
	}
	down.transfer("download read", func() { n, err = fill(buf, down.rawRead) })
	return n, err
}

// maxEmptyReads bounds a run of reads that return 0 bytes without an error:
// Go may return one at a segment boundary (storj/uplink#99); this many in a
// row means the download is stuck.
const maxEmptyReads = 10_000

// fill calls read until buf is full or it fails.
func fill(buf []byte, read func([]byte) (int, error)) (int, error) {
	total := 0
	empty := 0
	for total < len(buf) {
		n, err := read(buf[total:])
		total += n
		if err != nil {
			return total, err
		}
		if n == 0 {
			if empty++; empty >= maxEmptyReads {
				return total, errStuck
			}
			continue
		}
		empty = 0
	}
	return total, nil
}
