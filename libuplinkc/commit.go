// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
// #include "uplink_extensions.h"
import "C"

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync/atomic"
	"time"

	"storj.io/uplink"
	privateObject "storj.io/uplink/private/object"
)

// commit commits the upload and tells the truth about it. When the commit
// fails without a verdict from the satellite (the caller cancelled, a
// timeout, a dropped connection), the satellite may have committed the
// object all the same: it handles CommitObject while Go gives up on the
// answer. Go has by then asked the satellite, on a context of its own, to
// delete the pending object by its stream id (streamupload's
// deleteCancelledObject), so the object is either committed or can never
// be. commit then looks at the object under the key: if it is this
// upload's, the commit succeeded and commit returns nil; otherwise the
// upload stored nothing and the original error stands.
//
// Once the upload's scope has ended (cancel, close, timeout), the commit and
// this check share commitGrace: a satellite that does not answer cannot
// hold the caller longer.
func (up *Upload) commit() error {
	var ended atomic.Int64
	stop := context.AfterFunc(up.ctx, func() { ended.Store(time.Now().UnixNano()) })
	err := commitOf(&up.stream, up.upload.Commit)
	stop()
	if err == nil || !outcomeUnknown(err) {
		return err
	}
	deadline := time.Now().Add(up.limits.request)
	if up.limits.request <= 0 {
		deadline = time.Now().Add(defaultRequestTimeout)
	}
	if up.ctx.Err() != nil {
		// AfterFunc's goroutine may not have run yet when the scope ended
		// just now.
		at := time.Now()
		if recorded := ended.Load(); recorded != 0 {
			at = time.Unix(0, recorded)
		}
		if budget := at.Add(commitGrace); budget.Before(deadline) {
			deadline = budget
		}
	}
	stored, verifyErr := up.stored(deadline)
	switch {
	case verifyErr != nil && errorCode(err) != C.UPLINK_ERROR_INTERNAL:
		// Still what the caller asked for or ran into (a cancel, a close, a
		// timeout), but not a promise that nothing was stored.
		return fmt.Errorf("%w (whether the object was stored is unknown: %v)", err, verifyErr)
	case verifyErr != nil:
		return fmt.Errorf("commit failed (%v) and whether the object was stored is unknown: %v", err, verifyErr)
	case stored:
		return nil
	}
	return err
}

// outcomeUnknown reports errors after which the satellite may still have
// committed the object.
func outcomeUnknown(err error) bool {
	switch errorCode(err) {
	case C.UPLINK_ERROR_CANCELED, C.UPLINK_ERROR_TIMEOUT, C.UPLINK_ERROR_INTERNAL:
		return true
	}
	return false
}

// stored reports whether the latest object under the upload's key is the
// one this upload committed: created since the upload started, of the
// size written, with the custom metadata set. Go uplink v1.14 keeps the
// stream id, which would name the object exactly, in a local variable of
// streamupload, and an ETag marker would make the satellite refuse later
// metadata updates and moves of the object; so a concurrent upload of the
// same key, size and metadata could be taken for this one. It runs on a
// fresh context bounded by deadline, since the upload's own
// scope is cancelled.
func (up *Upload) stored(deadline time.Time) (bool, error) {
	ctx, cancel := context.WithDeadlineCause(context.Background(), deadline,
		timeoutError("commit check", errors.New("the satellite did not answer in time")))
	defer cancel()
	object, err := privateObject.StatObject(ctx, up.proj.Project, up.bucket, up.key, nil)
	switch {
	case errors.Is(err, uplink.ErrObjectNotFound):
		return false, nil
	case err != nil:
		return false, explain(ctx, err)
	}
	mine := up.upload.Info()
	return object.System.ContentLength == up.written &&
		!object.System.Created.Before(up.started.Truncate(time.Second)) &&
		maps.Equal(object.Custom, mine.Custom), nil
}
