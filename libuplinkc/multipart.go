// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
import "C"

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unsafe"

	"storj.io/uplink"
)

// PartUpload is the value behind an UplinkPartUpload handle.
type PartUpload struct {
	stream
	part *uplink.PartUpload

	// What identifies the part when a commit's outcome must be found out
	// (see commit).
	proj            *Project
	bucket, key, id string
	number          uint32
	written         int64
	started         time.Time
}

// cancelScope stops the part upload for good, as for uploads.
func (part *PartUpload) cancelScope() {
	part.cancel()
	_ = part.part.Abort()
}

func getPartUpload(partUpload *C.UplinkPartUpload) (*PartUpload, error) {
	if partUpload == nil {
		return nil, errNull("part_upload")
	}
	value, ok := lookup[*PartUpload](partUpload._handle)
	if !ok {
		return nil, errInvalidHandle("part upload")
	}
	return value, nil
}

func mallocUploadInfo(info *uplink.UploadInfo) *C.UplinkUploadInfo {
	if info == nil {
		return nil
	}
	cinfo := (*C.UplinkUploadInfo)(C.calloc(1, C.sizeof_UplinkUploadInfo))
	cinfo.upload_id = C.CString(info.UploadID)
	cinfo.key = C.CString(info.Key)
	cinfo.is_prefix = C.bool(info.IsPrefix)
	cinfo.system = systemMetadataToC(info.System)
	cinfo.custom = customMetadataToC(info.Custom)
	return cinfo
}

func mallocPart(part *uplink.Part) *C.UplinkPart {
	if part == nil {
		return nil
	}
	cpart := (*C.UplinkPart)(C.calloc(1, C.sizeof_UplinkPart))
	cpart.part_number = C.uint32_t(part.PartNumber)
	cpart.size = C.size_t(part.Size)
	cpart.modified = timeToUnix(part.Modified)
	cpart.etag, cpart.etag_length = cBytes(string(part.ETag))
	return cpart
}

// multipartArgs resolves the arguments shared by the multipart calls.
func multipartArgs(project *C.UplinkProject, bucketName, objectKey, uploadID *C.uplink_const_char) (*Project, string, string, string, error) {
	proj, bucket, key, err := objectArgs(project, bucketName, objectKey)
	if err != nil {
		return nil, "", "", "", err
	}
	if uploadID == nil {
		return nil, "", "", "", errNull("upload_id")
	}
	return proj, bucket, key, C.GoString(uploadID), nil
}

// uplink_begin_upload starts a multipart upload.
//
//export uplink_begin_upload
func uplink_begin_upload(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, options *C.UplinkUploadOptions) C.UplinkUploadInfoResult {
	proj, bucket, key, err := objectArgs(project, bucketName, objectKey)
	if err != nil {
		return C.UplinkUploadInfoResult{error: mallocError(err)}
	}
	opts := &uplink.UploadOptions{}
	if options != nil && options.expires > 0 {
		opts.Expires = time.Unix(int64(options.expires), 0)
	}
	ctx, end := proj.begin()
	info, err := proj.BeginUpload(ctx, bucket, key, opts)
	err = end(err)
	if err != nil {
		return C.UplinkUploadInfoResult{error: mallocError(err)}
	}
	return C.UplinkUploadInfoResult{info: mallocUploadInfo(&info)}
}

// uplink_commit_upload commits a multipart upload.
//
//export uplink_commit_upload
func uplink_commit_upload(project *C.UplinkProject, bucketName, objectKey, uploadID *C.uplink_const_char, options *C.UplinkCommitUploadOptions) C.UplinkCommitUploadResult {
	proj, bucket, key, id, err := multipartArgs(project, bucketName, objectKey, uploadID)
	if err != nil {
		return C.UplinkCommitUploadResult{error: mallocError(err)}
	}
	opts := &uplink.CommitUploadOptions{}
	if options != nil {
		if opts.CustomMetadata, err = customMetadataToGo(options.custom_metadata); err != nil {
			return C.UplinkCommitUploadResult{error: mallocError(err)}
		}
	}
	ctx, end := proj.begin()
	object, err := commitMultipart(ctx, proj, bucket, key, id, opts)
	err = end(err)
	if err != nil {
		return C.UplinkCommitUploadResult{error: mallocError(err)}
	}
	return C.UplinkCommitUploadResult{object: mallocObject(object)}
}

// commitMultipart commits a multipart upload so that the caller learns the
// true outcome. Cut off by a cancel, a close or a timeout, the request
// could still be carried out by the satellite while Go gives up on its
// answer: the caller would hear "cancelled" of a stored object (the async
// fuzz tier saw it). So the request runs on a context of its own, which
// keeps ctx's deadline but not its cancel, and once ctx ends the caller
// waits for the answer at most commitGrace more; only past that is the
// outcome unknown, and the error says so.
func commitMultipart(ctx context.Context, proj *Project, bucket, key, id string, opts *uplink.CommitUploadOptions) (*uplink.Object, error) {
	detached, cancel := context.WithoutCancel(ctx), context.CancelFunc(func() {})
	if deadline, ok := ctx.Deadline(); ok {
		detached, cancel = context.WithDeadline(detached, deadline)
	}
	var object *uplink.Object
	err := abandonable(ctx.Done(), func() (err error) {
		defer cancel()
		object, err = proj.CommitUpload(detached, bucket, key, id, opts)
		return err
	})
	if err == errAbandoned {
		return nil, fmt.Errorf("%w (whether the upload was committed is unknown: the satellite "+
			"did not answer within %v)", context.Cause(ctx), commitGrace)
	}
	return object, err
}

// uplink_abort_upload aborts a multipart upload.
//
//export uplink_abort_upload
func uplink_abort_upload(project *C.UplinkProject, bucketName, objectKey, uploadID *C.uplink_const_char) *C.UplinkError {
	proj, bucket, key, id, err := multipartArgs(project, bucketName, objectKey, uploadID)
	if err != nil {
		return mallocError(err)
	}
	ctx, end := proj.begin()
	return mallocError(end(proj.AbortUpload(ctx, bucket, key, id)))
}

// uplink_upload_part starts the upload of one part.
//
//export uplink_upload_part
func uplink_upload_part(project *C.UplinkProject, bucketName, objectKey, uploadID *C.uplink_const_char, partNumber C.uint32_t) C.UplinkPartUploadResult {
	proj, bucket, key, id, err := multipartArgs(project, bucketName, objectKey, uploadID)
	if err != nil {
		return C.UplinkPartUploadResult{error: mallocError(err)}
	}
	part := &PartUpload{stream: stream{scope: proj.child()}, proj: proj, bucket: bucket, key: key,
		id: id, number: uint32(partNumber), started: time.Now()}
	part.watch(part.limits.request, "starting the part upload", nil, func() {
		part.part, err = proj.UploadPart(part.ctx, bucket, key, id, uint32(partNumber))
	})
	if err = part.interrupted(err); err != nil {
		part.cancel()
		return C.UplinkPartUploadResult{error: mallocError(err)}
	}
	cpart := (*C.UplinkPartUpload)(C.calloc(1, C.sizeof_UplinkPartUpload))
	cpart._handle = universe.Add(part)
	return C.UplinkPartUploadResult{part_upload: cpart}
}

// uplink_part_upload_write uploads length bytes of the part.
//
//export uplink_part_upload_write
func uplink_part_upload_write(partUpload *C.UplinkPartUpload, bytes unsafe.Pointer, length C.size_t) C.UplinkWriteResult {
	part, err := getPartUpload(partUpload)
	if err != nil {
		return C.UplinkWriteResult{error: mallocError(err)}
	}
	return writeTo(&part.stream, truerWrites(func(p []byte) (int, error) {
		n, err := part.part.Write(p)
		part.written += int64(n)
		return n, err
	}), bytes, length)
}

// uplink_part_upload_commit commits the part.
//
//export uplink_part_upload_commit
func uplink_part_upload_commit(partUpload *C.UplinkPartUpload) *C.UplinkError {
	part, err := getPartUpload(partUpload)
	if err != nil {
		return mallocError(err)
	}
	return mallocError(settleCommit(&part.stream, part.part.Commit, part.stored))
}

// stored reports whether the satellite holds this part after a commit whose
// answer was lost (a cancel, a close, a timeout): a part of this number, of
// the size written, modified since the part upload started. A part is
// committed by the satellite while Go gives up on the answer, and Go's
// abort of a failed part does not take it back.
func (part *PartUpload) stored(deadline time.Time) (bool, error) {
	ctx, cancel := context.WithDeadlineCause(context.Background(), deadline,
		timeoutError("commit check", errors.New("the satellite did not answer in time")))
	defer cancel()
	parts := part.proj.ListUploadParts(ctx, part.bucket, part.key, part.id,
		&uplink.ListUploadPartsOptions{Cursor: part.number - 1})
	for parts.Next() {
		found := parts.Item()
		if found.PartNumber != part.number {
			if found.PartNumber > part.number {
				break
			}
			continue
		}
		return found.Size == part.written &&
			!found.Modified.Before(part.started.Truncate(time.Second)), nil
	}
	if err := parts.Err(); err != nil {
		return false, explain(ctx, err)
	}
	return false, nil
}

// uplink_part_upload_abort aborts the part.
//
//export uplink_part_upload_abort
func uplink_part_upload_abort(partUpload *C.UplinkPartUpload) *C.UplinkError {
	part, err := getPartUpload(partUpload)
	if err != nil {
		return mallocError(err)
	}
	defer part.lock()()
	return mallocError(part.part.Abort())
}

// uplink_part_upload_set_etag sets the part's ETag.
//
//export uplink_part_upload_set_etag
func uplink_part_upload_set_etag(partUpload *C.UplinkPartUpload, etag *C.uplink_const_char) *C.UplinkError {
	part, err := getPartUpload(partUpload)
	if err != nil {
		return mallocError(err)
	}
	if etag == nil {
		return mallocError(errNull("etag"))
	}
	defer part.lock()()
	return mallocError(part.part.SetETag([]byte(C.GoString(etag))))
}

// uplink_part_upload_info returns the last information about the part.
//
//export uplink_part_upload_info
func uplink_part_upload_info(partUpload *C.UplinkPartUpload) C.UplinkPartResult {
	part, err := getPartUpload(partUpload)
	if err != nil {
		return C.UplinkPartResult{error: mallocError(err)}
	}
	defer part.lock()()
	return C.UplinkPartResult{part: mallocPart(part.part.Info())}
}

// uplink_free_upload_info_result frees an upload info result.
//
//export uplink_free_upload_info_result
func uplink_free_upload_info_result(result C.UplinkUploadInfoResult) {
	uplink_free_error(result.error)
	uplink_free_upload_info(result.info)
}

// uplink_free_upload_info frees an upload info.
//
//export uplink_free_upload_info
func uplink_free_upload_info(info *C.UplinkUploadInfo) {
	if info == nil {
		return
	}
	C.free(unsafe.Pointer(info.upload_id))
	C.free(unsafe.Pointer(info.key))
	freeCustomMetadata(&info.custom)
	C.free(unsafe.Pointer(info))
}

// uplink_free_commit_upload_result frees a commit result.
//
//export uplink_free_commit_upload_result
func uplink_free_commit_upload_result(result C.UplinkCommitUploadResult) {
	uplink_free_error(result.error)
	uplink_free_object(result.object)
}

// uplink_free_part_result frees a part result.
//
//export uplink_free_part_result
func uplink_free_part_result(result C.UplinkPartResult) {
	uplink_free_error(result.error)
	uplink_free_part(result.part)
}

// uplink_free_part frees a part.
//
//export uplink_free_part
func uplink_free_part(part *C.UplinkPart) {
	if part == nil {
		return
	}
	C.free(unsafe.Pointer(part.etag))
	C.free(unsafe.Pointer(part))
}

// uplink_free_part_upload_result frees the result, cancelling a part upload
// that was neither committed nor aborted.
//
//export uplink_free_part_upload_result
func uplink_free_part_upload_result(result C.UplinkPartUploadResult) {
	uplink_free_error(result.error)
	if result.part_upload == nil {
		return
	}
	if part, ok := universe.Del(result.part_upload._handle).(*PartUpload); ok {
		part.shut(part.cancel, func() {})
	}
	C.free(unsafe.Pointer(result.part_upload))
}
