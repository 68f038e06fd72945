// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

import (
	"testing"
	"time"

	"storj.io/common/grant"
	"storj.io/common/macaroon"
	"storj.io/common/storj"
	"storj.io/uplink"
)

// testAccess is an access for a made-up satellite with a fresh API key.
func testAccess(t *testing.T) *uplink.Access {
	t.Helper()
	apiKey, err := macaroon.NewAPIKey([]byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	var key storj.Key
	inner := grant.Access{
		SatelliteAddress: "1xTwTPLWfiqffa5VbA9c7ZZgkhZuAqdp4aphJ6udVWU2LadQF@127.0.0.1:7777",
		APIKey:           apiKey,
		EncAccess:        grant.NewEncryptionAccessWithDefaultKey(&key),
	}
	serialized, err := inner.Serialize()
	if err != nil {
		t.Fatal(err)
	}
	access, err := uplink.ParseAccess(serialized)
	if err != nil {
		t.Fatal(err)
	}
	return access
}

func TestAccessTimeBounds(t *testing.T) {
	access := testAccess(t)
	notBefore, notAfter, err := accessTimeBounds(access)
	if err != nil || !notBefore.IsZero() || !notAfter.IsZero() {
		t.Fatalf("no caveats: got %v, %v, %v; want zero times", notBefore, notAfter, err)
	}

	base := time.Unix(1_900_000_000, 0)
	// A first share sets both bounds; a second narrows not_after only; a
	// third sets a later not_before and a later not_after. The key is valid
	// between the latest not_before and the earliest not_after.
	shared, err := access.Share(uplink.Permission{AllowDownload: true,
		NotBefore: base, NotAfter: base.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	shared, err = shared.Share(uplink.Permission{AllowDownload: true, NotAfter: base.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	shared, err = shared.Share(uplink.Permission{AllowDownload: true,
		NotBefore: base.Add(time.Second), NotAfter: base.Add(2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	notBefore, notAfter, err = accessTimeBounds(shared)
	if err != nil {
		t.Fatal(err)
	}
	if !notBefore.Equal(base.Add(time.Second)) || !notAfter.Equal(base.Add(time.Minute)) {
		t.Fatalf("got %v, %v; want %v, %v", notBefore, notAfter, base.Add(time.Second), base.Add(time.Minute))
	}

	// A share without time caveats keeps the bounds it inherits.
	narrower, err := shared.Share(uplink.FullPermission())
	if err != nil {
		t.Fatal(err)
	}
	notBefore2, notAfter2, err := accessTimeBounds(narrower)
	if err != nil || !notBefore2.Equal(notBefore) || !notAfter2.Equal(notAfter) {
		t.Fatalf("inherited: got %v, %v, %v", notBefore2, notAfter2, err)
	}
}
