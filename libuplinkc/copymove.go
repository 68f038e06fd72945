// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
import "C"

// copyMoveArgs resolves the project and the four names of a copy or move.
func copyMoveArgs(project *C.UplinkProject, oldBucket, oldKey, newBucket, newKey *C.uplink_const_char) (*Project, [4]string, error) {
	proj, err := getProject(project)
	if err != nil {
		return nil, [4]string{}, err
	}
	var names [4]string
	for i, arg := range []struct {
		value *C.uplink_const_char
		name  string
	}{{oldBucket, "old_bucket_name"}, {oldKey, "old_object_key"}, {newBucket, "new_bucket_name"}, {newKey, "new_object_key"}} {
		if arg.value == nil {
			return nil, names, errNull(arg.name)
		}
		names[i] = C.GoString(arg.value)
	}
	return proj, names, nil
}

// uplink_copy_object copies an object to another bucket or key.
//
//export uplink_copy_object
func uplink_copy_object(project *C.UplinkProject, oldBucket, oldKey, newBucket, newKey *C.uplink_const_char, options *C.UplinkCopyObjectOptions) C.UplinkObjectResult {
	proj, n, err := copyMoveArgs(project, oldBucket, oldKey, newBucket, newKey)
	if err != nil {
		return C.UplinkObjectResult{error: mallocError(err)}
	}
	ctx, end := proj.begin()
	object, err := proj.CopyObject(ctx, n[0], n[1], n[2], n[3], nil)
	return newObjectResult(object, end(err))
}

// uplink_move_object moves an object to another bucket or key.
//
//export uplink_move_object
func uplink_move_object(project *C.UplinkProject, oldBucket, oldKey, newBucket, newKey *C.uplink_const_char, options *C.UplinkMoveObjectOptions) *C.UplinkError {
	proj, n, err := copyMoveArgs(project, oldBucket, oldKey, newBucket, newKey)
	if err != nil {
		return mallocError(err)
	}
	ctx, end := proj.begin()
	return mallocError(end(proj.MoveObject(ctx, n[0], n[1], n[2], n[3], nil)))
}
