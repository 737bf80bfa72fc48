package artx_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/dapp-publish/dapp-publish/pin/arweave/artx"
)

const (
	idA = "k7WEb056318KXG7GMG6cQ7q3YOnOPS1gwnAe19lW4u8"
	idB = "yrNK04RfIqBpqIqNE2v61VmzVxz3aUSpAKcenikFuqI"
)

func TestManifestBuildAndResolve(t *testing.T) {
	m, err := artx.NewManifest(map[string]string{"index.html": idA, "assets/a&b<c>.js": idB}, "index.html", "index.html")
	if err != nil {
		t.Fatal(err)
	}
	js := string(m.Marshal())
	want := `{"manifest":"arweave/paths","version":"0.2.0","index":{"path":"index.html"},"fallback":{"id":"` + idA +
		`"},"paths":{"assets/a&b<c>.js":{"id":"` + idB + `"},"index.html":{"id":"` + idA + `"}}}`
	if js != want {
		t.Fatalf("manifest JSON\n got %s\nwant %s", js, want)
	}
	back, err := artx.ParseManifest([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"": idA, "/": idA, "index.html": idA, "assets/a&b<c>.js": idB, "/assets/a&b<c>.js/": idB,
		"some/spa/route": idA, // the fallback
	} {
		if got, ok := back.Resolve(path); !ok || got != want {
			t.Errorf("Resolve(%q) = %s %v, want %s", path, got, ok, want)
		}
	}
	noFallback, _ := artx.NewManifest(map[string]string{"index.html": idA}, "index.html", "")
	if _, ok := noFallback.Resolve("missing"); ok {
		t.Error("a manifest without fallback resolved an unknown path")
	}
	if _, err := artx.NewManifest(map[string]string{"a.html": idA}, "index.html", ""); err == nil {
		t.Error("an index that is not a file was accepted")
	}
}

func TestParseManifestErrors(t *testing.T) {
	for name, js := range map[string]string{
		"not JSON":        `{`,
		"other kind":      `{"manifest":"other","version":"0.2.0","paths":{}}`,
		"version 9":       `{"manifest":"arweave/paths","version":"9","paths":{}}`,
		"bad id":          `{"manifest":"arweave/paths","version":"0.2.0","paths":{"a":{"id":"../../etc"}}}`,
		"path twice":      `{"manifest":"arweave/paths","version":"0.2.0","paths":{"a":{"id":"` + idA + `"},"a":{"id":"` + idB + `"}}}`,
		"unlisted index":  `{"manifest":"arweave/paths","version":"0.2.0","index":{"path":"x"},"paths":{"a":{"id":"` + idA + `"}}}`,
		"bad fallback":    `{"manifest":"arweave/paths","version":"0.2.0","fallback":{"id":"x"},"paths":{}}`,
		"paths not a map": `{"manifest":"arweave/paths","version":"0.2.0","paths":[]}`,
		"too big":         `{"manifest":"arweave/paths","version":"0.2.0","paths":{"` + strings.Repeat("a", artx.MaxManifest) + `":{}}}`,
	} {
		if _, err := artx.ParseManifest([]byte(js)); !errors.Is(err, artx.ErrBadManifest) {
			t.Errorf("%s: got %v", name, err)
		}
	}
	if _, err := artx.ParseManifest([]byte(`{"manifest":"arweave/paths","version":"0.1.0","index":{"path":"a"},"paths":{"a":{"id":"` + idA + `"}}}`)); err != nil {
		t.Errorf("a v0.1.0 manifest: %v", err)
	}
}

func TestIsTxID(t *testing.T) {
	for s, want := range map[string]bool{idA: true, idA[:42]: false, idA + "A": false, strings.Repeat("=", 43): false,
		"k7WEb056318KXG7GMG6cQ7q3YOnOPS1gwnAe19lW4u9": false /* non-canonical last character */} {
		if artx.IsTxID(s) != want {
			t.Errorf("IsTxID(%q) = %v", s, !want)
		}
	}
}
