// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

import (
	"sync"
	"testing"
)

func TestHandleTableAddGetDel(t *testing.T) {
	table := newHandleTable()
	first := table.Add("a")
	second := table.Add(42)
	if first == 0 || second == 0 || first == second {
		t.Fatalf("ids must be distinct and non-zero: %d %d", first, second)
	}
	if got := table.Get(first); got != "a" {
		t.Fatalf("Get(first) = %v", got)
	}
	if table.Len() != 2 || table.Empty() {
		t.Fatalf("Len = %d", table.Len())
	}
	if got := table.Del(first); got != "a" {
		t.Fatalf("Del(first) = %v", got)
	}
	if got := table.Del(first); got != nil {
		t.Fatalf("second Del returned %v, want nil", got)
	}
	if got := table.Get(first); got != nil {
		t.Fatalf("Get after Del = %v", got)
	}
	table.Del(second)
	if !table.Empty() {
		t.Fatal("table should be empty")
	}
	if got := table.Get(0); got != nil {
		t.Fatalf("id 0 must never resolve, got %v", got)
	}
}

func TestHandleTableIDsAreNotReused(t *testing.T) {
	table := newHandleTable()
	id := table.Add(1)
	table.Del(id)
	if again := table.Add(2); again == id {
		t.Fatalf("id %d was reused, a stale handle would resolve", id)
	}
}

func TestHandleTableConcurrent(t *testing.T) {
	table := newHandleTable()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				id := table.Add(i)
				if table.Get(id) != i {
					t.Error("lost value")
				}
				table.Del(id)
			}
		}()
	}
	wg.Wait()
	if !table.Empty() {
		t.Fatalf("%d handles left", table.Len())
	}
}

func TestLookupChecksKind(t *testing.T) {
	id := universe.Add(&Access{})
	defer universe.Del(id)
	if _, ok := lookup[*Access](id); !ok {
		t.Fatal("access not found")
	}
	if _, ok := lookup[*Project](id); ok {
		t.Fatal("an access handle resolved as a project")
	}
}

func TestNullAndForeignHandles(t *testing.T) {
	result := uplink_open_project(nil)
	if result.project != nil || result.error == nil || int32(result.error.code) != 0x02 {
		t.Fatalf("NULL access: %+v", result)
	}
	uplink_free_project_result(result)

	accessID := universe.Add(&Access{})
	defer universe.Del(accessID)
	project := &_Ctype_struct_UplinkProject{_handle: accessID}
	bucket := uplink_stat_bucket(project, nil)
	if bucket.error == nil || int32(bucket.error.code) != 0x04 {
		t.Fatalf("an access id used as a project must be INVALID_HANDLE, got %+v", bucket)
	}
	uplink_free_bucket_result(bucket)

	it := uplink_list_objects(nil, nil, nil)
	if uplink_object_iterator_next(it) {
		t.Fatal("an iterator over a NULL project must not advance")
	}
	if err := uplink_object_iterator_err(it); err == nil || int32(err.code) != 0x02 {
		t.Fatal("iterator over NULL project must report an error")
	} else {
		uplink_free_error(err)
	}
	uplink_free_object_iterator(it)

	if uplink_cancel(nil) == nil {
		t.Fatal("cancel(NULL) must fail")
	}
	// Only the access added above may be left.
	if universe.Len() != 1 {
		t.Fatalf("leaked handles: %d", universe.Len()-1)
	}
}

func TestHandleTablesStartAtRandomIDs(t *testing.T) {
	// Two copies of the library (a parent's and a forked child's) must not
	// hand out the same ids: one's stale id would name an object of the other.
	first, second := newHandleTable().Add(1), newHandleTable().Add(1)
	if first == second {
		t.Fatalf("two tables both started at id %d", first)
	}
	if first >= 1<<31 || second >= 1<<31 {
		t.Fatalf("ids %d, %d leave no room below 2^31", first, second)
	}
}
