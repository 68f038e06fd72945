// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
import "C"

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unsafe"

	"storj.io/uplink/edge"
)

// registerTimeout bounds a registration, which uplink-c leaves unbounded.
const registerTimeout = 2 * time.Minute

// edge_register_access registers access with an auth service and returns S3
// credentials for the gateway and linkshare service.
//
//export edge_register_access
func edge_register_access(config C.EdgeConfig, access *C.UplinkAccess, options *C.EdgeRegisterAccessOptions) C.EdgeCredentialsResult {
	acc, err := getAccess(access)
	if err != nil {
		return C.EdgeCredentialsResult{error: mallocError(err)}
	}
	if config.auth_service_address == nil {
		return C.EdgeCredentialsResult{error: mallocError(errNull("auth_service_address"))}
	}
	goConfig := edge.Config{
		AuthServiceAddress:            C.GoString(config.auth_service_address),
		InsecureUnencryptedConnection: bool(config.insecure_unencrypted_connection),
	}
	if config.certificate_pem != nil {
		goConfig.CertificatePEM = []byte(C.GoString(config.certificate_pem))
	}
	opts := &edge.RegisterAccessOptions{}
	if options != nil {
		opts.Public = bool(options.is_public)
	}
	bounded, cancel := context.WithTimeoutCause(context.Background(), registerTimeout,
		timeoutError("auth service", fmt.Errorf("no answer within %v", registerTimeout)))
	defer cancel()
	ctx, release := interruptibleContext(bounded)
	defer release()
	credentials, err := goConfig.RegisterAccess(ctx, acc.Access, opts)
	if err != nil {
		// A silent auth service is a timeout, a signal an interruption.
		if cause := context.Cause(ctx); errors.Is(cause, ErrInterrupted) || errors.Is(cause, ErrTimeout) {
			err = cause
		}
		return C.EdgeCredentialsResult{error: mallocError(err)}
	}
	ccredentials := (*C.EdgeCredentials)(C.calloc(1, C.sizeof_EdgeCredentials))
	ccredentials.access_key_id = C.CString(credentials.AccessKeyID)
	ccredentials.secret_key = C.CString(credentials.SecretKey)
	ccredentials.endpoint = C.CString(credentials.Endpoint)
	return C.EdgeCredentialsResult{credentials: ccredentials}
}

// edge_free_credentials_result frees a credentials result.
//
//export edge_free_credentials_result
func edge_free_credentials_result(result C.EdgeCredentialsResult) {
	uplink_free_error(result.error)
	edge_free_credentials(result.credentials)
}

// edge_free_credentials frees credentials.
//
//export edge_free_credentials
func edge_free_credentials(credentials *C.EdgeCredentials) {
	if credentials == nil {
		return
	}
	C.free(unsafe.Pointer(credentials.access_key_id))
	C.free(unsafe.Pointer(credentials.secret_key))
	C.free(unsafe.Pointer(credentials.endpoint))
	C.free(unsafe.Pointer(credentials))
}

// edge_join_share_url builds a linkshare URL. An empty bucket shares the
// project, an empty key the bucket; a key ending in "/" is a prefix.
//
//export edge_join_share_url
func edge_join_share_url(baseURL, accessKeyID, bucket, key *C.uplink_const_char, options *C.EdgeShareURLOptions) C.UplinkStringResult {
	switch {
	case baseURL == nil:
		return C.UplinkStringResult{error: mallocError(errNull("base_url"))}
	case accessKeyID == nil:
		return C.UplinkStringResult{error: mallocError(errNull("access_key_id"))}
	case bucket == nil:
		return C.UplinkStringResult{error: mallocError(errNull("bucket"))}
	case key == nil:
		return C.UplinkStringResult{error: mallocError(errNull("key"))}
	}
	opts := &edge.ShareURLOptions{}
	if options != nil {
		opts.Raw = bool(options.raw)
	}
	url, err := edge.JoinShareURL(C.GoString(baseURL), C.GoString(accessKeyID), C.GoString(bucket), C.GoString(key), opts)
	if err != nil {
		return C.UplinkStringResult{error: mallocError(err)}
	}
	return C.UplinkStringResult{string: C.CString(url)}
}
