// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include <stdlib.h>
// #include "uplink_extensions.h"
import "C"

import (
	"sync/atomic"
	"time"
	"unsafe"

	"storj.io/uplink"
	privateObject "storj.io/uplink/private/object"
)

// pager is implemented by every Iterator[T]: it fills one page of items.
type pager interface {
	nextPage(limit int) (items []unsafe.Pointer, kind C.int32_t, more bool, err error)
}

// itemToC copies one listing item to C memory, with the kind that tells
// uplink_free_list_page_result how to free it.
func itemToC(item any) (unsafe.Pointer, C.int32_t) {
	switch value := item.(type) {
	case *uplink.Object:
		return unsafe.Pointer(mallocObject(value)), C.UPLINK_ITEM_OBJECT
	case *uplink.Bucket:
		return unsafe.Pointer(mallocBucket(value)), C.UPLINK_ITEM_BUCKET
	case *uplink.UploadInfo:
		return unsafe.Pointer(mallocUploadInfo(value)), C.UPLINK_ITEM_UPLOAD_INFO
	case *uplink.Part:
		return unsafe.Pointer(mallocPart(value)), C.UPLINK_ITEM_PART
	case *privateObject.VersionedObject:
		return unsafe.Pointer(mallocVersionedObject(value)), C.UPLINK_ITEM_VERSIONED_OBJECT
	}
	return nil, C.UPLINK_ITEM_NONE
}

// nextPage advances the iterator up to limit times through the same steps
// as the per-item calls (cancellation and timeouts apply to every step),
// collecting the items. The page takes the handle's turn once, for all of
// its items, so another thread's call on the handle comes before or after
// the page, never between an item's step and its copy.
func (it *Iterator[T]) nextPage(limit int) (items []unsafe.Pointer, kind C.int32_t, more bool, err error) {
	var zero T
	_, kind = itemToC(any(zero))
	if it.initErr != nil {
		return nil, kind, false, it.initErr
	}
	defer it.lock()()
	// One request watchdog for the page, which fires when a single step
	// lasts the request timeout: arming one per step cost a timer and a
	// few allocations per item.
	var last atomic.Int64
	last.Store(time.Now().UnixNano())
	progress := func() time.Time { return time.Unix(0, last.Load()) }
	more = true
	it.watch(it.limits.request, "listing", progress, func() {
		for len(items) < limit {
			if !it.step() {
				more = false
				return
			}
			last.Store(time.Now().UnixNano())
			if pointer, _ := itemToC(any(it.iterator.Item())); pointer != nil {
				items = append(items, pointer)
			}
		}
	})
	if !more {
		return items, kind, false, it.interrupted(it.iterator.Err())
	}
	return items, kind, true, nil
}

// uplink_iterator_next_page returns up to limit items of any iterator
// (UplinkObjectIterator, UplinkBucketIterator, UplinkUploadIterator,
// UplinkPartIterator, UplinkVersionedObjectIterator, passed as an
// UplinkHandle*) in one call. more is false once the listing has ended;
// error is then its error, if any (the items before it are still in the
// page). Free the page, items included, with uplink_free_list_page_result.
//
//export uplink_iterator_next_page
func uplink_iterator_next_page(iterator *C.UplinkHandle, limit C.size_t) C.UplinkListPageResult {
	if iterator == nil {
		return C.UplinkListPageResult{error: mallocError(errNull("iterator"))}
	}
	if limit == 0 {
		return C.UplinkListPageResult{error: mallocError(errInvalidArg("limit", "must be at least 1"))}
	}
	it, ok := universe.Get(iterator._handle).(pager)
	if !ok {
		return C.UplinkListPageResult{error: mallocError(errInvalidHandle("iterator"))}
	}
	items, kind, more, err := it.nextPage(int(min(limit, 1<<20)))
	page := C.UplinkListPageResult{kind: kind, count: C.size_t(len(items)), more: C.bool(more), error: mallocError(err)}
	if len(items) > 0 {
		page.items = (*unsafe.Pointer)(C.calloc(C.size_t(len(items)), C.size_t(unsafe.Sizeof(unsafe.Pointer(nil)))))
		copy(unsafe.Slice(page.items, len(items)), items)
	}
	return page
}

// uplink_free_list_page_result frees a page, its items and its error.
//
//export uplink_free_list_page_result
func uplink_free_list_page_result(page C.UplinkListPageResult) {
	uplink_free_error(page.error)
	if page.items == nil {
		return
	}
	for _, item := range unsafe.Slice(page.items, int(page.count)) {
		switch page.kind {
		case C.UPLINK_ITEM_OBJECT:
			uplink_free_object((*C.UplinkObject)(item))
		case C.UPLINK_ITEM_BUCKET:
			uplink_free_bucket((*C.UplinkBucket)(item))
		case C.UPLINK_ITEM_UPLOAD_INFO:
			uplink_free_upload_info((*C.UplinkUploadInfo)(item))
		case C.UPLINK_ITEM_PART:
			uplink_free_part((*C.UplinkPart)(item))
		case C.UPLINK_ITEM_VERSIONED_OBJECT:
			uplink_free_versioned_object((*C.UplinkVersionedObject)(item))
		}
	}
	C.free(unsafe.Pointer(page.items))
}
