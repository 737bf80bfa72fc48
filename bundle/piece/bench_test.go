package piece

import (
	"bytes"
	"context"
	"crypto/sha256"
	"testing"
)

// BenchmarkSum measures the piece commitment of 64 MiB held in memory, on
// one core and on all of them. The SHA-256 ceiling of the machine is
// BenchmarkSHA256 in bundle (go test -bench SHA256 ./bundle).
func BenchmarkSum(b *testing.B) {
	data := bytes.Repeat([]byte("dapp-publish piece benchmark "), (64<<20)/29)
	for _, workers := range []int{1, 0} {
		name := "all-cores"
		if workers == 1 {
			name = "one-core"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Sum(context.Background(), bytes.NewReader(data), int64(len(data)), workers); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCeilingSHA256 is SHA-256 of 1 MiB messages on one core: the
// machine's ceiling for hashing bytes.
func BenchmarkCeilingSHA256(b *testing.B) {
	data := make([]byte, 1<<20)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		sha256.Sum256(data)
	}
}

// BenchmarkCeilingNodes hashes one layer of 64-byte nodes on one core, as
// the piece tree does (MB/s of node input).
func BenchmarkCeilingNodes(b *testing.B) {
	layer := make([][32]byte, 1<<15)
	out := make([][32]byte, 1<<14)
	b.SetBytes(int64(len(layer)) * 32)
	for b.Loop() {
		hashLayer(out, layer)
	}
}

// BenchmarkFR32 spreads quads over leaves, on one core.
func BenchmarkFR32(b *testing.B) {
	var in [127]byte
	var out [4][32]byte
	b.SetBytes(127)
	for b.Loop() {
		fr32(&in, &out)
	}
}
