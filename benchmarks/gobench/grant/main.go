// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

// Command grant is the Go side of benchmarks/grant.py: it reads a
// serialized access grant on stdin, parses it with storj.io/uplink's
// ParseAccess and serializes it again with Access.Serialize, and prints one
// JSON line: wall and CPU seconds of each step.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"storj.io/uplink"
)

// cpu is the CPU time of this process so far, in seconds.
func cpu() float64 {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		panic(err)
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano()).Seconds()
}

func main() {
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail(err)
	}
	grant := strings.TrimSpace(string(input))
	wall, used := time.Now(), cpu()
	access, err := uplink.ParseAccess(grant)
	if err != nil {
		fail(err)
	}
	parseWall, parseCPU := time.Since(wall).Seconds(), cpu()-used
	wall, used = time.Now(), cpu()
	serialized, err := access.Serialize()
	if err != nil {
		fail(err)
	}
	serializeWall, serializeCPU := time.Since(wall).Seconds(), cpu()-used
	err = json.NewEncoder(os.Stdout).Encode(map[string]any{
		"parse_wall": parseWall, "parse_cpu": parseCPU,
		"serialize_wall": serializeWall, "serialize_cpu": serializeCPU,
		"chars": len(serialized),
	})
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
