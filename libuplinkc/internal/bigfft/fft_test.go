// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package bigfft

import (
	"math/big"
	"math/rand"
	"testing"
)

// randomInt returns a number of up to bits bits, sometimes all ones or a
// power of two.
func randomInt(rng *rand.Rand, bits int) *big.Int {
	switch rng.Intn(4) {
	case 0:
		x := new(big.Int).Lsh(big.NewInt(1), uint(bits))
		return x.Sub(x, big.NewInt(1))
	case 1:
		return new(big.Int).Lsh(big.NewInt(1), uint(rng.Intn(bits)))
	}
	b := make([]byte, (bits+7)/8)
	rng.Read(b)
	return new(big.Int).Rsh(new(big.Int).SetBytes(b), uint(len(b)*8-bits))
}

func TestMulMatchesMathBig(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 40; i++ {
		x := randomInt(rng, 1+rng.Intn(1<<21))
		y := randomInt(rng, 1+rng.Intn(1<<21))
		want := new(big.Int).Mul(x, y)
		for _, got := range []*big.Int{Mul(x, y), MulParallel(x, y)} {
			if got.Cmp(want) != 0 {
				t.Fatalf("%d × %d bits: wrong product", x.BitLen(), y.BitLen())
			}
		}
	}
}

func TestMulModMatchesMathBig(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for i := 0; i < 60; i++ {
		bits := 1 + rng.Intn(1<<22)
		x, y := randomInt(rng, bits), randomInt(rng, 1+rng.Intn(bits))
		got, B := MulMod(x, y, bits, rng.Intn(2) == 0)
		if B < bits || B%_W != 0 || got.BitLen() > B {
			t.Fatalf("%d bits: B %d, result of %d bits", bits, B, got.BitLen())
		}
		modulus := new(big.Int).Lsh(big.NewInt(1), uint(B))
		modulus.Sub(modulus, big.NewInt(1))
		want := new(big.Int).Mod(new(big.Int).Mul(x, y), modulus)
		if new(big.Int).Mod(got, modulus).Cmp(want) != 0 {
			t.Fatalf("%d × %d bits mod 2^%d−1: wrong", x.BitLen(), y.BitLen(), B)
		}
	}
}

func TestSquareAndCachedTransforms(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for i := 0; i < 8; i++ {
		x := randomInt(rng, 1+rng.Intn(1<<21))
		if got, want := MulParallel(x, x), new(big.Int).Mul(x, x); got.Cmp(want) != 0 {
			t.Fatalf("%d bits: wrong square", x.BitLen())
		}
		bits := 1 + rng.Intn(1<<22)
		c := NewModFactor(randomInt(rng, bits), bits, i%2 == 0)
		for j := 0; j < 3; j++ {
			x := randomInt(rng, 1+rng.Intn(bits))
			got, B := c.Mul(x, j == 1)
			if j == 2 {
				got, B = c.Times(NewModFactor(x, bits, true), false)
			}
			want, wantB := MulMod(x, c.y, bits, false)
			if B != wantB || got.Cmp(want) != 0 {
				t.Fatalf("%d bits: a cached transform gives another product", bits)
			}
		}
	}
}
