package sha256mb

import (
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"testing"
)

// Every length class (empty, under one block, 55/56/63/64 bytes around the
// padding boundary, many blocks, unequal lengths in one batch) and every
// batch size around the lane count give crypto/sha256's digests.
func TestSumAgainstCryptoSHA256(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	lengths := []int{0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4096, 64 << 10, 1 << 20, 1<<20 + 3}
	for _, batch := range []int{1, 3, 4, 15, 16, 17, 33, 70} {
		msgs := make([][]byte, batch)
		for i := range msgs {
			n := lengths[rng.IntN(len(lengths))]
			if rng.IntN(3) == 0 {
				n = rng.IntN(300 << 10)
			}
			msgs[i] = make([]byte, n)
			for j := range msgs[i] {
				msgs[i][j] = byte(rng.Uint32())
			}
		}
		check(t, fmt.Sprintf("batch of %d", batch), msgs)
	}
	// Each length alone in a full batch, so every lane sees every tail.
	for _, n := range lengths[:13] {
		msgs := make([][]byte, 2*Lanes+1)
		for i := range msgs {
			msgs[i] = make([]byte, n+i)
			for j := range msgs[i] {
				msgs[i][j] = byte(i*7 + j)
			}
		}
		check(t, fmt.Sprintf("lengths %d+i", n), msgs)
	}
}

// A batch that ends with a few long messages still in their lanes finishes
// them with crypto/sha256 from the lanes' states (finish): long messages of
// every tail length among short ones, in any order, and with lanes caught
// in their padded tail blocks.
func TestSumTailHandover(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, long := range []int{6400, 6401, 6455, 6456, 6463, 6464, 6465} {
		for _, nlong := range []int{1, 2, tailLanes, tailLanes + 1} {
			for _, short := range []int{0, 1, 63, 64, 65, 120, 200} {
				var msgs [][]byte
				for i := range nlong {
					msgs = append(msgs, randBytes(rng, long+i))
				}
				for range 20 {
					msgs = append(msgs, randBytes(rng, rng.IntN(short+1)))
				}
				rng.Shuffle(len(msgs), func(i, j int) { msgs[i], msgs[j] = msgs[j], msgs[i] })
				check(t, fmt.Sprintf("%d long of %d among short of up to %d", nlong, long, short), msgs)
			}
		}
	}
}

func randBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func check(t *testing.T, name string, msgs [][]byte) {
	t.Helper()
	out := make([][Size]byte, len(msgs))
	Sum(out, msgs)
	for i, m := range msgs {
		if want := sha256.Sum256(m); out[i] != want {
			t.Fatalf("%s: message %d (%d bytes): %x, want %x", name, i, len(m), out[i], want)
		}
	}
	if !accelerated {
		return
	}
	// The lanes themselves, below minBatch too, handing the last messages
	// over to crypto/sha256 at every threshold (the CPU decides which one
	// runs: 5 with the SHA extensions, 1 without).
	defer func(tl int) { tailLanes = tl }(tailLanes)
	for _, tl := range []int{0, 1, 5, Lanes} {
		tailLanes = tl
		out := make([][Size]byte, len(msgs))
		sumLanes(out, msgs)
		for i, m := range msgs {
			if want := sha256.Sum256(m); out[i] != want {
				t.Fatalf("%s, lanes, tailLanes %d: message %d (%d bytes): %x, want %x", name, tl, i, len(m), out[i], want)
			}
		}
	}
}

func TestSumShortOut(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a short out")
		}
	}()
	Sum(make([][Size]byte, 1), make([][]byte, 2))
}

func FuzzSum(f *testing.F) {
	f.Add([]byte("abc"), uint8(16), uint16(100))
	f.Fuzz(func(t *testing.T, seed []byte, n uint8, step uint16) {
		msgs := make([][]byte, int(n)%40)
		for i := range msgs {
			size := (i*int(step) + len(seed)) % (70 << 10)
			msgs[i] = make([]byte, size)
			for j := range msgs[i] {
				if len(seed) > 0 {
					msgs[i][j] = seed[(i+j)%len(seed)] + byte(i)
				}
			}
		}
		check(t, "fuzz", msgs)
	})
}

// BenchmarkSum hashes 1 MiB messages (the leaves of a pack), 16 at a time,
// on one core; BenchmarkCryptoSHA256 is the same bytes one message at a time.
func BenchmarkSum(b *testing.B) {
	for _, size := range []int{1 << 20, 16 << 10} {
		msgs := make([][]byte, Lanes)
		for i := range msgs {
			msgs[i] = make([]byte, size)
		}
		out := make([][Size]byte, len(msgs))
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(size * len(msgs)))
			for b.Loop() {
				Sum(out, msgs)
			}
		})
		b.Run(fmt.Sprintf("%dKiB-crypto", size>>10), func(b *testing.B) {
			b.SetBytes(int64(size * len(msgs)))
			for b.Loop() {
				sumEach(out, msgs)
			}
		})
	}
}

// BenchmarkSumMixed hashes batches whose messages differ in size, as the
// blocks of a CAR stream do: one 1 MiB leaf among small blocks, and sizes
// spread from 1 KiB to 1 MiB in stream order.
func BenchmarkSumMixed(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	one := [][]byte{make([]byte, 1<<20)}
	for range 31 {
		one = append(one, make([]byte, 4<<10))
	}
	var spread [][]byte
	for range 32 {
		spread = append(spread, make([]byte, 1<<10+rng.IntN(1<<20)))
	}
	for _, c := range []struct {
		name string
		msgs [][]byte
	}{{"one-big", one}, {"spread", spread}} {
		var n int64
		for _, m := range c.msgs {
			n += int64(len(m))
		}
		out := make([][Size]byte, len(c.msgs))
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(n)
			for b.Loop() {
				Sum(out, c.msgs)
			}
		})
		b.Run(c.name+"-crypto", func(b *testing.B) {
			b.SetBytes(n)
			for b.Loop() {
				sumEach(out, c.msgs)
			}
		})
	}
}
