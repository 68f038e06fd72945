// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
// #include "uplink_extensions.h"
// #include <stdio.h>
// #include <stdlib.h>
import "C"

import (
	"errors"
	"math"
	"unsafe"
)

// uplink_put_object stores length bytes from data as bucket/key in one call:
// an upload written, committed and freed, with the commit's true outcome
// (see Upload.commit). Nothing is stored when it fails.
//
//export uplink_put_object
func uplink_put_object(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, data unsafe.Pointer, length C.size_t, options *C.UplinkUploadOptions) C.UplinkObjectResult {
	if data == nil && length > 0 {
		return C.UplinkObjectResult{error: mallocError(errNull("data"))}
	}
	started := uplink_upload_object(project, bucketName, objectKey, options)
	if started.error != nil {
		return C.UplinkObjectResult{error: started.error}
	}
	// Freeing an upload that did not commit aborts it.
	defer uplink_free_upload_result(started)
	for done := C.size_t(0); done < length; {
		written := uplink_upload_write(started.upload, unsafe.Add(data, done), length-done)
		if written.error != nil {
			return C.UplinkObjectResult{error: written.error}
		}
		if written.bytes_written == 0 {
			return C.UplinkObjectResult{error: mallocError(errors.New("the upload accepted no bytes"))}
		}
		done += written.bytes_written
	}
	if err := uplink_upload_commit(started.upload); err != nil {
		return C.UplinkObjectResult{error: err}
	}
	return uplink_upload_info(started.upload)
}

// uplink_get_object reads bucket/key from offset, length bytes of it (all
// that follows for a negative length), into one buffer of C memory freed by
// uplink_free_bytes_result.
//
//export uplink_get_object
func uplink_get_object(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, offset, length C.int64_t) C.UplinkBytesResult {
	options := C.UplinkDownloadOptions{offset: offset, length: length}
	started := uplink_download_object(project, bucketName, objectKey, &options)
	if started.error != nil {
		return C.UplinkBytesResult{error: started.error}
	}
	defer uplink_free_download_result(started)
	down, err := getDownload(started.download)
	if err != nil {
		return C.UplinkBytesResult{error: mallocError(err)}
	}
	size := down.download.Info().System.ContentLength - int64(offset)
	if length >= 0 && int64(length) < size {
		size = int64(length)
	}
	if size < 0 {
		size = 0
	}
	if size > math.MaxInt32*int64(8) {
		return C.UplinkBytesResult{error: mallocError(errors.New("the object is too large to read into memory at once"))}
	}
	// One more byte than expected: a read that fills it means the object
	// grew under us, which the caller must hear about rather than get a
	// silently truncated value.
	buf := C.malloc(C.size_t(size) + 1)
	if buf == nil {
		return C.UplinkBytesResult{error: mallocError(errors.New("out of memory"))}
	}
	read := uplink_download_read_full(started.download, buf, C.size_t(size)+1)
	if read.error != nil && read.error.code != C.EOF {
		C.free(buf)
		return C.UplinkBytesResult{error: read.error}
	}
	uplink_free_error(read.error)
	if read.bytes_read != C.size_t(size) {
		C.free(buf)
		return C.UplinkBytesResult{error: mallocError(errors.New("the object changed size while it was read"))}
	}
	return C.UplinkBytesResult{data: buf, length: read.bytes_read}
}

// uplink_free_bytes_result frees the bytes of uplink_get_object.
//
//export uplink_free_bytes_result
func uplink_free_bytes_result(result C.UplinkBytesResult) {
	uplink_free_error(result.error)
	C.free(result.data)
}
