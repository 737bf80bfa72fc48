// Package pintest is the conformance suite every pin.Provider passes, and the
// helpers its tests share: test bundles packed with the real bundle package,
// and a trustless fetch-back that re-hashes every block.
package pintest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/ipfs/go-cid"
	carv2 "github.com/ipld/go-car/v2"
)

// Bundle is a packed test site: the pin.Bundle to store, the CAR on disk and
// the set of block CIDs it contains.
type Bundle struct {
	pin.Bundle
	Path   string          // the CAR file
	Blocks map[string]bool // CIDs of every block in the CAR
}

// Site returns a small deterministic site: an index, some pages and one file
// larger than a chunk, so the DAG has directories, raw leaves and a
// multi-block file. seed varies every byte (and so the root).
func Site(seed uint64, big int) fstest.MapFS {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	data := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	fs := fstest.MapFS{
		"index.html":        {Data: fmt.Appendf(nil, "<!doctype html><title>site %d</title>", seed)},
		"assets/app.js":     {Data: data(3000)},
		"assets/style.css":  {Data: data(500)},
		"assets/empty.txt":  {Data: nil},
		"img/big.bin":       {Data: data(big)},
		"deep/a/b/c/d.html": {Data: data(100)},
	}
	return fs
}

// NewBundle packs Site(seed, big) into a CAR in a temporary folder.
func NewBundle(t testing.TB, seed uint64, big int) *Bundle {
	t.Helper()
	return PackFS(t, Site(seed, big))
}

// PackFS packs fsys with bundle.Pack into a CAR in a temporary folder.
func PackFS(t testing.TB, fsys fstest.MapFS) *Bundle {
	t.Helper()
	path := filepath.Join(t.TempDir(), "site.car")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	b, err := bundle.Pack(context.Background(), fsys, bundle.Options{Profile: bundle.DefaultProfile, CAR: f})
	if err != nil {
		t.Fatalf("packing test bundle: %v", err)
	}
	tb := &Bundle{Bundle: pin.Bundle{Root: b.Root, Name: "pintest-" + b.Root.String()[len(b.Root.String())-8:], CAR: f, Size: b.CARSize}, Path: path}
	tb.Blocks, err = carBlocks(io.NewSectionReader(f, 0, b.CARSize))
	if err != nil {
		t.Fatalf("reading back the test CAR: %v", err)
	}
	return tb
}

// WithRoot returns a copy of b that claims root instead of the CAR's own
// root: the holder will report the CAR's root, which a provider must treat as
// a wrong CID.
func (b *Bundle) WithRoot(root cid.Cid) pin.Bundle {
	pb := b.Bundle
	pb.Root = root
	return pb
}

// Bytes returns the whole CAR (for seeding holders in tests).
func (b *Bundle) Bytes(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(b.Path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func carBlocks(r io.Reader) (map[string]bool, error) {
	br, err := carv2.NewBlockReader(r)
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for {
		blk, err := br.Next()
		if err == io.EOF {
			return set, nil
		}
		if err != nil {
			return nil, err
		}
		set[blk.Cid().String()] = true
	}
}

// VerifyCAR reads a CAR fetched from a holder, re-hashes every block against
// its CID (the reader does, unless told to trust) and checks that it holds
// exactly the blocks in want, with no block missing: a gateway may send a
// truncated CAR with status 200.
func VerifyCAR(r io.Reader, want map[string]bool) error {
	got, err := carBlocks(r)
	if err != nil {
		return fmt.Errorf("fetched CAR does not verify: %w", err)
	}
	for c := range want {
		if !got[c] {
			return fmt.Errorf("fetched CAR lacks block %s (%d of %d blocks present)", c, len(got), len(want))
		}
	}
	for c := range got {
		if !want[c] {
			return fmt.Errorf("fetched CAR has unexpected block %s", c)
		}
	}
	return nil
}

// FetchCAR fetches root from a trustless gateway (GET /ipfs/<root>?format=car)
// and returns the body.
func FetchCAR(ctx context.Context, gateway string, root cid.Cid) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, gateway+"/ipfs/"+root.String()+"?format=car&dag-scope=all", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/vnd.ipld.car; version=1; order=dfs; dups=n")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("gateway answered %s: %s", resp.Status, bytes.TrimSpace(body))
	}
	return body, nil
}
