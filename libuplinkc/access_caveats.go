// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

import (
	"time"

	"storj.io/common/grant"
	"storj.io/common/macaroon"
	"storj.io/uplink"
)

// accessTimeBounds walks the caveats of the API key of access: the latest
// NotBefore and the earliest NotAfter any of them sets (zero times when
// none does). A key is valid only between the two, whatever the rest of
// its caveats allow.
func accessTimeBounds(access *uplink.Access) (notBefore, notAfter time.Time, err error) {
	serialized, err := access.Serialize()
	if err != nil {
		return notBefore, notAfter, err
	}
	inner, err := grant.ParseAccess(serialized)
	if err != nil {
		return notBefore, notAfter, err
	}
	mac, err := macaroon.ParseMacaroon(inner.APIKey.SerializeRaw())
	if err != nil {
		return notBefore, notAfter, err
	}
	for _, data := range mac.Caveats() {
		caveat, err := macaroon.ParseCaveat(data)
		if err != nil {
			return time.Time{}, time.Time{}, errInvalidArg("access", "its API key has a malformed caveat")
		}
		if caveat.NotBefore != nil && caveat.NotBefore.After(notBefore) {
			notBefore = *caveat.NotBefore
		}
		if caveat.NotAfter != nil && (notAfter.IsZero() || caveat.NotAfter.Before(notAfter)) {
			notAfter = *caveat.NotAfter
		}
	}
	return notBefore, notAfter, nil
}
