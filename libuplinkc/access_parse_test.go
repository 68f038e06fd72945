// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"sort"
	"testing"

	"storj.io/common/encryption"
	"storj.io/common/grant"
	"storj.io/common/macaroon"
	"storj.io/common/paths"
	"storj.io/common/storj"
	"storj.io/uplink"
	privateAccess "storj.io/uplink/private/access"
)

// storeEntries lists what an access's encryption store holds, sorted.
func storeEntries(t *testing.T, access *uplink.Access) []string {
	t.Helper()
	store := accessGetEncAccess(access).Store
	entries := []string{fmt.Sprintf("default cipher %v, default key %v", store.GetDefaultPathCipher(), store.GetDefaultKey() != nil)}
	err := store.IterateWithCipher(func(bucket string, unenc paths.Unencrypted, enc paths.Encrypted, key storj.Key, cipher storj.CipherSuite) error {
		entries = append(entries, fmt.Sprintf("%q %q %q %x %v", bucket, unenc.Raw(), enc.Raw(), key[:], cipher))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(entries[1:])
	return entries
}

// TestLimitToMatchesGrant: the store parseAccess limits a grant to is the
// one storj.io/common's LimitTo keeps. The grants pair a full store (a
// default key) with an API key of one to four caveats whose paths, in
// three buckets, nest, overlap or differ, and end inside segments or on
// their edges: the caveats decide alone which paths keep a key.
func TestLimitToMatchesGrant(t *testing.T) {
	defer func(chars int) { fastParseChars = chars }(fastParseChars)
	fastParseChars = 0
	rng := rand.New(rand.NewSource(11))
	kept := 0
	for i := 0; i < 150; i++ {
		base := randomAccess(t, rng, 0, 0)
		encAccess := accessGetEncAccess(base)
		apiKey := privateAccess.APIKey(base)
		caveats := 1 + rng.Intn(4)
		for c := 0; c < caveats; c++ {
			var allowed []*macaroon.Caveat_Path
			for n := 1 + rng.Intn(6); n > 0; n-- {
				path := make([]byte, rng.Intn(7))
				for j := range path {
					path[j] = "ab/"[rng.Intn(3)]
				}
				bucket := fmt.Sprintf("b%d", rng.Intn(3))
				encrypted, err := encryption.EncryptPathWithStoreCipher(bucket, paths.NewUnencrypted(string(path)), encAccess.Store)
				if err != nil {
					t.Fatal(err)
				}
				prefix := []byte(encrypted.Raw())
				if rng.Intn(4) == 0 && len(prefix) > 0 {
					prefix = prefix[:rng.Intn(len(prefix))] // inside a segment
				}
				allowed = append(allowed, &macaroon.Caveat_Path{Bucket: []byte(bucket), EncryptedPathPrefix: prefix})
			}
			restricted, err := apiKey.Restrict(macaroon.Caveat{AllowedPaths: allowed})
			if err != nil {
				t.Fatal(err)
			}
			apiKey = restricted
		}
		serialized, err := (&grant.Access{SatelliteAddress: base.SatelliteAddress(), APIKey: apiKey, EncAccess: encAccess}).Serialize()
		if err != nil {
			t.Fatal(err)
		}
		want, err := uplink.ParseAccess(serialized) // Go's LimitTo
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseAccess(context.Background(), serialized)
		if err != nil {
			t.Fatal(err)
		}
		g, w := storeEntries(t, got), storeEntries(t, want)
		if fmt.Sprint(g) != fmt.Sprint(w) {
			t.Fatalf("grant %d (%d caveats): store\n%v\nwant\n%v", i, caveats, g, w)
		}
		kept += len(w) - 1
	}
	if kept < 100 {
		t.Fatalf("the limited stores kept only %d paths in all", kept)
	}
}

// TestLimitToStopsWithTheContext: a share of 20,000 prefixes is limited
// between two paths when the context ends.
func TestLimitToStopsWithTheContext(t *testing.T) {
	access := randomAccess(t, rand.New(rand.NewSource(12)), 0, 0)
	var prefixes []uplink.SharePrefix
	for i := 0; i < 20000; i++ {
		prefixes = append(prefixes, uplink.SharePrefix{Bucket: "b", Prefix: fmt.Sprintf("p%05d/", i)})
	}
	shared, err := access.Share(uplink.FullPermission(), prefixes...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("stop")
	cancel(cause)
	encAccess := *accessGetEncAccess(shared)
	if err := limitTo(ctx, &encAccess, privateAccess.APIKey(shared)); !errors.Is(err, cause) {
		t.Fatalf("limitTo of a cancelled context: %v", err)
	}
}
