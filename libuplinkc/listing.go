// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
// #include "uplink_extensions.h"
// #include <stdlib.h>
import "C"

import (
	"bytes"
	"context"
	"errors"
	"sync/atomic"
	"time"
	"unsafe"

	"storj.io/uplink"
	privateObject "storj.io/uplink/private/object"
)

// goIterator is what the Go listing iterators have in common.
type goIterator[T any] interface {
	Next() bool
	Err() error
	Item() T
}

// Iterator is the value behind every iterator handle. A listing never fails
// at creation: a bad argument becomes initErr, reported by the _err call.
type Iterator[T any] struct {
	stream
	iterator goIterator[T]
	initErr  error
}

// newIterator registers an iterator whose listing runs in a child of the
// project's scope, started by start.
func newIterator[T any](proj *Project, err error, start func(s scope) goIterator[T]) handle {
	if err != nil {
		return universe.Add(&Iterator[T]{stream: stream{scope: rootScope(newLimits(0, 0, 0))}, initErr: err})
	}
	s := proj.child()
	return universe.Add(&Iterator[T]{stream: stream{scope: s}, iterator: listAheadOf(s.ctx, start(s))})
}

// iteratorNext advances the iterator of id. A page that takes longer than
// the request timeout ends the listing with a timeout.
func iteratorNext[T any](id handle) (more bool) {
	it, ok := lookup[*Iterator[T]](id)
	if !ok || it.initErr != nil {
		return false
	}
	defer it.lock()()
	return it.next()
}

// next advances the iterator under the request watchdog; the caller holds its turn.
func (it *Iterator[T]) next() (more bool) {
	it.watch(it.limits.request, "listing", nil, func() { more = it.step() })
	return more
}

// step advances the iterator; the caller holds its turn and runs the watchdog.
func (it *Iterator[T]) step() bool {
	if it.ctx.Err() != nil {
		return false
	}
	return it.iterator.Next() && it.ctx.Err() == nil
}

// iteratorErr returns the error of the iterator of id.
func iteratorErr[T any](id handle, kind string) error {
	it, ok := lookup[*Iterator[T]](id)
	switch {
	case !ok:
		return errInvalidHandle(kind)
	case it.initErr != nil:
		return it.initErr
	}
	defer it.lock()()
	return it.interrupted(it.iterator.Err())
}

// iteratorItem returns the current item of the iterator of id.
func iteratorItem[T any](id handle) (T, bool) {
	it, ok := lookup[*Iterator[T]](id)
	if !ok || it.initErr != nil {
		var zero T
		return zero, false
	}
	defer it.lock()()
	return it.iterator.Item(), true
}

// freeIterator cancels the listing of id and drops it once the call in
// progress, if any, has returned.
func freeIterator[T any](id handle) {
	if it, ok := universe.Del(id).(*Iterator[T]); ok {
		it.shut(it.cancel, func() {})
	}
}

// listAhead is how many items a listing reads ahead of its caller.
const listAhead = 1000

// aheadIterator runs a Go listing iterator on a goroutine of its own, up to
// listAhead items ahead of the caller: the satellite's next page is fetched
// and decrypted while the caller still converts the items of this one (with
// Python's per-item cost, a tenth of the listing's time). It serves the
// per-item calls and uplink_iterator_next_page alike, so they may be mixed.
// The goroutine starts at the first Next and ends with the listing or its
// scope.
type aheadIterator[T any] struct {
	src     goIterator[T]
	ctx     context.Context
	items   chan T
	srcErr  error // written by the goroutine before it closes items
	started bool
	ended   bool // items was closed: srcErr may be read
	item    T
}

func listAheadOf[T any](ctx context.Context, src goIterator[T]) *aheadIterator[T] {
	return &aheadIterator[T]{src: src, ctx: ctx, items: make(chan T, listAhead)}
}

func (a *aheadIterator[T]) run() {
	defer close(a.items)
	for a.src.Next() {
		select {
		case a.items <- a.src.Item():
		case <-a.ctx.Done():
			a.srcErr = a.src.Err()
			return
		}
	}
	a.srcErr = a.src.Err()
}

// Next advances to the next item; false at the end or once cancelled.
func (a *aheadIterator[T]) Next() bool {
	if a.ended {
		return false
	}
	if !a.started {
		a.started = true
		go a.run()
	}
	select {
	case item, ok := <-a.items:
		if !ok {
			a.ended = true
			var zero T
			a.item = zero
			return false
		}
		a.item = item
		return true
	case <-a.ctx.Done():
		return false
	}
}

// Err is the listing's error once Next returned false (nil before).
func (a *aheadIterator[T]) Err() error {
	if !a.ended {
		return nil
	}
	return a.srcErr
}

// Item is the current item.
func (a *aheadIterator[T]) Item() T { return a.item }

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

// uplink_list_uploads lists the pending multipart uploads of a bucket.
//
//export uplink_list_uploads
func uplink_list_uploads(project *C.UplinkProject, bucketName *C.uplink_const_char, options *C.UplinkListUploadsOptions) *C.UplinkUploadIterator {
	proj, err := getProject(project)
	if err == nil && bucketName == nil {
		err = errNull("bucket_name")
	}
	opts := &uplink.ListUploadsOptions{}
	if options != nil {
		opts.Prefix = C.GoString(options.prefix)
		opts.Cursor = C.GoString(options.cursor)
		opts.Recursive = bool(options.recursive)
		opts.System = bool(options.system)
		opts.Custom = bool(options.custom)
	}
	bucket := C.GoString(bucketName)
	it := (*C.UplinkUploadIterator)(C.calloc(1, C.sizeof_UplinkUploadIterator))
	it._handle = newIterator(proj, err, func(s scope) goIterator[*uplink.UploadInfo] {
		return proj.ListUploads(s.ctx, bucket, opts)
	})
	return it
}

// uplink_upload_iterator_next prepares the next upload.
//
//export uplink_upload_iterator_next
func uplink_upload_iterator_next(iterator *C.UplinkUploadIterator) C.bool {
	return C.bool(iterator != nil && iteratorNext[*uplink.UploadInfo](iterator._handle))
}

// uplink_upload_iterator_err returns the error that stopped the listing.
//
//export uplink_upload_iterator_err
func uplink_upload_iterator_err(iterator *C.UplinkUploadIterator) *C.UplinkError {
	if iterator == nil {
		return mallocError(errNull("iterator"))
	}
	return mallocError(iteratorErr[*uplink.UploadInfo](iterator._handle, "upload iterator"))
}

// uplink_upload_iterator_item returns the current upload; free it with
// uplink_free_upload_info.
//
//export uplink_upload_iterator_item
func uplink_upload_iterator_item(iterator *C.UplinkUploadIterator) *C.UplinkUploadInfo {
	if iterator == nil {
		return nil
	}
	item, ok := iteratorItem[*uplink.UploadInfo](iterator._handle)
	if !ok {
		return nil
	}
	return mallocUploadInfo(item)
}

// uplink_free_upload_iterator frees the iterator.
//
//export uplink_free_upload_iterator
func uplink_free_upload_iterator(iterator *C.UplinkUploadIterator) {
	if iterator == nil {
		return
	}
	freeIterator[*uplink.UploadInfo](iterator._handle)
	C.free(unsafe.Pointer(iterator))
}

// uplink_list_upload_parts lists the parts of a multipart upload.
//
//export uplink_list_upload_parts
func uplink_list_upload_parts(project *C.UplinkProject, bucketName, objectKey, uploadID *C.uplink_const_char, options *C.UplinkListUploadPartsOptions) *C.UplinkPartIterator {
	proj, bucket, key, id, err := multipartArgs(project, bucketName, objectKey, uploadID)
	opts := &uplink.ListUploadPartsOptions{}
	if options != nil {
		opts.Cursor = uint32(options.cursor)
	}
	it := (*C.UplinkPartIterator)(C.calloc(1, C.sizeof_UplinkPartIterator))
	it._handle = newIterator(proj, err, func(s scope) goIterator[*uplink.Part] {
		return proj.ListUploadParts(s.ctx, bucket, key, id, opts)
	})
	return it
}

// uplink_part_iterator_next prepares the next part.
//
//export uplink_part_iterator_next
func uplink_part_iterator_next(iterator *C.UplinkPartIterator) C.bool {
	return C.bool(iterator != nil && iteratorNext[*uplink.Part](iterator._handle))
}

// uplink_part_iterator_err returns the error that stopped the listing.
//
//export uplink_part_iterator_err
func uplink_part_iterator_err(iterator *C.UplinkPartIterator) *C.UplinkError {
	if iterator == nil {
		return mallocError(errNull("iterator"))
	}
	return mallocError(iteratorErr[*uplink.Part](iterator._handle, "part iterator"))
}

// uplink_part_iterator_item returns the current part; free it with
// uplink_free_part.
//
//export uplink_part_iterator_item
func uplink_part_iterator_item(iterator *C.UplinkPartIterator) *C.UplinkPart {
	if iterator == nil {
		return nil
	}
	item, ok := iteratorItem[*uplink.Part](iterator._handle)
	if !ok {
		return nil
	}
	return mallocPart(item)
}

// uplink_free_part_iterator frees the iterator.
//
//export uplink_free_part_iterator
func uplink_free_part_iterator(iterator *C.UplinkPartIterator) {
	if iterator == nil {
		return
	}
	freeIterator[*uplink.Part](iterator._handle)
	C.free(unsafe.Pointer(iterator))
}

// errListingStuck stops a version listing whose cursor stopped moving.
var errListingStuck = errors.New("listing did not advance past its cursor")

// versionPages turns the paged ListObjectVersions into an iterator.
type versionPages struct {
	scope   scope
	project *uplink.Project
	bucket  string
	options privateObject.ListObjectVersionsOptions

	page    []*privateObject.VersionedObject
	pos     int
	more    bool
	fetched bool
	err     error
}

func (pages *versionPages) Next() bool {
	if pages.err != nil {
		return false
	}
	pages.pos++
	if pages.pos < len(pages.page) {
		return true
	}
	if pages.fetched && !pages.more {
		return false
	}
	if n := len(pages.page); n > 0 {
		last := pages.page[n-1]
		if last.Key == pages.options.Cursor && bytes.Equal(last.Version, pages.options.VersionCursor) {
			pages.err = errListingStuck
			return false
		}
		pages.options.Cursor = last.Key
		pages.options.VersionCursor = last.Version
	}
	pages.page, pages.more, pages.err = privateObject.ListObjectVersions(pages.scope.ctx, pages.project, pages.bucket, &pages.options)
	pages.fetched = true
	pages.pos = 0
	return pages.err == nil && len(pages.page) > 0
}

func (pages *versionPages) Err() error { return pages.err }

// Item returns the current version with its full key: Go lists keys
// relative to the prefix (and keeps the cursor relative), while
// uplink_list_objects hands out full keys.
func (pages *versionPages) Item() *privateObject.VersionedObject {
	if pages.pos < 0 || pages.pos >= len(pages.page) {
		return nil
	}
	item := *pages.page[pages.pos]
	item.Key = pages.options.Prefix + item.Key
	return &item
}

// uplink_list_object_versions lists every version of the objects of a
// bucket, newest first for each key.
//
//export uplink_list_object_versions
func uplink_list_object_versions(project *C.UplinkProject, bucketName *C.uplink_const_char, options *C.UplinkListObjectVersionsOptions) *C.UplinkVersionedObjectIterator {
	proj, bucket, err := bucketArgs(project, bucketName)
	opts := privateObject.ListObjectVersionsOptions{}
	if options != nil && err == nil {
		opts.Prefix = C.GoString(options.prefix)
		opts.Cursor = C.GoString(options.cursor)
		opts.Recursive = bool(options.recursive)
		opts.System = bool(options.system)
		opts.Custom = bool(options.custom)
		opts.VersionCursor, err = versionArg(options.version_cursor, options.version_cursor_length)
	}
	it := (*C.UplinkVersionedObjectIterator)(C.calloc(1, C.sizeof_UplinkVersionedObjectIterator))
	it._handle = newIterator(proj, err, func(s scope) goIterator[*privateObject.VersionedObject] {
		return &versionPages{scope: s, project: proj.Project, bucket: bucket, options: opts, pos: -1}
	})
	return it
}

// uplink_versioned_object_iterator_next prepares the next version.
//
//export uplink_versioned_object_iterator_next
func uplink_versioned_object_iterator_next(iterator *C.UplinkVersionedObjectIterator) C.bool {
	return C.bool(iterator != nil && iteratorNext[*privateObject.VersionedObject](iterator._handle))
}

// uplink_versioned_object_iterator_err returns the error that stopped the
// listing.
//
//export uplink_versioned_object_iterator_err
func uplink_versioned_object_iterator_err(iterator *C.UplinkVersionedObjectIterator) *C.UplinkError {
	if iterator == nil {
		return mallocError(errNull("iterator"))
	}
	return mallocError(iteratorErr[*privateObject.VersionedObject](iterator._handle, "versioned object iterator"))
}

// uplink_versioned_object_iterator_item returns the current version; free
// it with uplink_free_versioned_object.
//
//export uplink_versioned_object_iterator_item
func uplink_versioned_object_iterator_item(iterator *C.UplinkVersionedObjectIterator) *C.UplinkVersionedObject {
	if iterator == nil {
		return nil
	}
	item, ok := iteratorItem[*privateObject.VersionedObject](iterator._handle)
	if !ok {
		return nil
	}
	return mallocVersionedObject(item)
}

// uplink_free_versioned_object_iterator frees the iterator.
//
//export uplink_free_versioned_object_iterator
func uplink_free_versioned_object_iterator(iterator *C.UplinkVersionedObjectIterator) {
	if iterator == nil {
		return
	}
	freeIterator[*privateObject.VersionedObject](iterator._handle)
	C.free(unsafe.Pointer(iterator))
}

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
