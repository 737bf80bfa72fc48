package local_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"testing/fstest"
	"time"

	"github.com/dapp-publish/dapp-publish/pin/local"
	"github.com/dapp-publish/dapp-publish/pin/pintest"
	"github.com/ipfs/go-cid"
)

// TestGC keeps the newest versions whole and removes exactly the blocks
// only the older ones used; a dry run removes nothing.
func TestGC(t *testing.T) {
	ctx := context.Background()
	s, gw := openStore(t, t.TempDir())
	p := local.New("local", s, gw.URL)
	v1site := pintest.Site(1, 2<<20+3)
	v2site := pintest.Site(1, 2<<20+3)
	v2site["index.html"] = &fstest.MapFile{Data: []byte("<!doctype html><title>site 1, second release</title>")}
	versions := []*pintest.Bundle{pintest.PackFS(t, v1site), pintest.PackFS(t, v2site), pintest.NewBundle(t, 2, 1<<20+1)}
	for _, v := range versions {
		if _, err := p.Pin(ctx, v.Bundle); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // distinct pin times
	}
	v1, v2, v3 := versions[0], versions[1], versions[2]
	var only1 []string // the blocks no newer version uses
	for c := range v1.Blocks {
		if !v2.Blocks[c] && !v3.Blocks[c] {
			only1 = append(only1, c)
		}
	}
	if len(only1) == 0 || len(only1) >= len(v1.Blocks) {
		t.Fatalf("the test's versions share %d of %d blocks: want some shared, some not", len(v1.Blocks)-len(only1), len(v1.Blocks))
	}

	st, err := s.GC(ctx, 2, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Kept) != 2 || st.Kept[0].CID != v3.Root.String() || st.Kept[1].CID != v2.Root.String() ||
		len(st.Removed) != 1 || st.Removed[0].CID != v1.Root.String() || st.Freed != len(only1) {
		t.Fatalf("dry run: %+v, want v3 and v2 kept, v1 removed with %d blocks", st, len(only1))
	}
	if !has(t, s, only1...) {
		t.Fatal("a dry run removed blocks")
	}

	st, err = s.GC(ctx, 2, false)
	if err != nil || st.Freed != len(only1) || st.FreedBytes <= 0 {
		t.Fatalf("GC: %+v %v", st, err)
	}
	for _, c := range only1 {
		if has(t, s, c) {
			t.Errorf("block %s of the removed version is still there", c)
		}
	}
	if ok, _ := s.Pinned(v1.Root); ok {
		t.Error("the removed version is still pinned")
	}
	for _, v := range []*pintest.Bundle{v2, v3} {
		car, err := pintest.FetchCAR(ctx, gw.URL, v.Root)
		if err != nil {
			t.Fatal(err)
		}
		if err := pintest.VerifyCAR(bytes.NewReader(car), v.Blocks); err != nil {
			t.Errorf("kept version %s: %v", v.Root, err)
		}
	}
	if st, err := s.GC(ctx, 2, false); err != nil || st.Freed != 0 || len(st.Removed) != 0 {
		t.Fatalf("second GC: %+v %v, want nothing to do", st, err)
	}

	// A version to keep that lost a block: nothing is removed.
	var leaf cid.Cid
	for c := range v3.Blocks {
		if cc := cid.MustParse(c); cc.Type() == cid.Raw && !v2.Blocks[c] {
			leaf = cc
		}
	}
	if err := s.Blockstore().DeleteBlock(ctx, leaf); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GC(ctx, 1, false); !errors.Is(err, local.ErrIncomplete) {
		t.Fatalf("GC with a kept version missing a block: %v, want ErrIncomplete", err)
	}
	if ok, _ := s.Pinned(v2.Root); !ok {
		t.Fatal("a failed GC unpinned a version")
	}
	if _, err := s.GC(ctx, 0, true); err == nil {
		t.Fatal("GC keeping no version was accepted")
	}
}

// TestGCWaitsForPin: a collection never runs while a version is being
// stored (between the import and the pin its blocks are unreferenced).
func TestGCWaitsForPin(t *testing.T) {
	s, _ := openStore(t, t.TempDir())
	unlock, err := s.SharedLock()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.GC(context.Background(), 1, false)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("GC ran while a version was being stored (%v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	unlock()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func has(t *testing.T, s *local.Store, cids ...string) bool {
	t.Helper()
	for _, c := range cids {
		ok, err := s.Has(context.Background(), cid.MustParse(c))
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return false
		}
	}
	return true
}
