// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
// #include "uplink_extensions.h"
import "C"

import (
	"time"

	"storj.io/uplink"
)

// uplink_access_share2 is uplink_access_share with the whole Go permission
// set: the Object Lock permissions and a maximum object TTL.
//
//export uplink_access_share2
func uplink_access_share2(access *C.UplinkAccess, permission C.UplinkPermissionV2, prefixes *C.UplinkSharePrefix, prefixesCount int) C.UplinkAccessResult {
	if permission.max_object_ttl_seconds < 0 {
		return C.UplinkAccessResult{error: mallocError(errInvalidArg("max_object_ttl_seconds", "negative"))}
	}
	goPermission := uplink.Permission{
		AllowDownload:                         bool(permission.allow_download),
		AllowUpload:                           bool(permission.allow_upload),
		AllowList:                             bool(permission.allow_list),
		AllowDelete:                           bool(permission.allow_delete),
		AllowPutObjectRetention:               bool(permission.allow_put_object_retention),
		AllowGetObjectRetention:               bool(permission.allow_get_object_retention),
		AllowPutObjectLegalHold:               bool(permission.allow_put_object_legal_hold),
		AllowGetObjectLegalHold:               bool(permission.allow_get_object_legal_hold),
		AllowBypassGovernanceRetention:        bool(permission.allow_bypass_governance_retention),
		AllowPutBucketObjectLockConfiguration: bool(permission.allow_put_bucket_object_lock_configuration),
		AllowGetBucketObjectLockConfiguration: bool(permission.allow_get_bucket_object_lock_configuration),
		NotBefore:                             unixToTime(permission.not_before),
		NotAfter:                              unixToTime(permission.not_after),
	}
	if permission.max_object_ttl_seconds > 0 {
		ttl := time.Duration(permission.max_object_ttl_seconds) * time.Second
		goPermission.MaxObjectTTL = &ttl
	}
	return shareAccess(access, goPermission, prefixes, prefixesCount)
}
