// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
// #include "uplink_extensions.h"
// #include <stdlib.h>
// #include <string.h>
// uint64_t uplink_thread_queue(void);
// void uplink_set_thread_queue(uint64_t queue);
import "C"

import (
	"errors"
	"sync"
	"time"
	"unsafe"
)

// An async operation is a goroutine running one of the library's calls.
// uplink_async_<call> copies the arguments it needs (strings, option
// structs; never the caller's data buffers, which must stay valid until
// the operation is taken or discarded), starts the goroutine and returns
// its id at once. A finished operation's id is handed out once by
// uplink_async_wait; uplink_async_take then copies out its result, the
// call's own result struct, freed by the call's own free function.
type asyncOp struct {
	queue     uint64 // the completion queue it reports to; 0: uplink_async_wait
	cancelled bool
	cancel    func() // stops the running call; nil when it cannot be stopped
	done      bool
	discarded bool
	size      uintptr                  // of the result struct
	store     func(dst unsafe.Pointer) // copies the result out
	free      func()                   // frees an untaken result
}

var asyncOps = struct {
	mu     sync.Mutex
	nextID uint64
	ops    map[uint64]*asyncOp
	ready  []uint64
	woken  bool
	notify chan struct{}
	// The completion queues (uplink_async_queue_open) by id.
	nextQueue uint64
	queues    map[uint64]*asyncQueue
}{ops: make(map[uint64]*asyncOp), notify: make(chan struct{}, 1), queues: make(map[uint64]*asyncQueue)}

func asyncSignal() {
	select {
	case asyncOps.notify <- struct{}{}:
	default:
	}
}

// startAsync runs run on a goroutine as a new operation; free frees its
// result when nobody takes it.
func startAsync[R any](run func(op *asyncOp) R, free func(R)) C.uint64_t {
	op := &asyncOp{queue: uint64(C.uplink_thread_queue())}
	asyncOps.mu.Lock()
	asyncOps.nextID++
	id := asyncOps.nextID
	asyncOps.ops[id] = op
	asyncOps.mu.Unlock()
	go func() {
		result := run(op)
		asyncOps.mu.Lock()
		op.done, op.cancel = true, nil
		if op.discarded {
			delete(asyncOps.ops, id)
			asyncOps.mu.Unlock()
			free(result)
			return
		}
		op.size = unsafe.Sizeof(result)
		op.store = func(dst unsafe.Pointer) { *(*R)(dst) = result }
		op.free = func() { free(result) }
		if queue := asyncOps.queues[op.queue]; queue != nil && !takenOffLoop(result) {
			queue.add(id)
			asyncOps.mu.Unlock()
			return
		}
		asyncOps.ready = append(asyncOps.ready, id)
		asyncOps.mu.Unlock()
		asyncSignal()
	}()
	return C.uint64_t(id)
}

// largeResult is the size from which get_object's bytes go to
// uplink_async_wait even when the operation has a completion queue: its
// caller copies them out with the GIL released (uplink_python's
// _COPY_RELEASING_GIL), off the event loop's thread.
const largeResult = 1 << 20

func takenOffLoop(result any) bool {
	bytes, ok := result.(C.UplinkBytesResult)
	return ok && bytes.length >= largeResult
}

// onCancel makes cancel the way to stop the operation; when it was
// cancelled already, cancel runs at once.
func (op *asyncOp) onCancel(cancel func()) {
	asyncOps.mu.Lock()
	if !op.cancelled {
		op.cancel = cancel
		asyncOps.mu.Unlock()
		return
	}
	asyncOps.mu.Unlock()
	cancel()
}

// uplink_async_wait blocks until operations finished, for at most
// timeout_milliseconds (negative: no limit), or until uplink_async_wake.
// It writes up to capacity finished ids into ids and returns their count;
// each id is handed out once.
//
//export uplink_async_wait
func uplink_async_wait(timeoutMilliseconds C.int64_t, ids *C.uint64_t, capacity C.size_t) C.size_t {
	if ids == nil || capacity == 0 {
		return 0
	}
	var expired <-chan time.Time
	if timeoutMilliseconds >= 0 {
		timer := time.NewTimer(time.Duration(timeoutMilliseconds) * time.Millisecond)
		defer timer.Stop()
		expired = timer.C
	}
	out := unsafe.Slice((*uint64)(unsafe.Pointer(ids)), int(capacity))
	for {
		asyncOps.mu.Lock()
		if len(asyncOps.ready) > 0 || asyncOps.woken {
			n := copy(out, asyncOps.ready)
			asyncOps.ready = asyncOps.ready[n:]
			if len(asyncOps.ready) == 0 {
				asyncOps.ready = nil
			}
			asyncOps.woken = false
			asyncOps.mu.Unlock()
			return C.size_t(n)
		}
		asyncOps.mu.Unlock()
		select {
		case <-asyncOps.notify:
		case <-expired:
			return 0
		}
	}
}

// uplink_async_wake makes a uplink_async_wait in progress (or the next one)
// return at once.
//
//export uplink_async_wake
func uplink_async_wake() {
	asyncOps.mu.Lock()
	asyncOps.woken = true
	asyncOps.mu.Unlock()
	asyncSignal()
}

// ---------------------------------------------------------------------------
// Completion queues: an event loop that can watch a descriptor (asyncio's
// selector loops, uvloop) takes its operations' completions on its own
// thread, where uplink_async_wait needs a thread blocked in it that then
// hands them over. A queue is a list of finished ids and a descriptor that
// is readable while the list is not empty.

type asyncQueue struct {
	ready    []uint64
	since    time.Time // when ready last stopped being empty
	wake     wakeDescriptor
	signaled bool // the descriptor was made readable and not reset since
}

// add appends a finished id; the caller holds asyncOps.mu.
func (q *asyncQueue) add(id uint64) {
	if len(q.ready) == 0 {
		q.since = time.Now()
	}
	q.ready = append(q.ready, id)
	if !q.signaled {
		q.signaled = true
		q.wake.signal()
	}
}

// uplink_async_queue_open makes a completion queue and returns its id and,
// in *fd, the descriptor to watch for reading; it returns 0 where a queue
// cannot be made (no descriptor on this platform, or none left).
//
//export uplink_async_queue_open
func uplink_async_queue_open(fd *C.int) C.uint64_t {
	if fd == nil {
		return 0
	}
	wake, err := newWakeDescriptor()
	if err != nil {
		return 0
	}
	asyncOps.mu.Lock()
	asyncOps.nextQueue++
	id := asyncOps.nextQueue
	asyncOps.queues[id] = &asyncQueue{wake: wake}
	asyncOps.mu.Unlock()
	*fd = C.int(wake.readable())
	return C.uint64_t(id)
}

// uplink_async_queue_use makes the operations that the calling thread
// starts from now on report to queue (0, or a queue that is closed by
// then: to uplink_async_wait).
//
//export uplink_async_queue_use
func uplink_async_queue_use(queue C.uint64_t) {
	C.uplink_set_thread_queue(queue)
}

// uplink_async_queue_take writes up to capacity ids of the queue's
// finished operations into ids, without blocking, and returns their count
// (each id is handed out once); the descriptor stops being readable once
// every finished id was taken.
//
//export uplink_async_queue_take
func uplink_async_queue_take(queue C.uint64_t, ids *C.uint64_t, capacity C.size_t) C.size_t {
	return takeQueue(queue, 0, ids, capacity)
}

// uplink_async_queue_take_stale is uplink_async_queue_take for a thread
// that looks after a loop: it takes ids only when the queue has not been
// empty for age_milliseconds (the loop takes them at once when it runs).
//
//export uplink_async_queue_take_stale
func uplink_async_queue_take_stale(queue C.uint64_t, ageMilliseconds C.int64_t, ids *C.uint64_t, capacity C.size_t) C.size_t {
	return takeQueue(queue, time.Duration(ageMilliseconds)*time.Millisecond, ids, capacity)
}

func takeQueue(queue C.uint64_t, age time.Duration, ids *C.uint64_t, capacity C.size_t) C.size_t {
	if ids == nil || capacity == 0 {
		return 0
	}
	out := unsafe.Slice((*uint64)(unsafe.Pointer(ids)), int(capacity))
	asyncOps.mu.Lock()
	defer asyncOps.mu.Unlock()
	q := asyncOps.queues[uint64(queue)]
	if q == nil || (age > 0 && (len(q.ready) == 0 || time.Since(q.since) < age)) {
		return 0
	}
	n := copy(out, q.ready)
	q.ready = q.ready[n:]
	if len(q.ready) == 0 {
		q.ready = nil
		if q.signaled {
			q.signaled = false
			q.wake.reset()
		}
	}
	return C.size_t(n)
}

// uplink_async_queue_close closes the queue and its descriptor: its
// finished operations not yet taken, and those that finish later, are
// handed out by uplink_async_wait instead.
//
//export uplink_async_queue_close
func uplink_async_queue_close(queue C.uint64_t) {
	asyncOps.mu.Lock()
	q := asyncOps.queues[uint64(queue)]
	if q == nil {
		asyncOps.mu.Unlock()
		return
	}
	delete(asyncOps.queues, uint64(queue))
	moved := len(q.ready) > 0
	asyncOps.ready = append(asyncOps.ready, q.ready...)
	asyncOps.mu.Unlock()
	q.wake.close()
	if moved {
		asyncSignal()
	}
}

var errAsyncUnknown = errors.New("unknown async operation")

// uplink_async_take copies the result of finished operation id into result,
// a struct of size bytes of the call's result type, and forgets the
// operation; the caller frees the result with the call's free function.
//
//export uplink_async_take
func uplink_async_take(id C.uint64_t, result unsafe.Pointer, size C.size_t) *C.UplinkError {
	if result == nil {
		return mallocError(errNull("result"))
	}
	asyncOps.mu.Lock()
	op, ok := asyncOps.ops[uint64(id)]
	switch {
	case !ok:
		asyncOps.mu.Unlock()
		return mallocError(errInvalidHandle("async operation"))
	case !op.done:
		asyncOps.mu.Unlock()
		return mallocError(errors.New("the async operation has not finished"))
	case uintptr(size) != op.size:
		asyncOps.mu.Unlock()
		return mallocError(errors.New("the result struct has the wrong size for this operation"))
	}
	delete(asyncOps.ops, uint64(id))
	asyncOps.mu.Unlock()
	op.store(result)
	return nil
}

// uplink_async_cancel stops operation id at once: its call returns
// UPLINK_ERROR_CANCELED (or the result it reached first). It does nothing
// to a finished or unknown operation.
//
//export uplink_async_cancel
func uplink_async_cancel(id C.uint64_t) {
	asyncOps.mu.Lock()
	op, ok := asyncOps.ops[uint64(id)]
	if !ok || op.done || op.cancelled {
		asyncOps.mu.Unlock()
		return
	}
	op.cancelled = true
	cancel := op.cancel
	asyncOps.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// uplink_async_discard gives up the result of operation id: it is freed now
// when finished (its id will still be handed out by uplink_async_wait if
// it was not already; taking it then fails), else when it finishes.
//
//export uplink_async_discard
func uplink_async_discard(id C.uint64_t) {
	asyncOps.mu.Lock()
	op, ok := asyncOps.ops[uint64(id)]
	if !ok {
		asyncOps.mu.Unlock()
		return
	}
	if !op.done {
		op.discarded = true
		asyncOps.mu.Unlock()
		return
	}
	delete(asyncOps.ops, uint64(id))
	asyncOps.mu.Unlock()
	op.free()
}

// uplink_internal_AsyncCount returns the number of operations not yet taken
// or discarded (running ones included).
//
//export uplink_internal_AsyncCount
func uplink_internal_AsyncCount() C.size_t {
	asyncOps.mu.Lock()
	defer asyncOps.mu.Unlock()
	return C.size_t(len(asyncOps.ops))
}

// ---------------------------------------------------------------------------
// Arguments copied for the goroutine.

// cArgs holds C copies of a call's arguments until the operation ends.
type cArgs []unsafe.Pointer

func (args *cArgs) free() {
	for _, p := range *args {
		C.free(p)
	}
	*args = nil
}

// str copies a string argument (NULL stays NULL).
func (args *cArgs) str(s *C.uplink_const_char) *C.uplink_const_char {
	if s == nil {
		return nil
	}
	dup := C.strdup((*C.char)(unsafe.Pointer(s)))
	*args = append(*args, unsafe.Pointer(dup))
	return (*C.uplink_const_char)(unsafe.Pointer(dup))
}

// bytes copies a byte argument of length bytes.
func (args *cArgs) bytes(data *C.uint8_t, length C.size_t) *C.uint8_t {
	if data == nil || length == 0 {
		return data
	}
	dup := C.malloc(length)
	C.memcpy(dup, unsafe.Pointer(data), length)
	*args = append(*args, dup)
	return (*C.uint8_t)(dup)
}

// copyOf copies a struct argument (NULL stays NULL); its pointer fields
// still point at the caller's memory, which callers copy with str.
func copyOf[T any](args *cArgs, value *T) *T {
	if value == nil {
		return nil
	}
	dup := (*T)(C.malloc(C.size_t(unsafe.Sizeof(*value))))
	*dup = *value
	*args = append(*args, unsafe.Pointer(dup))
	return dup
}

// ---------------------------------------------------------------------------
// Where an operation runs.

// onProject runs fn with a view of project whose scope is a child of the
// project's: uplink_async_cancel cancels that scope (so the call returns
// at once), and closing the project cancels it as well. fn must not start
// a transfer or listing that outlives it.
func onProject[R any](project *C.UplinkProject, args cArgs, fn func(*C.UplinkProject) R, free func(R)) C.uint64_t {
	var id handle
	if project != nil {
		id = project._handle
	}
	return startAsync(func(op *asyncOp) R {
		defer args.free()
		if project == nil {
			return fn(nil)
		}
		proj, ok := lookup[*Project](id)
		if !ok {
			return fn(&C.UplinkProject{_handle: id})
		}
		view := &Project{scope: proj.child(), Project: proj.Project}
		viewID := universe.Add(view)
		defer func() {
			universe.Del(viewID)
			view.cancel()
		}()
		op.onCancel(view.cancel)
		return fn(&C.UplinkProject{_handle: viewID})
	}, free)
}

// opening runs fn, which starts a transfer on project, with the project
// itself: the transfer must outlive the operation. A cancel cannot stop
// the start; the caller discards the result, which frees the transfer.
func opening[R any](args cArgs, fn func() R, free func(R)) C.uint64_t {
	return startAsync(func(op *asyncOp) R {
		defer args.free()
		return fn()
	}, free)
}

// onStream runs fn on a transfer or listing handle; a cancel cancels the
// handle as uplink_cancel does (an upload is aborted).
func onStream[R any](h *C.UplinkHandle, fn func() R, free func(R)) C.uint64_t {
	var id handle
	if h != nil {
		id = h._handle
	}
	return startAsync(func(op *asyncOp) R {
		if h != nil {
			if value, ok := universe.Get(id).(canceller); ok {
				op.onCancel(value.cancelScope)
			}
		}
		return fn()
	}, free)
}

// ---------------------------------------------------------------------------
// The async calls: uplink_async_<call> takes <call>'s arguments.

func bucketAsync(project *C.UplinkProject, bucketName *C.uplink_const_char, call func(*C.UplinkProject, *C.uplink_const_char) C.UplinkBucketResult) C.uint64_t {
	var args cArgs
	bucket := args.str(bucketName)
	return onProject(project, args, func(p *C.UplinkProject) C.UplinkBucketResult { return call(p, bucket) }, uplink_free_bucket_result)
}

//export uplink_async_stat_bucket
func uplink_async_stat_bucket(project *C.UplinkProject, bucketName *C.uplink_const_char) C.uint64_t {
	return bucketAsync(project, bucketName, uplink_stat_bucket)
}

//export uplink_async_create_bucket
func uplink_async_create_bucket(project *C.UplinkProject, bucketName *C.uplink_const_char) C.uint64_t {
	return bucketAsync(project, bucketName, uplink_create_bucket)
}

//export uplink_async_ensure_bucket
func uplink_async_ensure_bucket(project *C.UplinkProject, bucketName *C.uplink_const_char) C.uint64_t {
	return bucketAsync(project, bucketName, uplink_ensure_bucket)
}

//export uplink_async_delete_bucket
func uplink_async_delete_bucket(project *C.UplinkProject, bucketName *C.uplink_const_char) C.uint64_t {
	return bucketAsync(project, bucketName, uplink_delete_bucket)
}

//export uplink_async_delete_bucket_with_objects
func uplink_async_delete_bucket_with_objects(project *C.UplinkProject, bucketName *C.uplink_const_char) C.uint64_t {
	return bucketAsync(project, bucketName, uplink_delete_bucket_with_objects)
}

//export uplink_async_delete_bucket_with_objects_bypass_governance_retention
func uplink_async_delete_bucket_with_objects_bypass_governance_retention(project *C.UplinkProject, bucketName *C.uplink_const_char) C.uint64_t {
	return bucketAsync(project, bucketName, uplink_delete_bucket_with_objects_bypass_governance_retention)
}

//export uplink_async_create_bucket_with_object_lock
func uplink_async_create_bucket_with_object_lock(project *C.UplinkProject, bucketName *C.uplink_const_char, enabled C.bool) C.uint64_t {
	return bucketAsync(project, bucketName, func(p *C.UplinkProject, b *C.uplink_const_char) C.UplinkBucketResult {
		return uplink_create_bucket_with_object_lock(p, b, enabled)
	})
}

//export uplink_async_get_bucket_versioning
func uplink_async_get_bucket_versioning(project *C.UplinkProject, bucketName *C.uplink_const_char) C.uint64_t {
	var args cArgs
	bucket := args.str(bucketName)
	return onProject(project, args, func(p *C.UplinkProject) C.UplinkInt32Result { return uplink_get_bucket_versioning(p, bucket) }, uplink_free_int32_result)
}

//export uplink_async_set_bucket_versioning
func uplink_async_set_bucket_versioning(project *C.UplinkProject, bucketName *C.uplink_const_char, enabled C.bool) C.uint64_t {
	var args cArgs
	bucket := args.str(bucketName)
	return onProject(project, args, func(p *C.UplinkProject) *C.UplinkError { return uplink_set_bucket_versioning(p, bucket, enabled) }, uplink_free_error)
}

//export uplink_async_get_bucket_object_lock_configuration
func uplink_async_get_bucket_object_lock_configuration(project *C.UplinkProject, bucketName *C.uplink_const_char) C.uint64_t {
	var args cArgs
	bucket := args.str(bucketName)
	return onProject(project, args, func(p *C.UplinkProject) C.UplinkObjectLockConfigurationResult {
		return uplink_get_bucket_object_lock_configuration(p, bucket)
	}, uplink_free_object_lock_configuration_result)
}

//export uplink_async_set_bucket_object_lock_configuration
func uplink_async_set_bucket_object_lock_configuration(project *C.UplinkProject, bucketName *C.uplink_const_char, configuration *C.UplinkObjectLockConfiguration) C.uint64_t {
	var args cArgs
	bucket := args.str(bucketName)
	config := copyOf(&args, configuration)
	return onProject(project, args, func(p *C.UplinkProject) *C.UplinkError {
		return uplink_set_bucket_object_lock_configuration(p, bucket, config)
	}, uplink_free_error)
}

//export uplink_async_stat_object
func uplink_async_stat_object(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char) C.uint64_t {
	var args cArgs
	bucket, key := args.str(bucketName), args.str(objectKey)
	return onProject(project, args, func(p *C.UplinkProject) C.UplinkObjectResult { return uplink_stat_object(p, bucket, key) }, uplink_free_object_result)
}

//export uplink_async_delete_object
func uplink_async_delete_object(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char) C.uint64_t {
	var args cArgs
	bucket, key := args.str(bucketName), args.str(objectKey)
	return onProject(project, args, func(p *C.UplinkProject) C.UplinkObjectResult { return uplink_delete_object(p, bucket, key) }, uplink_free_object_result)
}

//export uplink_async_update_object_metadata
func uplink_async_update_object_metadata(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, newMetadata C.UplinkCustomMetadata, options *C.UplinkUploadObjectMetadataOptions) C.uint64_t {
	var args cArgs
	bucket, key := args.str(bucketName), args.str(objectKey)
	custom, err := customMetadataToGo(newMetadata)
	if err != nil {
		args.free()
		return startAsync(func(*asyncOp) *C.UplinkError { return mallocError(err) }, uplink_free_error)
	}
	return onProject(project, args, func(p *C.UplinkProject) *C.UplinkError {
		metadata := customMetadataToC(custom)
		defer freeCustomMetadata(&metadata)
		return uplink_update_object_metadata(p, bucket, key, metadata, nil)
	}, uplink_free_error)
}

//export uplink_async_copy_object
func uplink_async_copy_object(project *C.UplinkProject, oldBucket, oldKey, newBucket, newKey *C.uplink_const_char, options *C.UplinkCopyObjectOptions) C.uint64_t {
	var args cArgs
	ob, ok, nb, nk := args.str(oldBucket), args.str(oldKey), args.str(newBucket), args.str(newKey)
	return onProject(project, args, func(p *C.UplinkProject) C.UplinkObjectResult { return uplink_copy_object(p, ob, ok, nb, nk, nil) }, uplink_free_object_result)
}

//export uplink_async_move_object
func uplink_async_move_object(project *C.UplinkProject, oldBucket, oldKey, newBucket, newKey *C.uplink_const_char, options *C.UplinkMoveObjectOptions) C.uint64_t {
	var args cArgs
	ob, ok, nb, nk := args.str(oldBucket), args.str(oldKey), args.str(newBucket), args.str(newKey)
	return onProject(project, args, func(p *C.UplinkProject) *C.UplinkError { return uplink_move_object(p, ob, ok, nb, nk, nil) }, uplink_free_error)
}

//export uplink_async_stat_object_version
func uplink_async_stat_object_version(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, version *C.uint8_t, length C.size_t) C.uint64_t {
	var args cArgs
	bucket, key, v := args.str(bucketName), args.str(objectKey), args.bytes(version, length)
	return onProject(project, args, func(p *C.UplinkProject) C.UplinkVersionedObjectResult {
		return uplink_stat_object_version(p, bucket, key, v, length)
	}, uplink_free_versioned_object_result)
}

//export uplink_async_delete_object_version
func uplink_async_delete_object_version(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, version *C.uint8_t, length C.size_t, options *C.UplinkDeleteObjectOptions) C.uint64_t {
	var args cArgs
	bucket, key, v := args.str(bucketName), args.str(objectKey), args.bytes(version, length)
	opts := copyOf(&args, options)
	return onProject(project, args, func(p *C.UplinkProject) C.UplinkVersionedObjectResult {
		return uplink_delete_object_version(p, bucket, key, v, length, opts)
	}, uplink_free_versioned_object_result)
}

//export uplink_async_delete_objects
func uplink_async_delete_objects(project *C.UplinkProject, bucketName *C.uplink_const_char, items *C.UplinkDeleteObjectsItem, count C.size_t, options *C.UplinkDeleteObjectsOptions) C.uint64_t {
	var args cArgs
	bucket := args.str(bucketName)
	opts := copyOf(&args, options)
	var copied *C.UplinkDeleteObjectsItem
	if items != nil && count > 0 {
		copied = (*C.UplinkDeleteObjectsItem)(C.calloc(count, C.sizeof_UplinkDeleteObjectsItem))
		args = append(args, unsafe.Pointer(copied))
		dst := unsafe.Slice(copied, int(count))
		for i, item := range unsafe.Slice(items, int(count)) {
			dst[i] = C.UplinkDeleteObjectsItem{key: args.str(item.key), version: args.bytes(item.version, item.version_length), version_length: item.version_length}
		}
	}
	return onProject(project, args, func(p *C.UplinkProject) C.UplinkDeleteObjectsResult {
		return uplink_delete_objects(p, bucket, copied, count, opts)
	}, uplink_free_delete_objects_result)
}

//export uplink_async_set_object_retention
func uplink_async_set_object_retention(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, version *C.uint8_t, length C.size_t, retention C.UplinkRetention, bypass C.bool) C.uint64_t {
	var args cArgs
	bucket, key, v := args.str(bucketName), args.str(objectKey), args.bytes(version, length)
	return onProject(project, args, func(p *C.UplinkProject) *C.UplinkError {
		return uplink_set_object_retention(p, bucket, key, v, length, retention, bypass)
	}, uplink_free_error)
}

//export uplink_async_get_object_retention
func uplink_async_get_object_retention(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, version *C.uint8_t, length C.size_t) C.uint64_t {
	var args cArgs
	bucket, key, v := args.str(bucketName), args.str(objectKey), args.bytes(version, length)
	return onProject(project, args, func(p *C.UplinkProject) C.UplinkRetentionResult {
		return uplink_get_object_retention(p, bucket, key, v, length)
	}, uplink_free_retention_result)
}

//export uplink_async_set_object_legal_hold
func uplink_async_set_object_legal_hold(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, version *C.uint8_t, length C.size_t, enabled C.bool) C.uint64_t {
	var args cArgs
	bucket, key, v := args.str(bucketName), args.str(objectKey), args.bytes(version, length)
	return onProject(project, args, func(p *C.UplinkProject) *C.UplinkError {
		return uplink_set_object_legal_hold(p, bucket, key, v, length, enabled)
	}, uplink_free_error)
}

//export uplink_async_get_object_legal_hold
func uplink_async_get_object_legal_hold(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, version *C.uint8_t, length C.size_t) C.uint64_t {
	var args cArgs
	bucket, key, v := args.str(bucketName), args.str(objectKey), args.bytes(version, length)
	return onProject(project, args, func(p *C.UplinkProject) C.UplinkBoolResult {
		return uplink_get_object_legal_hold(p, bucket, key, v, length)
	}, uplink_free_bool_result)
}

//export uplink_async_put_object
func uplink_async_put_object(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, data unsafe.Pointer, length C.size_t, options *C.UplinkUploadOptions) C.uint64_t {
	var args cArgs
	bucket, key := args.str(bucketName), args.str(objectKey)
	opts := copyOf(&args, options)
	return onProject(project, args, func(p *C.UplinkProject) C.UplinkObjectResult {
		return uplink_put_object(p, bucket, key, data, length, opts)
	}, uplink_free_object_result)
}

//export uplink_async_get_object
func uplink_async_get_object(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, offset, length C.int64_t) C.uint64_t {
	var args cArgs
	bucket, key := args.str(bucketName), args.str(objectKey)
	return onProject(project, args, func(p *C.UplinkProject) C.UplinkBytesResult {
		return uplink_get_object(p, bucket, key, offset, length)
	}, uplink_free_bytes_result)
}

//export uplink_async_begin_upload
func uplink_async_begin_upload(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, options *C.UplinkUploadOptions) C.uint64_t {
	var args cArgs
	bucket, key := args.str(bucketName), args.str(objectKey)
	opts := copyOf(&args, options)
	return onProject(project, args, func(p *C.UplinkProject) C.UplinkUploadInfoResult {
		return uplink_begin_upload(p, bucket, key, opts)
	}, uplink_free_upload_info_result)
}

//export uplink_async_commit_upload
func uplink_async_commit_upload(project *C.UplinkProject, bucketName, objectKey, uploadID *C.uplink_const_char, options *C.UplinkCommitUploadOptions) C.uint64_t {
	var args cArgs
	bucket, key, id := args.str(bucketName), args.str(objectKey), args.str(uploadID)
	var custom map[string]string
	if options != nil {
		goCustom, err := customMetadataToGo(options.custom_metadata)
		if err != nil {
			args.free()
			return startAsync(func(*asyncOp) C.UplinkCommitUploadResult {
				return C.UplinkCommitUploadResult{error: mallocError(err)}
			}, uplink_free_commit_upload_result)
		}
		custom = goCustom
	}
	withOptions := options != nil
	return onProject(project, args, func(p *C.UplinkProject) C.UplinkCommitUploadResult {
		if !withOptions {
			return uplink_commit_upload(p, bucket, key, id, nil)
		}
		opts := C.UplinkCommitUploadOptions{custom_metadata: customMetadataToC(custom)}
		defer freeCustomMetadata(&opts.custom_metadata)
		return uplink_commit_upload(p, bucket, key, id, &opts)
	}, uplink_free_commit_upload_result)
}

//export uplink_async_abort_upload
func uplink_async_abort_upload(project *C.UplinkProject, bucketName, objectKey, uploadID *C.uplink_const_char) C.uint64_t {
	var args cArgs
	bucket, key, id := args.str(bucketName), args.str(objectKey), args.str(uploadID)
	return onProject(project, args, func(p *C.UplinkProject) *C.UplinkError {
		return uplink_abort_upload(p, bucket, key, id)
	}, uplink_free_error)
}

//export uplink_async_revoke_access
func uplink_async_revoke_access(project *C.UplinkProject, access *C.UplinkAccess) C.uint64_t {
	var args cArgs
	acc := copyOf(&args, access)
	return onProject(project, args, func(p *C.UplinkProject) *C.UplinkError {
		return uplink_revoke_access(p, acc)
	}, uplink_free_error)
}

// Transfers are started on the project itself (they outlive the call).

//export uplink_async_upload_object
func uplink_async_upload_object(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, options *C.UplinkUploadOptions) C.uint64_t {
	var args cArgs
	proj, bucket, key := copyOf(&args, project), args.str(bucketName), args.str(objectKey)
	opts := copyOf(&args, options)
	return opening(args, func() C.UplinkUploadResult { return uplink_upload_object(proj, bucket, key, opts) }, uplink_free_upload_result)
}

//export uplink_async_upload_object2
func uplink_async_upload_object2(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, options *C.UplinkUploadOptionsV2) C.uint64_t {
	var args cArgs
	proj, bucket, key := copyOf(&args, project), args.str(bucketName), args.str(objectKey)
	opts := copyOf(&args, options)
	if opts != nil {
		opts.if_none_match = args.str(opts.if_none_match)
	}
	return opening(args, func() C.UplinkUploadResult { return uplink_upload_object2(proj, bucket, key, opts) }, uplink_free_upload_result)
}

//export uplink_async_download_object
func uplink_async_download_object(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, options *C.UplinkDownloadOptions) C.uint64_t {
	var args cArgs
	proj, bucket, key := copyOf(&args, project), args.str(bucketName), args.str(objectKey)
	opts := copyOf(&args, options)
	return opening(args, func() C.UplinkDownloadResult { return uplink_download_object(proj, bucket, key, opts) }, uplink_free_download_result)
}

//export uplink_async_download_object_version
func uplink_async_download_object_version(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, version *C.uint8_t, length C.size_t, options *C.UplinkDownloadOptions) C.uint64_t {
	var args cArgs
	proj, bucket, key := copyOf(&args, project), args.str(bucketName), args.str(objectKey)
	v, opts := args.bytes(version, length), copyOf(&args, options)
	return opening(args, func() C.UplinkDownloadResult {
		return uplink_download_object_version(proj, bucket, key, v, length, opts)
	}, uplink_free_download_result)
}

//export uplink_async_upload_part
func uplink_async_upload_part(project *C.UplinkProject, bucketName, objectKey, uploadID *C.uplink_const_char, partNumber C.uint32_t) C.uint64_t {
	var args cArgs
	proj, bucket, key, id := copyOf(&args, project), args.str(bucketName), args.str(objectKey), args.str(uploadID)
	return opening(args, func() C.UplinkPartUploadResult { return uplink_upload_part(proj, bucket, key, id, partNumber) }, uplink_free_part_upload_result)
}

// Calls on a transfer or listing: the buffers are the caller's, valid until
// the operation is taken or discarded.

//export uplink_async_upload_write
func uplink_async_upload_write(upload *C.UplinkUpload, bytes unsafe.Pointer, length C.size_t) C.uint64_t {
	var args cArgs
	up := copyOf(&args, upload)
	return onStream((*C.UplinkHandle)(unsafe.Pointer(up)), func() C.UplinkWriteResult {
		defer args.free()
		return uplink_upload_write(up, bytes, length)
	}, uplink_free_write_result)
}

//export uplink_async_upload_commit
func uplink_async_upload_commit(upload *C.UplinkUpload) C.uint64_t {
	var args cArgs
	up := copyOf(&args, upload)
	return onStream((*C.UplinkHandle)(unsafe.Pointer(up)), func() *C.UplinkError {
		defer args.free()
		return uplink_upload_commit(up)
	}, uplink_free_error)
}

//export uplink_async_upload_abort
func uplink_async_upload_abort(upload *C.UplinkUpload) C.uint64_t {
	var args cArgs
	up := copyOf(&args, upload)
	return startAsync(func(*asyncOp) *C.UplinkError {
		defer args.free()
		return uplink_upload_abort(up)
	}, uplink_free_error)
}

//export uplink_async_part_upload_write
func uplink_async_part_upload_write(part *C.UplinkPartUpload, bytes unsafe.Pointer, length C.size_t) C.uint64_t {
	var args cArgs
	p := copyOf(&args, part)
	return onStream((*C.UplinkHandle)(unsafe.Pointer(p)), func() C.UplinkWriteResult {
		defer args.free()
		return uplink_part_upload_write(p, bytes, length)
	}, uplink_free_write_result)
}

//export uplink_async_part_upload_commit
func uplink_async_part_upload_commit(part *C.UplinkPartUpload) C.uint64_t {
	var args cArgs
	p := copyOf(&args, part)
	return onStream((*C.UplinkHandle)(unsafe.Pointer(p)), func() *C.UplinkError {
		defer args.free()
		return uplink_part_upload_commit(p)
	}, uplink_free_error)
}

//export uplink_async_download_read_some
func uplink_async_download_read_some(download *C.UplinkDownload, bytes unsafe.Pointer, length C.size_t) C.uint64_t {
	var args cArgs
	d := copyOf(&args, download)
	return onStream((*C.UplinkHandle)(unsafe.Pointer(d)), func() C.UplinkReadResult {
		defer args.free()
		return uplink_download_read_some(d, bytes, length)
	}, uplink_free_read_result)
}

//export uplink_async_download_read_full
func uplink_async_download_read_full(download *C.UplinkDownload, bytes unsafe.Pointer, length C.size_t) C.uint64_t {
	var args cArgs
	d := copyOf(&args, download)
	return onStream((*C.UplinkHandle)(unsafe.Pointer(d)), func() C.UplinkReadResult {
		defer args.free()
		return uplink_download_read_full(d, bytes, length)
	}, uplink_free_read_result)
}

//export uplink_async_iterator_next_page
func uplink_async_iterator_next_page(iterator *C.UplinkHandle, limit C.size_t) C.uint64_t {
	var args cArgs
	it := copyOf(&args, iterator)
	return onStream(it, func() C.UplinkListPageResult {
		defer args.free()
		return uplink_iterator_next_page(it, limit)
	}, uplink_free_list_page_result)
}

// Access calls that reach the network.

//export uplink_async_config_request_access_with_passphrase2
func uplink_async_config_request_access_with_passphrase2(config C.UplinkConfig, timeouts *C.UplinkConfigTimeouts, satelliteAddress, apiKey, passphrase *C.uplink_const_char) C.uint64_t {
	var args cArgs
	config.user_agent = args.str(config.user_agent)
	config.temp_directory = args.str(config.temp_directory)
	t := copyOf(&args, timeouts)
	sat, key, pass := args.str(satelliteAddress), args.str(apiKey), args.str(passphrase)
	return opening(args, func() C.UplinkAccessResult {
		return uplink_config_request_access_with_passphrase2(config, t, sat, key, pass)
	}, uplink_free_access_result)
}

//export uplink_async_edge_register_access2
func uplink_async_edge_register_access2(config C.EdgeConfig, timeouts *C.EdgeConfigTimeouts, access *C.UplinkAccess, options *C.EdgeRegisterAccessOptions) C.uint64_t {
	var args cArgs
	config.auth_service_address = args.str(config.auth_service_address)
	config.certificate_pem = args.str(config.certificate_pem)
	t, acc, opts := copyOf(&args, timeouts), copyOf(&args, access), copyOf(&args, options)
	return opening(args, func() C.EdgeCredentialsResult { return edge_register_access2(config, t, acc, opts) }, edge_free_credentials_result)
}
