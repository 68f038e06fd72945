package bigfft

import (
	"math/big"
	"math/rand"
	"syscall"
	"testing"
	"time"
)

func randInt(rng *rand.Rand, bits int) *big.Int {
	b := make([]byte, bits/8)
	rng.Read(b)
	b[0] |= 0x80
	return new(big.Int).SetBytes(b)
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestZZMul(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, bits := range []int{13 << 20, 3 << 20, 1 << 19} {
		x, y := randInt(rng, bits), randInt(rng, bits)
		best, bestCPU := time.Hour, time.Hour
		for i := 0; i < 5; i++ {
			w, c := time.Now(), cpuNow()
			Mul(x, y)
			best = min(best, time.Since(w))
			bestCPU = min(bestCPU, cpuNow()-c)
		}
		t.Logf("%d bits: wall %v cpu %v", bits, best, bestCPU)
	}
}
