// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"

	"storj.io/common/base58"
	"storj.io/common/grant"
	"storj.io/common/macaroon"
	"storj.io/common/storj"
	"storj.io/picobuf"
	"storj.io/uplink"
	privateAccess "storj.io/uplink/private/access"
)

// randomBytes mixes runs of zero bytes (base58's leading '1's) and of 0xff
// into random data.
func randomBytes(rng *rand.Rand, n int) []byte {
	data := make([]byte, n)
	rng.Read(data)
	switch rng.Intn(4) {
	case 0:
		for i := 0; i < rng.Intn(n+1); i++ {
			data[i] = 0
		}
	case 1:
		for i := range data {
			data[i] = 0xff
		}
	}
	return data
}

func TestBase58MatchesStorjCommon(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	sizes := []int{0, 1, 2, 3, 4, 5, 9, 10, 31, 32, 33, 64, 100, 255, 1000, 4096, 20000}
	for i := 0; i < 300; i++ {
		sizes = append(sizes, rng.Intn(3000))
	}
	for _, n := range sizes {
		data := randomBytes(rng, n)
		want := base58.Encode(data)
		got := base58Encode(data)
		if got != want {
			t.Fatalf("Encode of %d bytes %x: got %q, want %q", n, data[:min(n, 16)], got, want)
		}
		if back := base58.Decode(got); !bytes.Equal(back, data) {
			t.Fatalf("Decode of %q: got %x, want %x", got, back, data)
		}
		version := byte(rng.Intn(256))
		check := base58CheckEncode(data, version)
		if want := base58.CheckEncode(data, version); check != want {
			t.Fatalf("CheckEncode of %d bytes: got %q, want %q", n, check, want)
		}
		payload, v, err := base58.CheckDecode(check)
		if err != nil || v != version || !bytes.Equal(payload, data) {
			t.Fatalf("CheckDecode: %x %d %v, want %x %d", payload, v, err, data, version)
		}
	}
}

// randomAccess builds a grant with random keys and count prefixes of
// random buckets and paths of up to maxLen bytes each.
func randomAccess(t testing.TB, rng *rand.Rand, count, maxLen int) *uplink.Access {
	t.Helper()
	secret := make([]byte, 32)
	rng.Read(secret)
	apiKey, err := macaroon.NewAPIKey(secret)
	if err != nil {
		t.Fatal(err)
	}
	var key storj.Key
	rng.Read(key[:])
	encAccess := grant.NewEncryptionAccessWithDefaultKey(&key)
	encAccess.SetDefaultPathCipher([]storj.CipherSuite{storj.EncNull, storj.EncAESGCM, storj.EncSecretBox}[rng.Intn(3)])
	var id storj.NodeID
	rng.Read(id[:])
	serialized, err := (&grant.Access{
		SatelliteAddress: storj.NodeURL{ID: id, Address: fmt.Sprintf("127.0.0.1:%d", rng.Intn(65536))}.String(),
		APIKey:           apiKey,
		EncAccess:        encAccess,
	}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	access, err := uplink.ParseAccess(serialized)
	if err != nil {
		t.Fatal(err)
	}
	if count == 0 {
		return access
	}
	var prefixes []uplink.SharePrefix
	for i := 0; i < count; i++ {
		path := make([]byte, rng.Intn(maxLen+1))
		for j := range path {
			path[j] = "abc/é\x00\xff"[rng.Intn(8)]
		}
		prefixes = append(prefixes, uplink.SharePrefix{Bucket: fmt.Sprintf("bucket%d", rng.Intn(5)), Prefix: string(path)})
	}
	permission := uplink.Permission{AllowDownload: rng.Intn(2) == 0, AllowUpload: true, AllowList: rng.Intn(2) == 0,
		NotAfter: time.Unix(rng.Int63n(1<<33), 0)}
	shared, err := access.Share(permission, prefixes...)
	if err != nil {
		t.Fatal(err)
	}
	return shared
}

func TestSerializeAccessMatchesUplink(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for i := 0; i < 60; i++ {
		// Go walks the grant's prefixes in map order, so only grants of at
		// most one prefix serialize the same way twice.
		count := rng.Intn(2)
		access := randomAccess(t, rng, count, []int{0, 10, 300, 3000}[rng.Intn(4)])
		want, err := access.Serialize()
		if err != nil {
			t.Fatal(err)
		}
		got, err := serializeAccess(access)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("grant %d: serializeAccess differs from uplink's Serialize (%d vs %d chars)", i, len(got), len(want))
		}
	}
	for i := 0; i < 20; i++ {
		access := randomAccess(t, rng, 2+rng.Intn(5), 300)
		want, err := access.Serialize()
		if err != nil {
			t.Fatal(err)
		}
		got := mustSerialize(t, access)
		wantData, _, err := base58.CheckDecode(want)
		if err != nil {
			t.Fatal(err)
		}
		gotData, _, err := base58.CheckDecode(got)
		if err != nil {
			t.Fatal(err)
		}
		if !sameBytes(wantData, gotData) {
			t.Fatalf("grant %d: serializeAccess holds other bytes than uplink's Serialize", i)
		}
		if _, err := uplink.ParseAccess(got); err != nil {
			t.Fatal(err)
		}
	}
}

// sameBytes reports whether a and b hold the same bytes in any order (Go
// encodes a grant's prefixes in map order).
func sameBytes(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	var count [256]int
	for i := range a {
		count[a[i]]++
		count[b[i]]--
	}
	return count == [256]int{}
}

// BenchmarkSerializeLargePrefix serializes a grant shared with one 1 MiB
// prefix (storj.io/common's encoder took minutes).
func BenchmarkSerializeLargePrefix(b *testing.B) {
	shared := largePrefixAccess(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		serialized, err := serializeAccess(shared)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("serialize of a grant with a 1 MiB prefix: %d chars in %v", len(serialized), time.Since(start))
	}
}

// largePrefixAccess is a grant shared with one 1 MiB prefix.
func largePrefixAccess(b *testing.B) *uplink.Access {
	access, err := uplink.ParseAccess(mustSerialize(b, randomAccess(b, rand.New(rand.NewSource(3)), 0, 0)))
	if err != nil {
		b.Fatal(err)
	}
	shared, err := access.Share(uplink.FullPermission(), uplink.SharePrefix{Bucket: "b", Prefix: strings.Repeat("p", 1<<20)})
	if err != nil {
		b.Fatal(err)
	}
	return shared
}

func mustSerialize(t testing.TB, access *uplink.Access) string {
	serialized, err := serializeAccess(access)
	if err != nil {
		t.Fatal(err)
	}
	return serialized
}

// base58Encode is storj.io/common/base58.Encode, subquadratic.
func base58Encode(data []byte) string {
	out, err := base58EncodeContext(context.Background(), data)
	if err != nil {
		panic(err) // only a context ends the encoder early
	}
	return out
}

// serializeAccess is serializeAccessContext without a context.
func serializeAccess(access *uplink.Access) (string, error) {
	return serializeAccessContext(context.Background(), access)
}

// caveatsWithoutNonces lists an API key's caveats, their nonces removed.
func caveatsWithoutNonces(t *testing.T, apiKey *macaroon.APIKey) []string {
	t.Helper()
	mac, err := macaroon.ParseMacaroon(apiKey.SerializeRaw())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, data := range mac.Caveats() {
		var caveat macaroon.Caveat
		if err := caveat.UnmarshalBinary(data); err != nil {
			t.Fatal(err)
		}
		caveat.Nonce = nil
		encoded, err := picobuf.Marshal(&caveat)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%x", encoded))
	}
	return out
}

// TestShareAccessMatchesUplink: a share made with limitTo has Go's caveats
// (but for their random nonces) and Go's store, and fails as Go's does.
func TestShareAccessMatchesUplink(t *testing.T) {
	defer func(count int) { fastSharePrefixes = count }(fastSharePrefixes)
	fastSharePrefixes = 0
	rng := rand.New(rand.NewSource(13))
	ttl := time.Hour
	for i := 0; i < 80; i++ {
		access := randomAccess(t, rng, rng.Intn(2), 6) // a full access, or a share
		permission := uplink.Permission{AllowDownload: rng.Intn(2) == 0, AllowUpload: rng.Intn(2) == 0,
			AllowList: rng.Intn(2) == 0, AllowDelete: rng.Intn(2) == 0, AllowLock: rng.Intn(4) == 0,
			AllowPutObjectRetention: rng.Intn(2) == 0, AllowGetObjectLegalHold: rng.Intn(2) == 0}
		if rng.Intn(2) == 0 {
			permission.NotAfter = time.Unix(rng.Int63n(1<<33), 0)
		}
		if rng.Intn(4) == 0 {
			permission.MaxObjectTTL = &ttl
		}
		var prefixes []uplink.SharePrefix
		for n := rng.Intn(6); n > 0; n-- {
			path := make([]byte, rng.Intn(8))
			for j := range path {
				path[j] = "ab/"[rng.Intn(3)]
			}
			prefixes = append(prefixes, uplink.SharePrefix{Bucket: fmt.Sprintf("bucket%d", rng.Intn(5)), Prefix: string(path)})
		}
		want, wantErr := access.Share(permission, prefixes...)
		got, err := shareAccessContext(context.Background(), access, permission, prefixes)
		if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
			t.Fatalf("share %d: %v, uplink: %v", i, err, wantErr)
		}
		if err != nil {
			continue
		}
		if got.SatelliteAddress() != want.SatelliteAddress() {
			t.Fatalf("share %d: satellite %q, want %q", i, got.SatelliteAddress(), want.SatelliteAddress())
		}
		if g, w := caveatsWithoutNonces(t, privateAccess.APIKey(got)), caveatsWithoutNonces(t, privateAccess.APIKey(want)); fmt.Sprint(g) != fmt.Sprint(w) {
			t.Fatalf("share %d: caveats\n%v\nwant\n%v", i, g, w)
		}
		if g, w := storeEntries(t, got), storeEntries(t, want); fmt.Sprint(g) != fmt.Sprint(w) {
			t.Fatalf("share %d: store\n%v\nwant\n%v", i, g, w)
		}
	}
	// The permission is checked as Go checks it.
	access := randomAccess(t, rng, 0, 0)
	for _, permission := range []uplink.Permission{{}, {AllowDownload: true, NotBefore: time.Unix(2, 0), NotAfter: time.Unix(1, 0)}} {
		_, err := shareAccessContext(context.Background(), access, permission, []uplink.SharePrefix{{Bucket: "b"}})
		_, wantErr := access.Share(permission, uplink.SharePrefix{Bucket: "b"})
		if err == nil || wantErr == nil || err.Error() != wantErr.Error() {
			t.Fatalf("share with %+v: %v, uplink: %v", permission, err, wantErr)
		}
	}
}

// TestShareAccessStopsWithTheContext: a share of 20,000 prefixes stops
// between two prefixes when the context ends.
func TestShareAccessStopsWithTheContext(t *testing.T) {
	access := randomAccess(t, rand.New(rand.NewSource(14)), 0, 0)
	var prefixes []uplink.SharePrefix
	for i := 0; i < 20000; i++ {
		prefixes = append(prefixes, uplink.SharePrefix{Bucket: "b", Prefix: fmt.Sprintf("p%05d/", i)})
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("stop")
	cancel(cause)
	if _, err := shareAccessContext(ctx, access, uplink.FullPermission(), prefixes); !errors.Is(err, cause) {
		t.Fatalf("shareAccessContext of a cancelled context: %v", err)
	}
}
