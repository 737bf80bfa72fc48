package trustless_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/dapp-publish/dapp-publish/internal/trustless"
	tt "github.com/dapp-publish/dapp-publish/internal/trustless/trustlesstest"
	"github.com/ipfs/go-cid"
)

// slabCAR is a valid CAR of a folder of blocks from 1 byte to 1,500 bytes,
// parents first, so that sections are cut by the ends of small slabs at
// every place: in the length, in the CID, in the block.
func slabCAR(t testing.TB) (cid.Cid, []byte, int) {
	rng := rand.New(rand.NewPCG(3, 4))
	var links []tt.Link
	var blocks []tt.Block
	for i := range 30 {
		n := 1 + rng.IntN(200)
		if i%7 == 0 {
			n = 500 + rng.IntN(1000)
		}
		data := make([]byte, n)
		for j := range data {
			data[j] = byte(rng.Uint32())
		}
		b := tt.Sum(cid.Raw, data, 0x12, -1)
		blocks = append(blocks, b)
		links = append(links, tt.L(fmt.Sprintf("f%02d", i), b))
	}
	root := tt.Dir(links...)
	return root.Cid, tt.CAR([]cid.Cid{root.Cid}, append([]tt.Block{root}, blocks...)...), len(blocks) + 1
}

// carV2 wraps a CARv1 in a CARv2 with padding before it and bytes after it
// (where an index would be).
func carV2(v1 []byte) []byte {
	pragma := []byte{0x0a, 0xa1, 0x67, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0x02}
	var h [40]byte
	off := uint64(len(pragma) + len(h) + 13)
	binary.LittleEndian.PutUint64(h[16:], off)
	binary.LittleEndian.PutUint64(h[24:], uint64(len(v1)))
	binary.LittleEndian.PutUint64(h[32:], off+uint64(len(v1)))
	out := append(append(pragma, h[:]...), make([]byte, 13)...)
	return append(append(out, v1...), "not a CAR section: an index"...)
}

var slabSizes = []struct{ first, size int }{{64, 64}, {64, 100}, {128, 512}, {1024, 4096}, {64 << 10, 4 << 20}}

var readers = []struct {
	name string
	wrap func([]byte) io.Reader
}{
	{"whole", func(b []byte) io.Reader { return bytes.NewReader(b) }},
	{"one-byte", func(b []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) }},
	{"half", func(b []byte) io.Reader { return iotest.HalfReader(bytes.NewReader(b)) }},
	{"data-err", func(b []byte) io.Reader { return iotest.DataErrReader(bytes.NewReader(b)) }},
}

// Both readers and both ways of reading (one slab reused, a pool of slabs
// for the pipeline) read every block of a CAR, v1 or v2, whatever the size
// of the slabs (blocks larger than a slab included) and however the stream
// hands out its bytes.
func TestSlabsReadEverything(t *testing.T) {
	root, v1, blocks := slabCAR(t)
	for _, sz := range slabSizes {
		restore := trustless.SetSlabs(sz.first, sz.size)
		for _, version := range []int{1, 2} {
			car := v1
			if version == 2 {
				car = carV2(v1)
			}
			for _, rd := range readers {
				for _, workers := range []int{1, 3} {
					name := fmt.Sprintf("slabs %d-%d, v%d, %s, workers %d", sz.first, sz.size, version, rd.name, workers)
					var seen int
					lim := trustless.Limits{Workers: workers}
					res, err := trustless.VerifyCAR(rd.wrap(car), root, trustless.Options{Limits: lim, OnBlock: func(c cid.Cid, data []byte) error {
						seen++
						return trustless.CheckBlock(c, data) // the bytes handed on are the block's
					}})
					if err != nil || res.Blocks != blocks || seen != blocks {
						t.Fatalf("%s: VerifyCAR: %v, %d blocks (OnBlock %d), want %d", name, err, res.Blocks, seen, blocks)
					}
					if want := int64(len(v1)); version == 1 && res.Bytes != want {
						t.Errorf("%s: VerifyCAR read %d bytes, want %d", name, res.Bytes, want)
					}
					whole, err := trustless.ReadCAR(rd.wrap(car), lim)
					if err == nil {
						err = whole.Verify()
					}
					if err != nil || whole.Blocks != blocks || whole.Version != version {
						t.Fatalf("%s: ReadCAR: %v, %d blocks, version %d", name, err, whole.Blocks, whole.Version)
					}
				}
			}
		}
		restore()
	}
}

// stride: every byte with the smallest slabs, where every kind of cut
// occurs most often, and a sample with the others.
func stride(slab int) int {
	if slab <= 64 {
		return 1
	}
	return 7
}

// A stream cut anywhere gets the same verdict, word for word, from the
// sequential and the pipelined reading, whatever the slabs: the cut is
// found where it is (never a block past it accepted), and a cut between
// sections is an incomplete DAG.
func TestSlabsTruncatedAnywhere(t *testing.T) {
	root, car, _ := slabCAR(t)
	for _, sz := range slabSizes {
		restore := trustless.SetSlabs(sz.first, sz.size)
		for cut := 0; cut < len(car); cut += stride(sz.size) {
			var msgs [2]string
			for k, workers := range []int{1, 3} {
				_, err := trustless.VerifyCAR(bytes.NewReader(car[:cut]), root, trustless.Options{Limits: trustless.Limits{Workers: workers}})
				if !errors.Is(err, trustless.ErrTruncated) && !errors.Is(err, trustless.ErrIncomplete) {
					t.Fatalf("slabs %d-%d, cut at %d, workers %d: got %v", sz.first, sz.size, cut, workers, err)
				}
				msgs[k], _, _ = strings.Cut(err.Error(), "(e.g.") // the example missing block is any of them
			}
			if msgs[0] != msgs[1] {
				t.Fatalf("slabs %d-%d, cut at %d: sequential %q, pipelined %q", sz.first, sz.size, cut, msgs[0], msgs[1])
			}
		}
		restore()
	}
}

// Any flipped byte is caught by both ways of reading, with the same
// verdict, whatever the slabs.
func TestSlabsFlippedAnywhere(t *testing.T) {
	root, car, _ := slabCAR(t)
	for _, sz := range slabSizes[:3] {
		restore := trustless.SetSlabs(sz.first, sz.size)
		for i := 0; i < len(car); i += stride(sz.size) {
			bad := bytes.Clone(car)
			bad[i] ^= 0x40
			var msgs [2]string
			for k, workers := range []int{1, 3} {
				_, err := trustless.VerifyCAR(bytes.NewReader(bad), root, trustless.Options{Limits: trustless.Limits{Workers: workers}})
				if err == nil {
					t.Fatalf("slabs %d-%d, byte %d flipped, workers %d: accepted", sz.first, sz.size, i, workers)
				}
				msgs[k] = err.Error()
			}
			if msgs[0] != msgs[1] {
				t.Fatalf("slabs %d-%d, byte %d flipped: sequential %q, pipelined %q", sz.first, sz.size, i, msgs[0], msgs[1])
			}
		}
		restore()
	}
}

// The text a gateway appends when it gives up mid-CAR is reported, however
// the slabs cut it.
func TestSlabsGatewayTrailer(t *testing.T) {
	root, car, _ := slabCAR(t)
	trailer := "\n\n[Gateway Error: failed to fetch block: context deadline exceeded]\n"
	cut := len(car) * 2 / 3
	for _, sz := range slabSizes {
		restore := trustless.SetSlabs(sz.first, sz.size)
		// Cut at a section boundary: find the last one before cut.
		p, err := trustless.NewCARReader(bytes.NewReader(car), trustless.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		at := int64(0)
		for p.Offset() < int64(cut) {
			at = p.Offset()
			if _, _, _, err := p.Next(); err != nil {
				t.Fatal(err)
			}
		}
		stream := append(bytes.Clone(car[:at]), trailer...)
		for _, workers := range []int{1, 3} {
			_, err := trustless.VerifyCAR(iotest.HalfReader(bytes.NewReader(stream)), root, trustless.Options{Limits: trustless.Limits{Workers: workers}})
			if !errors.Is(err, trustless.ErrTruncated) || !bytes.Contains([]byte(err.Error()), []byte("context deadline exceeded")) {
				t.Fatalf("slabs %d-%d, workers %d: got %v", sz.first, sz.size, workers, err)
			}
		}
		restore()
	}
}
