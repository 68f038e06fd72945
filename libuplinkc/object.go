// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
import "C"

import (
	"maps"
	"slices"
	"time"
	"unsafe"

	"storj.io/uplink"
)

// timeToUnix turns a time into unix seconds; the zero time is 0.
func timeToUnix(t time.Time) C.int64_t {
	if t.IsZero() {
		return 0
	}
	return C.int64_t(t.Unix())
}

func systemMetadataToC(system uplink.SystemMetadata) C.UplinkSystemMetadata {
	return C.UplinkSystemMetadata{
		created:        timeToUnix(system.Created),
		expires:        timeToUnix(system.Expires),
		content_length: C.int64_t(system.ContentLength),
	}
}

// cBytes copies s into C memory with a trailing NUL, so that C callers may
// use it as a string, while the length keeps it binary-safe.
func cBytes(s string) (*C.char, C.size_t) {
	mem := (*C.char)(C.calloc(C.size_t(len(s)+1), 1))
	copy(unsafe.Slice((*byte)(unsafe.Pointer(mem)), len(s)), s)
	return mem, C.size_t(len(s))
}

func customMetadataToC(custom uplink.CustomMetadata) C.UplinkCustomMetadata {
	if len(custom) == 0 {
		return C.UplinkCustomMetadata{}
	}
	entries := (*C.UplinkCustomMetadataEntry)(C.calloc(C.size_t(len(custom)), C.sizeof_UplinkCustomMetadataEntry))
	slice := unsafe.Slice(entries, len(custom))
	// Sorted by key, as uplink-c hands them out: Go's map order is random.
	for i, key := range slices.Sorted(maps.Keys(custom)) {
		slice[i].key, slice[i].key_length = cBytes(key)
		slice[i].value, slice[i].value_length = cBytes(custom[key])
	}
	return C.UplinkCustomMetadata{entries: entries, count: C.size_t(len(custom))}
}

func freeCustomMetadata(custom *C.UplinkCustomMetadata) {
	if custom.entries == nil {
		return
	}
	for _, entry := range unsafe.Slice(custom.entries, int(custom.count)) {
		C.free(unsafe.Pointer(entry.key))
		C.free(unsafe.Pointer(entry.value))
	}
	C.free(unsafe.Pointer(custom.entries))
	custom.entries = nil
	custom.count = 0
}

// customMetadataToGo copies metadata from C; keys and values are read by
// their lengths, so they may hold any bytes.
func customMetadataToGo(custom C.UplinkCustomMetadata) (uplink.CustomMetadata, error) {
	if custom.count == 0 {
		return uplink.CustomMetadata{}, nil
	}
	if custom.entries == nil {
		return nil, errNull("custom_metadata.entries")
	}
	goCustom := make(uplink.CustomMetadata, int(custom.count))
	for _, entry := range unsafe.Slice(custom.entries, int(custom.count)) {
		if (entry.key == nil && entry.key_length > 0) || (entry.value == nil && entry.value_length > 0) {
			return nil, errNull("custom_metadata entry")
		}
		goCustom[string(C.GoBytes(unsafe.Pointer(entry.key), C.int(entry.key_length)))] =
			string(C.GoBytes(unsafe.Pointer(entry.value), C.int(entry.value_length)))
	}
	return goCustom, nil
}

func mallocObject(object *uplink.Object) *C.UplinkObject {
	if object == nil {
		return nil
	}
	cobject := (*C.UplinkObject)(C.calloc(1, C.sizeof_UplinkObject))
	cobject.key = C.CString(object.Key)
	cobject.is_prefix = C.bool(object.IsPrefix)
	cobject.system = systemMetadataToC(object.System)
	cobject.custom = customMetadataToC(object.Custom)
	return cobject
}

func newObjectResult(object *uplink.Object, err error) C.UplinkObjectResult {
	if err != nil {
		return C.UplinkObjectResult{error: mallocError(err)}
	}
	return C.UplinkObjectResult{object: mallocObject(object)}
}

// objectArgs resolves a project handle together with a bucket and key.
func objectArgs(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char) (*Project, string, string, error) {
	proj, err := getProject(project)
	switch {
	case err != nil:
		return nil, "", "", err
	case bucketName == nil:
		return nil, "", "", errNull("bucket_name")
	case objectKey == nil:
		return nil, "", "", errNull("object_key")
	}
	return proj, C.GoString(bucketName), C.GoString(objectKey), nil
}

// uplink_stat_object returns information about an object.
//
//export uplink_stat_object
func uplink_stat_object(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char) C.UplinkObjectResult {
	proj, bucket, key, err := objectArgs(project, bucketName, objectKey)
	if err != nil {
		return C.UplinkObjectResult{error: mallocError(err)}
	}
	ctx, end := proj.begin()
	object, err := proj.StatObject(ctx, bucket, key)
	return newObjectResult(object, end(err))
}

// uplink_delete_object deletes an object.
//
//export uplink_delete_object
func uplink_delete_object(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char) C.UplinkObjectResult {
	proj, bucket, key, err := objectArgs(project, bucketName, objectKey)
	if err != nil {
		return C.UplinkObjectResult{error: mallocError(err)}
	}
	ctx, end := proj.begin()
	object, err := proj.DeleteObject(ctx, bucket, key)
	return newObjectResult(object, end(err))
}

// uplink_update_object_metadata replaces the custom metadata of an object.
//
//export uplink_update_object_metadata
func uplink_update_object_metadata(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, newMetadata C.UplinkCustomMetadata, options *C.UplinkUploadObjectMetadataOptions) *C.UplinkError {
	proj, bucket, key, err := objectArgs(project, bucketName, objectKey)
	if err != nil {
		return mallocError(err)
	}
	custom, err := customMetadataToGo(newMetadata)
	if err != nil {
		return mallocError(err)
	}
	ctx, end := proj.begin()
	return mallocError(end(proj.UpdateObjectMetadata(ctx, bucket, key, custom, nil)))
}

// uplink_free_object_result frees an object result.
//
//export uplink_free_object_result
func uplink_free_object_result(result C.UplinkObjectResult) {
	uplink_free_error(result.error)
	uplink_free_object(result.object)
}

// uplink_free_object frees an object.
//
//export uplink_free_object
func uplink_free_object(object *C.UplinkObject) {
	if object == nil {
		return
	}
	C.free(unsafe.Pointer(object.key))
	freeCustomMetadata(&object.custom)
	C.free(unsafe.Pointer(object))
}
