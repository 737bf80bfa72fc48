package arweave_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx"
	"github.com/dapp-publish/dapp-publish/pin/pintest"
)

func random(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func testSite(seed uint64) fstest.MapFS {
	return fstest.MapFS{
		"index.html":         {Data: []byte("<!doctype html><script type=module src=assets/app.js></script>")},
		"assets/app.js":      {Data: append([]byte("console.log('arweave');//"), random(seed, 3000)...)},
		"assets/style.css":   {Data: []byte("body{color:red}")},
		"img/big.bin":        {Data: random(seed+1, 700<<10)}, // three chunks, the last two by the last-two-chunks rule
		"img/exact.bin":      {Data: random(seed+2, 256<<10)}, // one whole chunk and the empty one
		"empty.txt":          {Data: nil},
		"deep/a/b/page.html": {Data: []byte("<p>deep</p>")},
		"ünïcødé.txt":        {Data: []byte("utf-8 name")},
		"404.html":           {Data: []byte("<p>not found</p>")},
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return c
}

// TestPublishAndFetchBack stores a site on a real arlocal, then fetches
// every file back through the path manifest and the CAR through its
// transaction, and publishes it again.
func TestPublishAndFetchBack(t *testing.T) {
	ar := arlocal(t)
	rec := newRecorder(t, ar.URL)
	p := provider(t, rec.URL)
	site := testSite(1)
	b := pintest.PackFS(t, site)
	r, err := p.Pin(ctx(t), b.Bundle)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != pin.StatusPinned || r.Skipped || !artx.IsTxID(r.ManifestID) || !artx.IsTxID(r.CARTxID) || len(r.Files) != len(site) {
		t.Fatalf("receipt: %+v", r)
	}
	if r.CostWinston == "" || r.CostWinston == "0" {
		t.Errorf("cost %q", r.CostWinston)
	}
	if want := rec.URL + "/" + r.ManifestID + "/"; len(r.Endpoints) != 1 || r.Endpoints[0] != want {
		t.Errorf("endpoints %v, want %s", r.Endpoints, want)
	}
	for path, f := range site {
		if len(f.Data) == 0 {
			continue // arlocal serves no body for empty data
		}
		// arlocal looks the still-escaped path up in the manifest, so it
		// serves names that need escaping only by id (gateways unescape).
		if esc := (&url.URL{Path: path}).EscapedPath(); esc == path {
			if got := get(t, ar.URL+"/"+r.ManifestID+"/"+esc); !bytes.Equal(got, f.Data) {
				t.Errorf("%s through the manifest: %d bytes, want %d", path, len(got), len(f.Data))
			}
		}
		if got := get(t, ar.URL+"/"+r.Files[path]); !bytes.Equal(got, f.Data) {
			t.Errorf("%s by its id: %d bytes differ", path, len(got))
		}
	}
	if got := get(t, ar.URL+"/"+r.ManifestID); !bytes.Equal(got, site["index.html"].Data) {
		t.Errorf("the manifest's index: %q", got)
	}
	checkManifest(t, ar.URL, r)
	checkCAR(t, ar.URL, r, b)

	// The same site again: nothing is posted.
	rec.reset()
	var sent int64
	b2 := b.Bundle
	b2.Progress = func(n int64) { sent += n }
	again, err := p.Pin(ctx(t), b2)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Skipped || again.ManifestID != r.ManifestID || again.CARTxID != r.CARTxID || sent != 0 {
		t.Errorf("second publish: skipped=%v manifest %s (first %s), %d bytes sent", again.Skipped, again.ManifestID, r.ManifestID, sent)
	}
	if n := rec.count("POST /tx") + rec.count("POST /chunk"); n != 0 {
		t.Errorf("second publish of the same site posted %d transactions and chunks", n)
	}
	st, err := p.Status(ctx(t), b.Root)
	if err != nil || st.Status != pin.StatusPinned || st.ManifestID != r.ManifestID {
		t.Errorf("Status: %+v %v", st, err)
	}
}

// checkManifest reads the manifest transaction's JSON back: v0.2.0, the
// index, the SPA fallback (arlocal ignores fallback when serving, so the
// JSON is checked), every path.
func checkManifest(t *testing.T, gw string, r pin.Receipt) {
	t.Helper()
	raw := get(t, gw+"/tx/"+r.ManifestID+"/data")
	data, _ := artx.ParseManifest(decodeB64(t, raw))
	if data == nil {
		t.Fatalf("the manifest does not parse: %s", raw)
	}
	if data.Version != "0.2.0" || data.Index == nil || data.Index.Path != "index.html" || data.Fallback == nil || data.Fallback.ID != r.Files["index.html"] {
		t.Errorf("manifest: version %s index %+v fallback %+v", data.Version, data.Index, data.Fallback)
	}
	if id, ok := data.Resolve("some/client/route"); !ok || id != r.Files["index.html"] {
		t.Errorf("an SPA route resolves to %s %v", id, ok)
	}
	for path, id := range r.Files {
		if data.Paths[path].ID != id {
			t.Errorf("manifest lists %s as %s, receipt %s", path, data.Paths[path].ID, id)
		}
	}
	tx := get(t, gw+"/tx/"+r.ManifestID)
	var hdr struct {
		Tags []struct{ Name, Value string } `json:"tags"`
	}
	json.Unmarshal(tx, &hdr)
	tags := map[string]string{}
	for _, tg := range hdr.Tags {
		tags[string(decodeB64(t, []byte(tg.Name)))] = string(decodeB64(t, []byte(tg.Value)))
	}
	if tags["Content-Type"] != artx.ManifestContentType || tags["IPFS-CAR"] != r.CARTxID || tags["IPFS-Root"] != r.CID {
		t.Errorf("manifest tags %v", tags)
	}
}

// checkCAR fetches the CAR transaction's data and recomputes its IPFS root.
func checkCAR(t *testing.T, gw string, r pin.Receipt, b *pintest.Bundle) {
	t.Helper()
	car := get(t, gw+"/"+r.CARTxID)
	in, err := bundle.Inspect(bytes.NewReader(car))
	if err != nil || !in.OK() || len(in.Roots) != 1 || in.Roots[0] != b.Root.String() {
		t.Fatalf("the CAR from Arweave: %v roots %v ok=%v", err, in.Roots, in != nil && in.OK())
	}
	if err := pintest.VerifyCAR(bytes.NewReader(car), b.Blocks); err != nil {
		t.Fatalf("the CAR from Arweave: %v", err)
	}
}

func decodeB64(t *testing.T, b []byte) []byte {
	t.Helper()
	out, err := artxB64(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("not base64url: %.60s", b)
	}
	return out
}
