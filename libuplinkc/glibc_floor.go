// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

//go:build linux

package main

// The Go runtime needs Linux 3.2 or newer, which distributions ship with
// glibc 2.17 or newer (manylinux2014), but the library's own glibc symbols
// date from glibc 2.3, so nothing stopped it from loading where the Go
// runtime then fails. Keeping a reference to clock_gettime, whose glibc
// version is GLIBC_2.17, makes the dynamic loader refuse an older glibc with
// a clear "version GLIBC_2.17 not found", and makes the library's symbol
// versions (what auditwheel reads) state the floor its wheel tag claims.
// musl has no symbol versions; this is a no-op there. The pointer is a
// global (not static) so that no linker drops it as unused; its name is
// outside the API's uplink_/edge_ namespace.

/*
#include <time.h>

#if defined(__GLIBC__)
int (*const libuplinkc_glibc_floor)(clockid_t, struct timespec *) = clock_gettime;
#endif
*/
import "C"
