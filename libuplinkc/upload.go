// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
// #include "uplink_extensions.h"
import "C"

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"storj.io/uplink"
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
	// found is the object the commit check found stored after a commit
	// whose answer was lost: Go's own Info still describes the pending
	// object (no size, no creation time) then.
	found *privateObject.VersionedObject
}

// info is what the upload stored (or will store): the object the commit
// check found, when a lost answer made it look, or Go's own Info.
func (up *Upload) info() *privateObject.VersionedObject {
	if up.found != nil {
		return up.found
	}
	return up.upload.Info()
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
	return writeTo(&up.stream, truerWrites(func(p []byte) (int, error) {
		n, err := up.upload.Write(p)
		up.written += int64(n)
		return n, err
	}), bytes, length)
}

// raceWithFailure is what Go's upload buffer reports to a write that was
// under way when the upload itself failed (the satellite refused the begin:
// an expiry in the past, a key too long; or it was cancelled).
const raceWithFailure = "WaitWrite called after DoneWriting"

// truerWrites replaces raceWithFailure by the upload's own failure, which
// Go's splitter keeps and returns to the next write (an empty one moves no
// byte); when it has none yet, the original error stands.
func truerWrites(write func([]byte) (int, error)) func([]byte) (int, error) {
	return func(p []byte) (int, error) {
		n, err := write(p)
		if err == nil || !strings.Contains(err.Error(), raceWithFailure) {
			return n, err
		}
		if _, failure := write(nil); failure != nil && !strings.Contains(failure.Error(), "already finished") {
			return n, failure
		}
		return n, err
	}
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

// commit commits the upload and tells the truth about it. When the commit
// fails without a verdict from the satellite (the caller cancelled, a
// timeout, a dropped connection), the satellite may have committed the
// object all the same: it handles CommitObject while Go gives up on the
// answer. Go has by then asked the satellite, on a context of its own, to
// delete the pending object by its stream id (streamupload's
// deleteCancelledObject), so the object is either committed or can never
// be. commit then looks at the object under the key: if it is this
// upload's, the commit succeeded and commit returns nil; otherwise the
// upload stored nothing and the original error stands.
//
// Once the upload's scope has ended (cancel, close, timeout), the commit and
// this check share commitGrace: a satellite that does not answer cannot
// hold the caller longer.
func (up *Upload) commit() error {
	return settleCommit(&up.stream, up.upload.Commit, up.stored)
}

// settleCommit runs commit on st and tells the truth about it: when the
// commit fails without a verdict from the satellite, stored looks for what
// it would have stored, within the request timeout, or within commitGrace
// of the scope's end once the scope has ended (a satellite that does not
// answer cannot hold the caller longer).
func settleCommit(st *stream, commit func() error, stored func(deadline time.Time) (bool, error)) error {
	var ended atomic.Int64
	stop := context.AfterFunc(st.ctx, func() { ended.Store(time.Now().UnixNano()) })
	err := commitOf(st, commit)
	stop()
	if err == nil || !outcomeUnknown(err) {
		return err
	}
	deadline := time.Now().Add(st.limits.request)
	if st.limits.request <= 0 {
		deadline = time.Now().Add(defaultRequestTimeout)
	}
	if st.ctx.Err() != nil {
		// AfterFunc's goroutine may not have run yet when the scope ended
		// just now.
		at := time.Now()
		if recorded := ended.Load(); recorded != 0 {
			at = time.Unix(0, recorded)
		}
		if budget := at.Add(commitGrace); budget.Before(deadline) {
			deadline = budget
		}
	}
	found, verifyErr := stored(deadline)
	switch {
	case verifyErr != nil && errorCode(err) != C.UPLINK_ERROR_INTERNAL:
		// Still what the caller asked for or ran into (a cancel, a close, a
		// timeout), but not a promise that nothing was stored.
		return fmt.Errorf("%w (whether the object was stored is unknown: %v)", err, verifyErr)
	case verifyErr != nil:
		return fmt.Errorf("commit failed (%v) and whether the object was stored is unknown: %v", err, verifyErr)
	case found:
		return nil
	}
	return err
}

// outcomeUnknown reports errors after which the satellite may still have
// committed the object.
func outcomeUnknown(err error) bool {
	switch errorCode(err) {
	case C.UPLINK_ERROR_CANCELED, C.UPLINK_ERROR_TIMEOUT, C.UPLINK_ERROR_INTERNAL:
		return true
	}
	return false
}

// stored reports whether the latest object under the upload's key is the
// one this upload committed: created since the upload started, of the
// size written, with the custom metadata set. Go uplink v1.14 keeps the
// stream id, which would name the object exactly, in a local variable of
// streamupload, and an ETag marker would make the satellite refuse later
// metadata updates and moves of the object; so a concurrent upload of the
// same key, size and metadata could be taken for this one. It runs on a
// fresh context bounded by deadline, since the upload's own
// scope is cancelled.
func (up *Upload) stored(deadline time.Time) (bool, error) {
	ctx, cancel := context.WithDeadlineCause(context.Background(), deadline,
		timeoutError("commit check", errors.New("the satellite did not answer in time")))
	defer cancel()
	object, err := privateObject.StatObject(ctx, up.proj.Project, up.bucket, up.key, nil)
	switch {
	case errors.Is(err, uplink.ErrObjectNotFound):
		return false, nil
	case err != nil:
		return false, explain(ctx, err)
	}
	mine := up.upload.Info()
	if object.System.ContentLength != up.written ||
		object.System.Created.Before(up.started.Truncate(time.Second)) ||
		!maps.Equal(object.Custom, mine.Custom) {
		return false, nil
	}
	unlock := up.lock()
	up.found = object
	unlock()
	return true, nil
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
	info := up.info()
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

// uplink_upload_object2 starts an upload with retention, legal hold and
// if-none-match.
//
//export uplink_upload_object2
func uplink_upload_object2(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, options *C.UplinkUploadOptionsV2) C.UplinkUploadResult {
	opts := &privateObject.UploadOptions{}
	if options != nil {
		if options.expires > 0 {
			opts.Expires = time.Unix(int64(options.expires), 0)
		}
		retention, err := retentionToGo(options.retention)
		if err != nil {
			return C.UplinkUploadResult{error: mallocError(err)}
		}
		opts.Retention = retention
		opts.LegalHold = bool(options.legal_hold)
		switch match := C.GoString(options.if_none_match); match {
		case "":
		case "*":
			opts.IfNoneMatch = []string{match}
		default:
			return C.UplinkUploadResult{error: mallocError(errInvalidArg("if_none_match", `only "*" is supported`))}
		}
	}
	return startUpload(project, bucketName, objectKey, opts)
}

// uplink_upload_info_versioned returns the uploaded object with its version.
//
//export uplink_upload_info_versioned
func uplink_upload_info_versioned(upload *C.UplinkUpload) C.UplinkVersionedObjectResult {
	up, err := getUpload(upload)
	if err != nil {
		return C.UplinkVersionedObjectResult{error: mallocError(err)}
	}
	defer up.lock()()
	return C.UplinkVersionedObjectResult{object: mallocVersionedObject(up.info())}
}
