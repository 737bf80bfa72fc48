package bundle_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/dapp-publish/dapp-publish/bundle"
)

func sampleManifests() []*bundle.Manifest {
	sha := strings.Repeat("ab", 32)
	return []*bundle.Manifest{
		{Version: 1, Root: "bafyroot", Profile: "unixfs-v1-2025", Tool: "dapp-publish dev", Files: []bundle.FileEntry{}},
		{
			Version: 1, Root: "bafyroot", Profile: "unixfs-v0-2015", Tool: "dapp-publish v1.2.3",
			CAR: &bundle.CARInfo{Size: 1234, Blocks: 5},
			Files: []bundle.FileEntry{
				{Path: "index.html", Size: 10, CID: "bafkreia", SHA256: sha},
				{Path: `odd "quoted" <&> \ name.txt`, Size: 0, CID: "bafkreib", SHA256: sha},
				{Path: "日本語/索引.html", Size: 1 << 40, CID: "bafkreic"},
			},
			Dirs:    []string{"assets", "日本語"},
			Skipped: []string{".env", "link (symlink)"},
		},
		{Version: 1, Root: "r", Files: []bundle.FileEntry{{Path: "a", CID: "c"}}, Skipped: []string{"x"}},
	}
}

// TestManifestRoundTrip writes manifests and reads them back unchanged, one
// file per line.
func TestManifestRoundTrip(t *testing.T) {
	for i, m := range sampleManifests() {
		var buf bytes.Buffer
		if err := m.WriteJSON(&buf); err != nil {
			t.Fatal(err)
		}
		got, err := bundle.ReadManifest(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("manifest %d: %v\n%s", i, err, buf.String())
		}
		if !reflect.DeepEqual(got, m) {
			t.Fatalf("manifest %d changed in a round trip:\n got %+v\nwant %+v", i, got, m)
		}
		for _, f := range m.Files {
			if !strings.Contains(buf.String(), "\n    {\"path\":") {
				t.Fatalf("manifest %d: file %q is not on a line of its own:\n%s", i, f.Path, buf.String())
			}
		}
	}
}

// FuzzReadManifest feeds arbitrary bytes to ReadManifest: it never panics,
// and what it accepts survives a write and a second read unchanged.
func FuzzReadManifest(f *testing.F) {
	for _, m := range sampleManifests() {
		var buf bytes.Buffer
		if err := m.WriteJSON(&buf); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`{"version":1,"root":"x","files":[{"path":"a","sha256":"zz"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := bundle.ReadManifest(bytes.NewReader(data))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := m.WriteJSON(&buf); err != nil {
			t.Fatal(err)
		}
		again, err := bundle.ReadManifest(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("re-reading a written manifest: %v\n%s", err, buf.String())
		}
		if !reflect.DeepEqual(normal(again), normal(m)) {
			t.Fatalf("round trip changed the manifest:\n got %+v\nwant %+v", again, m)
		}
	})
}

// normal makes empty and missing lists equal.
func normal(m *bundle.Manifest) bundle.Manifest {
	n := *m
	if len(n.Files) == 0 {
		n.Files = nil
	}
	if len(n.Dirs) == 0 {
		n.Dirs = nil
	}
	if len(n.Skipped) == 0 {
		n.Skipped = nil
	}
	return n
}
