package publish_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/dapp-publish/dapp-publish/publish"
)

// TestDir: Records saved to a folder come back oldest first; stray or
// damaged files are left out.
func TestDir(t *testing.T) {
	d := publish.Dir{Path: filepath.Join(t.TempDir(), "records")}
	if list, err := d.List(); err != nil || len(list) != 0 {
		t.Fatalf("missing folder: %v %v", list, err)
	}
	h := newHolder("own-node")
	n := &fakeNamer{name: "app.eth"}
	clock := fixedClock()
	for _, v := range []string{"A", "B"} {
		p := pipeline(testBundle(v), []*fakeHolder{h}, n, nil)
		p.Records, p.Now = d, clock
		if _, err := p.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(d.Path, "junk.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	list, err := d.List()
	if err != nil || len(list) != 2 || list[0].CID != testCID("A").String() || list[1].CID != testCID("B").String() {
		t.Fatalf("list %v %v", list, err)
	}
	last, err := publish.LastPublished(d)
	if err != nil || last.CID != testCID("B").String() {
		t.Fatalf("last %v %v", last, err)
	}
}
