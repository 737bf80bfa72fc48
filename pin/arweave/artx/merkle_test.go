package artx_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/dapp-publish/dapp-publish/pin/arweave/artx"
)

const kib = 1024

func TestChunkEnds(t *testing.T) {
	for _, tc := range []struct {
		size int64
		want []int64
	}{
		{0, []int64{0}},
		{1, []int64{1}},
		{256 * kib, []int64{256 * kib, 256 * kib}}, // the empty last chunk is part of the tree
		{256*kib + 1, []int64{131073, 256*kib + 1}},
		{256*kib + 32*kib, []int64{256 * kib, 288 * kib}},
		{256*kib + 32*kib - 1, []int64{(288*kib - 1 + 1) / 2, 288*kib - 1}},
		// 512 KiB + 1001 bytes: the second cut is ceil(263145/2) = 131573,
		// not floor (which everFinance/goar computes).
		{512*kib + 1001, []int64{256 * kib, 256*kib + 131573, 512*kib + 1001}},
		{1024*kib + 10*kib, []int64{256 * kib, 512 * kib, 768 * kib, 768*kib + 136192, 1034 * kib}},
	} {
		if got := artx.ChunkEnds(tc.size); !slices.Equal(got, tc.want) {
			t.Errorf("ChunkEnds(%d) = %v, want %v", tc.size, got, tc.want)
		}
	}
}

func randBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// TestProofs checks every chunk's proof leads from the root to that chunk,
// and that a flipped bit anywhere in a proof or a wrong offset is refused.
func TestProofs(t *testing.T) {
	for _, size := range []int{1, 256 * kib, 256*kib + 1, 512*kib + 1001, 1034 * kib, 3*256*kib + 5} {
		data := randBytes(uint64(size), size)
		tree, err := artx.BuildTree(bytes.NewReader(data), int64(size))
		if err != nil {
			t.Fatal(err)
		}
		chunks := tree.Chunks()
		var total int64
		for i, c := range chunks {
			total += c.Size()
			if sha256.Sum256(data[c.Min:c.Max]) != c.DataHash {
				t.Fatalf("size %d chunk %d: hash is not of its bytes", size, i)
			}
			proof := tree.Proof(i)
			for _, dest := range []int64{c.Min, c.Max - 1, (c.Min + c.Max) / 2} {
				got, err := artx.ValidatePath(tree.Root(), dest, int64(size), proof)
				if err != nil || got != c {
					t.Fatalf("size %d chunk %d offset %d: %v %+v", size, i, dest, err, got)
				}
			}
			bad := bytes.Clone(proof)
			bad[len(bad)/3] ^= 1
			if _, err := artx.ValidatePath(tree.Root(), c.Min, int64(size), bad); !errors.Is(err, artx.ErrBadProof) {
				t.Fatalf("size %d chunk %d: a tampered proof validated", size, i)
			}
			if len(chunks) > 1 {
				other := chunks[(i+1)%len(chunks)]
				if got, err := artx.ValidatePath(tree.Root(), other.Min, int64(size), proof); err == nil && got == c {
					t.Fatalf("size %d: chunk %d's proof validates for chunk at %d", size, i, other.Min)
				}
			}
		}
		if total != int64(size) {
			t.Fatalf("size %d: chunks cover %d bytes", size, total)
		}
	}
}

func TestBuildTreeShortData(t *testing.T) {
	if _, err := artx.BuildTree(bytes.NewReader(make([]byte, 10)), 11); !errors.Is(err, artx.ErrShortData) {
		t.Fatalf("got %v", err)
	}
}

func TestEmptyData(t *testing.T) {
	tree, err := artx.BuildTree(bytes.NewReader(nil), 0)
	if err != nil || tree.Root() != nil || len(tree.Chunks()) != 0 {
		t.Fatalf("empty data: root %x, %d chunks, %v", tree.Root(), len(tree.Chunks()), err)
	}
}

func TestDataRootChangesWithData(t *testing.T) {
	data := randBytes(7, 600*kib)
	a, _ := artx.BuildTree(bytes.NewReader(data), int64(len(data)))
	data[300*kib] ^= 1
	b, _ := artx.BuildTree(bytes.NewReader(data), int64(len(data)))
	if bytes.Equal(a.Root(), b.Root()) {
		t.Fatal("one flipped byte kept the data root")
	}
}

func BenchmarkBuildTree(b *testing.B) {
	data := randBytes(1, 64<<20)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := artx.BuildTree(bytes.NewReader(data), int64(len(data))); err != nil {
			b.Fatal(err)
		}
	}
}
