// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
import "C"

import (
	"unsafe"

	"storj.io/uplink"
)

// uplink_list_buckets lists buckets; check uplink_bucket_iterator_err once
// uplink_bucket_iterator_next returns false.
//
//export uplink_list_buckets
func uplink_list_buckets(project *C.UplinkProject, options *C.UplinkListBucketsOptions) *C.UplinkBucketIterator {
	proj, err := getProject(project)
	opts := &uplink.ListBucketsOptions{}
	if options != nil {
		opts.Cursor = C.GoString(options.cursor)
	}
	it := (*C.UplinkBucketIterator)(C.calloc(1, C.sizeof_UplinkBucketIterator))
	it._handle = newIterator(proj, err, func(s scope) goIterator[*uplink.Bucket] {
		return proj.ListBuckets(s.ctx, opts)
	})
	return it
}

// uplink_bucket_iterator_next prepares the next bucket.
//
//export uplink_bucket_iterator_next
func uplink_bucket_iterator_next(iterator *C.UplinkBucketIterator) C.bool {
	return C.bool(iterator != nil && iteratorNext[*uplink.Bucket](iterator._handle))
}

// uplink_bucket_iterator_err returns the error that stopped the listing.
//
//export uplink_bucket_iterator_err
func uplink_bucket_iterator_err(iterator *C.UplinkBucketIterator) *C.UplinkError {
	if iterator == nil {
		return mallocError(errNull("iterator"))
	}
	return mallocError(iteratorErr[*uplink.Bucket](iterator._handle, "bucket iterator"))
}

// uplink_bucket_iterator_item returns the current bucket; free it with
// uplink_free_bucket.
//
//export uplink_bucket_iterator_item
func uplink_bucket_iterator_item(iterator *C.UplinkBucketIterator) *C.UplinkBucket {
	if iterator == nil {
		return nil
	}
	item, ok := iteratorItem[*uplink.Bucket](iterator._handle)
	if !ok {
		return nil
	}
	return mallocBucket(item)
}

// uplink_free_bucket_iterator frees the iterator.
//
//export uplink_free_bucket_iterator
func uplink_free_bucket_iterator(iterator *C.UplinkBucketIterator) {
	if iterator == nil {
		return
	}
	freeIterator[*uplink.Bucket](iterator._handle)
	C.free(unsafe.Pointer(iterator))
}
