// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

import (
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

// base58LeafDigits is the length of the digit strings that math/big's
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
		n, err := (&base58Powers{ctx: ctx}).value(digits)
		if err != nil {
			return nil, err
		}
		value = n.Bytes()
	}
	out := make([]byte, zeros+len(value))
	copy(out[zeros:], value)
	return out, nil
}

// base58Powers holds 58^(base58LeafDigits·2^k) for k = 0, 1, ...
type base58Powers struct {
	ctx    context.Context
	powers []*big.Int
}

// power returns 58^(base58LeafDigits·2^k).
func (p *base58Powers) power(k int) *big.Int {
	for len(p.powers) <= k {
		if len(p.powers) == 0 {
			p.powers = append(p.powers, new(big.Int).Exp(big.NewInt(58), big.NewInt(base58LeafDigits), nil))
			continue
		}
		last := p.powers[len(p.powers)-1]
		p.powers = append(p.powers, bigfft.Mul(last, last))
	}
	return p.powers[k]
}

// value converts digits (math/big's base-58 digits) to their number.
func (p *base58Powers) value(digits []byte) (*big.Int, error) {
	if len(digits) <= base58LeafDigits {
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
	for base58LeafDigits<<(k+1) < len(digits) {
		k++
	}
	split := len(digits) - base58LeafDigits<<k
	high, err := p.value(digits[:split])
	if err != nil {
		return nil, err
	}
	low, err := p.value(digits[split:])
	if err != nil {
		return nil, err
	}
	return high.Add(bigfft.Mul(high, p.power(k)), low), nil
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
