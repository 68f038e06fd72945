// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

import (
	"context"
	"io"
)

// scope is a cancellable context. Projects own a root scope; uploads,
// downloads, part uploads and iterators own a child of it, so closing a
// project cancels everything it started, and freeing or cancelling a
// child stops only that child.
type scope struct {
	ctx    context.Context
	cancel func()
}

func rootScope() scope {
	ctx, cancel := context.WithCancel(context.Background())
	return scope{ctx: ctx, cancel: cancel}
}

func (parent *scope) child() scope {
	ctx, cancel := context.WithCancel(parent.ctx)
	return scope{ctx: ctx, cancel: cancel}
}

// canceller is implemented by every handle that owns a scope.
type canceller interface{ cancelScope() }

func (s *scope) cancelScope() { s.cancel() }

// interrupted turns the result of a call on a cancelled scope into
// context.Canceled: Go uplink may report a cancelled transfer as some other
// error, or not at all when the data fit in a buffer. EOF passes through.
func (s *scope) interrupted(err error) error {
	if s.ctx.Err() != nil && err != io.EOF {
		return context.Canceled
	}
	return err
}
