// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
import "C"

import (
	"math/rand/v2"
	"sync"
)

// handle is an id in the universe. Zero is never handed out, so a zeroed
// struct from C is always invalid.
type handle = C.size_t

// handleTable maps ids to Go values. C never sees a Go pointer: it holds ids,
// and a stale id or an id of another kind is detected, not dereferenced.
type handleTable struct {
	mu     sync.Mutex
	nextID handle
	values map[handle]interface{}
}

// newHandleTable starts the ids at a random point below 2^31 (room for 2^31
// more even where size_t has 32 bits): a forked child loads its own copy of
// the library, and an id of the parent's copy, reaching the child's by
// mistake, then names no object there instead of one of the child's.
func newHandleTable() *handleTable {
	return &handleTable{values: make(map[handle]interface{}),
		nextID: handle(rand.Uint32N(1 << 30))}
}

// universe holds every live handle of the process.
var universe = newHandleTable()

// Add stores value and returns its new id.
func (table *handleTable) Add(value interface{}) handle {
	table.mu.Lock()
	defer table.mu.Unlock()
	table.nextID++
	table.values[table.nextID] = value
	return table.nextID
}

// Get returns the value of id, or nil when id is unknown.
func (table *handleTable) Get(id handle) interface{} {
	table.mu.Lock()
	defer table.mu.Unlock()
	return table.values[id]
}

// Del removes id and returns the value it held, or nil when it was unknown,
// so that only one caller ever frees a given handle.
func (table *handleTable) Del(id handle) interface{} {
	table.mu.Lock()
	defer table.mu.Unlock()
	value, ok := table.values[id]
	if !ok {
		return nil
	}
	delete(table.values, id)
	return value
}

// Len returns the number of live handles.
func (table *handleTable) Len() int {
	table.mu.Lock()
	defer table.mu.Unlock()
	return len(table.values)
}

// Empty reports whether no handle is live.
func (table *handleTable) Empty() bool { return table.Len() == 0 }

// lookup fetches the value of id and checks that it has type T.
func lookup[T any](id handle) (T, bool) {
	value, ok := universe.Get(id).(T)
	return value, ok
}

// uplink_internal_UniverseIsEmpty reports whether every handle was freed.
//
//export uplink_internal_UniverseIsEmpty
func uplink_internal_UniverseIsEmpty() bool {
	return universe.Empty()
}

// uplink_internal_HandleCount returns the number of live handles.
//
//export uplink_internal_HandleCount
func uplink_internal_HandleCount() C.size_t {
	return C.size_t(universe.Len())
}
