// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

// Command libuplinkc is a C shared library over storj.io/uplink whose C API
// mirrors storj.io/uplink-c. Build it with -buildmode=c-shared.
package main

// #include "uplink_definitions.h"
// #include "uplink_extensions.h"
import "C"

func main() {}
