// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

import "context"

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
