// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
// #include "uplink_extensions.h"
import "C"

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"time"
	"unsafe"

	"storj.io/common/pb"
	"storj.io/common/rpc"
	"storj.io/uplink"
	"storj.io/uplink/edge"
)

// Defaults of EdgeConfigTimeouts. The dial default is the figure Go's edge
// dialer sets, which its lazy connection pool never applies.
const (
	defaultEdgeDialTimeout     = 20 * time.Second
	defaultEdgeRegisterTimeout = 2 * time.Minute
)

// edge_register_access registers access with an auth service and returns S3
// credentials for the gateway and linkshare service, within the default
// bounds of EdgeConfigTimeouts.
//
//export edge_register_access
func edge_register_access(config C.EdgeConfig, access *C.UplinkAccess, options *C.EdgeRegisterAccessOptions) C.EdgeCredentialsResult {
	return edge_register_access2(config, nil, access, options)
}

// edge_register_access2 is edge_register_access within the bounds of
// timeouts (NULL: the defaults).
//
//export edge_register_access2
func edge_register_access2(config C.EdgeConfig, timeouts *C.EdgeConfigTimeouts, access *C.UplinkAccess, options *C.EdgeRegisterAccessOptions) C.EdgeCredentialsResult {
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
	var dial, whole time.Duration
	if timeouts != nil {
		dial = time.Duration(timeouts.dial_timeout_milliseconds) * time.Millisecond
		whole = time.Duration(timeouts.request_timeout_milliseconds) * time.Millisecond
	}
	credentials, err := registerAccess(goConfig, edgeLimits(dial, whole), acc.Access, opts)
	if err != nil {
		return C.EdgeCredentialsResult{error: mallocError(err)}
	}
	ccredentials := (*C.EdgeCredentials)(C.calloc(1, C.sizeof_EdgeCredentials))
	ccredentials.access_key_id = C.CString(credentials.AccessKeyID)
	ccredentials.secret_key = C.CString(credentials.SecretKey)
	ccredentials.endpoint = C.CString(credentials.Endpoint)
	return C.EdgeCredentialsResult{credentials: ccredentials}
}

// edgeLimits applies the edge defaults: 0 means the default, negative no
// bound. The request field bounds the whole registration.
func edgeLimits(dial, whole time.Duration) *limits {
	return &limits{
		dial:    bound(dial, defaultEdgeDialTimeout),
		request: bound(whole, defaultEdgeRegisterTimeout),
		stall:   defaultStallTimeout,
	}
}

// registerAccess is edge.Config.RegisterAccess over libuplinkc's dialer:
// Go's edge dialer offers no hook for it, and its pool dials lazily, on the
// request, outside its own dial timeout, so an auth service that accepts
// connections and never answers held a registration until the whole bound
// ran out. Errors keep Go's wording and sentinels (a failed request,
// dial included, is ErrRegisterAccessFailed, as uplink-c reports it); a
// bound that runs out is a timeout, a signal an interruption.
func registerAccess(config edge.Config, lim *limits, access *uplink.Access, opts *edge.RegisterAccessOptions) (*edge.Credentials, error) {
	if config.AuthServiceAddress == "" {
		return nil, errors.New("uplink: AuthServiceAddress is missing")
	}
	parent, cancel := context.Background(), context.CancelFunc(func() {})
	if lim.request > 0 {
		parent, cancel = context.WithTimeoutCause(parent, lim.request,
			timeoutError("auth service", fmt.Errorf("no answer within %v", lim.request)))
	}
	defer cancel()
	ctx, release := interruptibleContext(parent)
	defer release()

	connector := rpc.NewDefaultTCPConnector(dialer(lim))
	connector.SetSendDRPCMuxHeader(false)
	auth := rpc.NewDefaultDialer(nil)
	auth.DialTimeout = 0 // dialer(lim) bounds connect and first answer
	auth.Connector = connector
	auth.HostnameTLSConfig = &tls.Config{}
	if len(config.CertificatePEM) > 0 {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(config.CertificatePEM)
		auth.HostnameTLSConfig.RootCAs = pool
	}
	var conn *rpc.Conn
	var err error
	if config.InsecureUnencryptedConnection {
		conn, err = auth.DialAddressUnencrypted(ctx, config.AuthServiceAddress)
	} else {
		conn, err = auth.DialAddressHostnameVerification(ctx, config.AuthServiceAddress)
	}
	if err != nil {
		return nil, edgeError(ctx, edge.ErrAuthDialFailed, err, config.AuthServiceAddress, lim)
	}
	defer func() { _ = conn.Close() }()
	// Go's own Serialize is quadratic in the grant's size.
	serialized, err := serializeAccessContext(ctx, access)
	if err != nil {
		if cause := context.Cause(ctx); cause != nil {
			return nil, cause // a timeout or a signal
		}
		return nil, fmt.Errorf("uplink: %w", err)
	}
	response, err := pb.NewDRPCEdgeAuthClient(conn).RegisterAccess(ctx, &pb.EdgeRegisterAccessRequest{
		AccessGrant: serialized,
		Public:      opts.Public,
	})
	if err != nil {
		return nil, edgeError(ctx, edge.ErrRegisterAccessFailed, err, config.AuthServiceAddress, lim)
	}
	return &edge.Credentials{
		AccessKeyID: response.AccessKeyId,
		SecretKey:   response.SecretKey,
		Endpoint:    response.Endpoint,
	}, nil
}

// edgeError words a failed registration as Go's edge package does, unless
// a bound ran out (the dial's, or the whole call's) or a signal came.
func edgeError(ctx context.Context, sentinel, err error, address string, lim *limits) error {
	if cause := context.Cause(ctx); errors.Is(cause, ErrInterrupted) || errors.Is(cause, ErrTimeout) {
		return cause
	}
	if errors.Is(err, ErrTimeout) {
		// The dialer's own error, under rpc's wrapping.
		return timeoutError("auth service", fmt.Errorf("%s did not answer within %v", address, lim.dial))
	}
	return fmt.Errorf("uplink: %w: %v", sentinel, err)
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
