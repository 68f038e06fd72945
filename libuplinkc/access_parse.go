// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/zeebo/errs"
	"storj.io/common/grant"
	"storj.io/common/macaroon"
	"storj.io/common/paths"
	"storj.io/common/storj"
	"storj.io/picobuf"
	"storj.io/uplink"
	privateAccess "storj.io/uplink/private/access"
)

// uplink.ParseAccess decodes base58 in quadratic time (see base58.go):
// minutes for a grant of megabytes. parseAccess decodes long grants with
// base58CheckDecode and then does what storj.io/common/grant.ParseAccess
// does with the bytes, step by step; shorter grants go to Go's own parser.

// fastParseChars is the grant length from which parseAccess decodes the
// grant itself (a variable so that tests can send every grant that way).
var fastParseChars = 16 << 10

// uplinkError is storj.io/uplink's error class.
var uplinkError = errs.Class("uplink")

// parseAccess is uplink.ParseAccess; ctx ends the decode of a long grant.
func parseAccess(ctx context.Context, serialized string) (*uplink.Access, error) {
	if len(serialized) < fastParseChars {
		return uplink.ParseAccess(serialized)
	}
	data, version, err := base58CheckDecode(ctx, serialized)
	if err != nil && ctx.Err() != nil {
		return nil, err
	}
	if err != nil || version != 0 {
		return nil, uplinkError.Wrap(errors.New("invalid access grant format"))
	}
	var message scopeMessage
	if err := picobuf.Unmarshal(data, &message); err != nil {
		return nil, uplinkError.Wrap(fmt.Errorf("unable to unmarshal access grant: %w", err))
	}
	if len(message.satellite) == 0 {
		return nil, uplinkError.Wrap(errors.New("access grant is missing satellite address"))
	}
	apiKey, err := macaroon.ParseRawAPIKey(message.apiKey)
	if err != nil {
		return nil, uplinkError.Wrap(fmt.Errorf("access grant has malformed api key: %w", err))
	}
	encAccess, err := encryptionAccessOf(message.encryption)
	if err != nil {
		return nil, uplinkError.Wrap(fmt.Errorf("access grant has malformed encryption access: %w", err))
	}
	encAccess.LimitTo(apiKey)

	// uplink.Access has no constructor from parts: parse a grant of the
	// same satellite address with an empty key and store (which checks
	// the address as Go does), then put the parts in.
	access, err := uplink.ParseAccess(stubGrant(message.satellite))
	if err != nil {
		return nil, err
	}
	*privateAccess.APIKey(access) = *apiKey
	*accessGetEncAccess(access) = *encAccess
	return access, nil
}

// stubGrant is a serialized grant of satellite with a key and store that
// parseAccess replaces.
func stubGrant(satellite string) string {
	apiKey, err := macaroon.NewAPIKey([]byte("stub"))
	if err != nil {
		panic(err)
	}
	message := scopeMessage{
		satellite:  satellite,
		apiKey:     apiKey.SerializeRaw(),
		encryption: &encryptionMessage{},
	}
	data, err := picobuf.Marshal(&message)
	if err != nil {
		panic(err)
	}
	return base58CheckEncode(data, 0)
}

// encryptionAccessOf is storj.io/common/grant's
// parseEncryptionAccessFromProto.
func encryptionAccessOf(m *encryptionMessage) (*grant.EncryptionAccess, error) {
	if m == nil {
		// Go's parser dereferences the missing message and panics.
		return nil, errors.New("missing encryption access")
	}
	access := grant.NewEncryptionAccess()
	if len(m.defaultKey) > 0 {
		if len(m.defaultKey) != len(storj.Key{}) {
			return nil, errors.New("invalid default key in encryption access")
		}
		var defaultKey storj.Key
		copy(defaultKey[:], m.defaultKey)
		access.SetDefaultKey(&defaultKey)
	}
	access.SetDefaultPathCipher(storj.CipherSuite(m.pathCipher))
	// An unspecified cipher is a grant from before the cipher moved into
	// the encryption access.
	if m.pathCipher == 0 {
		access.SetDefaultPathCipher(storj.EncAESGCM)
	}
	for _, entry := range m.entries {
		if len(entry.key) != len(storj.Key{}) {
			return nil, errors.New("invalid key in encryption access entry")
		}
		var key storj.Key
		copy(key[:], entry.key)
		err := access.Store.AddWithCipher(string(entry.bucket),
			paths.NewUnencrypted(string(entry.unencrypted)),
			paths.NewEncrypted(string(entry.encrypted)),
			key, storj.CipherSuite(entry.pathCipher))
		if err != nil {
			return nil, fmt.Errorf("invalid encryption access entry: %w", err)
		}
	}
	return access, nil
}
