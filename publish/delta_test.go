package publish_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"testing"
	"testing/fstest"

	"github.com/dapp-publish/dapp-publish/pin/pintest"
	"github.com/dapp-publish/dapp-publish/publish"
	"github.com/dapp-publish/dapp-publish/verify"
	"github.com/ipfs/go-cid"
	carv2 "github.com/ipld/go-car/v2"
)

// site is a folder of many small files, a big multi-chunk file, and a
// folder large enough to be a HAMT shard.
func site() fstest.MapFS {
	fs := fstest.MapFS{"index.html": {Data: []byte("<title>v1</title>")}}
	for i := range 40 {
		fs[fmt.Sprintf("assets/g%d/chunk-%03d.js", i%4, i)] = &fstest.MapFile{Data: fmt.Appendf(nil, "console.log(%d)", i)}
	}
	for i := range 5000 {
		fs[fmt.Sprintf("many/entry-with-a-long-name-%05d.txt", i)] = &fstest.MapFile{Data: fmt.Appendf(nil, "%d", i)}
	}
	big := make([]byte, 3<<20+17)
	for i := range big {
		big[i] = byte(i * 7)
	}
	fs["img/big.bin"] = &fstest.MapFile{Data: big}
	return fs
}

func clone(fs fstest.MapFS) fstest.MapFS {
	out := fstest.MapFS{}
	for k, v := range fs {
		c := *v
		out[k] = &c
	}
	return out
}

// TestWriteDelta: after a change, the delta holds exactly the blocks the
// previous DAG lacks (the changed file and the folders above it), and the
// previous DAG plus the delta hold every block of the new one.
func TestWriteDelta(t *testing.T) {
	base := site()
	changes := map[string]func(fstest.MapFS){
		"one file":          func(fs fstest.MapFS) { fs["assets/g1/chunk-005.js"].Data = []byte("console.log('changed')") },
		"file in a HAMT":    func(fs fstest.MapFS) { fs["many/entry-with-a-long-name-01234.txt"].Data = []byte("changed") },
		"appended big file": func(fs fstest.MapFS) { fs["img/big.bin"].Data = append(bytes.Clone(fs["img/big.bin"].Data), "tail"...) },
		"new file":          func(fs fstest.MapFS) { fs["assets/new.css"] = &fstest.MapFile{Data: []byte("a{}")} },
		"removed file":      func(fs fstest.MapFS) { delete(fs, "index.html") },
	}
	a := pintest.PackFS(t, base)
	prev, err := verify.OpenCARFile(a.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer prev.Close()
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			next := clone(base)
			change(next)
			b := pintest.PackFS(t, next)
			var out bytes.Buffer
			st, err := publish.WriteDelta(context.Background(), io.NewSectionReader(b.CAR, 0, b.Size), b.Root, a.Root, prev, &out)
			if err != nil {
				t.Fatal(err)
			}
			got := carSet(t, out.Bytes(), b.Root)
			want := map[string]bool{}
			for c := range b.Blocks {
				if !a.Blocks[c] {
					want[c] = true
				}
			}
			if !maps.Equal(got, want) {
				t.Errorf("delta has %d blocks, want the %d new ones (of %d)", len(got), len(want), len(b.Blocks))
			}
			if st.Blocks != len(got) || st.Blocks+st.Skipped != len(b.Blocks) || st.Size != int64(out.Len()) {
				t.Errorf("stats %+v for %d written blocks of %d, %d bytes", st, len(got), len(b.Blocks), out.Len())
			}
			if st.Size*4 > b.Size && name != "appended big file" {
				t.Errorf("delta of %d bytes for a %d-byte CAR", st.Size, b.Size)
			}
		})
	}
}

// TestWriteDeltaUnrelated: against an unrelated base, only what the two
// happen to share (an empty file) is left out.
func TestWriteDeltaUnrelated(t *testing.T) {
	a := pintest.NewBundle(t, 1, 2<<20)
	b := pintest.NewBundle(t, 2, 2<<20)
	prev, err := verify.OpenCARFile(a.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer prev.Close()
	var out bytes.Buffer
	st, err := publish.WriteDelta(context.Background(), io.NewSectionReader(b.CAR, 0, b.Size), b.Root, a.Root, prev, &out)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for c := range b.Blocks {
		if !a.Blocks[c] {
			want[c] = true
		}
	}
	if len(want) != len(b.Blocks)-1 || !maps.Equal(carSet(t, out.Bytes(), b.Root), want) || st.Skipped != 1 {
		t.Fatalf("unrelated base: %+v, %d new blocks of %d", st, len(want), len(b.Blocks))
	}
}

// carSet reads a CAR (checking every block's hash) and returns its CIDs.
func carSet(t *testing.T, car []byte, root cid.Cid) map[string]bool {
	t.Helper()
	br, err := carv2.NewBlockReader(bytes.NewReader(car))
	if err != nil {
		t.Fatal(err)
	}
	if len(br.Roots) != 1 || !br.Roots[0].Equals(root) {
		t.Fatalf("delta roots %v, want %s", br.Roots, root)
	}
	set := map[string]bool{}
	for {
		blk, err := br.Next()
		if err == io.EOF {
			return set
		}
		if err != nil {
			t.Fatal(err)
		}
		set[blk.Cid().String()] = true
	}
}
