// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
import "C"

import (
	"unsafe"

	"storj.io/uplink"
)

// EncryptionKey is the value behind an UplinkEncryptionKey handle.
type EncryptionKey struct {
	*uplink.EncryptionKey
}

// uplink_derive_encryption_key derives a salted encryption key from a
// passphrase.
//
//export uplink_derive_encryption_key
func uplink_derive_encryption_key(passphrase *C.uplink_const_char, salt unsafe.Pointer, length C.size_t) C.UplinkEncryptionKeyResult {
	if passphrase == nil {
		return C.UplinkEncryptionKeyResult{error: mallocError(errNull("passphrase"))}
	}
	if salt == nil && length > 0 {
		return C.UplinkEncryptionKeyResult{error: mallocError(errNull("salt"))}
	}
	var goSalt []byte
	if length > 0 {
		goSalt = C.GoBytes(salt, C.int(length))
	}
	key, err := uplink.DeriveEncryptionKey(C.GoString(passphrase), goSalt)
	if err != nil {
		return C.UplinkEncryptionKeyResult{error: mallocError(err)}
	}
	ckey := (*C.UplinkEncryptionKey)(C.calloc(1, C.sizeof_UplinkEncryptionKey))
	ckey._handle = universe.Add(&EncryptionKey{key})
	return C.UplinkEncryptionKeyResult{encryption_key: ckey}
}

// uplink_access_override_encryption_key overrides the root encryption key
// for the prefix in bucket with encryptionKey.
//
//export uplink_access_override_encryption_key
func uplink_access_override_encryption_key(access *C.UplinkAccess, bucket, prefix *C.uplink_const_char, encryptionKey *C.UplinkEncryptionKey) *C.UplinkError {
	acc, err := getAccess(access)
	if err != nil {
		return mallocError(err)
	}
	switch {
	case bucket == nil:
		return mallocError(errNull("bucket"))
	case prefix == nil:
		return mallocError(errNull("prefix"))
	case encryptionKey == nil:
		return mallocError(errNull("encryption_key"))
	}
	key, ok := lookup[*EncryptionKey](encryptionKey._handle)
	if !ok {
		return mallocError(errInvalidHandle("encryption key"))
	}
	return mallocError(acc.OverrideEncryptionKey(C.GoString(bucket), C.GoString(prefix), key.EncryptionKey))
}

// uplink_free_encryption_key_result frees the result and its handle.
//
//export uplink_free_encryption_key_result
func uplink_free_encryption_key_result(result C.UplinkEncryptionKeyResult) {
	uplink_free_error(result.error)
	if result.encryption_key != nil {
		universe.Del(result.encryption_key._handle)
		C.free(unsafe.Pointer(result.encryption_key))
	}
}
