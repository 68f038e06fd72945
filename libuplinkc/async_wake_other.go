// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

//go:build !unix

package main

import "errors"

// wakeDescriptor: no completion queue where there is no pipe to select
// on (Windows' Proactor loop cannot watch one anyway); operations are
// then handed out by uplink_async_wait.
type wakeDescriptor struct{}

func newWakeDescriptor() (wakeDescriptor, error) {
	return wakeDescriptor{}, errors.ErrUnsupported
}

func (wakeDescriptor) readable() int { return -1 }
func (wakeDescriptor) signal()       {}
func (wakeDescriptor) reset()        {}
func (wakeDescriptor) close()        {}
