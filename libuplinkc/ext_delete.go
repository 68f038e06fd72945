// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
// #include "uplink_extensions.h"
import "C"

import (
	"unsafe"

	privateObject "storj.io/uplink/private/object"
)

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
