// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"math/big"

	"github.com/remyoudompheng/bigfft"
)

// storj.io/common/base58.Decode multiplies one big integer by 58^10 once
// per ten digits: quadratic, minutes for the grant of a 1 MiB prefix. The
// decoder below gives the same bytes by divide and conquer: the value of
// a digit string is high·58^len(low) + low, the powers come from a table
// of squares, and products of large numbers go through Schönhage-Strassen
// (bigfft), so the whole costs a few large multiplications.

// base58LeafDigits bounds the length of the digit strings that math/big's
// own (quadratic) conversion handles.
const base58LeafDigits = 1024

// fromBase58 maps the alphabet to math/big's base-58 digits; 0 marks a
// byte that is not in the alphabet.
var fromBase58 = func() (from [256]byte) {
	for i := 0; i < 58; i++ {
		from[base58Alphabet[i]] = bigDigits[i]
	}
	return from
}()

// errBase58Digit reports a byte outside the base58 alphabet.
var errBase58Digit = errors.New("invalid base58 digit")

// base58Decode is storj.io/common/base58.Decode (which returns no bytes for
// a string with a byte outside the alphabet) with an error for that case.
// ctx ends a long decode between two multiplications.
func base58Decode(ctx context.Context, s string) ([]byte, error) {
	zeros := 0
	for zeros < len(s) && s[zeros] == base58Alphabet[0] {
		zeros++
	}
	digits := make([]byte, len(s)-zeros)
	for i := range digits {
		digit := fromBase58[s[zeros+i]]
		if digit == 0 {
			return nil, errBase58Digit
		}
		digits[i] = digit
	}
	var value []byte
	if len(digits) > 0 {
		n, err := (&base58Powers{ctx: ctx, leaf: leafDigits(len(digits))}).value(digits)
		if err != nil {
			return nil, err
		}
		value = n.Bytes()
	}
	out := make([]byte, zeros+len(value))
	copy(out[zeros:], value)
	return out, nil
}

// base58Powers holds 58^(leaf·2^k) for k = 0, 1, ...
type base58Powers struct {
	ctx    context.Context
	leaf   int
	powers []*big.Int
}

// leafDigits is a leaf length of at most base58LeafDigits such that the
// doublings of it just reach digits (plus a margin of one digit per leaf):
// then each split halves its number, where a fixed leaf can leave a top
// split of a few bits above a sliver of the number, and so a whole level of
// work and a power twice as long.
func leafDigits(digits int) int {
	k := 0
	for digits>>k > base58LeafDigits-1 {
		k++
	}
	return (digits+1<<k-1)>>k + 1
}

// power returns 58^(leaf·2^k).
func (p *base58Powers) power(k int) *big.Int {
	for len(p.powers) <= k {
		if len(p.powers) == 0 {
			p.powers = append(p.powers, new(big.Int).Exp(big.NewInt(58), big.NewInt(int64(p.leaf)), nil))
			continue
		}
		last := p.powers[len(p.powers)-1]
		p.powers = append(p.powers, bigfft.Mul(last, last))
	}
	return p.powers[k]
}

// value converts digits (math/big's base-58 digits) to their number.
func (p *base58Powers) value(digits []byte) (*big.Int, error) {
	if len(digits) <= p.leaf {
		n, ok := new(big.Int).SetString(string(digits), 58)
		if !ok {
			return nil, errBase58Digit
		}
		return n, nil
	}
	if err := p.ctx.Err(); err != nil {
		return nil, context.Cause(p.ctx)
	}
	// The low part is the largest power-of-two multiple of the leaf
	// shorter than digits, so that all splits share one table.
	k := 0
	for p.leaf<<(k+1) < len(digits) {
		k++
	}
	split := len(digits) - p.leaf<<k
	power := p.power(k) // and every smaller one, before the halves read them
	var high, low *big.Int
	err := both(len(digits) > base58ParallelDigits, func() (err error) {
		high, err = p.value(digits[:split])
		return err
	}, func() (err error) {
		low, err = p.value(digits[split:])
		return err
	})
	if err != nil {
		return nil, err
	}
	return high.Add(bigfft.Mul(high, power), low), nil
}

// base58ParallelDigits (about 4 Mbit) is the size from which the two
// halves of a conversion run on two goroutines.
const base58ParallelDigits = 700_000

// both runs a and b, on two goroutines when parallel, and returns the
// first error.
func both(parallel bool, a, b func() error) error {
	if !parallel {
		if err := a(); err != nil {
			return err
		}
		return b()
	}
	done := make(chan error, 1)
	go func() { done <- a() }()
	errB := b()
	if errA := <-done; errA != nil {
		return errA
	}
	return errB
}

// errBase58Format and errBase58Checksum are storj.io/common/base58's
// ErrInvalidFormat and ErrChecksum.
var (
	errBase58Format   = errors.New("invalid format: version and/or checksum bytes missing")
	errBase58Checksum = errors.New("checksum error")
)

// base58CheckDecode is storj.io/common/base58.CheckDecode.
func base58CheckDecode(ctx context.Context, s string) (payload []byte, version byte, err error) {
	decoded, err := base58Decode(ctx, s)
	if errors.Is(err, errBase58Digit) {
		decoded, err = nil, nil
	}
	if err != nil {
		return nil, 0, err
	}
	if len(decoded) < 5 {
		return nil, 0, errBase58Format
	}
	body := decoded[:len(decoded)-4]
	if subtle.ConstantTimeCompare(base58Checksum(body), decoded[len(decoded)-4:]) != 1 {
		return nil, 0, errBase58Checksum
	}
	return body[1:], body[0], nil
}

// The encoder divides and conquers the other way: the digits of x are
// those of x / 58^L followed by the L digits of x mod 58^L, with L the
// length of a table power of about the square root of x. Each division
// multiplies by a reciprocal of the power (Newton's iteration, once per
// table entry) and corrects its estimate with math/big's exact division,
// which then only has a small quotient to find. Below base58LeafBits
// math/big's own conversion is as fast.

// base58LeafBits is the size of the numbers that math/big converts (a
// variable so that tests can send small numbers through the division).
var base58LeafBits = 1 << 20

// base58Encoder converts one number; it keeps the powers and their
// reciprocals.
type base58Encoder struct {
	powers base58Powers
	// reciprocals[k] is about 2^(2m) / power(k), m its bit length.
	reciprocals []*big.Int
}

// base58EncodeContext is storj.io/common/base58.Encode; ctx ends a long
// encode between two multiplications.
func base58EncodeContext(ctx context.Context, data []byte) (string, error) {
	zeros := 0
	for zeros < len(data) && data[zeros] == 0 {
		zeros++
	}
	var digits []byte
	if zeros < len(data) {
		var err error
		x := new(big.Int).SetBytes(data[zeros:])
		// log2(58) > 5.857981, so x has at most this many digits.
		count := int(int64(x.BitLen())*1_000_000/5_857_981) + 1
		encoder := base58Encoder{powers: base58Powers{ctx: ctx, leaf: leafDigits(count)}}
		encoder.prepare(x)
		digits, err = encoder.digits(x, 0)
		if err != nil {
			return "", err
		}
	}
	out := make([]byte, zeros+len(digits))
	for i := 0; i < zeros; i++ {
		out[i] = base58Alphabet[0]
	}
	for i, digit := range digits {
		out[zeros+i] = toBase58[digit]
	}
	return string(out), nil
}

// digits returns math/big's base-58 digits of x, at least width of them
// (zeros in front); none for zero and width 0.
func (e *base58Encoder) digits(x *big.Int, width int) ([]byte, error) {
	var out []byte
	switch {
	case x.Sign() == 0:
	case x.BitLen() <= max(base58LeafBits, e.powers.power(0).BitLen()):
		out = x.Append(nil, 58)
	default:
		if err := e.powers.ctx.Err(); err != nil {
			return nil, context.Cause(e.powers.ctx)
		}
		k := 0
		for 2*e.powers.power(k).BitLen() < x.BitLen() {
			k++
		}
		quotient, remainder := e.divMod(x, k)
		low := e.powers.leaf << k
		var high, rest []byte
		err := both(x.BitLen() > base58ParallelDigits*6, func() (err error) {
			high, err = e.digits(quotient, max(width-low, 0))
			return err
		}, func() (err error) {
			rest, err = e.digits(remainder, low)
			return err
		})
		if err != nil {
			return nil, err
		}
		out = append(high, rest...)
	}
	if len(out) < width {
		out = append(bytes.Repeat([]byte{'0'}, width-len(out)), out...)
	}
	return out, nil
}

// prepare computes the powers and reciprocals that the conversion of x
// uses, so that its parallel halves only read them.
func (e *base58Encoder) prepare(x *big.Int) {
	if x.BitLen() <= max(base58LeafBits, e.powers.power(0).BitLen()) {
		return
	}
	k := 0
	for 2*e.powers.power(k).BitLen() < x.BitLen() {
		k++
	}
	for ; k >= 0; k-- {
		e.reciprocal(k)
	}
}

// divMod divides x < 2^(2m) by power(k) < 2^m (Barrett's reduction).
func (e *base58Encoder) divMod(x *big.Int, k int) (quotient, remainder *big.Int) {
	power := e.powers.power(k)
	m := uint(power.BitLen())
	quotient = bigfft.Mul(new(big.Int).Rsh(x, m-1), e.reciprocal(k))
	quotient.Rsh(quotient, m+1)
	remainder = new(big.Int).Sub(x, bigfft.Mul(quotient, power))
	if remainder.Sign() < 0 || remainder.Cmp(power) >= 0 {
		correction := new(big.Int)
		correction.DivMod(remainder, power, remainder)
		quotient.Add(quotient, correction)
	}
	return quotient, remainder
}

// reciprocal returns about 2^(2m) / power(k), m its bit length. The
// largest one asked for comes from Newton's iteration; the powers below it
// then take one multiplication each, as 1/p = p / p².
func (e *base58Encoder) reciprocal(k int) *big.Int {
	for len(e.reciprocals) <= k {
		e.reciprocals = append(e.reciprocals, nil)
	}
	if e.reciprocals[k] == nil {
		power := e.powers.power(k)
		if k+1 < len(e.reciprocals) && e.reciprocals[k+1] != nil {
			// power(k+1) = power(k)², so with m and M their bit lengths
			// power(k)·2^(2M)/power(k+1) = 2^(2M)/power(k).
			m, M := uint(power.BitLen()), uint(e.powers.power(k+1).BitLen())
			r := bigfft.Mul(power, e.reciprocals[k+1])
			e.reciprocals[k] = r.Rsh(r, 2*(M-m))
		} else {
			e.reciprocals[k] = reciprocal(power)
		}
	}
	return e.reciprocals[k]
}

// reciprocal returns about 2^(2m) / p, m the bit length of p (off by a
// few units): Newton's iteration from the reciprocal of p's upper half.
func reciprocal(p *big.Int) *big.Int {
	m := uint(p.BitLen())
	if m <= uint(max(base58LeafBits, 256)) { // at 256 bits h < m

		one := new(big.Int).Lsh(big.NewInt(1), 2*m)
		return one.Quo(one, p)
	}
	h := m/2 + 32
	rh := reciprocal(new(big.Int).Rsh(p, m-h)) // about 2^(2h)/(p>>(m-h))
	// With r = rh·2^(m−h): r += r·(2^(2m) − p·r) / 2^(2m), that is
	// r += rh·(2^(m+h) − p·rh) / 2^(2h), of which the low h−8 bits of the
	// error term change less than 1/256.
	e := new(big.Int).Lsh(big.NewInt(1), m+h)
	e.Sub(e, bigfft.Mul(p, rh))
	e.Rsh(e, h-8)
	correction := bigfft.Mul(rh, e)
	correction.Rsh(correction, h+8)
	r := rh.Lsh(rh, m-h)
	return r.Add(r, correction)
}
