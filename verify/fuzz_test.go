package verify

import (
	"bytes"
	"testing"
	"testing/fstest"

	"github.com/ipfs/go-cid"
)

// FuzzVerifyCAR feeds arbitrary bytes to the stream verifier. It must never
// panic, and whenever it accepts a stream every block it handed out must hash
// to its CID when checked independently (go-cid's Prefix.Sum).
func FuzzVerifyCAR(f *testing.F) {
	small := fstest.MapFS{"index.html": {Data: []byte("<p>hi</p>")}, "a/b.txt": {Data: []byte("b")}}
	root, good, _ := packCAR(f, small)
	_, other, _ := packCAR(f, fstest.MapFS{"index.html": {Data: []byte("other")}})
	f.Add(good)
	for _, c := range corruptions {
		f.Add(c.fn(f, good, other))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var blocks int
		res, err := VerifyCAR(bytes.NewReader(data), root, Options{
			Limits: Limits{MaxBlocks: 1000},
			OnBlock: func(c cid.Cid, b []byte) error {
				blocks++
				want, err := c.Prefix().Sum(b)
				if err != nil || !want.Equals(c) {
					t.Fatalf("verifier passed block %s whose bytes hash to %s (%v)", c, want, err)
				}
				return nil
			},
		})
		if err == nil && (res.Blocks == 0 || res.Blocks != blocks) {
			t.Fatalf("accepted a stream with %d blocks (OnBlock saw %d)", res.Blocks, blocks)
		}
	})
}

// FuzzDagPB feeds arbitrary bytes to the dag-pb and UnixFS decoders that
// run on every verified block (a valid hash says nothing about a valid
// structure: anyone can hash garbage and link to it). They must not panic,
// and links must alias the input.
func FuzzDagPB(f *testing.F) {
	_, car, _ := packCAR(f, testSite(1))
	for _, s := range splitCAR(f, car).sections {
		if s.cid.Type() == cid.DagProtobuf {
			f.Add(s.data)
		}
	}
	f.Add([]byte{0x12, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		node, err := parsePB(data, func(hash, name []byte) error {
			if len(hash) > len(data) || len(name) > len(data) {
				t.Fatal("a link field longer than the block")
			}
			return nil
		})
		if err == nil {
			_ = unixfsType(node)
		}
		c, err := cid.Prefix{Version: 1, Codec: cid.DagProtobuf, MhType: 0x12, MhLength: -1}.Sum(data)
		if err != nil {
			t.Fatal(err)
		}
		tr := NewTree(c)
		if tr.Collect(c, data) == nil {
			_, _, _ = tr.Entries()
		}
		_ = forEachLink(c, data, func(cid.Cid) error { return nil })
	})
}
