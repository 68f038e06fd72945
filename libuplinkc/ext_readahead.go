// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
import "C"

import (
	"io"
	"sync/atomic"
	"time"
	"unsafe"
)

// Read-ahead: a goroutine of the download's own makes Go's reads (one
// decrypted block, about 7 KiB, each) and queues the blocks, so that
// uplink_download_read_some can hand a caller everything already decrypted
// in one call, waiting only while nothing is there. Go code waiting on the
// caller's C thread costs a kernel hand-off each time; the goroutine waits
// cheaply.
//
// A streaming read that finds nothing queued does not return with the first
// block: it gathers for up to gatherWait, until it has a buffer's worth or
// the window closed with at least one block queued. A caller faster than the
// network (the usual case: it only copies) otherwise waits once per few
// blocks, and each wait on its thread costs more than the copy. When data
// is slower to come than gatherWait, the read returns with the first block,
// exactly as without the window.

const (
	aheadChunk  = 8 << 10 // one Go read (a 7424-byte block by default) per chunk
	aheadChunks = 128     // at most 1 MiB read ahead of the caller
	// Once the queue is full the pump sleeps until the reader has taken this
	// many chunks. Woken for every chunk taken, it cost a reader slower than
	// the network a thread wake-up per 7 KiB (16 MiB read by readinto1 while
	// compressing: 2,700 context switches, now 1,700, and 7% less CPU).
	aheadRefill = aheadChunks / 2
	// How long a streaming read that found the queue empty gathers blocks
	// before it returns what came (at 100 MiB/s, about 100 KiB). A 64 MiB
	// seed read(1 MiB) loop, medians of 10 runs: client CPU 1.20x -> 1.11x
	// Go's; 2 ms and 4 ms gathered no better.
	gatherWait = time.Millisecond
	// gatherMax caps the blocks a read gathers for (the queue then still has
	// room for the pump to go on).
	gatherMax = aheadRefill
)

// chunk is one Go read: its bytes, or the error that ended the reading.
type chunk struct {
	buf []byte
	err error
}

type readAhead struct {
	ready chan chunk    // chunks in order; the last one carries the error
	free  chan []byte   // spent buffers for the next reads
	room  chan struct{} // a full pump's wake-up: aheadRefill buffers are free
	want  atomic.Int32  // a gathering reader's wanted queue length; 0: none
	wake  chan struct{} // the gathering reader's wake-up
	ended atomic.Bool   // the pump queues (or queued) its last chunk
	done  chan struct{}
	made  int    // buffers allocated so far (by pump, as the queue grows)
	chunk []byte // the buffer of the chunk being handed out
	head  []byte // its unread rest
	err   error  // the error that ended the reading, once taken from ready
}

// startAhead starts the read-ahead; the caller holds the download's turn.
// From then on every read of the download takes bytes from it.
func (down *Download) startAhead() *readAhead {
	if down.ahead != nil {
		return down.ahead
	}
	ra := newReadAhead()
	down.ahead = ra
	go down.pump(ra)
	return ra
}

func newReadAhead() *readAhead {
	return &readAhead{
		// Room for every buffer and the final error: pump never waits to queue.
		ready: make(chan chunk, aheadChunks+1),
		free:  make(chan []byte, aheadChunks),
		room:  make(chan struct{}, 1),
		wake:  make(chan struct{}, 1),
		done:  make(chan struct{}),
	}
}

// buffer returns a free buffer, allocating up to aheadChunks of them; when
// all are in use it waits until the reader has freed aheadRefill of them or
// done is closed (nil: it does not wait and returns nil).
func (ra *readAhead) buffer(done <-chan struct{}) []byte {
	select {
	case buf := <-ra.free:
		return buf
	default:
	}
	if ra.made < aheadChunks {
		ra.made++
		return make([]byte, aheadChunk)
	}
	if done == nil {
		return nil
	}
	for {
		select {
		case <-ra.room:
		case <-done:
			return nil
		}
		select {
		case buf := <-ra.free:
			return buf
		default: // a wake-up left from before the queue filled up: wait again
		}
	}
}

// recycle gives a spent buffer back to the pump, and wakes a full pump once
// aheadRefill buffers are free.
func (ra *readAhead) recycle(buf []byte) {
	ra.free <- buf
	if len(ra.free) >= aheadRefill {
		select {
		case ra.room <- struct{}{}:
		default:
		}
	}
}

// pump reads until an error (EOF included) or a cancel, and queues what it read.
func (down *Download) pump(ra *readAhead) {
	defer close(ra.done)
	var err error
	empty := 0
	for err == nil {
		buf := ra.buffer(down.ctx.Done())
		if buf == nil {
			err = down.interrupted(nil)
			break
		}
		// One stall watchdog for the reads that find a free buffer without
		// waiting: waiting for the reader to take the queue is no stall.
		down.transfer("download read", func() {
			for buf != nil {
				var n int
				n, err = down.rawRead(buf[:cap(buf)])
				if n > 0 {
					ra.queue(chunk{buf: buf[:n]})
					buf, empty = nil, 0
				} else if err == nil {
					if empty++; empty >= maxEmptyReads {
						err = errStuck
					}
				}
				if err != nil {
					if buf != nil {
						ra.free <- buf
					}
					return
				}
				if buf == nil {
					buf = ra.buffer(nil)
				}
			}
		})
	}
	ra.queue(chunk{err: err})
}

// queue hands a chunk (the last one carries the error that ended the
// reading) to the reader and wakes it if it was gathering.
func (ra *readAhead) queue(c chunk) {
	if c.err != nil {
		ra.ended.Store(true)
	}
	ra.ready <- c
	ra.signal()
}

// signal wakes a gathering reader once the queue holds what it wants, or
// once the reading ended.
func (ra *readAhead) signal() {
	want := ra.want.Load()
	if want > 0 && (ra.ended.Load() || len(ra.ready) >= int(want)) &&
		ra.want.CompareAndSwap(want, 0) {
		select {
		case ra.wake <- struct{}{}:
		default:
		}
	}
}

// gather waits until want chunks are queued, or until gatherWait passed and
// one is, or the reading ended; false when done was closed first.
func (ra *readAhead) gather(want int, done <-chan struct{}) bool {
	var window <-chan time.Time
	for {
		select {
		case <-ra.wake: // left from an earlier wait
		default:
		}
		ra.want.Store(int32(want))
		if len(ra.ready) >= want || ra.ended.Load() {
			ra.want.Store(0)
			return true
		}
		if want > 1 && window == nil {
			timer := time.NewTimer(gatherWait)
			defer timer.Stop()
			window = timer.C
		}
		select {
		case <-ra.wake:
			return true
		case <-window:
			want, window = 1, nil // now the first chunk will do
		case <-done:
			ra.want.Store(0)
			return false
		}
	}
}

// take copies what the read-ahead holds into buf: it waits for the first
// byte (or the end), then takes only what is already there. The caller
// holds the download's turn.
func (down *Download) take(ra *readAhead, buf []byte) (int, error) {
	total := 0
	for total < len(buf) {
		if len(ra.head) > 0 {
			n := copy(buf[total:], ra.head)
			total += n
			ra.head = ra.head[n:]
			if len(ra.head) == 0 {
				ra.recycle(ra.chunk)
				ra.chunk, ra.head = nil, nil
			}
			continue
		}
		if ra.err != nil {
			break
		}
		var next chunk
		if total == 0 && len(ra.ready) == 0 {
			if !ra.gather(max(1, min(len(buf)/aheadChunk, gatherMax)), down.ctx.Done()) {
				return 0, down.interrupted(nil)
			}
		}
		if total == 0 {
			select {
			case next = <-ra.ready:
			case <-down.ctx.Done():
				return 0, down.interrupted(nil)
			}
		} else {
			select {
			case next = <-ra.ready:
			default:
				return total, nil
			}
		}
		if next.err != nil {
			ra.err = next.err
			break
		}
		ra.chunk, ra.head = next.buf, next.buf
	}
	if down.ctx.Err() != nil {
		// As for a direct read: nothing read after a cancel is handed out.
		return 0, down.interrupted(nil)
	}
	if ra.err != nil && total < len(buf) && (total == 0 || ra.err == io.EOF) {
		return total, ra.err
	}
	// The bytes before an error go out first; the error comes with the next call.
	return total, nil
}

// stopAhead waits for the read-ahead to end; the caller cancelled the download first.
func (down *Download) stopAhead() {
	if down.ahead != nil {
		<-down.ahead.done
	}
}

// uplink_download_read_some reads up to length bytes into bytes: it waits
// until at least one byte came (or the object ended, or an error), then
// returns everything already downloaded and decrypted, up to length. When
// nothing was there at the call it gathers for up to gatherWait (see
// above). The first call starts a goroutine that reads ahead of the caller
// (up to 1 MiB); later uplink_download_read and uplink_download_read_full
// calls on the download read from it as well.
//
//export uplink_download_read_some
func uplink_download_read_some(download *C.UplinkDownload, bytes unsafe.Pointer, length C.size_t) C.UplinkReadResult {
	down, buf, err := readArgs(download, bytes, length)
	if err != nil {
		return readResult(0, err)
	}
	defer down.lock()()
	if err := down.interrupted(nil); err != nil {
		return readResult(0, err)
	}
	if len(buf) == 0 {
		return C.UplinkReadResult{}
	}
	n, err := down.take(down.startAhead(), buf)
	return readResult(n, err)
}
