// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

//go:build unix

package main

import (
	"errors"
	"syscall"
)

// wakeDescriptor is a non-blocking pipe: one byte in it makes its read end
// readable for an event loop's selector (a completion queue's signal).
type wakeDescriptor struct{ r, w int }

func newWakeDescriptor() (wakeDescriptor, error) {
	var p [2]int
	if err := syscall.Pipe(p[:]); err != nil {
		return wakeDescriptor{}, err
	}
	for _, fd := range p {
		syscall.CloseOnExec(fd)
		if err := syscall.SetNonblock(fd, true); err != nil {
			_ = syscall.Close(p[0])
			_ = syscall.Close(p[1])
			return wakeDescriptor{}, err
		}
	}
	return wakeDescriptor{r: p[0], w: p[1]}, nil
}

func (d wakeDescriptor) readable() int { return d.r }

// signal makes the read end readable (a full pipe already is).
func (d wakeDescriptor) signal() {
	for {
		_, err := syscall.Write(d.w, []byte{1})
		if !errors.Is(err, syscall.EINTR) {
			return
		}
	}
}

// reset empties the pipe.
func (d wakeDescriptor) reset() {
	var buf [64]byte
	for {
		n, err := syscall.Read(d.r, buf[:])
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if n < len(buf) {
			return
		}
	}
}

func (d wakeDescriptor) close() {
	_ = syscall.Close(d.r)
	_ = syscall.Close(d.w)
}
