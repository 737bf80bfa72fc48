package verify

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/dapp-publish/dapp-publish/internal/trustless"
)

// treeOf verifies a CAR and returns its directory tree.
func treeOf(t *testing.T, fsys fstest.MapFS) (*Tree, []string) {
	t.Helper()
	root, car, b := packCAR(t, fsys)
	res, err := VerifyCAR(bytes.NewReader(car), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Tree, b.Manifest.Dirs
}

func TestCompare(t *testing.T) {
	site := testSite(1)
	tr, _ := treeOf(t, site)
	changed := testSite(1)
	changed["assets/app.js"] = &fstest.MapFile{Data: []byte("console.log('changed')")}
	delete(changed, "nested/deep/x.txt")
	changed["new.txt"] = &fstest.MapFile{Data: []byte("new")}
	changed["only-local/.keep"] = &fstest.MapFile{}
	for _, tc := range []struct {
		name string
		site fstest.MapFS
		want Diff
	}{
		{"same", site, Diff{}},
		{"changed", changed, Diff{
			Missing:     []string{"new.txt", "only-local/.keep"},
			Different:   []string{"assets/app.js"},
			Extra:       []string{"nested/deep/x.txt"},
			MissingDirs: []string{"only-local"},
			ExtraDirs:   []string{"nested", "nested/deep"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, b := packCAR(t, tc.site)
			d, err := Compare(b.Manifest, tr)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(d) != fmt.Sprint(tc.want) || !slices.Equal(d.Missing, tc.want.Missing) ||
				!slices.Equal(d.Different, tc.want.Different) || !slices.Equal(d.Extra, tc.want.Extra) ||
				!slices.Equal(d.MissingDirs, tc.want.MissingDirs) || !slices.Equal(d.ExtraDirs, tc.want.ExtraDirs) {
				t.Errorf("got %+v\nwant %+v", d, tc.want)
			}
			if d.Empty() != (tc.name == "same") {
				t.Errorf("Empty() = %v", d.Empty())
			}
		})
	}
}

// A folder big enough to be a HAMT lists the same paths as the packer's
// manifest: shard levels are folded away.
func TestTreeHAMT(t *testing.T) {
	site := fstest.MapFS{}
	for i := range 3000 {
		site[fmt.Sprintf("many/a-rather-long-file-name-to-force-sharding-%05d.txt", i)] = &fstest.MapFile{Data: []byte{byte(i), byte(i >> 8)}}
	}
	tr, _ := treeOf(t, site)
	_, _, b := packCAR(t, site)
	d, err := Compare(b.Manifest, tr)
	if err != nil || !d.Empty() {
		t.Fatalf("%v %+v", err, d)
	}
	hamt := false
	_, car, _ := packCAR(t, site)
	for _, s := range splitCAR(t, car).sections {
		n, err := trustless.Decode(s.cid, s.data)
		hamt = hamt || (err == nil && n.Kind == trustless.KindHAMT)
	}
	if !hamt {
		t.Fatal("the test folder did not become a HAMT; make it bigger")
	}
}
