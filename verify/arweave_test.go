package verify

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/internal/testpeers"
	"github.com/dapp-publish/dapp-publish/pin/arweave"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx/artxtest"
	"github.com/dapp-publish/dapp-publish/pin/pintest"
)

func arweaveSite() fstest.MapFS {
	return fstest.MapFS{
		"index.html":    {Data: []byte("<!doctype html><script src=assets/app.js></script>")},
		"assets/app.js": {Data: []byte("console.log('on arweave')")},
		"about/x.html":  {Data: []byte("<p>about</p>")},
	}
}

func files(fsys fstest.MapFS, skip string) map[string][]byte {
	m := map[string][]byte{}
	for p, f := range fsys {
		if p != skip {
			m[p] = f.Data
		}
	}
	return m
}

// proxy relays GETs to upstream through edit, which may change an
// answer's body.
func proxy(t *testing.T, upstream string, edit func(path string, body []byte) []byte) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, err := http.Get(upstream + r.URL.RequestURI())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		w.WriteHeader(resp.StatusCode)
		w.Write(edit(r.URL.Path, body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// tamperProxy flips a byte in the middle of every answer to path (or to
// any path ending in path, if it starts with "*").
func tamperProxy(t *testing.T, upstream, path string) string {
	suffix, any := strings.CutPrefix(path, "*")
	return proxy(t, upstream, func(p string, body []byte) []byte {
		if (p == path || any && strings.HasSuffix(p, suffix)) && len(body) > 0 {
			body[len(body)/2] ^= 0x20
		}
		return body
	})
}

// rewriteProxy replaces old with new in the answers to path.
func rewriteProxy(t *testing.T, upstream, path, old, new string) string {
	return proxy(t, upstream, func(p string, body []byte) []byte {
		if p == path {
			body = bytes.ReplaceAll(body, []byte(old), []byte(new))
		}
		return body
	})
}

// TestCheckArweave checks sites uploaded by arweave-js (no CAR copy): files
// against their signed data roots and the local build.
func TestCheckArweave(t *testing.T) {
	ar := testpeers.StartArlocal(t)
	site := arweaveSite()
	_, _, b := packCAR(t, site)
	full := ar.UploadSite(t, files(site, ""))
	partial := ar.UploadSite(t, files(site, "about/x.html"))
	for _, tc := range []struct {
		name          string
		gw            string
		tx            string
		ok            bool
		missing, diff []string
	}{
		{"complete", ar.URL, full.Manifest, true, nil, nil},
		{"file missing from the manifest", ar.URL, partial.Manifest, false, []string{"about/x.html"}, nil},
		{"gateway alters a file", tamperProxy(t, ar.URL, "/"+full.Paths["assets/app.js"].ID), full.Manifest, false, nil, []string{"assets/app.js"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := CheckArweave(context.Background(), tc.tx, b.Manifest, []*ArweaveGateway{{URL: tc.gw}}, CheckOptions{})[0]
			if r.OK() != tc.ok || !slices.Equal(r.Missing, tc.missing) || !slices.Equal(r.Different, tc.diff) {
				t.Fatalf("got OK=%v missing=%v different=%v err=%v", r.OK(), r.Missing, r.Different, r.Err)
			}
			if !r.Reachable || r.Signatures == 0 || len(r.Unsigned) > 0 {
				t.Errorf("reachable %v, %d signatures, unsigned %v", r.Reachable, r.Signatures, r.Unsigned)
			}
			if len(tc.diff) > 0 && !errors.Is(r.Err, ErrContentMismatch) {
				t.Errorf("err = %v, want ErrContentMismatch", r.Err)
			}
			t.Logf("%v", r.Err)
		})
	}
	t.Run("gateway alters the manifest", func(t *testing.T) {
		r := CheckArweave(context.Background(), full.Manifest, nil, []*ArweaveGateway{{URL: tamperProxy(t, ar.URL, "*/data")}}, CheckOptions{})[0]
		if r.OK() || !errors.Is(r.Err, ErrContentMismatch) {
			t.Fatalf("got OK=%v err=%v", r.OK(), r.Err)
		}
	})
	t.Run("unknown manifest", func(t *testing.T) {
		r := CheckArweave(context.Background(), "k7WEb056318KXG7GMG6cQ7q3YOnOPS1gwnAe19lW4u8", nil, []*ArweaveGateway{{URL: ar.URL}}, CheckOptions{})[0]
		var se *StatusError
		if r.OK() || !errors.As(r.Err, &se) || se.Status != 404 || len(r.Unsigned) != 0 {
			t.Fatalf("got %+v", r)
		}
	})
	t.Run("not an id", func(t *testing.T) {
		r := CheckArweave(context.Background(), "../../etc", b.Manifest, []*ArweaveGateway{{URL: ar.URL}}, CheckOptions{})[0]
		if !errors.Is(r.Err, ErrArweaveTxID) {
			t.Fatalf("got %v", r.Err)
		}
	})
}

// TestCheckArweaveCopy checks a copy made by the arweave provider: the CAR
// copy's blocks against the IPFS root, and every file against it.
func TestCheckArweaveCopy(t *testing.T) {
	ar := testpeers.StartArlocal(t)
	w := artxtest.Wallet(t, 0)
	ar.Mint(t, w.Address(), "1000000000000000000")
	ar.AutoMine(t, 200*time.Millisecond)
	p, err := arweave.NewProvider("ar", &arweave.Config{Gateway: ar.URL, Wallet: artxtest.Secret(0),
		StateDir: t.TempDir(), PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	site := arweaveSite()
	// Random bytes: arlocal serves a file whose chunks repeat wrongly (it
	// drops repeated chunks), which the check reports, rightly.
	site["img/big.bin"] = &fstest.MapFile{Data: randomBytes(640000)}
	pb := pintest.PackFS(t, site)
	r, err := p.Pin(context.Background(), pb.Bundle)
	if err != nil {
		t.Fatal(err)
	}
	_, _, b := packCAR(t, site)
	copyOf, gws, err := ArweaveCopyOf(pb.Root, r.Endpoints, r.IDs) // as publish reads a receipt
	if err != nil || copyOf.Manifest != r.ManifestID || copyOf.CAR != r.CARTxID || gws[0].URL != ar.URL {
		t.Fatalf("%+v %v: %v", copyOf, gws, err)
	}
	check := func(gw string, c ArweaveCopy, want *bundle.Manifest) ArweaveReport {
		return CheckArweaveCopy(context.Background(), c, want, []*ArweaveGateway{{URL: gw}}, CheckOptions{})[0]
	}
	t.Run("as published", func(t *testing.T) {
		for _, c := range []ArweaveCopy{copyOf, {Manifest: r.ManifestID}} { // the CAR and root from the tags
			rep := check(ar.URL, c, b.Manifest)
			if !rep.OK() || rep.Root != pb.Root.String() || rep.CAR != r.CARTxID || rep.Files != len(site) ||
				rep.Signatures != len(site)+2 || rep.Owner != w.Address() {
				t.Fatalf("%+v: %v", rep, rep.Err)
			}
		}
	})
	t.Run("without the local build", func(t *testing.T) {
		if rep := check(ar.URL, ArweaveCopy{Manifest: r.ManifestID}, nil); !rep.OK() || rep.Root != pb.Root.String() {
			t.Fatalf("%+v: %v", rep, rep.Err)
		}
	})
	t.Run("gateway alters the CAR", func(t *testing.T) {
		rep := check(tamperProxy(t, ar.URL, "/"+r.CARTxID), copyOf, b.Manifest)
		if rep.OK() || !errors.Is(rep.Err, ErrContentMismatch) {
			t.Fatalf("%+v: %v", rep, rep.Err)
		}
	})
	t.Run("gateway alters a big file", func(t *testing.T) {
		rep := check(tamperProxy(t, ar.URL, "/"+r.Files["img/big.bin"]), copyOf, b.Manifest)
		if rep.OK() || !slices.Equal(rep.Different, []string{"img/big.bin"}) {
			t.Fatalf("%+v: %v", rep, rep.Err)
		}
	})
	t.Run("gateway rewrites a signed header", func(t *testing.T) {
		gw := rewriteProxy(t, ar.URL, "/tx/"+r.CARTxID, "SVBGUy1Sb290", "SVBGUy1Sb3Uw") // the tag name IPFS-Root
		rep := check(gw, copyOf, b.Manifest)
		if rep.OK() || !errors.Is(rep.Err, ErrBadSignature) {
			t.Fatalf("%+v: %v", rep, rep.Err)
		}
	})
	t.Run("another root", func(t *testing.T) {
		other := pintest.NewBundle(t, 99, 10)
		rep := check(ar.URL, ArweaveCopy{Manifest: r.ManifestID, Root: other.Root}, nil)
		if rep.OK() || !errors.Is(rep.Err, ErrContentMismatch) {
			t.Fatalf("%+v: %v", rep, rep.Err)
		}
	})
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func TestArweaveCopyOf(t *testing.T) {
	const man, car = "k7WEb056318KXG7GMG6cQ7q3YOnOPS1gwnAe19lW4u8", "yrNK04RfIqBpqIqNE2v61VmzVxz3aUSpAKcenikFuqI"
	root := pintest.NewBundle(t, 1, 10).Root
	c, gws, err := ArweaveCopyOf(root, []string{"https://arweave.net/" + man + "/", "ftp://x/" + man + "/", "https://ipfs.io/ipfs/" + root.String()},
		map[string]string{"manifest": man, "car": car})
	if err != nil || c.Manifest != man || c.CAR != car || c.Root != root || len(gws) != 1 || gws[0].URL != "https://arweave.net" {
		t.Fatalf("%+v %v %v", c, gws, err)
	}
	for _, ids := range []map[string]string{{}, {"manifest": "../x"}, {"manifest": man, "car": "x"}} {
		if _, _, err := ArweaveCopyOf(root, []string{"https://arweave.net/" + man + "/"}, ids); err == nil {
			t.Errorf("ids %v accepted", ids)
		}
	}
	if _, _, err := ArweaveCopyOf(root, nil, map[string]string{"manifest": man}); err == nil {
		t.Error("no gateway accepted")
	}
}
