// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

import (
	"errors"
	"time"

	"storj.io/common/macaroon"
	"storj.io/uplink"
	privateAccess "storj.io/uplink/private/access"
)

// accessTimeBounds walks the caveats of the API key of access: the latest
// NotBefore and the earliest NotAfter any of them sets (zero times when
// none does). A key is valid only between the two, whatever the rest of
// its caveats allow.
func accessTimeBounds(access *uplink.Access) (notBefore, notAfter time.Time, err error) {
	// The key straight from the access: serializing and parsing it again is
	// quadratic in the grant's size (seconds for a grant of megabytes).
	apiKey := privateAccess.APIKey(access)
	if apiKey == nil {
		return notBefore, notAfter, errors.New("the access has no API key")
	}
	mac, err := macaroon.ParseMacaroon(apiKey.SerializeRaw())
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
