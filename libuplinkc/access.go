// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
// #include "uplink_extensions.h"
import "C"

import (
	"context"
	"time"
	"unsafe"

	"storj.io/uplink"
)

// Access is the value behind an UplinkAccess handle.
type Access struct {
	*uplink.Access
}

// configToGo converts a C config with the extension bounds of timeouts
// (NULL for the defaults). libuplinkc dials every connection itself
// (see dialer), so the dial timeout bounds the whole connection set-up;
// Go's own dial timeout is switched off.
func configToGo(config C.UplinkConfig, timeouts *C.UplinkConfigTimeouts) (uplink.Config, *limits) {
	request, stall := timeoutsToGo(timeouts)
	lim := newLimits(time.Duration(config.dial_timeout_milliseconds)*time.Millisecond, request, stall)
	return uplink.Config{
		UserAgent:   C.GoString(config.user_agent),
		DialTimeout: -1,
		DialContext: dialer(lim),
	}, lim
}

// newAccessResult stores access as a new handle.
func newAccessResult(access *uplink.Access, err error) C.UplinkAccessResult {
	if err != nil {
		return C.UplinkAccessResult{error: mallocError(err)}
	}
	caccess := (*C.UplinkAccess)(C.calloc(1, C.sizeof_UplinkAccess))
	caccess._handle = universe.Add(&Access{access})
	return C.UplinkAccessResult{access: caccess}
}

// getAccess resolves an access handle.
func getAccess(access *C.UplinkAccess) (*Access, error) {
	if access == nil {
		return nil, errNull("access")
	}
	value, ok := lookup[*Access](access._handle)
	if !ok {
		return nil, errInvalidHandle("access")
	}
	return value, nil
}

// uplink_parse_access parses a serialized access grant string.
//
//export uplink_parse_access
func uplink_parse_access(accessString *C.uplink_const_char) C.UplinkAccessResult {
	if accessString == nil {
		return C.UplinkAccessResult{error: mallocError(errNull("access"))}
	}
	return newAccessResult(uplink.ParseAccess(C.GoString(accessString)))
}

// uplink_request_access_with_passphrase asks the satellite for an access
// grant and derives its encryption key from passphrase.
//
//export uplink_request_access_with_passphrase
func uplink_request_access_with_passphrase(satelliteAddress, apiKey, passphrase *C.uplink_const_char) C.UplinkAccessResult {
	return uplink_config_request_access_with_passphrase(C.UplinkConfig{}, satelliteAddress, apiKey, passphrase)
}

// uplink_config_request_access_with_passphrase is
// uplink_request_access_with_passphrase with a custom config.
//
//export uplink_config_request_access_with_passphrase
func uplink_config_request_access_with_passphrase(config C.UplinkConfig, satelliteAddress, apiKey, passphrase *C.uplink_const_char) C.UplinkAccessResult {
	return uplink_config_request_access_with_passphrase2(config, nil, satelliteAddress, apiKey, passphrase)
}

// uplink_config_request_access_with_passphrase2 is
// uplink_config_request_access_with_passphrase with the request timeout of
// timeouts (NULL: the defaults).
//
//export uplink_config_request_access_with_passphrase2
func uplink_config_request_access_with_passphrase2(config C.UplinkConfig, timeouts *C.UplinkConfigTimeouts, satelliteAddress, apiKey, passphrase *C.uplink_const_char) C.UplinkAccessResult {
	switch {
	case satelliteAddress == nil:
		return C.UplinkAccessResult{error: mallocError(errNull("satellite_address"))}
	case apiKey == nil:
		return C.UplinkAccessResult{error: mallocError(errNull("api_key"))}
	case passphrase == nil:
		return C.UplinkAccessResult{error: mallocError(errNull("passphrase"))}
	}
	goConfig, lim := configToGo(config, timeouts)
	ctx, cancel := lim.requestContext(context.Background())
	defer cancel()
	access, err := goConfig.RequestAccessWithPassphrase(ctx,
		C.GoString(satelliteAddress), C.GoString(apiKey), C.GoString(passphrase))
	return newAccessResult(access, explain(ctx, err))
}

// uplink_access_satellite_address returns the satellite node URL of access.
//
//export uplink_access_satellite_address
func uplink_access_satellite_address(access *C.UplinkAccess) C.UplinkStringResult {
	acc, err := getAccess(access)
	if err != nil {
		return C.UplinkStringResult{error: mallocError(err)}
	}
	return C.UplinkStringResult{string: C.CString(acc.SatelliteAddress())}
}

// uplink_access_serialize serializes access into a string.
//
//export uplink_access_serialize
func uplink_access_serialize(access *C.UplinkAccess) C.UplinkStringResult {
	acc, err := getAccess(access)
	if err != nil {
		return C.UplinkStringResult{error: mallocError(err)}
	}
	serialized, err := acc.Serialize()
	if err != nil {
		return C.UplinkStringResult{error: mallocError(err)}
	}
	return C.UplinkStringResult{string: C.CString(serialized)}
}

// sharePrefixesToGo copies count prefixes from C.
func sharePrefixesToGo(prefixes *C.UplinkSharePrefix, count int) ([]uplink.SharePrefix, error) {
	if count < 0 {
		return nil, errInvalidArg("prefixes_count", "negative")
	}
	if count > 0 && prefixes == nil {
		return nil, errNull("prefixes")
	}
	var goPrefixes []uplink.SharePrefix
	for _, prefix := range unsafe.Slice(prefixes, int(count)) {
		if prefix.bucket == nil {
			return nil, errNull("prefixes.bucket")
		}
		goPrefixes = append(goPrefixes, uplink.SharePrefix{
			Bucket: C.GoString(prefix.bucket),
			Prefix: C.GoString(prefix.prefix),
		})
	}
	return goPrefixes, nil
}

// unixToTime turns unix seconds into a time; 0 is the zero time.
func unixToTime(seconds C.int64_t) time.Time {
	if seconds == 0 {
		return time.Time{}
	}
	return time.Unix(int64(seconds), 0)
}

// uplink_access_share creates a new access with narrower permissions.
// An empty prefix list shares every bucket.
//
//export uplink_access_share
func uplink_access_share(access *C.UplinkAccess, permission C.UplinkPermission, prefixes *C.UplinkSharePrefix, prefixesCount int) C.UplinkAccessResult {
	return shareAccess(access, uplink.Permission{
		AllowDownload: bool(permission.allow_download),
		AllowUpload:   bool(permission.allow_upload),
		AllowList:     bool(permission.allow_list),
		AllowDelete:   bool(permission.allow_delete),
		NotBefore:     unixToTime(permission.not_before),
		NotAfter:      unixToTime(permission.not_after),
	}, prefixes, prefixesCount)
}

func shareAccess(access *C.UplinkAccess, permission uplink.Permission, prefixes *C.UplinkSharePrefix, prefixesCount int) C.UplinkAccessResult {
	acc, err := getAccess(access)
	if err != nil {
		return C.UplinkAccessResult{error: mallocError(err)}
	}
	goPrefixes, err := sharePrefixesToGo(prefixes, prefixesCount)
	if err != nil {
		return C.UplinkAccessResult{error: mallocError(err)}
	}
	return newAccessResult(acc.Share(permission, goPrefixes...))
}

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

// uplink_free_string_result frees a string result.
//
//export uplink_free_string_result
func uplink_free_string_result(result C.UplinkStringResult) {
	uplink_free_error(result.error)
	C.free(unsafe.Pointer(result.string))
}

// uplink_free_access_result frees an access result and its handle.
//
//export uplink_free_access_result
func uplink_free_access_result(result C.UplinkAccessResult) {
	uplink_free_error(result.error)
	if result.access != nil {
		universe.Del(result.access._handle)
		C.free(unsafe.Pointer(result.access))
	}
}

// uplink_access_time_bounds returns the window in which the API key of
// access is valid: the latest not_before and the earliest not_after of its
// caveats, in unix seconds (0 when no caveat sets one).
//
//export uplink_access_time_bounds
func uplink_access_time_bounds(access *C.UplinkAccess) C.UplinkAccessTimeBoundsResult {
	acc, err := getAccess(access)
	if err != nil {
		return C.UplinkAccessTimeBoundsResult{error: mallocError(err)}
	}
	notBefore, notAfter, err := accessTimeBounds(acc.Access)
	if err != nil {
		return C.UplinkAccessTimeBoundsResult{error: mallocError(err)}
	}
	return C.UplinkAccessTimeBoundsResult{
		not_before: timeToUnix(notBefore),
		not_after:  timeToUnix(notAfter),
	}
}

// uplink_free_access_time_bounds_result frees the error of a time bounds
// result.
//
//export uplink_free_access_time_bounds_result
func uplink_free_access_time_bounds_result(result C.UplinkAccessTimeBoundsResult) {
	uplink_free_error(result.error)
}
