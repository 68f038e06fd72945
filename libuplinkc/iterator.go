// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

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
