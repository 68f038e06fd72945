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
	"unsafe"

	"storj.io/common/errs2"
	"storj.io/common/rpc/rpcstatus"
	"storj.io/common/storj"
	"storj.io/uplink"
	privateBucket "storj.io/uplink/private/bucket"
	"storj.io/uplink/private/metaclient"
	privateObject "storj.io/uplink/private/object"
)

func retentionModeToGo(mode C.int32_t) (storj.RetentionMode, error) {
	switch mode {
	case C.UPLINK_RETENTION_NONE, C.UPLINK_RETENTION_COMPLIANCE, C.UPLINK_RETENTION_GOVERNANCE:
		return storj.RetentionMode(mode), nil
	}
	return 0, errInvalidArg("retention mode", "unknown")
}

func retentionToC(retention *metaclient.Retention) C.UplinkRetention {
	if retention == nil {
		return C.UplinkRetention{}
	}
	return C.UplinkRetention{mode: C.int32_t(retention.Mode), retain_until: timeToUnix(retention.RetainUntil)}
}

func retentionToGo(retention C.UplinkRetention) (metaclient.Retention, error) {
	mode, err := retentionModeToGo(retention.mode)
	if err != nil {
		return metaclient.Retention{}, err
	}
	return metaclient.Retention{Mode: mode, RetainUntil: unixToTime(retention.retain_until)}, nil
}

// uplink_create_bucket_with_object_lock creates a bucket, with Object Lock
// (and so versioning) enabled when objectLockEnabled is true.
//
//export uplink_create_bucket_with_object_lock
func uplink_create_bucket_with_object_lock(project *C.UplinkProject, bucketName *C.uplink_const_char, objectLockEnabled C.bool) C.UplinkBucketResult {
	return bucketCall(project, bucketName, func(ctx context.Context, proj *Project, name string) (*uplink.Bucket, error) {
		bucket, err := privateBucket.CreateBucketWithObjectLock(ctx, proj.Project, privateBucket.CreateBucketWithObjectLockParams{
			Name:              name,
			ObjectLockEnabled: bool(objectLockEnabled),
		})
		if errs2.IsRPC(err, rpcstatus.InvalidArgument) {
			// As Go's CreateBucket does for a name the satellite refuses.
			return nil, fmt.Errorf("%w (%q): %v", uplink.ErrBucketNameInvalid, name, err)
		}
		if err != nil {
			return nil, err
		}
		return &uplink.Bucket{Name: bucket.Name, Created: bucket.Created}, nil
	})
}

// uplink_get_bucket_object_lock_configuration returns a bucket's Object Lock
// configuration.
//
//export uplink_get_bucket_object_lock_configuration
func uplink_get_bucket_object_lock_configuration(project *C.UplinkProject, bucketName *C.uplink_const_char) C.UplinkObjectLockConfigurationResult {
	proj, bucket, err := bucketArgs(project, bucketName)
	if err != nil {
		return C.UplinkObjectLockConfigurationResult{error: mallocError(err)}
	}
	ctx, end := proj.begin()
	config, err := privateBucket.GetBucketObjectLockConfiguration(ctx, proj.Project, bucket)
	err = end(err)
	if err != nil {
		return C.UplinkObjectLockConfigurationResult{error: mallocError(err)}
	}
	cconfig := (*C.UplinkObjectLockConfiguration)(C.calloc(1, C.sizeof_UplinkObjectLockConfiguration))
	cconfig.enabled = C.bool(config.Enabled)
	if retention := config.DefaultRetention; retention != nil {
		cconfig.default_retention_mode = C.int32_t(retention.Mode)
		cconfig.default_retention_days = C.int32_t(retention.Days)
		cconfig.default_retention_years = C.int32_t(retention.Years)
	}
	return C.UplinkObjectLockConfigurationResult{configuration: cconfig}
}

// uplink_set_bucket_object_lock_configuration sets a bucket's Object Lock
// configuration.
//
//export uplink_set_bucket_object_lock_configuration
func uplink_set_bucket_object_lock_configuration(project *C.UplinkProject, bucketName *C.uplink_const_char, configuration *C.UplinkObjectLockConfiguration) *C.UplinkError {
	proj, bucket, err := bucketArgs(project, bucketName)
	if err != nil {
		return mallocError(err)
	}
	if configuration == nil {
		return mallocError(errNull("configuration"))
	}
	config := &metaclient.BucketObjectLockConfiguration{Enabled: bool(configuration.enabled)}
	if configuration.default_retention_mode != C.UPLINK_RETENTION_NONE {
		mode, err := retentionModeToGo(configuration.default_retention_mode)
		if err != nil {
			return mallocError(err)
		}
		config.DefaultRetention = &metaclient.DefaultRetention{
			Mode:  mode,
			Days:  int32(configuration.default_retention_days),
			Years: int32(configuration.default_retention_years),
		}
	}
	ctx, end := proj.begin()
	return mallocError(end(privateBucket.SetBucketObjectLockConfiguration(ctx, proj.Project, bucket, config)))
}

// uplink_free_object_lock_configuration_result frees the result.
//
//export uplink_free_object_lock_configuration_result
func uplink_free_object_lock_configuration_result(result C.UplinkObjectLockConfigurationResult) {
	uplink_free_error(result.error)
	C.free(unsafe.Pointer(result.configuration))
}

// uplink_delete_bucket_with_objects_bypass_governance_retention deletes a
// bucket and everything in it, including objects under governance-mode
// retention (the access needs the bypass permission).
//
//export uplink_delete_bucket_with_objects_bypass_governance_retention
func uplink_delete_bucket_with_objects_bypass_governance_retention(project *C.UplinkProject, bucketName *C.uplink_const_char) C.UplinkBucketResult {
	return bucketCall(project, bucketName, func(ctx context.Context, proj *Project, name string) (*uplink.Bucket, error) {
		return privateBucket.DeleteBucketWithObjectsBypassGovernanceRetention(ctx, proj.Project, name)
	})
}

// uplink_set_object_retention sets the retention of an object version.
//
//export uplink_set_object_retention
func uplink_set_object_retention(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, version *C.uint8_t, length C.size_t, retention C.UplinkRetention, bypassGovernanceRetention C.bool) *C.UplinkError {
	proj, bucket, key, goVersion, err := versionedArgs(project, bucketName, objectKey, version, length)
	if err != nil {
		return mallocError(err)
	}
	goRetention, err := retentionToGo(retention)
	if err != nil {
		return mallocError(err)
	}
	ctx, end := proj.begin()
	return mallocError(end(privateObject.SetObjectRetention(ctx, proj.Project, bucket, key, goVersion, goRetention,
		&privateObject.SetObjectRetentionOptions{BypassGovernanceRetention: bool(bypassGovernanceRetention)})))
}

// uplink_get_object_retention returns the retention of an object version;
// mode UPLINK_RETENTION_NONE when it has none.
//
//export uplink_get_object_retention
func uplink_get_object_retention(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, version *C.uint8_t, length C.size_t) C.UplinkRetentionResult {
	proj, bucket, key, goVersion, err := versionedArgs(project, bucketName, objectKey, version, length)
	if err != nil {
		return C.UplinkRetentionResult{error: mallocError(err)}
	}
	ctx, end := proj.begin()
	retention, err := privateObject.GetObjectRetention(ctx, proj.Project, bucket, key, goVersion)
	err = end(err)
	if errors.Is(err, privateObject.ErrRetentionNotFound) {
		retention, err = nil, nil
	}
	if err != nil {
		return C.UplinkRetentionResult{error: mallocError(err)}
	}
	cretention := (*C.UplinkRetention)(C.calloc(1, C.sizeof_UplinkRetention))
	*cretention = retentionToC(retention)
	return C.UplinkRetentionResult{retention: cretention}
}

// uplink_free_retention_result frees a retention result.
//
//export uplink_free_retention_result
func uplink_free_retention_result(result C.UplinkRetentionResult) {
	uplink_free_error(result.error)
	C.free(unsafe.Pointer(result.retention))
}

// uplink_set_object_legal_hold places or removes a legal hold.
//
//export uplink_set_object_legal_hold
func uplink_set_object_legal_hold(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, version *C.uint8_t, length C.size_t, enabled C.bool) *C.UplinkError {
	proj, bucket, key, goVersion, err := versionedArgs(project, bucketName, objectKey, version, length)
	if err != nil {
		return mallocError(err)
	}
	ctx, end := proj.begin()
	return mallocError(end(privateObject.SetObjectLegalHold(ctx, proj.Project, bucket, key, goVersion, bool(enabled))))
}

// uplink_get_object_legal_hold reports whether a legal hold is placed.
//
//export uplink_get_object_legal_hold
func uplink_get_object_legal_hold(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, version *C.uint8_t, length C.size_t) C.UplinkBoolResult {
	proj, bucket, key, goVersion, err := versionedArgs(project, bucketName, objectKey, version, length)
	if err != nil {
		return C.UplinkBoolResult{error: mallocError(err)}
	}
	ctx, end := proj.begin()
	enabled, err := privateObject.GetObjectLegalHold(ctx, proj.Project, bucket, key, goVersion)
	err = end(err)
	return C.UplinkBoolResult{value: C.bool(enabled), error: mallocError(err)}
}

// uplink_free_bool_result frees a bool result.
//
//export uplink_free_bool_result
func uplink_free_bool_result(result C.UplinkBoolResult) {
	uplink_free_error(result.error)
}
