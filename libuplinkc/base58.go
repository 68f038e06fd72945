// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

import (
	"context"
	"crypto/subtle"
	"errors"
	"math/big"

	"uplinkpython/libuplinkc/internal/bigfft"
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
		n, err := (&base58Powers{ctx: ctx, leaf: leafDigits(len(digits))}).value(digits, true)
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
	// factors[k] is power(k) transformed for the decoder's products by
	// it, or nil where math/big multiplies.
	factors []*bigfft.ModFactor
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
		p.powers = append(p.powers, bigfft.MulParallel(last, last))
	}
	return p.powers[k]
}

// factor returns power(k) transformed for whole products with numbers
// below it (a product modulo 2^B − 1, B at least twice its size), or nil
// where it is small enough for math/big.
func (p *base58Powers) factor(k int) *bigfft.ModFactor {
	for len(p.factors) <= k {
		power := p.power(len(p.factors))
		var factor *bigfft.ModFactor
		if len(power.Bits()) > base58FactorWords {
			factor = bigfft.NewModFactor(power, 2*power.BitLen(), true)
		}
		p.factors = append(p.factors, factor)
	}
	return p.factors[k]
}

// base58FactorWords is bigfft's size for products by transforms.
const base58FactorWords = 1800

// value converts digits (math/big's base-58 digits) to their number; its
// products run on two goroutines when par (no other half runs beside it).
func (p *base58Powers) value(digits []byte, par bool) (*big.Int, error) {
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
	power := p.power(k)   // and every smaller one, before the halves read them
	factor := p.factor(k) // and every smaller one
	var high, low *big.Int
	halves := len(digits) > base58ParallelDigits
	err := both(halves, func() (err error) {
		high, err = p.value(digits[:split], par && !halves)
		return err
	}, func() (err error) {
		low, err = p.value(digits[split:], par && !halves)
		return err
	})
	if err != nil {
		return nil, err
	}
	// high has at most leaf·2^k digits: it is below power(k).
	if factor != nil {
		product, _ := factor.Mul(high, par)
		return product.Add(product, low), nil
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

// The encoder is a scaled remainder tree (Bernstein, "Scaled remainder
// trees", 2004). With D = leaf·2^K digits, the digits of x are those of the
// fraction x / 58^D in base 58. A node of the tree that stands for the
// digits from position a to b (counted from the low end) holds
// z = (x mod 58^b) / 58^b in fixed point; its high half holds the same z
// to half the precision (a shift), and its low half the fraction part of
// z·58^((b−a)/2): one multiplication per node, where a division costs two
// and a reciprocal. That product is needed only between the bits that
// become the integer part and those below the low half's precision, so it
// is taken modulo 2^B − 1 with B just above the node's precision (a cyclic
// convolution half the size of the whole product), and each level's power
// is transformed once for all its nodes. The root's two halves come from
// one exact division of x by 58^(D/2) (Newton's reciprocal, Barrett's
// quotient) and a multiplication each by the reciprocal; a leaf carries
// its digits out of its fraction by word products with 58^10.
//
// Every node keeps base58GuardBits more bits than its digits need, so
// that the truncations of all levels (and the carry that a product modulo
// 2^B − 1 may add) leave each leaf's fraction within 2^-58 of its value
// modulo 1. A leaf's digits are then exact unless the fraction below them
// is within that distance of an integer, where they may be one too low
// (the fraction wrapped to just under 1) or one too high (to just above
// 0). settle corrects those from the low end: the exact top digit of the
// leaf below says whether the true fraction is near 0 or near 1.

// base58GuardBits is the extra precision of each node.
const base58GuardBits = 64

// base58TreeDigits is the size from which the tree is faster than
// math/big's own conversion (about 1 Mbit; a variable so that tests can
// send small numbers through the tree).
var base58TreeDigits = 180_000

// base58EncodeLeafDigits is the largest leaf of the encoder (a variable
// so that tests can send small numbers through the tree).
var base58EncodeLeafDigits = 600

// base58Encoder converts one number.
type base58Encoder struct {
	powers base58Powers
	// precision[j] is the bit length of power(j) plus base58GuardBits.
	precision []uint
	// byPower[j] multiplies the nodes of level j+1 by power(j) modulo
	// 2^B − 1, B > precision[j+1].
	byPower []*bigfft.ModFactor
	// out holds the digits (math/big's characters), leaf by leaf.
	out []byte
	// fix[i] is +1 (-1) when leaf i's fraction was within the error of 1
	// (of 0), and its digits may be one too low (high).
	fix []int8
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
		if count <= max(base58EncodeLeafDigits, base58TreeDigits) {
			digits = x.Append(nil, 58)
		} else {
			digits, err = base58Tree(ctx, x, count)
			if err != nil {
				return "", err
			}
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

// base58Tree returns the digits of x, which has at most count digits
// (more than base58EncodeLeafDigits), without leading zeros.
func base58Tree(ctx context.Context, x *big.Int, count int) ([]byte, error) {
	// The least K with leaves of at most base58EncodeLeafDigits.
	K := 1
	for (count+1<<K-1)>>K > base58EncodeLeafDigits {
		K++
	}
	leaf := (count + 1<<K - 1) >> K
	e := base58Encoder{powers: base58Powers{ctx: ctx, leaf: leaf}}
	for j := 0; j < K; j++ {
		e.precision = append(e.precision, uint(e.powers.power(j).BitLen())+base58GuardBits)
	}
	e.out = make([]byte, leaf<<K)
	e.fix = make([]int8, 1<<K)

	// x < 58^D = P², so one exact division gives the halves, and the
	// reciprocal (with the guard bits) their fractions. The transforms of
	// the factors that do not depend on the reciprocal (x's top, P, and
	// each level's power) run beside Newton's iteration.
	P := e.powers.power(K - 1)
	m := uint(P.BitLen())
	// The products by r are below 2^(2m+g+2): factors modulo 2^B − 1 at
	// least as large give them whole, with one transform of r.
	rBits := int(2*m) + base58GuardBits + 2
	var top, byP *bigfft.ModFactor
	done := make(chan struct{})
	go func() {
		defer close(done)
		top = bigfft.NewModFactor(new(big.Int).Rsh(x, m-1), rBits, false)
		// x − quotient·P is below a few P in size: its residue modulo
		// 2^B − 1, B ≥ m + 64, gives it.
		byP = bigfft.NewModFactor(P, int(m)+base58GuardBits, false)
		// Each level multiplies by one power.
		e.byPower = make([]*bigfft.ModFactor, K-1)
		for j := 1; j < K; j++ {
			e.byPower[j-1] = bigfft.NewModFactor(e.powers.power(j-1), int(e.precision[j])+2, false)
		}
	}()
	r, err := reciprocal(ctx, new(big.Int).Lsh(P, base58GuardBits)) // about 2^(2m+g) / P
	<-done
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, context.Cause(ctx)
	}
	byR := bigfft.NewModFactor(r, rBits, true)
	quotient, _ := byR.Times(top, true)
	quotient.Rsh(quotient, m+1+base58GuardBits)
	// The quotient's fraction (the high half's root) is taken beside the
	// remainder that checks the quotient and the remainder's fraction, and
	// again in the rare case that the check corrects the quotient.
	fraction := make(chan *big.Int, 1)
	go func(q *big.Int) {
		z, _ := byR.Mul(q, false)
		fraction <- z
	}(quotient)
	product, B := byP.Mul(quotient, false)
	remainder := signedResidue(bigfft.Fold(x, B), product, B)
	var corrected *big.Int
	if remainder.Sign() < 0 || remainder.Cmp(P) >= 0 {
		corrected = new(big.Int)
		corrected.DivMod(remainder, P, remainder)
		corrected.Add(corrected, quotient)
	}
	low, _ := byR.Mul(remainder, false)
	high := <-fraction
	if corrected != nil {
		high, _ = byR.Mul(corrected, true)
	}
	half := len(e.out) / 2
	err = both(x.BitLen() > base58ParallelBits, func() error {
		return e.node(lowBits(high.Rsh(high, m), e.precision[K-1]), K-1, 0)
	}, func() error {
		return e.node(lowBits(low.Rsh(low, m), e.precision[K-1]), K-1, half)
	})
	if err != nil {
		return nil, err
	}
	// Each half is the fraction of an integer (the quotient, the
	// remainder): below the lowest leaf of each, the fraction is 0.
	e.settle(leaf, 1<<(K-1), 1<<K)
	e.settle(leaf, 0, 1<<(K-1))
	out := e.out
	for len(out) > 1 && out[0] == '0' {
		out = out[1:]
	}
	return out, nil
}

// base58ParallelBits (about 4 Mbit) is the size from which the two halves
// of a node run on two goroutines.
const base58ParallelBits = 4_000_000

// node writes the digits of the fraction z / 2^precision[j], which stands
// for leaf·2^j digits, to e.out[at:].
func (e *base58Encoder) node(z *big.Int, j int, at int) error {
	if err := e.powers.ctx.Err(); err != nil {
		return context.Cause(e.powers.ctx)
	}
	p := e.precision[j]
	if j == 0 {
		e.leaf(z, at)
		return nil
	}
	pl := e.precision[j-1]
	// The low half: the fraction part of z·58^(leaf·2^(j-1)), truncated.
	// Modulo 2^B − 1 with B > p, the bits of z·58^(leaf·2^(j-1)) from
	// 2^B on add to the low ones, which are below 2^(p−pl−1): at most a
	// carry of one unit into the bits kept.
	low, _ := e.byPower[j-1].Mul(z, false)
	low = lowBits(low.Rsh(low, p-pl), pl)
	high := new(big.Int).Rsh(z, p-pl)
	width := e.powers.leaf << (j - 1)
	return both(p > base58ParallelBits, func() error {
		return e.node(high, j-1, at)
	}, func() error {
		return e.node(low, j-1, at+width)
	})
}

// _W is the size of a big.Word in bits.
const _W = 32 << (^big.Word(0) >> 63)

// lowBits cuts x ≥ 0 to its low n bits, in place.
func lowBits(x *big.Int, n uint) *big.Int {
	words := x.Bits()
	if uint(len(words))*_W <= n {
		return x
	}
	words = words[:(n+_W-1)/_W]
	if n%_W != 0 {
		words[len(words)-1] &= 1<<(n%_W) - 1
	}
	return x.SetBits(words)
}

// leaf writes the digits of the fraction z / 2^precision[0] and marks the
// leaf when the fraction below them is within the error of 0 or 1. The
// fraction, as words, times 58^10 carries out the next ten digits (five
// on 32-bit machines).
func (e *base58Encoder) leaf(z *big.Int, at int) {
	p := e.precision[0]
	words := int(p+_W-1) / _W
	fraction := make([]big.Word, words)
	copy(fraction, new(big.Int).Lsh(z, uint(words*_W)-p).Bits())
	leaf := e.out[at : at+e.powers.leaf]
	for len(leaf) > 0 {
		n := min(len(leaf), digitsPerWord)
		chunk := uint64(bigfft.MulWord(fraction, big.Word(pow58[n])))
		for i := n - 1; i >= 0; i-- {
			leaf[i] = bigDigits[chunk%58]
			chunk /= 58
		}
		leaf = leaf[n:]
	}
	// The error is below 2^-58 of the fraction's unit: anything within
	// 2^-56 of 0 or 1 counts.
	top := uint64(fraction[words-1]) // the top 56 bits of the fraction
	if _W == 32 {
		top = top<<32 | uint64(fraction[words-2])
	}
	switch top >> 8 {
	case 0:
		e.fix[at/e.powers.leaf] = -1
	case 1<<56 - 1:
		e.fix[at/e.powers.leaf] = +1
	}
}

// digitsPerWord is the most digits whose power of 58 fits in a word.
const digitsPerWord = 5 * _W / 32

// pow58[n] is 58^n.
var pow58 = func() (pow [11]uint64) {
	pow[0] = 1
	for i := 1; i < len(pow); i++ {
		pow[i] = pow[i-1] * 58
	}
	return pow
}()

// bigDigitValue maps math/big's base-58 digits to their values.
var bigDigitValue = func() (value [256]byte) {
	for i := 0; i < 58; i++ {
		value[bigDigits[i]] = byte(i)
	}
	return value
}()

// settle corrects the marked leaves from..to−1 (the digits of an
// integer) from the low end: the fraction below a leaf is at least 1/2
// exactly when the top digit of the leaf below it is (for the lowest leaf
// it is 0).
func (e *base58Encoder) settle(leaf, from, to int) {
	upper := false // the fraction below the current leaf is ≥ 1/2
	for i := to - 1; i >= from; i-- {
		digits := e.out[i*leaf : (i+1)*leaf]
		switch {
		case e.fix[i] > 0 && !upper:
			addDigits(digits, +1)
		case e.fix[i] < 0 && upper:
			addDigits(digits, -1)
		}
		upper = bigDigitValue[digits[0]] >= 29
	}
}

// addDigits adds ±1 to a string of math/big's base-58 digits, modulo
// 58^len(digits).
func addDigits(digits []byte, one int) {
	for i := len(digits) - 1; i >= 0; i-- {
		v := int(bigDigitValue[digits[i]]) + one
		switch {
		case v == 58:
			digits[i] = '0'
		case v < 0:
			digits[i] = bigDigits[57]
		default:
			digits[i] = bigDigits[v]
			return
		}
	}
}

// signedResidue returns a − b modulo 2^B − 1 between −2^(B−1) and
// 2^(B−1), for 0 ≤ a, b < 2^B: the difference itself when it lies there.
func signedResidue(a, b *big.Int, B int) *big.Int {
	modulus := new(big.Int).Lsh(big.NewInt(1), uint(B))
	modulus.Sub(modulus, big.NewInt(1))
	d := new(big.Int).Sub(a, b)
	if d.Sign() < 0 {
		d.Add(d, modulus)
	}
	if d.Cmp(new(big.Int).Rsh(modulus, 1)) > 0 {
		d.Sub(d, modulus)
	}
	return d
}

// reciprocal returns about 2^(2m) / p, m the bit length of p (off by a
// few units): Newton's iteration from the reciprocal of p's upper half.
// ctx ends it between two steps.
func reciprocal(ctx context.Context, p *big.Int) (*big.Int, error) {
	m := uint(p.BitLen())
	if m <= 1<<15 {
		one := new(big.Int).Lsh(big.NewInt(1), 2*m)
		return one.Quo(one, p), nil
	}
	h := m/2 + 32
	rh, err := reciprocal(ctx, new(big.Int).Rsh(p, m-h)) // about 2^(2h)/(p>>(m-h))
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, context.Cause(ctx)
	}
	// With r = rh·2^(m−h): r += r·(2^(2m) − p·r) / 2^(2m), that is
	// r += rh·(2^(m+h) − p·rh) / 2^(2h), of which the low h−8 bits of the
	// error term change less than 1/256. The error term is below 2^(m+4)
	// in size, so p·rh modulo 2^B − 1, B ≥ m + 16, gives it; the same
	// multiplier (one transform of rh) gives the whole of rh·e.
	byRh := bigfft.NewModFactor(rh, int(max(m+16, 2*h+16)), true)
	product, B := byRh.Mul(p, true)
	// 2^(m+h) is 2^((m+h) mod B) modulo 2^B − 1.
	e := signedResidue(new(big.Int).Lsh(big.NewInt(1), (m+h)%uint(B)), product, B)
	e.Rsh(e, h-8)
	correction, _ := byRh.Mul(new(big.Int).Abs(e), true)
	if e.Sign() < 0 {
		correction.Neg(correction)
	}
	correction.Rsh(correction, h+8)
	r := rh.Lsh(rh, m-h)
	return r.Add(r, correction), nil
}
