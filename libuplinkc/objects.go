// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
import "C"

import (
	"unsafe"

	"storj.io/uplink"
)

// uplink_list_objects lists objects of a bucket; check
// uplink_object_iterator_err once uplink_object_iterator_next returns false.
//
//export uplink_list_objects
func uplink_list_objects(project *C.UplinkProject, bucketName *C.uplink_const_char, options *C.UplinkListObjectsOptions) *C.UplinkObjectIterator {
	proj, err := getProject(project)
	if err == nil && bucketName == nil {
		err = errNull("bucket_name")
	}
	opts := &uplink.ListObjectsOptions{}
	if options != nil {
		opts.Prefix = C.GoString(options.prefix)
		opts.Cursor = C.GoString(options.cursor)
		opts.Recursive = bool(options.recursive)
		opts.System = bool(options.system)
		opts.Custom = bool(options.custom)
	}
	bucket := C.GoString(bucketName)
	it := (*C.UplinkObjectIterator)(C.calloc(1, C.sizeof_UplinkObjectIterator))
	it._handle = newIterator(proj, err, func(s scope) goIterator[*uplink.Object] {
		return proj.ListObjects(s.ctx, bucket, opts)
	})
	return it
}

// uplink_object_iterator_next prepares the next object.
//
//export uplink_object_iterator_next
func uplink_object_iterator_next(iterator *C.UplinkObjectIterator) C.bool {
	return C.bool(iterator != nil && iteratorNext[*uplink.Object](iterator._handle))
}

// uplink_object_iterator_err returns the error that stopped the listing.
//
//export uplink_object_iterator_err
func uplink_object_iterator_err(iterator *C.UplinkObjectIterator) *C.UplinkError {
	if iterator == nil {
		return mallocError(errNull("iterator"))
	}
	return mallocError(iteratorErr[*uplink.Object](iterator._handle, "object iterator"))
}

// uplink_object_iterator_item returns the current object; free it with
// uplink_free_object.
//
//export uplink_object_iterator_item
func uplink_object_iterator_item(iterator *C.UplinkObjectIterator) *C.UplinkObject {
	if iterator == nil {
		return nil
	}
	item, ok := iteratorItem[*uplink.Object](iterator._handle)
	if !ok {
		return nil
	}
	return mallocObject(item)
}

// uplink_free_object_iterator frees the iterator.
//
//export uplink_free_object_iterator
func uplink_free_object_iterator(iterator *C.UplinkObjectIterator) {
	if iterator == nil {
		return
	}
	freeIterator[*uplink.Object](iterator._handle)
	C.free(unsafe.Pointer(iterator))
}
