// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
// #include "uplink_extensions.h"
import "C"

import (
	"context"
	"unsafe"

	"storj.io/uplink"
	privateBucket "storj.io/uplink/private/bucket"
)

func mallocBucket(bucket *uplink.Bucket) *C.UplinkBucket {
	if bucket == nil {
		return nil
	}
	cbucket := (*C.UplinkBucket)(C.calloc(1, C.sizeof_UplinkBucket))
	cbucket.name = C.CString(bucket.Name)
	cbucket.created = timeToUnix(bucket.Created)
	return cbucket
}

// newBucketResult keeps the bucket even with an error: creating a bucket
// that exists returns it together with BUCKET_ALREADY_EXISTS, as uplink-c does.
func newBucketResult(bucket *uplink.Bucket, err error) C.UplinkBucketResult {
	return C.UplinkBucketResult{bucket: mallocBucket(bucket), error: mallocError(err)}
}

// bucketArgs resolves a project handle and a bucket name.
func bucketArgs(project *C.UplinkProject, bucketName *C.uplink_const_char) (*Project, string, error) {
	proj, err := getProject(project)
	switch {
	case err != nil:
		return nil, "", err
	case bucketName == nil:
		return nil, "", errNull("bucket_name")
	}
	return proj, C.GoString(bucketName), nil
}

// bucketCall resolves the project and bucket name and runs fn with them
// as one satellite request.
func bucketCall(project *C.UplinkProject, bucketName *C.uplink_const_char, fn func(context.Context, *Project, string) (*uplink.Bucket, error)) C.UplinkBucketResult {
	proj, err := getProject(project)
	if err != nil {
		return C.UplinkBucketResult{error: mallocError(err)}
	}
	if bucketName == nil {
		return C.UplinkBucketResult{error: mallocError(errNull("bucket_name"))}
	}
	ctx, end := proj.begin()
	bucket, err := fn(ctx, proj, C.GoString(bucketName))
	return newBucketResult(bucket, end(err))
}

// uplink_stat_bucket returns information about a bucket.
//
//export uplink_stat_bucket
func uplink_stat_bucket(project *C.UplinkProject, bucketName *C.uplink_const_char) C.UplinkBucketResult {
	return bucketCall(project, bucketName, func(ctx context.Context, proj *Project, name string) (*uplink.Bucket, error) {
		return proj.StatBucket(ctx, name)
	})
}

// uplink_create_bucket creates a new bucket; it fails when it exists.
//
//export uplink_create_bucket
func uplink_create_bucket(project *C.UplinkProject, bucketName *C.uplink_const_char) C.UplinkBucketResult {
	return bucketCall(project, bucketName, func(ctx context.Context, proj *Project, name string) (*uplink.Bucket, error) {
		return proj.CreateBucket(ctx, name)
	})
}

// uplink_ensure_bucket creates a bucket unless it already exists.
//
//export uplink_ensure_bucket
func uplink_ensure_bucket(project *C.UplinkProject, bucketName *C.uplink_const_char) C.UplinkBucketResult {
	return bucketCall(project, bucketName, func(ctx context.Context, proj *Project, name string) (*uplink.Bucket, error) {
		return proj.EnsureBucket(ctx, name)
	})
}

// uplink_delete_bucket deletes an empty bucket.
//
//export uplink_delete_bucket
func uplink_delete_bucket(project *C.UplinkProject, bucketName *C.uplink_const_char) C.UplinkBucketResult {
	return bucketCall(project, bucketName, func(ctx context.Context, proj *Project, name string) (*uplink.Bucket, error) {
		return proj.DeleteBucket(ctx, name)
	})
}

// uplink_delete_bucket_with_objects deletes a bucket and all it holds.
//
//export uplink_delete_bucket_with_objects
func uplink_delete_bucket_with_objects(project *C.UplinkProject, bucketName *C.uplink_const_char) C.UplinkBucketResult {
	return bucketCall(project, bucketName, func(ctx context.Context, proj *Project, name string) (*uplink.Bucket, error) {
		return proj.DeleteBucketWithObjects(ctx, name)
	})
}

// uplink_free_bucket_result frees a bucket result.
//
//export uplink_free_bucket_result
func uplink_free_bucket_result(result C.UplinkBucketResult) {
	uplink_free_error(result.error)
	uplink_free_bucket(result.bucket)
}

// uplink_free_bucket frees a bucket.
//
//export uplink_free_bucket
func uplink_free_bucket(bucket *C.UplinkBucket) {
	if bucket == nil {
		return
	}
	C.free(unsafe.Pointer(bucket.name))
	C.free(unsafe.Pointer(bucket))
}

// uplink_get_bucket_versioning returns the versioning state of a bucket,
// one of UPLINK_VERSIONING_*.
//
//export uplink_get_bucket_versioning
func uplink_get_bucket_versioning(project *C.UplinkProject, bucketName *C.uplink_const_char) C.UplinkInt32Result {
	proj, bucket, err := bucketArgs(project, bucketName)
	if err != nil {
		return C.UplinkInt32Result{error: mallocError(err)}
	}
	ctx, end := proj.begin()
	state, err := privateBucket.GetBucketVersioning(ctx, proj.Project, bucket)
	err = end(err)
	if err != nil {
		return C.UplinkInt32Result{error: mallocError(err)}
	}
	return C.UplinkInt32Result{value: C.int32_t(state)}
}

// uplink_set_bucket_versioning enables versioning, or suspends it.
//
//export uplink_set_bucket_versioning
func uplink_set_bucket_versioning(project *C.UplinkProject, bucketName *C.uplink_const_char, enabled C.bool) *C.UplinkError {
	proj, bucket, err := bucketArgs(project, bucketName)
	if err != nil {
		return mallocError(err)
	}
	ctx, end := proj.begin()
	return mallocError(end(privateBucket.SetBucketVersioning(ctx, proj.Project, bucket, bool(enabled))))
}

// uplink_free_int32_result frees an int32 result.
//
//export uplink_free_int32_result
func uplink_free_int32_result(result C.UplinkInt32Result) {
	uplink_free_error(result.error)
}
