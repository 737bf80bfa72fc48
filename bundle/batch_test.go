package bundle_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dapp-publish/dapp-publish/bundle"
)

// Hashing raw leaves in lanes or batches (the AVX-512 paths: lanes.go with
// the files' SHA-256, batch.go without) and as they are read give the same
// bundle, byte for byte: root, CAR, manifest (every file's CID and SHA-256)
// and piece CID, with one worker and several, on every parity tree and on
// random trees whose files span batches, repeat and are empty. The parity
// tests compare the path this machine uses with Kubo.
func TestBatchLeavesSameBundle(t *testing.T) {
	cases := parityCases()
	for seed := range uint64(4) {
		cases = append(cases, treeCase{fmt.Sprintf("random%d", seed), randomTree(seed)})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.build(t, dir, bundle.ProfileV1_2025)
			for _, workers := range []int{1, 3} {
				for _, mode := range []struct{ onlyHash, fileHashes bool }{{false, true}, {true, true}, {true, false}} {
					onlyHash := mode.onlyHash
					opts := bundle.Options{Workers: workers, FileHashes: mode.fileHashes}
					restore := bundle.SetBatchLeaves(false)
					want, wantCAR := pack(t, os.DirFS(dir), opts, onlyHash)
					bundle.SetBatchLeaves(true)
					got, gotCAR := pack(t, os.DirFS(dir), opts, onlyHash)
					restore()
					if got.Root != want.Root || !bytes.Equal(gotCAR, wantCAR) || manifestJSON(t, got) != manifestJSON(t, want) {
						t.Fatalf("workers %d, %+v: batched root %s, CAR %d bytes; as read %s, %d bytes; manifests equal: %v",
							workers, mode, got.Root, len(gotCAR), want.Root, len(wantCAR), manifestJSON(t, got) == manifestJSON(t, want))
					}
				}
			}
		})
	}
}

func manifestJSON(t *testing.T, b *bundle.Bundle) string {
	t.Helper()
	j, err := json.Marshal(b.Manifest)
	if err != nil {
		t.Fatal(err)
	}
	return string(j)
}

// randomTree makes 40-80 files of sizes around the chunk and batch edges:
// empty, small, exactly one chunk, several chunks (more than a batch of
// leaves), copies of other files.
func randomTree(seed uint64) func(*testing.T, string, bundle.Profile) {
	return func(t *testing.T, dir string, p bundle.Profile) {
		rng := rand.New(rand.NewPCG(seed, 11))
		c := p.ChunkSize
		sizes := []int64{0, 1, 63, 64, 65, 4000, c - 1, c, c + 1, 3*c + 77, 17*c + 5}
		files := map[string]string{}
		var made []string
		for i := range 40 + rng.IntN(40) {
			name := fmt.Sprintf("%sf%02d.bin", []string{"", "a/", "a/b/", "c/"}[rng.IntN(4)], i)
			if rng.IntN(8) == 0 && len(made) > 0 {
				files[name] = files[made[rng.IntN(len(made))]]
			} else {
				files[name] = string(pattern(sizes[rng.IntN(len(sizes))], seed*1000+uint64(i)))
			}
			made = append(made, name)
		}
		writeFiles(t, dir, files)
	}
}

// A file that changes while it is packed is reported on the batched path
// too, wherever the change falls in its leaves.
func TestBatchLeavesNoticeChangedFile(t *testing.T) {
	restore := bundle.SetBatchLeaves(true)
	defer restore()
	dir := t.TempDir()
	big := string(pattern(3<<20+5, 9))
	writeFiles(t, dir, map[string]string{"index.html": "original content", "big.bin": big})
	for _, tc := range []struct{ file, changed string }{
		{"index.html", "changed, and longer now"},
		{"index.html", "shorter"},
		{"big.bin", big + "x"},
		{"big.bin", big[:2<<20]},
	} {
		for _, car := range []bool{false, true} {
			opts := bundle.Options{Workers: 2}
			if car {
				opts.CAR = &bytes.Buffer{}
			}
			fsys := &faultFS{FS: os.DirFS(dir), change: tc.file, changed: []byte(tc.changed)}
			err := packErr(t, fsys, opts)
			if !strings.Contains(err.Error(), tc.file+" changed while packing") {
				t.Fatalf("%s to %d bytes, CAR %v: error %v does not report the change", tc.file, len(tc.changed), car, err)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "index.html")); err != nil {
		t.Fatal(err)
	}
}
