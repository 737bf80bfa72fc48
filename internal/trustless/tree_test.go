package trustless_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/internal/trustless"
	"github.com/dapp-publish/dapp-publish/internal/trustless/trustlesstest"
	"github.com/ipfs/go-cid"
)

// blocksOf reads every section of a CAR (unverified: test set-up).
func blocksOf(t testing.TB, car []byte) map[string][]byte {
	t.Helper()
	cr, err := trustless.NewCARReader(bytes.NewReader(car), trustless.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string][]byte{}
	for {
		c, data, _, err := cr.Next()
		if err != nil {
			return m
		}
		m[c.KeyString()] = bytes.Clone(data)
	}
}

// listing walks a verified CAR: path -> CID, and which paths are folders.
func listing(t testing.TB, car []byte, lim trustless.Limits) (cid.Cid, map[string]cid.Cid, map[string]bool, error) {
	t.Helper()
	c, err := trustless.ReadCAR(bytes.NewReader(car), lim)
	if err != nil {
		return cid.Undef, nil, nil, err
	}
	if err := c.Verify(); err != nil {
		return cid.Undef, nil, nil, err
	}
	w := c.Walk(c.Roots[0])
	paths, dirs := map[string]cid.Cid{}, map[string]bool{}
	err = w.Tree.Walk(c.Has, func(p string, e cid.Cid, dir bool) error {
		if _, dup := paths[p]; dup {
			return fmt.Errorf("path %q listed twice", p)
		}
		paths[p], dirs[p] = e, dir
		return nil
	})
	return c.Roots[0], paths, dirs, err
}

// Sites packed by boxo (through bundle.Pack), with multi-level HAMTs in
// both profiles, verify, and every path the tree lists is what boxo's
// resolver finds at that path; every folder lists exactly the names boxo's
// listing shows.
func TestTreeMatchesBoxo(t *testing.T) {
	site := fstest.MapFS{"index.html": {Data: []byte("<p>hi")}, "a/b/c.txt": {Data: []byte("c")}, "empty/.keep": {}}
	for i := range 3000 {
		site[fmt.Sprintf("many/a-rather-long-file-name-to-force-sharding-%05d.txt", i)] = &fstest.MapFile{Data: []byte{byte(i), byte(i >> 8)}}
	}
	for _, p := range []bundle.Profile{bundle.ProfileV1_2025, bundle.ProfileV0_2015} {
		t.Run(p.Name, func(t *testing.T) {
			var buf bytes.Buffer
			b, err := bundle.Pack(context.Background(), site, bundle.Options{CAR: &buf, Profile: p, IncludeHidden: true})
			if err != nil {
				t.Fatal(err)
			}
			root, paths, dirs, err := listing(t, buf.Bytes(), trustless.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if len(paths) != len(b.Manifest.Files)+len(b.Manifest.Dirs)+1 {
				t.Fatalf("%d paths listed; the manifest has %d files and %d folders", len(paths), len(b.Manifest.Files), len(b.Manifest.Dirs))
			}
			boxo := newBoxoView(blocksOf(t, buf.Bytes()))
			checkAgainstBoxo(t, boxo, root, paths, dirs)
		})
	}
}

func checkAgainstBoxo(t *testing.T, boxo *boxoView, root cid.Cid, paths map[string]cid.Cid, dirs map[string]bool) {
	t.Helper()
	children := map[string][]string{}
	for p, c := range paths {
		got, err := boxo.resolve(root, p)
		if err != nil || !got.Equals(c) {
			t.Fatalf("%q: listed as %s, boxo resolves %s (%v)", p, c, got, err)
		}
		if p != "" {
			parent, name := "", p
			if i := lastSlash(p); i >= 0 {
				parent, name = p[:i], p[i+1:]
			}
			children[parent] = append(children[parent], name)
		}
	}
	for p, dir := range dirs {
		if !dir {
			continue
		}
		names, err := boxo.list(paths[p])
		if err != nil {
			t.Fatalf("boxo cannot list %q: %v", p, err)
		}
		want := children[p]
		sort.Strings(names)
		sort.Strings(want)
		if !slices.Equal(names, want) {
			t.Fatalf("folder %q: we list %q, boxo lists %q", p, want, names)
		}
	}
}

func lastSlash(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return i
		}
	}
	return -1
}

// The misplaced HAMT entry of the corpus is the hazard the check closes:
// boxo's listing shows it, boxo's lookup never finds it.
func TestMisplacedHAMTEntryIsInvisibleToBoxo(t *testing.T) {
	car, err := trustlesstest.Read("hamt-misplaced")
	if err != nil {
		t.Fatal(err)
	}
	roots, _ := trustless.ReadRoots(bytes.NewReader(car), trustless.Limits{})
	boxo := newBoxoView(blocksOf(t, car))
	names, err := boxo.list(mustResolve(t, boxo, roots[0], "many"))
	if err != nil || !slices.Contains(names, "file-003.txt") {
		t.Fatalf("boxo lists %v (%v)", names, err)
	}
	if _, err := boxo.resolve(roots[0], "many/file-003.txt"); err == nil {
		t.Fatal("boxo found the misplaced entry; the corpus case is not what it claims")
	}
}

func mustResolve(t *testing.T, boxo *boxoView, root cid.Cid, p string) cid.Cid {
	t.Helper()
	c, err := boxo.resolve(root, p)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The limits are exact: a tree at a limit passes, one over it fails, and
// shared folders count once per path. The tree: root/{x, y} -> the same
// folder {"ab" -> a file}; 4 paths ("x", "x/ab", "y", "y/ab"), 1+4+1+4 =
// 10 path bytes, 2 deep, the longest path 4 bytes.
func TestTreeLimitsExact(t *testing.T) {
	file := trustlesstest.Raw("f")
	shared := trustlesstest.Dir(trustlesstest.L("ab", file))
	root := trustlesstest.Dir(trustlesstest.L("x", shared), trustlesstest.L("y", shared))
	car := trustlesstest.CAR([]cid.Cid{root.Cid}, root, shared, file)
	at := trustless.Limits{MaxEntries: 4, MaxPathBytes: 10, MaxDepth: 2, MaxPathLen: 4}
	if _, paths, _, err := listing(t, car, at); err != nil || len(paths) != 5 {
		t.Fatalf("at the limits: %v, %d paths", err, len(paths))
	}
	for name, over := range map[string]trustless.Limits{
		"MaxEntries":   {MaxEntries: 3, MaxPathBytes: 10, MaxDepth: 2, MaxPathLen: 4},
		"MaxPathBytes": {MaxEntries: 4, MaxPathBytes: 9, MaxDepth: 2, MaxPathLen: 4},
		"MaxDepth":     {MaxEntries: 4, MaxPathBytes: 10, MaxDepth: 1, MaxPathLen: 4},
		"MaxPathLen":   {MaxEntries: 4, MaxPathBytes: 10, MaxDepth: 2, MaxPathLen: 3},
	} {
		_, _, _, err := listing(t, car, over)
		if !errors.Is(err, trustless.ErrTooLarge) || !strings.Contains(err.Error(), name) {
			t.Errorf("one under %s: %v", name, err)
		}
	}
}
