// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
// #include "uplink_extensions.h"
import "C"

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"
	"unsafe"

	"storj.io/common/encryption"
	"storj.io/common/grant"
	"storj.io/common/macaroon"
	"storj.io/common/paths"
	"storj.io/common/storj"
	"storj.io/picobuf"
	"storj.io/uplink"
	privateAccess "storj.io/uplink/private/access"
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
	serialized := C.GoString(accessString)
	return newAccessResult(runInterruptibly(func(ctx context.Context) (*uplink.Access, error) {
		return parseAccess(ctx, serialized)
	}))
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
	bounded, cancel := lim.requestContext(context.Background())
	defer cancel()
	ctx, release := interruptibleContext(bounded)
	defer release()
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
	serialized, err := serializeInterruptibly(acc.Access)
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
	return newAccessResult(runInterruptibly(func(ctx context.Context) (*uplink.Access, error) {
		return shareAccessContext(ctx, acc.Access, permission, goPrefixes)
	}))
}

// fastSharePrefixes is the number of prefixes from which a share limits
// its store with limitTo (a variable so that tests can send every share
// that way).
var fastSharePrefixes = 64

// shareAccessContext is uplink.Access.Share. Go's share ends by limiting
// the new grant's store with storj.io/common's LimitTo, quadratic in the
// prefixes (0.8 s for 10,000, beyond a Ctrl-C's reach); for many prefixes
// this lets Go make the caveat of the permission alone (checking the
// permission as it does), adds the prefixes' encrypted paths to it as
// grant.Restrict does, and limits the store with limitTo, which ctx stops.
func shareAccessContext(ctx context.Context, access *uplink.Access, permission uplink.Permission, prefixes []uplink.SharePrefix) (*uplink.Access, error) {
	if len(prefixes) < fastSharePrefixes {
		return access.Share(permission, prefixes...)
	}
	unlimited, err := access.Share(permission)
	if err != nil {
		return nil, err
	}
	mac, err := macaroon.ParseMacaroon(privateAccess.APIKey(unlimited).SerializeRaw())
	if err != nil {
		return nil, err
	}
	caveats := mac.Caveats()
	var caveat macaroon.Caveat
	if err := caveat.UnmarshalBinary(caveats[len(caveats)-1]); err != nil {
		return nil, err
	}
	store := accessGetEncAccess(access).Store
	for i, prefix := range prefixes {
		if err := stoppedAt(ctx, i); err != nil {
			return nil, err
		}
		// A final "/" would encrypt as a last, empty segment.
		unencPath := paths.NewUnencrypted(strings.TrimSuffix(prefix.Prefix, "/"))
		encPath, err := encryption.EncryptPathWithStoreCipher(prefix.Bucket, unencPath, store)
		if err != nil {
			return nil, err
		}
		caveat.AllowedPaths = append(caveat.AllowedPaths, &macaroon.Caveat_Path{
			Bucket:              []byte(prefix.Bucket),
			EncryptedPathPrefix: []byte(encPath.Raw()),
		})
	}
	apiKey, err := privateAccess.APIKey(access).Restrict(caveat)
	if err != nil {
		return nil, err
	}
	encAccess := accessGetEncAccess(access).Clone()
	if err := limitTo(ctx, encAccess, apiKey); err != nil {
		return nil, err
	}
	return accessOf(access.SatelliteAddress(), apiKey, encAccess)
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

// uplink.Access.Serialize converts to base58 through storj.io/common/base58,
// which divides one big integer by 58^10 once per ten digits: quadratic,
// minutes of CPU for a grant with a 1 MiB prefix. The functions below give
// byte-identical results through the scaled remainder tree of base58.go.

// base58Alphabet is Bitcoin's, as storj.io/common/base58 uses.
const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// bigDigits are math/big's digits for bases up to 62.
const bigDigits = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// toBase58 translates math/big's base-58 digits to the alphabet.
var toBase58 = func() (to [256]byte) {
	for i := 0; i < 58; i++ {
		to[bigDigits[i]] = base58Alphabet[i]
	}
	return to
}()

// base58Checksum is the first four bytes of sha256(sha256(data)).
func base58Checksum(data []byte) []byte {
	first := sha256.Sum256(data)
	second := sha256.Sum256(first[:])
	return second[:4]
}

// base58CheckEncode is storj.io/common/base58.CheckEncode.
func base58CheckEncode(payload []byte, version byte) string {
	out, err := base58CheckEncodeContext(context.Background(), payload, version)
	if err != nil {
		panic(err) // only a context ends the encoder early
	}
	return out
}

// base58CheckEncodeContext is base58CheckEncode that ctx ends early.
func base58CheckEncodeContext(ctx context.Context, payload []byte, version byte) (string, error) {
	data := make([]byte, 0, 1+len(payload)+4)
	data = append(data, version)
	data = append(data, payload...)
	return base58EncodeContext(ctx, append(data, base58Checksum(data)...))
}

// serializeInterruptibly serializes access so that a signal ends the wait
// (see uplink_interrupt_watch and runInterruptibly).
func serializeInterruptibly(access *uplink.Access) (string, error) {
	return runInterruptibly(func(ctx context.Context) (string, error) {
		return serializeAccessContext(ctx, access)
	})
}

// runInterruptibly runs work on a goroutine of its own when a signal can
// interrupt the call, so that the signal ends the wait at once: a grant of
// megabytes still takes seconds of CPU. work gets a context that the
// signal cancels; the base58 coders stop soon after it ends, and the rest
// (Go's own grant parsing) finishes unseen.
func runInterruptibly[T any](work func(context.Context) (T, error)) (T, error) {
	ctx, release := interruptibleContext(context.Background())
	defer release()
	if ctx.Done() == nil {
		return work(ctx)
	}
	type result struct {
		value T
		err   error
	}
	done := make(chan result, 1)
	go func() {
		value, err := work(ctx)
		done <- result{value, err}
	}()
	select {
	case r := <-done:
		return r.value, r.err
	case <-ctx.Done():
		var zero T
		return zero, context.Cause(ctx)
	}
}

// grantOf is the access as storj.io/common/grant sees it.
func grantOf(access *uplink.Access) *grant.Access {
	return &grant.Access{
		SatelliteAddress: access.SatelliteAddress(),
		APIKey:           privateAccess.APIKey(access),
		EncAccess:        accessGetEncAccess(access),
	}
}

//go:linkname accessGetEncAccess storj.io/uplink.access_getEncAccess
func accessGetEncAccess(access *uplink.Access) *grant.EncryptionAccess

// serializeAccessContext is uplink.Access.Serialize with a fast base58 that
// ctx ends early: the same protobuf (grant.Access.Serialize's), the same
// checks, the same string.
func serializeAccessContext(ctx context.Context, access *uplink.Access) (string, error) {
	inner := grantOf(access)
	switch {
	case len(inner.SatelliteAddress) == 0:
		return "", errors.New("access grant is missing satellite address")
	case inner.APIKey == nil:
		return "", errors.New("access grant is missing api key")
	case inner.EncAccess == nil:
		return "", errors.New("access grant is missing encryption access")
	}
	message := scopeMessage{
		satellite: inner.SatelliteAddress,
		apiKey:    inner.APIKey.SerializeRaw(),
		encryption: &encryptionMessage{
			pathCipher: int32(inner.EncAccess.Store.GetDefaultPathCipher()),
		},
	}
	if key := inner.EncAccess.Store.GetDefaultKey(); key != nil {
		message.encryption.defaultKey = key[:]
	}
	err := inner.EncAccess.Store.IterateWithCipher(func(bucket string, unenc paths.Unencrypted, enc paths.Encrypted, key storj.Key, cipher storj.CipherSuite) error {
		message.encryption.entries = append(message.encryption.entries, &storeEntryMessage{
			bucket:      []byte(bucket),
			unencrypted: []byte(unenc.Raw()),
			encrypted:   []byte(enc.Raw()),
			key:         key[:],
			pathCipher:  int32(cipher),
		})
		return nil
	})
	if err != nil {
		return "", err
	}
	data, err := picobuf.Marshal(&message)
	if err != nil {
		return "", fmt.Errorf("unable to marshal access grant: %w", err)
	}
	return base58CheckEncodeContext(ctx, data, 0)
}

// scopeMessage, encryptionMessage and storeEntryMessage are the protobuf
// messages of a serialized grant (storj.io/common/grant/internal/pb, which
// Go does not let us import), encoded the same way by picobuf.
type scopeMessage struct {
	satellite  string
	apiKey     []byte
	encryption *encryptionMessage
}

func (m *scopeMessage) Encode(c *picobuf.Encoder) bool {
	c.String(1, &m.satellite)
	c.Bytes(2, &m.apiKey)
	c.Message(3, m.encryption.Encode)
	return true
}

func (m *scopeMessage) Decode(c *picobuf.Decoder) {
	c.String(1, &m.satellite)
	c.Bytes(2, &m.apiKey)
	c.Message(3, func(c *picobuf.Decoder) {
		if m.encryption == nil {
			m.encryption = new(encryptionMessage)
		}
		m.encryption.Decode(c)
	})
}

type encryptionMessage struct {
	defaultKey []byte
	entries    []*storeEntryMessage
	pathCipher int32
}

func (m *encryptionMessage) Encode(c *picobuf.Encoder) bool {
	if m == nil {
		return false
	}
	c.Bytes(1, &m.defaultKey)
	for _, entry := range m.entries {
		c.AlwaysMessage(2, entry.Encode)
	}
	c.Int32(3, &m.pathCipher)
	return true
}

func (m *encryptionMessage) Decode(c *picobuf.Decoder) {
	c.Bytes(1, &m.defaultKey)
	c.RepeatedMessage(2, func(c *picobuf.Decoder) {
		entry := new(storeEntryMessage)
		c.Loop(entry.Decode)
		m.entries = append(m.entries, entry)
	})
	c.Int32(3, &m.pathCipher)
	// Go's parser reads and then ignores the default encryption
	// parameters; reading them fails on the same malformed input.
	c.Message(4, func(c *picobuf.Decoder) {
		var cipher int32
		var blockSize int64
		c.Int32(1, &cipher)
		c.Int64(2, &blockSize)
	})
}

type storeEntryMessage struct {
	bucket, unencrypted, encrypted, key []byte
	pathCipher                          int32
}

func (m *storeEntryMessage) Encode(c *picobuf.Encoder) bool {
	c.Bytes(1, &m.bucket)
	c.Bytes(2, &m.unencrypted)
	c.Bytes(3, &m.encrypted)
	c.Bytes(4, &m.key)
	c.Int32(5, &m.pathCipher)
	return true
}

func (m *storeEntryMessage) Decode(c *picobuf.Decoder) {
	c.Bytes(1, &m.bucket)
	c.Bytes(2, &m.unencrypted)
	c.Bytes(3, &m.encrypted)
	c.Bytes(4, &m.key)
	c.Int32(5, &m.pathCipher)
}
