package bundle_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	mdag "github.com/ipfs/boxo/ipld/merkledag"
	ft "github.com/ipfs/boxo/ipld/unixfs"
	"github.com/ipfs/go-cid"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/internal/testpeers"
)

// The parity tests compare our root CIDs and CAR bytes with the real Kubo
// binary (v0.43.1, built by `make peers`) configured with the same IPIP-499
// profile. Kubo is the reference: nothing here asserts a CID we computed.

var profiles = []bundle.Profile{bundle.ProfileV1_2025, bundle.ProfileV0_2015}

// treeCase builds a site folder for a profile.
type treeCase struct {
	name  string
	build func(t *testing.T, dir string, p bundle.Profile)
}

func files(m map[string]string) func(*testing.T, string, bundle.Profile) {
	return func(t *testing.T, dir string, _ bundle.Profile) { writeFiles(t, dir, m) }
}

func sized(name string, size func(bundle.Profile) int64) func(*testing.T, string, bundle.Profile) {
	return func(t *testing.T, dir string, p bundle.Profile) {
		writeFiles(t, dir, map[string]string{name: string(pattern(size(p), 1))})
	}
}

func parityCases() []treeCase {
	return []treeCase{
		{"empty file", files(map[string]string{"empty.txt": ""})},
		{"one byte", files(map[string]string{"a.txt": "a"})},
		{"exactly one chunk", sized("chunk.bin", func(p bundle.Profile) int64 { return p.ChunkSize })},
		{"one chunk plus one byte", sized("chunk1.bin", func(p bundle.Profile) int64 { return p.ChunkSize + 1 })},
		{"many chunks across mapping windows", sized("many.bin", func(p bundle.Profile) int64 { return 8<<20 + p.ChunkSize + 12345 })},
		{"over 1000 entries", func(t *testing.T, dir string, _ bundle.Profile) {
			m := map[string]string{}
			for i := range 1100 {
				m[fmt.Sprintf("chunk-%04d.js", i)] = fmt.Sprintf("export default %d;\n", i)
			}
			writeFiles(t, dir, m)
		}},
		{"unicode and odd names", files(map[string]string{
			"caf\u00e9.txt":  "nfc", // NFC and NFD spellings are different names: both kept as given
			"cafe\u0301.txt": "nfd",
			"with space.txt": "s",
			"hash#.txt":      "h",
			"question?.txt":  "q",
			"percent%20.txt": "p",
			"🚀/launch.html":  "<p>launch</p>",
			"日本語/索引.html":    "<p>ja</p>",
		})},
		{"nested and empty folders", files(map[string]string{
			"a/b/c/d/deep.txt": "deep",
			"a/b/sibling.txt":  "s",
			"empty/":           "",
			"a/empty2/":        "",
			"a/b/c/empty3/":    "",
		})},
		{"duplicate content", func(t *testing.T, dir string, p bundle.Profile) {
			same := string(pattern(3*p.ChunkSize, 7))
			zeros := strings.Repeat("\x00", int(4*p.ChunkSize))
			writeFiles(t, dir, map[string]string{
				"one.bin": same, "copy/one.bin": same, "two.bin": same,
				"zeros.bin": zeros, "small1.txt": "same", "small2.txt": "same",
			})
		}},
		{"folder at the HAMT threshold", hamtTree(0)},
		{"folder one byte over the HAMT threshold", hamtTree(1)},
	}
}

// hamtTree builds a folder whose estimated size, as the profile measures it,
// is exactly the HAMT threshold plus extra bytes. Every file holds "x".
//
//   - unixfs-v1-2025 estimates the serialised dag-pb block: 4 bytes of
//     UnixFS data plus, per link, 44+len(name) bytes (a 36-byte raw CID,
//     Tsize 1, one-byte varint lengths).
//   - unixfs-v0-2015 sums len(name)+len(CID bytes), 34 for CIDv0.
func hamtTree(extra int) func(*testing.T, string, bundle.Profile) {
	return func(t *testing.T, dir string, p bundle.Profile) {
		perLink, fixed := 44, 4
		if p.CIDVersion == 0 {
			perLink, fixed = 34, 0
		}
		const nameLen = 20
		target := p.HAMTThreshold + extra - fixed
		n := target / (perLink + nameLen)
		rest := target - n*(perLink+nameLen)
		if rest <= perLink { // make the last name long enough to carry the rest
			n--
			rest += perLink + nameLen
		}
		m := map[string]string{}
		for i := range n {
			m[fmt.Sprintf("f-%0*d", nameLen-2, i)] = "x"
		}
		lastLen := rest - perLink
		m[fmt.Sprintf("z-%0*d", lastLen-2, 0)] = "x"
		writeFiles(t, dir, m)
	}
}

func TestRootMatchesKubo(t *testing.T) {
	for _, p := range profiles {
		t.Run(p.Name, func(t *testing.T) {
			kubo := kuboWithProfile(t, p.Name)
			for _, tc := range parityCases() {
				t.Run(tc.name, func(t *testing.T) {
					dir := t.TempDir()
					tc.build(t, dir, p)
					b, _ := pack(t, os.DirFS(dir), bundle.Options{Profile: p}, true)
					if want := kuboAdd(t, kubo, dir, false); b.Root.String() != want {
						t.Fatalf("root %s, Kubo says %s", b.Root, want)
					}
				})
			}
		})
	}
}

// TestHAMTBoundary checks the switch happens strictly above the threshold:
// at the threshold the folder is a plain directory, one byte over it is a
// HAMT shard. The node type is read from the CAR, independently of Pack.
func TestHAMTBoundary(t *testing.T) {
	for _, p := range profiles {
		for extra, want := range map[int]string{0: "Directory", 1: "HAMTShard"} {
			t.Run(fmt.Sprintf("%s/+%d", p.Name, extra), func(t *testing.T) {
				dir := t.TempDir()
				hamtTree(extra)(t, dir, p)
				b, car := pack(t, os.DirFS(dir), bundle.Options{Profile: p}, false)
				if got := rootType(t, car, b.Root); got != want {
					t.Fatalf("root is a %s, want %s", got, want)
				}
			})
		}
	}
}

func rootType(t *testing.T, car []byte, root cid.Cid) string {
	t.Helper()
	hdr, n := readUvarint(car)
	off := n + int(hdr)
	sec, n := readUvarint(car[off:])
	blk := car[off+n : off+n+int(sec)]
	cl, c, err := cid.CidFromBytes(blk)
	if err != nil || !c.Equals(root) {
		t.Fatalf("first block %v is not the root %s (%v)", c, root, err)
	}
	nd, err := mdag.DecodeProtobuf(blk[cl:])
	if err != nil {
		t.Fatal(err)
	}
	fsn, err := ft.FSNodeFromBytes(nd.Data())
	if err != nil {
		t.Fatal(err)
	}
	return fsn.Type().String()
}

func readUvarint(b []byte) (uint64, int) {
	var x uint64
	for i, c := range b {
		x |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return x, i + 1
		}
	}
	return 0, 0
}

// mixedSite is a tree exercising every layout feature at once, for CAR
// comparisons.
func mixedSite(t *testing.T, dir string, p bundle.Profile) {
	for _, tc := range parityCases() {
		if strings.Contains(tc.name, "HAMT") {
			continue
		}
		sub := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"))
		tc.build(t, sub, p)
	}
	hamtTree(1)(t, filepath.Join(dir, "sharded"), p)
	writeFiles(t, dir, map[string]string{".well-known/security.txt": "Contact: mailto:x@example.org\n", "index.html": "<!doctype html>"})
}

func TestCARMatchesKuboExport(t *testing.T) {
	for _, p := range profiles {
		t.Run(p.Name, func(t *testing.T) {
			kubo := kuboWithProfile(t, p.Name)
			dir := t.TempDir()
			mixedSite(t, dir, p)
			b, car := pack(t, os.DirFS(dir), bundle.Options{Profile: p}, false)
			root := kuboAdd(t, kubo, dir, true)
			if b.Root.String() != root {
				t.Fatalf("root %s, Kubo says %s", b.Root, root)
			}
			want := kubo.MustRun(t, nil, "dag", "export", root)
			if !bytes.Equal(car, want) {
				t.Fatalf("CAR differs from `ipfs dag export`: %d bytes vs %d", len(car), len(want))
			}
			if int64(len(car)) != b.CARSize {
				t.Fatalf("CARSize %d, wrote %d", b.CARSize, len(car))
			}
		})
	}
}

func TestKuboImportsOurCAR(t *testing.T) {
	dir := t.TempDir()
	mixedSite(t, dir, bundle.DefaultProfile)
	b, car := pack(t, os.DirFS(dir), bundle.Options{}, false)
	carPath := filepath.Join(t.TempDir(), "site.car")
	if err := os.WriteFile(carPath, car, 0o644); err != nil {
		t.Fatal(err)
	}
	kubo := testpeers.NewKuboRepo(t)
	out := string(kubo.MustRun(t, nil, "dag", "import", "--pin-roots", "--stats", carPath))
	if !strings.Contains(out, "Pinned root\t"+b.Root.String()+"\tsuccess") {
		t.Fatalf("Kubo did not pin %s:\n%s", b.Root, out)
	}
	pins := string(kubo.MustRun(t, nil, "pin", "ls", "--type=recursive", "-q"))
	if !strings.Contains(pins, b.Root.String()) {
		t.Fatalf("%s not among Kubo's recursive pins:\n%s", b.Root, pins)
	}
	// Kubo can read every file back from its own store.
	got := kubo.MustRun(t, nil, "cat", b.Root.String()+"/index.html")
	if string(got) != "<!doctype html>" {
		t.Fatalf("ipfs cat index.html = %q", got)
	}
}

// TestTwoLevelFileMatchesKubo streams a file just over one full top node
// (chunk × width + 1 byte: 1 GiB + 1 for unixfs-v1-2025) into `ipfs add` on
// stdin, without writing it to disk, and compares the file CID.
func TestTwoLevelFileMatchesKubo(t *testing.T) {
	if testing.Short() {
		t.Skip("streams over 1 GiB through Kubo")
	}
	for _, p := range profiles {
		t.Run(p.Name, func(t *testing.T) {
			kubo := kuboWithProfile(t, p.Name)
			size := p.ChunkSize*int64(p.FileWidth) + 1
			fsys := genFS{size: size, seed: 3}
			b, _ := pack(t, fsys, bundle.Options{Profile: p}, true)
			cmd := kubo.Command("add", "-Q", "--only-hash", "--offline")
			cmd.Stdin = &patternReader{size: size, seed: 3}
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("ipfs add: %v", err)
			}
			if got := b.Manifest.Files[0].CID; got != strings.TrimSpace(string(out)) {
				t.Fatalf("file CID %s, Kubo says %s", got, out)
			}
		})
	}
}

// TestInclusionRulesMatchKubo packs a folder with hidden files, an ignore
// file and --ignore patterns, and compares with Kubo adding a copy that holds
// exactly the files the rules keep (or, with IncludeHidden, everything).
func TestInclusionRulesMatchKubo(t *testing.T) {
	site := map[string]string{
		"index.html":               "<!doctype html>",
		".env":                     "SECRET=1",
		".well-known/security.txt": "Contact: x",
		"assets/.DS_Store":         "junk",
		"assets/app.js":            "app",
		"assets/app.js.map":        "{}",
		"drafts/post.html":         "draft",
		"keep/drafts/post.html":    "not anchored",
		".dapp-publishignore":      "# comments are fine\n*.map\n/drafts/\n",
		".github/workflow.yml":     "on: push",
	}
	cases := []struct {
		name string
		opts bundle.Options
		kept []string // nil: everything
	}{
		{"default rules", bundle.Options{}, []string{"index.html", ".well-known/security.txt", "assets/app.js", "keep/drafts/post.html"}},
		{"include hidden", bundle.Options{IncludeHidden: true}, []string{"index.html", ".env", ".well-known/security.txt", "assets/.DS_Store", "assets/app.js", "keep/drafts/post.html", ".dapp-publishignore", ".github/workflow.yml"}},
		{"no ignore file", bundle.Options{NoIgnoreFile: true}, []string{"index.html", ".well-known/security.txt", "assets/app.js", "assets/app.js.map", "drafts/post.html", "keep/drafts/post.html"}},
		{"extra pattern", bundle.Options{Ignore: mustIgnore(t, "keep/")}, []string{"index.html", ".well-known/security.txt", "assets/app.js"}},
	}
	kubo := kuboWithProfile(t, bundle.DefaultProfile.Name)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir, want := t.TempDir(), t.TempDir()
			writeFiles(t, dir, site)
			kept := map[string]string{}
			for _, p := range tc.kept {
				kept[p] = site[p]
			}
			writeFiles(t, want, kept)
			b, _ := pack(t, os.DirFS(dir), tc.opts, true)
			if k := kuboAdd(t, kubo, want, false); b.Root.String() != k {
				t.Fatalf("root %s, Kubo on the expected subset says %s (skipped: %v)", b.Root, k, b.Skipped)
			}
		})
	}
}

func mustIgnore(t *testing.T, patterns ...string) *bundle.Ignore {
	ig := &bundle.Ignore{}
	for i, p := range patterns {
		if err := ig.Add(p, i+1); err != nil {
			t.Fatal(err)
		}
	}
	return ig
}

// TestRootMatchesIPFSCar compares with the JavaScript reference packer
// (npm ipfs-car 3.1.0), whose settings equal unixfs-v1-2025 for folders
// under 1000 entries that are not sharded by size. ipfs-car leaves empty
// folders out (Kubo and we keep them), so the tree has none.
func TestRootMatchesIPFSCar(t *testing.T) {
	bin := filepath.Join(testpeers.Path(t, "DAPP_PUBLISH_NPM"), ".bin", "ipfs-car")
	dir := t.TempDir()
	for _, tc := range parityCases() {
		if strings.Contains(tc.name, "HAMT") || strings.Contains(tc.name, "1000") || strings.Contains(tc.name, "empty folders") {
			continue
		}
		tc.build(t, filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")), bundle.ProfileV1_2025)
	}
	writeFiles(t, dir, map[string]string{"a/b/c/deep.txt": "deep", "a/b/sibling.txt": "s"})
	out := filepath.Join(t.TempDir(), "ipfs-car.car")
	if b, err := exec.Command(bin, "pack", dir, "--output", out).CombinedOutput(); err != nil {
		t.Fatalf("ipfs-car pack: %v\n%s", err, b)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	in, err := bundle.Inspect(f)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pack(t, os.DirFS(dir), bundle.Options{}, true)
	if len(in.Roots) != 1 || in.Roots[0] != b.Root.String() {
		t.Fatalf("root %s, ipfs-car says %v", b.Root, in.Roots)
	}
}

// TestCARLayoutPlannedAndMoved checks both ways Pack writes a CAR against
// `ipfs dag export`: in one pass at the planned offsets (all blocks distinct,
// empty files and folders included), and rewritten when equal files or
// chunks make `dag export` skip repeated blocks. Each is written to a file
// (positioned writes in place) and to a pipe-like writer (through a
// temporary file).
func TestCARLayoutPlannedAndMoved(t *testing.T) {
	unique := func(t *testing.T, dir string, p bundle.Profile) {
		m := map[string]string{
			"index.html": "<!doctype html>", "a.txt": "a", "empty.txt": "", "sub/empty.txt": "",
			"empty/": "", "a/empty/": "", "a/b/deep.txt": "deep",
			"caf\u00e9.txt": "nfc", "cafe\u0301.txt": "nfd", "with space #?%.txt": "odd",
			"chunk.bin":  string(pattern(p.ChunkSize, 1)),
			"chunk1.bin": string(pattern(p.ChunkSize+1, 2)),
			"many.bin":   string(pattern(9*p.ChunkSize+12345, 3)),
		}
		for i := range 1100 {
			m[fmt.Sprintf("js/chunk-%04d.js", i)] = fmt.Sprintf("export default %d;\n", i)
		}
		// Long names push this folder over either profile's HAMT threshold.
		for i := range 4000 {
			m[fmt.Sprintf("sharded/%s-%05d.txt", strings.Repeat("n", 60), i)] = fmt.Sprint(i)
		}
		writeFiles(t, dir, m)
	}
	dups := func(t *testing.T, dir string, p bundle.Profile) {
		same := string(pattern(3*p.ChunkSize, 7))
		writeFiles(t, dir, map[string]string{
			"index.html": "<!doctype html>", "one.bin": same, "copy/one.bin": same, "z/two.bin": same,
			"zeros.bin": strings.Repeat("\x00", int(4*p.ChunkSize)), "small1.txt": "same", "small2.txt": "same",
			"after.bin": string(pattern(2*p.ChunkSize+7, 8)),
		})
	}
	for _, p := range profiles {
		kubo := kuboWithProfile(t, p.Name)
		for _, tc := range []struct {
			name    string
			build   func(*testing.T, string, bundle.Profile)
			planned bool
		}{{"unique", unique, true}, {"duplicates", dups, false}} {
			t.Run(p.Name+"/"+tc.name, func(t *testing.T) {
				dir := t.TempDir()
				tc.build(t, dir, p)
				root := kuboAdd(t, kubo, dir, true)
				want := kubo.MustRun(t, nil, "dag", "export", root)

				b, car := pack(t, os.DirFS(dir), bundle.Options{Profile: p}, false)
				if b.Root.String() != root || !bytes.Equal(car, want) {
					t.Fatalf("through a writer: root %s (Kubo %s), CAR equal to `dag export`: %v", b.Root, root, bytes.Equal(car, want))
				}
				if bundle.Planned(b) != tc.planned {
					t.Fatalf("planned layout held: %v, want %v", bundle.Planned(b), tc.planned)
				}

				f, err := os.Create(filepath.Join(t.TempDir(), "site.car"))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				b, err = bundle.Pack(context.Background(), os.DirFS(dir), bundle.Options{Profile: p, CAR: f})
				if err != nil {
					t.Fatal(err)
				}
				got, err := os.ReadFile(f.Name())
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) || b.CARSize != int64(len(want)) {
					t.Fatalf("in place: CAR of %d bytes (CARSize %d) differs from `dag export` (%d bytes)", len(got), b.CARSize, len(want))
				}
				if pos, _ := f.Seek(0, io.SeekCurrent); pos != b.CARSize {
					t.Fatalf("file offset %d after Pack, want the end (%d)", pos, b.CARSize)
				}
			})
		}
	}
}

// TestCARRandomTreesMatchKubo packs generated trees whose sizes sit on the
// boundaries the CAR plan depends on (section lengths crossing a varint
// byte, chunk edges, empty files), with repeated files and chunks and empty
// folders mixed in, and compares the CAR with `ipfs dag export` byte for
// byte. The seeds are fixed, so a failure reproduces.
func TestCARRandomTreesMatchKubo(t *testing.T) {
	if testing.Short() {
		t.Skip("packs 16 trees through Kubo")
	}
	for _, p := range profiles {
		kubo := kuboWithProfile(t, p.Name)
		c := p.ChunkSize
		// 36+92 = 128: the first section of a raw leaf with a 2-byte length.
		sizes := []int64{0, 1, 91, 92, 93, 127, 128, c - 1, c, c + 1, 2*c + 5, 3 * c}
		for seed := range uint64(8) {
			t.Run(fmt.Sprintf("%s/seed%d", p.Name, seed), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(seed, 7))
				unique := seed%2 == 0 // no repeated block: the planned layout must hold
				files := map[string]string{"index.html": fmt.Sprintf("<p>%d</p>", seed)}
				var made []string
				for i := range 30 + rng.IntN(30) {
					dir := []string{"", "a/", "a/b/", "c/", "ünï/", "d e/"}[rng.IntN(6)]
					name := fmt.Sprintf("%sf%02d.bin", dir, i)
					switch r := rng.IntN(10); {
					case unique && r < 2:
						files[name] = string(pattern(sizes[rng.IntN(len(sizes))], seed*100+uint64(i)))
					case r == 0 && len(made) > 0: // a copy of an earlier file
						files[name] = files[made[rng.IntN(len(made))]]
					case r == 1: // repeated chunks inside one file
						files[name] = strings.Repeat("z", int(2*c+int64(rng.IntN(100))))
					case r == 2:
						files[fmt.Sprintf("%sempty%02d/", dir, i)] = ""
						continue
					default:
						files[name] = string(pattern(sizes[rng.IntN(len(sizes))], seed*100+uint64(i)))
					}
					made = append(made, name)
				}
				dir := t.TempDir()
				writeFiles(t, dir, files)
				root := kuboAdd(t, kubo, dir, true)
				want := kubo.MustRun(t, nil, "dag", "export", root)
				f, err := os.Create(filepath.Join(t.TempDir(), "site.car"))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				b, err := bundle.Pack(context.Background(), os.DirFS(dir), bundle.Options{Profile: p, CAR: f})
				if err != nil {
					t.Fatal(err)
				}
				got, err := os.ReadFile(f.Name())
				if err != nil {
					t.Fatal(err)
				}
				if b.Root.String() != root || !bytes.Equal(got, want) {
					t.Fatalf("root %s (Kubo %s); CAR %d bytes, dag export %d bytes, equal: %v (planned layout held: %v)",
						b.Root, root, len(got), len(want), bytes.Equal(got, want), bundle.Planned(b))
				}
				if unique && !bundle.Planned(b) {
					t.Fatal("no block repeats, yet the planned layout did not hold")
				}
			})
		}
	}
}
