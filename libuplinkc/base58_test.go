// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/big"
	"math/rand"
	"strings"
	"testing"
	"time"

	"storj.io/common/base58"
	"storj.io/uplink"
)

func TestBase58DecodeMatchesStorjCommon(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	ctx := context.Background()
	// Lengths below and above the leaf (at most 1024 digits), each with a
	// leaf of its own.
	sizes := []int{0, 1, 2, 5, 31, 500, 749, 750, 751, 1499, 1500, 1501, 3000, 6001, 12000, 50000}
	for i := 0; i < 4*len(sizes); i++ {
		size := sizes[i%len(sizes)] + rng.Intn(3)
		data := randomBytes(rng, size)
		encoded := base58.Encode(data)
		got, err := base58Decode(ctx, encoded)
		if err != nil {
			t.Fatal(err)
		}
		if want := base58.Decode(encoded); !bytes.Equal(got, want) {
			t.Fatalf("%d bytes: base58Decode differs from storj.io/common's Decode", size)
		}
		checked := base58.CheckEncode(data, byte(rng.Intn(256)))
		payload, version, err := base58CheckDecode(ctx, checked)
		wantPayload, wantVersion, wantErr := base58.CheckDecode(checked)
		if err != nil || wantErr != nil || version != wantVersion || !bytes.Equal(payload, wantPayload) {
			t.Fatalf("%d bytes: CheckDecode %v %v", size, err, wantErr)
		}
	}
	// Strings Go's decoder takes apart: bad digits anywhere, only '1's,
	// short or corrupted checksums.
	good := base58.CheckEncode(randomBytes(rng, 3000), 0)
	for _, s := range []string{"", "1", "111111", "0", "l", "O", "I", "1111111111z",
		good[:len(good)-1], good + "0", "0" + good, good[:2000] + "I" + good[2001:],
		good[:1000] + "2" + good[1001:], strings.Repeat("z", 5000), strings.Repeat("1", 3000) + good} {
		_, _, err := base58CheckDecode(ctx, s)
		_, _, wantErr := base58.CheckDecode(s)
		if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
			t.Fatalf("CheckDecode(%.20q...): %v, storj.io/common: %v", s, err, wantErr)
		}
	}
}

func TestBase58DecodeStopsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("stop")
	cancel(cause)
	_, err := base58Decode(ctx, base58.Encode(randomBytes(rand.New(rand.NewSource(5)), 20000)))
	if !errors.Is(err, cause) {
		t.Fatalf("base58Decode of a cancelled context: %v", err)
	}
}

// TestParseAccessMatchesUplink parses every grant both ways and compares
// what each holds through its serialization and its parts.
func TestParseAccessMatchesUplink(t *testing.T) {
	defer func(chars int) { fastParseChars = chars }(fastParseChars)
	fastParseChars = 0
	rng := rand.New(rand.NewSource(6))
	for i := 0; i < 60; i++ {
		access := randomAccess(t, rng, rng.Intn(2), []int{0, 10, 300, 3000}[rng.Intn(4)])
		serialized := mustSerialize(t, access)
		want, err := uplink.ParseAccess(serialized)
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseAccess(context.Background(), serialized)
		if err != nil {
			t.Fatal(err)
		}
		if got.SatelliteAddress() != want.SatelliteAddress() {
			t.Fatalf("grant %d: satellite %q, want %q", i, got.SatelliteAddress(), want.SatelliteAddress())
		}
		if back := mustSerialize(t, got); back != serialized || back != mustSerialize(t, want) {
			t.Fatalf("grant %d: parse then serialize differs from the grant", i)
		}
	}
	// Malformed grants fail with Go's own messages.
	good := mustSerialize(t, randomAccess(t, rng, 1, 10))
	data, _, err := base58.CheckDecode(good)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"", "x", good[:len(good)-1], base58.CheckEncode(data, 1),
		base58.CheckEncode(nil, 0), base58.CheckEncode([]byte{0x0a, 0}, 0),
		base58.CheckEncode(data[:len(data)/2], 0), base58.CheckEncode([]byte{0xff, 0xff}, 0)} {
		_, err := parseAccess(context.Background(), s)
		_, wantErr := uplink.ParseAccess(s)
		if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
			t.Fatalf("parseAccess(%.20q...): %v, uplink: %v", s, err, wantErr)
		}
	}
}

// TestHugeGrantRoundTrips parses and serializes grants of one prefix of
// up to 1 MiB (storj.io/common's encoder and decoder take minutes there,
// so the reference is the grant's own string: parse then serialize gives
// it back, and so does uplink's Serialize of the parsed grant for the
// sizes it can still encode).
func TestHugeGrantRoundTrips(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	base := randomAccess(t, rng, 0, 0)
	for _, size := range []int{0, 1, 16 << 10, 1 << 20} {
		// Few slashes: each path segment costs some 40 bytes of cipher
		// overhead, so a 1 MiB prefix of short segments would make a
		// grant of tens of megabytes.
		prefix := make([]byte, size)
		for i := range prefix {
			prefix[i] = "abcé\x00\xff"[rng.Intn(7)]
			if rng.Intn(1<<15) == 0 {
				prefix[i] = '/'
			}
		}
		shared, err := base.Share(uplink.FullPermission(), uplink.SharePrefix{Bucket: "b", Prefix: string(prefix)})
		if err != nil {
			t.Fatal(err)
		}
		serialized := mustSerialize(t, shared)
		parsed, err := parseAccess(context.Background(), serialized)
		if err != nil {
			t.Fatal(err)
		}
		if mustSerialize(t, parsed) != serialized {
			t.Fatalf("%d byte prefix: parse then serialize differs", size)
		}
		if size <= 16<<10 {
			if want, err := parsed.Serialize(); err != nil || want != serialized {
				t.Fatalf("%d byte prefix: uplink's Serialize of the parsed grant differs (%v)", size, err)
			}
		}
	}
}

// BenchmarkParseLargePrefix parses a grant shared with one 1 MiB prefix.
func BenchmarkParseLargePrefix(b *testing.B) {
	shared := largePrefixAccess(b)
	serialized := mustSerialize(b, shared)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := parseAccess(context.Background(), serialized); err != nil {
			b.Fatal(err)
		}
		b.Logf("parse of a grant with a 1 MiB prefix: %d chars in %v", len(serialized), time.Since(start))
	}
}

// TestBase58EncodeTreeIsExact sends numbers through the encoder's tree
// with small leaves and compares with storj.io/common's encoder, and for
// sizes where that one takes minutes with math/big's conversion (and
// those of megabytes through the parallel halves of both coders).
func TestBase58EncodeTreeIsExact(t *testing.T) {
	rng := rand.New(rand.NewSource(8))
	for _, leaf := range []int{1, 2, 7, 60, 700} {
		smallTree(t, leaf)
		for i := 0; i < 40; i++ {
			data := randomBytes(rng, rng.Intn(6000))
			if got, want := base58Encode(data), base58.Encode(data); got != want {
				t.Fatalf("leaf %d, %d bytes: Encode differs from storj.io/common's", leaf, len(data))
			}
		}
	}
	smallTree(t, 20)
	for _, size := range []int{100 << 10, 1 << 20, 3<<20 + 17} {
		data := randomBytes(rng, size)
		data[len(data)-1] = 1 // not all zeros
		zeros := 0
		for data[zeros] == 0 {
			zeros++
		}
		digits := new(big.Int).SetBytes(data).Append(nil, 58)
		want := strings.Repeat("1", zeros) + string(bytes.Map(func(r rune) rune { return rune(toBase58[r]) }, digits))
		if got := base58Encode(data); got != want {
			t.Fatalf("%d bytes: Encode differs from math/big's conversion", size)
		}
		// The decoder of sizes where storj.io/common's takes minutes.
		if back, err := base58Decode(context.Background(), want); err != nil || !bytes.Equal(back, data) {
			t.Fatalf("%d bytes: Decode does not give the bytes back (%v)", size, err)
		}
	}
}

// smallTree sends numbers of more than leaf digits through the encoder's
// tree, with leaves of at most leaf digits, until the end of the test.
func smallTree(t testing.TB, leaf int) {
	tree, leaves := base58TreeDigits, base58EncodeLeafDigits
	t.Cleanup(func() { base58TreeDigits, base58EncodeLeafDigits = tree, leaves })
	base58TreeDigits, base58EncodeLeafDigits = 0, leaf
}

func TestBase58EncodeStopsWithTheContext(t *testing.T) {
	smallTree(t, 20) // so that the encoder builds its tree
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("stop")
	cancel(cause)
	_, err := base58EncodeContext(ctx, randomBytes(rand.New(rand.NewSource(9)), 200<<10))
	if !errors.Is(err, cause) {
		t.Fatalf("base58EncodeContext of a cancelled context: %v", err)
	}
}

// TestBase58EncodeStopsMidway cancels the encoding of 3 MB once it has
// begun: the tree, Newton's iteration or a level of nodes, returns the
// cause.
func TestBase58EncodeStopsMidway(t *testing.T) {
	data := randomBytes(rand.New(rand.NewSource(14)), 3<<20)
	data[0] = 1
	for _, after := range []time.Duration{0, 30 * time.Millisecond, 150 * time.Millisecond} {
		ctx, cancel := context.WithCancelCause(context.Background())
		cause := errors.New("stop")
		timer := time.AfterFunc(after, func() { cancel(cause) })
		_, err := base58EncodeContext(ctx, data)
		timer.Stop()
		if !errors.Is(err, cause) {
			t.Fatalf("base58EncodeContext cancelled after %v: %v", after, err)
		}
	}
}

// BenchmarkManyPrefixes serializes and parses a grant shared with 10,000
// prefixes.
func BenchmarkManyPrefixes(b *testing.B) {
	access := randomAccess(b, rand.New(rand.NewSource(3)), 0, 0)
	var prefixes []uplink.SharePrefix
	for i := 0; i < 10000; i++ {
		prefixes = append(prefixes, uplink.SharePrefix{Bucket: "b", Prefix: fmt.Sprintf("prefix-%05d/", i)})
	}
	shared, err := access.Share(uplink.FullPermission(), prefixes...)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		serialized := mustSerialize(b, shared)
		middle := time.Now()
		if _, err := parseAccess(context.Background(), serialized); err != nil {
			b.Fatal(err)
		}
		b.Logf("10,000 prefixes, %d chars: serialize %v, parse %v", len(serialized), middle.Sub(start), time.Since(middle))
	}
}

func TestParseAccessStopsWithTheContext(t *testing.T) {
	smallTree(t, 20) // so that the encoder builds its tree
	access := randomAccess(t, rand.New(rand.NewSource(10)), 0, 0)
	shared, err := access.Share(uplink.FullPermission(), uplink.SharePrefix{Bucket: "b", Prefix: strings.Repeat("q", 64<<10)})
	if err != nil {
		t.Fatal(err)
	}
	serialized := mustSerialize(t, shared)
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("stop")
	cancel(cause)
	if _, err := parseAccess(ctx, serialized); !errors.Is(err, cause) {
		t.Fatalf("parseAccess of a cancelled context: %v", err)
	}
	if _, err := serializeAccessContext(ctx, shared); !errors.Is(err, cause) {
		t.Fatalf("serializeAccessContext of a cancelled context: %v", err)
	}
}

// TestReciprocalIsClose compares reciprocal with math/big's division on
// random numbers, powers of 58, of two and all-ones, below and above the
// size where Newton's iteration starts.
func TestReciprocalIsClose(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	var numbers []*big.Int
	for _, bits := range []int{1000, 1<<15 + 1, 40000, 100000, 1 << 20, 3<<20 + 5} {
		numbers = append(numbers, new(big.Int).SetBytes(randomBytes(rng, bits/8+1)),
			new(big.Int).Lsh(big.NewInt(1), uint(bits)),
			new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(bits)), big.NewInt(1)),
			new(big.Int).Exp(big.NewInt(58), big.NewInt(int64(bits/5)), nil))
	}
	for _, p := range numbers {
		if p.Sign() == 0 {
			continue
		}
		m := uint(p.BitLen())
		want := new(big.Int).Lsh(big.NewInt(1), 2*m)
		want.Quo(want, p)
		r, err := reciprocal(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		if off := new(big.Int).Sub(r, want); off.CmpAbs(big.NewInt(8)) > 0 {
			t.Fatalf("reciprocal of a %d-bit number is off by %v", m, off)
		}
	}
}

// TestBase58EncodeNearIntegers encodes numbers whose digits hold long runs
// of 0s and 57s ('1's and 'z's) starting or ending at leaf boundaries (and
// the middle of the tree), where a leaf's fraction is within the error of
// an integer and the encoder must settle the digits from the leaf below:
// 58^k, 58^k ± 1, multiples of powers, and random strings with such runs,
// each sent back through the encoder after the decoder.
func TestBase58EncodeNearIntegers(t *testing.T) {
	rng := rand.New(rand.NewSource(12))
	ctx := context.Background()
	check := func(leaf int, s string) {
		t.Helper()
		data, err := base58Decode(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if got := base58Encode(data); got != s {
			t.Fatalf("leaf %d, %d digits: the encoding of the decoded string differs at %d",
				leaf, len(s), firstDifference(got, s))
		}
	}
	for _, leaf := range []int{1, 3, 10, 64, 192, 600} {
		smallTree(t, leaf)
		for _, k := range []int{leaf - 1, leaf, leaf + 1, 2 * leaf, 4*leaf - 1, 4 * leaf, 4*leaf + 1, 16*leaf + 3, 1000} {
			if k < 1 {
				continue
			}
			check(leaf, "2"+strings.Repeat("1", k))                            // 58^k
			check(leaf, strings.Repeat("z", k))                                // 58^k − 1
			check(leaf, "2"+strings.Repeat("1", k-1)+"2")                      // 58^k + 1
			check(leaf, "z"+strings.Repeat("1", k))                            // 57·58^k
			check(leaf, "2"+strings.Repeat("z", k))                            // 2·58^k − 1
			check(leaf, strings.Repeat("1", 3)+"P"+strings.Repeat("z", k)+"2") // leading zeros
		}
		for i := 0; i < 30; i++ {
			// About 4 to 40 leaves, with runs at leaf boundaries counted
			// from the low end.
			n := leaf * (4 + rng.Intn(37))
			n += rng.Intn(3) - 1
			digits := make([]byte, n)
			for j := range digits {
				digits[j] = base58Alphabet[rng.Intn(58)]
			}
			for r := 0; r < 1+n/leaf/3; r++ {
				run := byte('1')
				if rng.Intn(2) == 0 {
					run = 'z'
				}
				end := n - leaf*rng.Intn(n/leaf+1) + rng.Intn(3) - 1
				start := end - (1 + rng.Intn(3*leaf+2))
				if rng.Intn(2) == 0 {
					start, end = end-1, end+rng.Intn(3*leaf+2)
				}
				for j := max(start, 0); j < min(end, n); j++ {
					digits[j] = run
				}
			}
			check(leaf, string(digits))
		}
	}
}

// firstDifference is the first index where a and b differ.
func firstDifference(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

// TestBase58EncodeLargeRoundTrips sends numbers of up to a few megabytes
// (from just above the tree's threshold) with long runs of equal digits
// through the default tree and back
// through the decoder (storj.io/common's coders take hours there).
func TestBase58EncodeLargeRoundTrips(t *testing.T) {
	rng := rand.New(rand.NewSource(13))
	ctx := context.Background()
	for _, size := range []int{132_000, 200 << 10, 1<<20 + 3, 3 << 20} {
		data := randomBytes(rng, size)
		if size == 3<<20 {
			for i := range data {
				data[i] = 0xff
			}
		}
		// A run of zero digits through the middle of the tree.
		s := []byte(base58Encode(data))
		for i := len(s)/2 - 5000; i < len(s)/2+5000; i++ {
			s[i] = '1'
		}
		data, err := base58Decode(ctx, string(s))
		if err != nil {
			t.Fatal(err)
		}
		encoded := base58Encode(data)
		if encoded != string(s) {
			t.Fatalf("%d bytes: the encoding differs at %d", size, firstDifference(encoded, string(s)))
		}
		if back, err := base58Decode(ctx, encoded); err != nil || !bytes.Equal(back, data) {
			t.Fatalf("%d bytes: decoding the encoding does not give the bytes back (%v)", size, err)
		}
	}
}
