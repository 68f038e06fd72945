// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

import (
	"runtime"
	"runtime/metrics"
	"testing"
)

func TestTheGCHeadroomCountsTowardsTheHeapGoal(t *testing.T) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}}
	metrics.Read(sample)
	if goal := sample[0].Value.Uint64(); goal < 2*gcHeadroomSize {
		t.Fatalf("heap goal %d bytes, want at least twice the %d-byte headroom", goal, gcHeadroomSize)
	}
	if len(gcHeadroom) != gcHeadroomSize {
		t.Fatal("the headroom block is gone")
	}
}
