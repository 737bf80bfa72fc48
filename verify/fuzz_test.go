package verify

import (
	"bytes"
	"testing"
	"testing/fstest"

	"github.com/dapp-publish/dapp-publish/internal/trustless/trustlesstest"
	"github.com/ipfs/go-cid"
)

// FuzzVerifyCAR feeds arbitrary bytes to the stream verifier. It must never
// panic, and whenever it accepts a stream every block it handed out must hash
// to its CID when checked independently (go-cid's Prefix.Sum), go-car must
// read the same bytes without complaint, and go-codec-dagpb must find every
// block under the root (trustlesstest.Oracle).
func FuzzVerifyCAR(f *testing.F) {
	small := fstest.MapFS{"index.html": {Data: []byte("<p>hi</p>")}, "a/b.txt": {Data: []byte("b")}}
	root, good, _ := packCAR(f, small)
	_, other, _ := packCAR(f, fstest.MapFS{"index.html": {Data: []byte("other")}})
	f.Add(good)
	for _, c := range corruptions {
		f.Add(c.fn(f, good, other))
	}
	for _, tc := range trustlesstest.Cases() {
		if car, err := trustlesstest.Read(tc.Name); err == nil && len(car) < 64<<10 {
			f.Add(car)
		}
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
		if err == nil {
			if err := trustlesstest.Oracle(data, root); err != nil {
				t.Fatalf("accepted a stream that an independent reader refuses: %v", err)
			}
		}
	})
}
