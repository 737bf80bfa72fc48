package bundle_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/dapp-publish/dapp-publish/bundle"
)

func exampleCAR(t testing.TB, p bundle.Profile) (*bundle.Bundle, []byte) {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"index.html":       "<!doctype html><p>hi</p>",
		"assets/app.js":    "console.log(1)",
		"assets/big.bin":   string(pattern(2*p.ChunkSize+10, 5)),
		"empty/":           "",
		"assets/again.bin": string(pattern(2*p.ChunkSize+10, 5)),
	})
	return pack(t, os.DirFS(dir), bundle.Options{Profile: p}, false)
}

func TestInspectListsAndVerifies(t *testing.T) {
	for _, p := range profiles {
		t.Run(p.Name, func(t *testing.T) {
			b, car := exampleCAR(t, p)
			in, err := bundle.Inspect(bytes.NewReader(car))
			if err != nil {
				t.Fatal(err)
			}
			if !in.OK() || len(in.Roots) != 1 || in.Roots[0] != b.Root.String() || in.Blocks != b.Blocks {
				t.Fatalf("inspection %+v does not match bundle (root %s, %d blocks)", in, b.Root, b.Blocks)
			}
			files := map[string]bundle.TreeEntry{}
			for _, e := range in.Entries {
				files[e.Path] = e
			}
			for _, f := range b.Manifest.Files {
				e, ok := files[f.Path]
				if !ok || e.CID != f.CID || int64(e.Size) != f.Size {
					t.Errorf("%s: listed as %+v, manifest has %+v", f.Path, e, f)
				}
			}
			if files["empty"].Type != "dir" {
				t.Errorf("empty folder not listed as a folder: %+v", files["empty"])
			}
		})
	}
}

func TestInspectFindsDamage(t *testing.T) {
	_, car := exampleCAR(t, bundle.DefaultProfile)
	// Flip one byte near the end: inside the last block's data.
	flipped := bytes.Clone(car)
	flipped[len(flipped)-3] ^= 0x01
	in, err := bundle.Inspect(bytes.NewReader(flipped))
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Bad) != 1 || in.OK() {
		t.Fatalf("flipped byte: bad=%v ok=%t", in.Bad, in.OK())
	}
	// Cut the CAR after its header and first blocks: the rest is missing.
	in, err = bundle.Inspect(bytes.NewReader(car[:len(car)/2]))
	if err == nil && in.OK() {
		t.Fatalf("truncated CAR passed inspection: %+v", in)
	}
}

// FuzzInspect feeds arbitrary bytes to the CAR reader: it must return an
// error or a result, never panic, and never accept a block that does not
// hash to its CID.
func FuzzInspect(f *testing.F) {
	for _, p := range profiles {
		_, car := exampleCAR(f, p)
		f.Add(car)
		f.Add(car[:len(car)/3])
	}
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0xa1, 0x67, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0x02})
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := bundle.Inspect(bytes.NewReader(data))
		if err != nil {
			return
		}
		if in.Blocks < len(in.Bad) {
			t.Fatalf("more bad blocks (%d) than blocks (%d)", len(in.Bad), in.Blocks)
		}
	})
}
