package verify

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dapp-publish/dapp-publish/internal/testpeers"
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

// tamperProxy relays to upstream and flips a byte of every response whose
// path ends with suffix.
func tamperProxy(t *testing.T, upstream, suffix string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, err := http.Get(upstream + r.URL.RequestURI())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if strings.HasSuffix(r.URL.Path, suffix) && len(body) > 0 {
			body[0] ^= 0x20
		}
		w.WriteHeader(resp.StatusCode)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestCheckArweave(t *testing.T) {
	ar := testpeers.StartArlocal(t)
	site := arweaveSite()
	_, _, b := packCAR(t, site)
	full := ar.UploadSite(t, files(site, ""))
	partial := ar.UploadSite(t, files(site, "about/x.html"))
	tampered := tamperProxy(t, ar.URL, "/assets/app.js")
	for _, tc := range []struct {
		name          string
		gw            string
		tx            string
		ok            bool
		missing, diff []string
	}{
		{"complete", ar.URL, full.Manifest, true, nil, nil},
		{"file missing from the manifest", ar.URL, partial.Manifest, false, []string{"about/x.html"}, nil},
		{"gateway alters a file", tampered, full.Manifest, false, nil, []string{"assets/app.js"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := CheckArweave(context.Background(), tc.tx, b.Manifest, []*ArweaveGateway{{URL: tc.gw}}, CheckOptions{})[0]
			if r.OK() != tc.ok || !slices.Equal(r.Missing, tc.missing) || !slices.Equal(r.Different, tc.diff) {
				t.Fatalf("got OK=%v missing=%v different=%v err=%v", r.OK(), r.Missing, r.Different, r.Err)
			}
			if !r.Reachable {
				t.Error("not reachable")
			}
			if len(tc.diff) > 0 && !errors.Is(r.Err, ErrContentMismatch) {
				t.Errorf("err = %v, want ErrContentMismatch", r.Err)
			}
			t.Logf("%v", r.Err)
		})
	}
	t.Run("not an id", func(t *testing.T) {
		r := CheckArweave(context.Background(), "../../etc", b.Manifest, []*ArweaveGateway{{URL: ar.URL}}, CheckOptions{})[0]
		if !errors.Is(r.Err, ErrArweaveTxID) {
			t.Fatalf("got %v", r.Err)
		}
	})
}
