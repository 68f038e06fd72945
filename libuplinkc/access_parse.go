// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/zeebo/errs"
	"storj.io/common/encryption"
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
	if err := limitTo(ctx, encAccess, apiKey); err != nil {
		return nil, err
	}
	return accessOf(message.satellite, apiKey, encAccess)
}

// accessOf is the uplink.Access of these parts. uplink.Access has no
// constructor from parts: this parses a grant of the same satellite
// address with an empty key and store (which checks the address as Go
// does), then puts the parts in.
func accessOf(satellite string, apiKey *macaroon.APIKey, encAccess *grant.EncryptionAccess) (*uplink.Access, error) {
	access, err := uplink.ParseAccess(stubGrant(satellite))
	if err != nil {
		return nil, err
	}
	*privateAccess.APIKey(access) = *apiKey
	*accessGetEncAccess(access) = *encAccess
	return access, nil
}

// stoppedAt is the cause of ctx's end when it ended, checked every 1,024th
// item i of a long loop (nil otherwise).
func stoppedAt(ctx context.Context, i int) error {
	if i%1024 == 1023 && ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return nil
}

// stubGrant is a serialized grant of satellite with a key and store that
// accessOf replaces.
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

// limitTo is storj.io/common/grant's EncryptionAccess.LimitTo: it keeps in
// the store only the keys of the paths that every caveat of apiKey allows.
// Go's collapsePrefixes compares each allowed path with every path of each
// caveat (quadratic: about a second for a share of 10,000 prefixes, beyond
// the reach of a Ctrl-C); allowedPaths looks each up in sorted copies of
// the caveats' paths, and ctx ends the work between two paths.
func limitTo(ctx context.Context, access *grant.EncryptionAccess, apiKey *macaroon.APIKey) error {
	prefixes, restricted, err := allowedPaths(ctx, apiKey)
	if err != nil {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		access.Store = encryption.NewStore() // as LimitTo does when it fails
		return nil
	}
	if !restricted {
		return nil
	}
	old := access.Store
	store := encryption.NewStore()
	store.SetDefaultPathCipher(old.GetDefaultPathCipher())
	for i, prefix := range prefixes {
		if err := stoppedAt(ctx, i); err != nil {
			return err
		}
		bucket := string(prefix.Bucket)
		encPath := paths.NewEncrypted(string(prefix.EncryptedPathPrefix))
		unencPath, err := encryption.DecryptPathWithStoreCipher(bucket, encPath, old)
		if err != nil {
			continue
		}
		key, err := encryption.DerivePathKey(bucket, unencPath, old)
		if err != nil {
			continue
		}
		_, _, base := old.LookupEncrypted(bucket, encPath)
		if base == nil {
			continue
		}
		_ = store.AddWithCipher(bucket, unencPath, encPath, *key, base.PathCipher)
	}
	access.Store = store
	return nil
}

// allowedPaths is storj.io/common/grant's collapsePrefixes: the allowed
// paths of apiKey's caveats (in their order) that every caveat with paths
// allows, a path being allowed by a caveat when one of the caveat's paths,
// in the same bucket, is a byte prefix of it; restricted is false when no
// caveat limits paths.
func allowedPaths(ctx context.Context, apiKey *macaroon.APIKey) (_ []*macaroon.Caveat_Path, restricted bool, _ error) {
	mac, err := macaroon.ParseMacaroon(apiKey.SerializeRaw())
	if err != nil {
		return nil, false, err
	}
	var groups []pathIndex
	var all []*macaroon.Caveat_Path
	for _, data := range mac.Caveats() {
		var caveat macaroon.Caveat
		if err := caveat.UnmarshalBinary(data); err != nil {
			return nil, false, err
		}
		if len(caveat.AllowedPaths) > 0 {
			groups = append(groups, newPathIndex(caveat.AllowedPaths))
			all = append(all, caveat.AllowedPaths...)
		}
	}
	if len(groups) == 0 {
		return nil, false, nil
	}
	kept := all[:0:0]
	for i, path := range all {
		if err := stoppedAt(ctx, i); err != nil {
			return nil, false, err
		}
		allowed := true
		for _, group := range groups {
			if !group.allows(path) {
				allowed = false
				break
			}
		}
		if allowed {
			kept = append(kept, path)
		}
	}
	return kept, true, nil
}

// pathIndex holds one caveat's allowed paths, sorted, by bucket.
type pathIndex map[string][]string

func newPathIndex(allowed []*macaroon.Caveat_Path) pathIndex {
	index := pathIndex{}
	for _, path := range allowed {
		index[string(path.Bucket)] = append(index[string(path.Bucket)], string(path.EncryptedPathPrefix))
	}
	for _, sorted := range index {
		sort.Strings(sorted)
	}
	return index
}

// allows tells whether one of the paths of path's bucket is a byte prefix
// of path's. The largest path p at most q is the only candidate that can
// be q itself or have q's length; any shorter one that is a prefix of q
// is also a prefix of p (the paths between a prefix of q and q all begin
// with it), so of q cut to its common prefix with p: look again there.
func (index pathIndex) allows(path *macaroon.Caveat_Path) bool {
	sorted := index[string(path.Bucket)]
	q := string(path.EncryptedPathPrefix)
	for {
		i := sort.SearchStrings(sorted, q)
		if i < len(sorted) && sorted[i] == q {
			return true
		}
		if i == 0 {
			return false
		}
		p := sorted[i-1]
		if strings.HasPrefix(q, p) {
			return true
		}
		common := 0
		for common < len(p) && p[common] == q[common] {
			common++
		}
		q = q[:common]
	}
}
