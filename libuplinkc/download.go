// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
// #include "uplink_extensions.h"
import "C"

import (
	"errors"
	"io"
	"sync/atomic"
	"time"
	"unsafe"

	privateObject "storj.io/uplink/private/object"
)

// Download is the value behind an UplinkDownload handle.
type Download struct {
	stream
	download *privateObject.VersionedDownload
	ahead    *readAhead // set by the first uplink_download_read_some
}

func getDownload(download *C.UplinkDownload) (*Download, error) {
	if download == nil {
		return nil, errNull("download")
	}
	value, ok := lookup[*Download](download._handle)
	if !ok {
		return nil, errInvalidHandle("download")
	}
	return value, nil
}

func downloadOptionsToGo(options *C.UplinkDownloadOptions) *privateObject.DownloadObjectOptions {
	if options == nil {
		return nil
	}
	return &privateObject.DownloadObjectOptions{
		Offset: int64(options.offset),
		Length: int64(options.length),
	}
}

// startDownload begins a download of version (nil for the latest) in a child
// scope of the project.
func startDownload(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, version []byte, options *C.UplinkDownloadOptions) C.UplinkDownloadResult {
	proj, bucket, key, err := objectArgs(project, bucketName, objectKey)
	if err != nil {
		return C.UplinkDownloadResult{error: mallocError(err)}
	}
	down := &Download{stream: stream{scope: proj.child()}}
	// The download's requests run in its own scope, which lives on; the
	// request timeout bounds the start like any satellite request.
	down.watch(down.limits.request, "starting the download", nil, func() {
		down.download, err = privateObject.DownloadObject(down.ctx, proj.Project, bucket, key, version, downloadOptionsToGo(options))
	})
	if err = down.interrupted(err); err != nil {
		down.cancel()
		return C.UplinkDownloadResult{error: mallocError(err)}
	}
	cdownload := (*C.UplinkDownload)(C.calloc(1, C.sizeof_UplinkDownload))
	cdownload._handle = universe.Add(down)
	return C.UplinkDownloadResult{download: cdownload}
}

// uplink_download_object starts a download of bucket and key. NULL options
// read the whole object.
//
//export uplink_download_object
func uplink_download_object(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, options *C.UplinkDownloadOptions) C.UplinkDownloadResult {
	return startDownload(project, bucketName, objectKey, nil, options)
}

// readArgs checks the arguments of a read: the download and the caller's buffer.
func readArgs(download *C.UplinkDownload, bytes unsafe.Pointer, length C.size_t) (*Download, []byte, error) {
	down, err := getDownload(download)
	if err != nil {
		return nil, nil, err
	}
	buf, err := goBuffer(bytes, length)
	return down, buf, err
}

// readResult is the C result of a read of n bytes that ended with err.
func readResult(n int, err error) C.UplinkReadResult {
	return C.UplinkReadResult{bytes_read: C.size_t(n), error: mallocError(err)}
}

// uplink_download_read reads up to length bytes into bytes. It may return
// data together with EOF, and 0 bytes without error: loop until EOF.
//
//export uplink_download_read
func uplink_download_read(download *C.UplinkDownload, bytes unsafe.Pointer, length C.size_t) C.UplinkReadResult {
	down, buf, err := readArgs(download, bytes, length)
	if err != nil {
		return readResult(0, err)
	}
	defer down.lock()()
	n, err := down.read(buf)
	return readResult(n, err)
}

// read is one read into buf: from the read-ahead once started, else one of
// Go's reads. The caller holds the handle's turn.
func (down *Download) read(buf []byte) (int, error) {
	if down.ahead != nil {
		return down.take(down.ahead, buf)
	}
	return down.goRead(buf)
}

// goRead is one of Go's reads into buf, under the stall watchdog.
func (down *Download) goRead(buf []byte) (n int, err error) {
	down.transfer("download read", func() { n, err = down.rawRead(buf) })
	return n, err
}

// rawRead is one of Go's reads into buf; the caller runs the stall watchdog
// (one for many reads: arming it costs a timer and a few allocations, as
// much as the read of a 7 KiB block from memory).
func (down *Download) rawRead(buf []byte) (int, error) {
	if err := down.interrupted(nil); err != nil {
		return 0, err
	}
	n, err := down.download.Read(buf)
	if down.ctx.Err() != nil {
		// Bytes read after a cancel or a timeout are not handed out: the
		// caller learns the read was interrupted, with nothing half-done.
		n = 0
	}
	return n, down.interrupted(err)
}

// uplink_download_info returns information about the downloaded object.
//
//export uplink_download_info
func uplink_download_info(download *C.UplinkDownload) C.UplinkObjectResult {
	down, err := getDownload(download)
	if err != nil {
		return C.UplinkObjectResult{error: mallocError(err)}
	}
	defer down.lock()()
	info := down.download.Info()
	if info == nil {
		return C.UplinkObjectResult{}
	}
	return C.UplinkObjectResult{object: mallocObject(&info.Object)}
}

// uplink_close_download closes the download.
//
//export uplink_close_download
func uplink_close_download(download *C.UplinkDownload) *C.UplinkError {
	down, err := getDownload(download)
	if err != nil {
		return mallocError(err)
	}
	down.shut(down.cancel, func() {
		down.stopAhead()
		err = down.download.Close()
	})
	return mallocError(err)
}

// uplink_free_read_result frees a read result.
//
//export uplink_free_read_result
func uplink_free_read_result(result C.UplinkReadResult) {
	uplink_free_error(result.error)
}

// uplink_free_download_result frees the result, cancelling and closing the
// download.
//
//export uplink_free_download_result
func uplink_free_download_result(result C.UplinkDownloadResult) {
	uplink_free_error(result.error)
	if result.download == nil {
		return
	}
	if down, ok := universe.Del(result.download._handle).(*Download); ok {
		down.shut(down.cancel, func() {
			down.stopAhead()
			_ = down.download.Close()
		})
	}
	C.free(unsafe.Pointer(result.download))
}

// uplink_download_object_version starts a download of one version.
//
//export uplink_download_object_version
func uplink_download_object_version(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, version *C.uint8_t, length C.size_t, options *C.UplinkDownloadOptions) C.UplinkDownloadResult {
	goVersion, err := versionArg(version, length)
	if err != nil {
		return C.UplinkDownloadResult{error: mallocError(err)}
	}
	return startDownload(project, bucketName, objectKey, goVersion, options)
}

// uplink_download_info_versioned returns the downloaded object with its
// version.
//
//export uplink_download_info_versioned
func uplink_download_info_versioned(download *C.UplinkDownload) C.UplinkVersionedObjectResult {
	down, err := getDownload(download)
	if err != nil {
		return C.UplinkVersionedObjectResult{error: mallocError(err)}
	}
	defer down.lock()()
	return C.UplinkVersionedObjectResult{object: mallocVersionedObject(down.download.Info())}
}

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
	defer interruptible(down.stop)()
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
	// The wait for the read-ahead is outside its watchdog: a signal must
	// end it too.
	defer interruptible(down.stop)()
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
