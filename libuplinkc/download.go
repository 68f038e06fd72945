// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
import "C"

import (
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
