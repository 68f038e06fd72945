// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
// #include "uplink_extensions.h"
import "C"

import (
	"maps"
	"slices"
	"time"
	"unsafe"

	"storj.io/uplink"
	privateObject "storj.io/uplink/private/object"
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

// copyMoveArgs resolves the project and the four names of a copy or move.
func copyMoveArgs(project *C.UplinkProject, oldBucket, oldKey, newBucket, newKey *C.uplink_const_char) (*Project, [4]string, error) {
	proj, err := getProject(project)
	if err != nil {
		return nil, [4]string{}, err
	}
	var names [4]string
	for i, arg := range []struct {
		value *C.uplink_const_char
		name  string
	}{{oldBucket, "old_bucket_name"}, {oldKey, "old_object_key"}, {newBucket, "new_bucket_name"}, {newKey, "new_object_key"}} {
		if arg.value == nil {
			return nil, names, errNull(arg.name)
		}
		names[i] = C.GoString(arg.value)
	}
	return proj, names, nil
}

// uplink_copy_object copies an object to another bucket or key.
//
//export uplink_copy_object
func uplink_copy_object(project *C.UplinkProject, oldBucket, oldKey, newBucket, newKey *C.uplink_const_char, options *C.UplinkCopyObjectOptions) C.UplinkObjectResult {
	proj, n, err := copyMoveArgs(project, oldBucket, oldKey, newBucket, newKey)
	if err != nil {
		return C.UplinkObjectResult{error: mallocError(err)}
	}
	ctx, end := proj.begin()
	object, err := proj.CopyObject(ctx, n[0], n[1], n[2], n[3], nil)
	return newObjectResult(object, end(err))
}

// uplink_move_object moves an object to another bucket or key.
//
//export uplink_move_object
func uplink_move_object(project *C.UplinkProject, oldBucket, oldKey, newBucket, newKey *C.uplink_const_char, options *C.UplinkMoveObjectOptions) *C.UplinkError {
	proj, n, err := copyMoveArgs(project, oldBucket, oldKey, newBucket, newKey)
	if err != nil {
		return mallocError(err)
	}
	ctx, end := proj.begin()
	return mallocError(end(proj.MoveObject(ctx, n[0], n[1], n[2], n[3], nil)))
}

// versionArg copies a version id from C; NULL or empty means the latest.
func versionArg(version *C.uint8_t, length C.size_t) ([]byte, error) {
	if length == 0 {
		return nil, nil
	}
	if version == nil {
		return nil, errNull("version")
	}
	return C.GoBytes(unsafe.Pointer(version), C.int(length)), nil
}

// cVersion copies version bytes into C memory.
func cVersion(version []byte) (*C.uint8_t, C.size_t) {
	if len(version) == 0 {
		return nil, 0
	}
	return (*C.uint8_t)(C.CBytes(version)), C.size_t(len(version))
}

func mallocVersionedObject(object *privateObject.VersionedObject) *C.UplinkVersionedObject {
	if object == nil {
		return nil
	}
	cobject := (*C.UplinkVersionedObject)(C.calloc(1, C.sizeof_UplinkVersionedObject))
	cobject.key = C.CString(object.Key)
	cobject.is_prefix = C.bool(object.IsPrefix)
	cobject.system = systemMetadataToC(object.System)
	cobject.custom = customMetadataToC(object.Custom)
	cobject.version, cobject.version_length = cVersion(object.Version)
	cobject.is_versioned = C.bool(object.IsVersioned)
	cobject.is_delete_marker = C.bool(object.IsDeleteMarker)
	cobject.is_latest = C.bool(object.IsLatest)
	cobject.legal_hold = -1
	if object.LegalHold != nil {
		cobject.legal_hold = 0
		if *object.LegalHold {
			cobject.legal_hold = 1
		}
	}
	cobject.retention = retentionToC(object.Retention)
	return cobject
}

func newVersionedObjectResult(object *privateObject.VersionedObject, err error) C.UplinkVersionedObjectResult {
	if err != nil {
		return C.UplinkVersionedObjectResult{error: mallocError(err)}
	}
	return C.UplinkVersionedObjectResult{object: mallocVersionedObject(object)}
}

// versionedArgs resolves project, bucket, key and version.
func versionedArgs(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, version *C.uint8_t, length C.size_t) (*Project, string, string, []byte, error) {
	proj, bucket, key, err := objectArgs(project, bucketName, objectKey)
	if err != nil {
		return nil, "", "", nil, err
	}
	goVersion, err := versionArg(version, length)
	return proj, bucket, key, goVersion, err
}

// uplink_stat_object_version returns information about one version of an
// object (the latest when version is NULL).
//
//export uplink_stat_object_version
func uplink_stat_object_version(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, version *C.uint8_t, length C.size_t) C.UplinkVersionedObjectResult {
	proj, bucket, key, goVersion, err := versionedArgs(project, bucketName, objectKey, version, length)
	if err != nil {
		return C.UplinkVersionedObjectResult{error: mallocError(err)}
	}
	ctx, end := proj.begin()
	object, err := privateObject.StatObject(ctx, proj.Project, bucket, key, goVersion)
	return newVersionedObjectResult(object, end(err))
}

// uplink_delete_object_version deletes one version of an object; without a
// version, a versioned bucket gets a delete marker.
//
//export uplink_delete_object_version
func uplink_delete_object_version(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, version *C.uint8_t, length C.size_t, options *C.UplinkDeleteObjectOptions) C.UplinkVersionedObjectResult {
	proj, bucket, key, goVersion, err := versionedArgs(project, bucketName, objectKey, version, length)
	if err != nil {
		return C.UplinkVersionedObjectResult{error: mallocError(err)}
	}
	opts := &privateObject.DeleteObjectOptions{}
	if options != nil {
		opts.BypassGovernanceRetention = bool(options.bypass_governance_retention)
	}
	ctx, end := proj.begin()
	object, err := privateObject.DeleteObject(ctx, proj.Project, bucket, key, goVersion, opts)
	return newVersionedObjectResult(object, end(err))
}

// uplink_free_versioned_object_result frees a versioned object result.
//
//export uplink_free_versioned_object_result
func uplink_free_versioned_object_result(result C.UplinkVersionedObjectResult) {
	uplink_free_error(result.error)
	uplink_free_versioned_object(result.object)
}

// uplink_free_versioned_object frees a versioned object.
//
//export uplink_free_versioned_object
func uplink_free_versioned_object(object *C.UplinkVersionedObject) {
	if object == nil {
		return
	}
	C.free(unsafe.Pointer(object.key))
	freeCustomMetadata(&object.custom)
	C.free(unsafe.Pointer(object.version))
	C.free(unsafe.Pointer(object))
}

// uplink_delete_objects deletes many objects of one bucket in one request.
// The result has one item per requested item.
//
//export uplink_delete_objects
func uplink_delete_objects(project *C.UplinkProject, bucketName *C.uplink_const_char, items *C.UplinkDeleteObjectsItem, count C.size_t, options *C.UplinkDeleteObjectsOptions) C.UplinkDeleteObjectsResult {
	proj, bucket, err := bucketArgs(project, bucketName)
	if err != nil {
		return C.UplinkDeleteObjectsResult{error: mallocError(err)}
	}
	if items == nil && count > 0 {
		return C.UplinkDeleteObjectsResult{error: mallocError(errNull("items"))}
	}
	goItems := make([]privateObject.DeleteObjectsItem, 0, int(count))
	for _, item := range unsafe.Slice(items, int(count)) {
		if item.key == nil {
			return C.UplinkDeleteObjectsResult{error: mallocError(errNull("items.key"))}
		}
		version, err := versionArg(item.version, item.version_length)
		if err != nil {
			return C.UplinkDeleteObjectsResult{error: mallocError(err)}
		}
		goItems = append(goItems, privateObject.DeleteObjectsItem{ObjectKey: C.GoString(item.key), Version: version})
	}
	opts := &privateObject.DeleteObjectsOptions{}
	if options != nil {
		opts.BypassGovernanceRetention = bool(options.bypass_governance_retention)
		opts.Quiet = bool(options.quiet)
	}
	ctx, end := proj.begin()
	results, err := privateObject.DeleteObjects(ctx, proj.Project, bucket, goItems, opts)
	err = end(err)
	if err != nil {
		return C.UplinkDeleteObjectsResult{error: mallocError(err)}
	}
	if len(results) == 0 {
		return C.UplinkDeleteObjectsResult{}
	}
	citems := (*C.UplinkDeleteObjectsResultItem)(C.calloc(C.size_t(len(results)), C.sizeof_UplinkDeleteObjectsResultItem))
	for i, result := range results {
		citem := &unsafe.Slice(citems, len(results))[i]
		citem.key = C.CString(result.ObjectKey)
		citem.requested_version, citem.requested_version_length = cVersion(result.RequestedVersion)
		citem.status = C.int32_t(result.Status)
		if result.Removed != nil {
			citem.removed = true
			citem.removed_version, citem.removed_version_length = cVersion(result.Removed.Version)
		}
		if result.Marker != nil {
			citem.marker_inserted = true
			citem.marker_version, citem.marker_version_length = cVersion(result.Marker.Version)
		}
	}
	return C.UplinkDeleteObjectsResult{items: citems, count: C.size_t(len(results))}
}

// uplink_free_delete_objects_result frees a bulk delete result.
//
//export uplink_free_delete_objects_result
func uplink_free_delete_objects_result(result C.UplinkDeleteObjectsResult) {
	uplink_free_error(result.error)
	if result.items == nil {
		return
	}
	for _, item := range unsafe.Slice(result.items, int(result.count)) {
		C.free(unsafe.Pointer(item.key))
		C.free(unsafe.Pointer(item.requested_version))
		C.free(unsafe.Pointer(item.removed_version))
		C.free(unsafe.Pointer(item.marker_version))
	}
	C.free(unsafe.Pointer(result.items))
}
