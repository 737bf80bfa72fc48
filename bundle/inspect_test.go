package bundle_test

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/internal/trustless/trustlesstest"
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

// FuzzInspect feeds arbitrary bytes to Inspect and checks the two
// properties that matter, against independent readers: whenever Inspect
// accepts a CAR, go-car (which hashes every block itself) reads the same
// bytes without complaint, so no block whose bytes do not hash to its CID
// was accepted; and following every link from every root with
// go-codec-dagpb (boxo's decoder) finds every block present, so no DAG with
// a missing block was called complete.
func FuzzInspect(f *testing.F) {
	for _, p := range profiles {
		_, car := exampleCAR(f, p)
		f.Add(car)
		f.Add(car[:len(car)/3])
	}
	for _, tc := range trustlesstest.Cases() {
		if car, err := trustlesstest.Read(tc.Name); err == nil && len(car) < 64<<10 {
			f.Add(car)
		}
	}
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0xa1, 0x67, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0x02})
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := bundle.Inspect(bytes.NewReader(data))
		if err != nil || !in.OK() {
			return
		}
		if err := trustlesstest.Oracle(data); err != nil {
			t.Fatalf("Inspect accepted a CAR that an independent reader refuses: %v", err)
		}
	})
}

// A CAR with two roots is checked under both (it used to skip the check
// and pass), and identity links, which Kubo's gateway leaves out of CARs,
// are not missing (they used to be, so inspect and verify disagreed).
func TestInspectRootsAndIdentity(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{{"two-roots", false}, {"identity-link", true}} {
		car, err := trustlesstest.Read(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		in, err := bundle.Inspect(bytes.NewReader(car))
		if err != nil {
			t.Fatal(err)
		}
		if in.OK() != tc.ok || (!tc.ok && len(in.Missing) != 1) || (tc.ok && len(in.Missing) != 0) {
			t.Errorf("%s: OK=%v missing=%v err=%v", tc.name, in.OK(), in.Missing, in.Err)
		}
	}
}

// Every case of the hostile corpus is refused by Inspect with its reason,
// and the bomb cases without listing the tree.
func TestInspectCorpus(t *testing.T) {
	for _, tc := range trustlesstest.Cases() {
		car, err := trustlesstest.Read(tc.Name)
		if err != nil {
			t.Fatal(err)
		}
		in, err := bundle.Inspect(bytes.NewReader(car))
		if err == nil {
			err = in.Err
		}
		if !errors.Is(err, tc.Want) || (tc.Want == nil) != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.Reason)) {
			t.Errorf("%s: got %v, want %v saying %q", tc.Name, err, tc.Want, tc.Reason)
		}
		if in != nil && len(in.Entries) > 100 {
			t.Errorf("%s: %d entries listed", tc.Name, len(in.Entries))
		}
	}
}
