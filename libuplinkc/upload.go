// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
// #include "uplink_extensions.h"
import "C"

import (
	"errors"
	"math"
	"time"
	"unsafe"

	privateObject "storj.io/uplink/private/object"
)

// Upload is the value behind an UplinkUpload handle.
type Upload struct {
	stream
	upload *privateObject.VersionedUpload

	proj        *Project
	bucket, key string
	// written counts the bytes written, to recognise the object when a
	// commit's outcome must be found out (see commit).
	written int64
	started time.Time
}

// cancelScope stops the upload for good: a cancelled upload is aborted, so
// that nothing it wrote can be committed afterwards.
func (up *Upload) cancelScope() {
	up.cancel()
	// Go's Abort waits for the failed upload to delete its pending object
	// on a context that nothing cancels: uplink_cancel must not wait.
	go func() { _ = up.upload.Abort() }()
}

func getUpload(upload *C.UplinkUpload) (*Upload, error) {
	if upload == nil {
		return nil, errNull("upload")
	}
	value, ok := lookup[*Upload](upload._handle)
	if !ok {
		return nil, errInvalidHandle("upload")
	}
	return value, nil
}

// startUpload begins an upload in a child scope of the project.
func startUpload(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, options *privateObject.UploadOptions) C.UplinkUploadResult {
	proj, bucket, key, err := objectArgs(project, bucketName, objectKey)
	if err != nil {
		return C.UplinkUploadResult{error: mallocError(err)}
	}
	up := &Upload{stream: stream{scope: proj.child()}, proj: proj, bucket: bucket, key: key, started: time.Now()}
	up.watch(up.limits.request, "starting the upload", nil, func() {
		up.upload, err = privateObject.UploadObject(up.ctx, proj.Project, bucket, key, options)
	})
	if err = up.interrupted(err); err != nil {
		up.cancel()
		return C.UplinkUploadResult{error: mallocError(err)}
	}
	cupload := (*C.UplinkUpload)(C.calloc(1, C.sizeof_UplinkUpload))
	cupload._handle = universe.Add(up)
	return C.UplinkUploadResult{upload: cupload}
}

// uplink_upload_object starts an upload to bucket and key.
//
//export uplink_upload_object
func uplink_upload_object(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, options *C.UplinkUploadOptions) C.UplinkUploadResult {
	opts := &privateObject.UploadOptions{}
	if options != nil && options.expires > 0 {
		opts.Expires = time.Unix(int64(options.expires), 0)
	}
	return startUpload(project, bucketName, objectKey, opts)
}

// goBuffer views C memory as a Go slice without copying. Callers must not
// keep the slice past the call.
func goBuffer(bytes unsafe.Pointer, length C.size_t) ([]byte, error) {
	if length == 0 {
		return nil, nil
	}
	if bytes == nil {
		return nil, errNull("bytes")
	}
	if uint64(length) > uint64(math.MaxInt) {
		return nil, errInvalidArg("length", "too large")
	}
	return unsafe.Slice((*byte)(bytes), int(length)), nil
}

// writeTo writes a C buffer with write, in its turn on st.
func writeTo(st *stream, write func([]byte) (int, error), bytes unsafe.Pointer, length C.size_t) C.UplinkWriteResult {
	buf, err := goBuffer(bytes, length)
	if err != nil {
		return C.UplinkWriteResult{error: mallocError(err)}
	}
	defer st.lock()()
	if err := st.interrupted(nil); err != nil {
		return C.UplinkWriteResult{error: mallocError(err)}
	}
	var n int
	st.transfer("upload write", func() { n, err = write(buf) })
	return C.UplinkWriteResult{bytes_written: C.size_t(n), error: mallocError(st.interrupted(err))}
}

// commitOf runs commit, in its turn on st, under a watchdog: a commit ends
// with a satellite request, so it fails when the project's connections move
// no byte for the request timeout (or the stall timeout, if that is
// shorter). A commit that returned nil stored the object, whatever happened
// to the scope meanwhile.
func commitOf(st *stream, commit func() error) error {
	defer st.lock()()
	if err := st.interrupted(nil); err != nil {
		return err
	}
	var err error
	st.watch(st.limits.commitQuiet(), "commit", st.limits.lastActivity,
		func() { err = abandonable(st.ctx.Done(), commit) })
	if err == nil {
		return nil
	}
	return st.interrupted(err)
}

// commitGrace is how long a commit may take to return once it was
// cancelled, closed or timed out, the check of its outcome included: Go
// deletes the pending object of a failed upload on a context that nothing
// cancels, which hangs on a satellite that stopped answering.
const commitGrace = 4 * time.Second

// abandonable runs fn, but returns errAbandoned when fn is still running
// commitGrace after from is closed. fn then finishes in the background;
// Go's upload serialises it with a later Abort.
func abandonable(from <-chan struct{}, fn func() error) error {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-from:
	}
	grace := time.NewTimer(commitGrace)
	defer grace.Stop()
	select {
	case err := <-done:
		return err
	case <-grace.C:
		return errAbandoned
	}
}

// closed starts the grace period of abandonable at once.
var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

var errAbandoned = errors.New("the satellite did not answer the cancelled commit's clean-up")

// uplink_upload_write uploads length bytes from bytes.
//
//export uplink_upload_write
func uplink_upload_write(upload *C.UplinkUpload, bytes unsafe.Pointer, length C.size_t) C.UplinkWriteResult {
	up, err := getUpload(upload)
	if err != nil {
		return C.UplinkWriteResult{error: mallocError(err)}
	}
	return writeTo(&up.stream, func(p []byte) (int, error) {
		n, err := up.upload.Write(p)
		up.written += int64(n)
		return n, err
	}, bytes, length)
}

// uplink_upload_commit commits the uploaded data.
//
//export uplink_upload_commit
func uplink_upload_commit(upload *C.UplinkUpload) *C.UplinkError {
	up, err := getUpload(upload)
	if err != nil {
		return mallocError(err)
	}
	return mallocError(up.commit())
}

// uplink_upload_abort aborts the upload.
//
//export uplink_upload_abort
func uplink_upload_abort(upload *C.UplinkUpload) *C.UplinkError {
	up, err := getUpload(upload)
	if err != nil {
		return mallocError(err)
	}
	defer up.lock()()
	// An abort stores nothing whether or not Go's clean-up of the pending
	// object, which nothing can cancel, finishes; do not wait for a
	// satellite that stopped answering.
	err = abandonable(closed, up.upload.Abort)
	if err == errAbandoned {
		err = nil
	}
	return mallocError(err)
}

// uplink_upload_info returns the last information about the uploaded object.
//
//export uplink_upload_info
func uplink_upload_info(upload *C.UplinkUpload) C.UplinkObjectResult {
	up, err := getUpload(upload)
	if err != nil {
		return C.UplinkObjectResult{error: mallocError(err)}
	}
	defer up.lock()()
	info := up.upload.Info()
	if info == nil {
		return C.UplinkObjectResult{}
	}
	return C.UplinkObjectResult{object: mallocObject(&info.Object)}
}

// uplink_upload_set_custom_metadata sets the metadata stored on commit.
//
//export uplink_upload_set_custom_metadata
func uplink_upload_set_custom_metadata(upload *C.UplinkUpload, custom C.UplinkCustomMetadata) *C.UplinkError {
	up, err := getUpload(upload)
	if err != nil {
		return mallocError(err)
	}
	goCustom, err := customMetadataToGo(custom)
	if err != nil {
		return mallocError(err)
	}
	defer up.lock()()
	return mallocError(up.upload.SetCustomMetadata(up.ctx, goCustom))
}

// uplink_free_write_result frees a write result.
//
//export uplink_free_write_result
func uplink_free_write_result(result C.UplinkWriteResult) {
	uplink_free_error(result.error)
}

// uplink_free_upload_result frees the result; an upload that was neither
// committed nor aborted is cancelled.
//
//export uplink_free_upload_result
func uplink_free_upload_result(result C.UplinkUploadResult) {
	uplink_free_error(result.error)
	if result.upload == nil {
		return
	}
	if up, ok := universe.Del(result.upload._handle).(*Upload); ok {
		up.shut(up.cancel, func() { go func() { _ = up.upload.Abort() }() })
	}
	C.free(unsafe.Pointer(result.upload))
}
