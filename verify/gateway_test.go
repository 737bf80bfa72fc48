package verify

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/dapp-publish/dapp-publish/internal/testpeers"
	"github.com/ipfs/go-cid"
)

// getHost fetches url from the handler's server with the given Host header.
func getHost(t *testing.T, srvURL, host, p string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srvURL+p, nil)
	req.Host = host
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// rejections records what the block store refused, per source.
type rejections struct {
	mu     sync.Mutex
	bySrc  map[string]int
	hashes int
}

func (r *rejections) note(src string, _ cid.Cid, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.bySrc == nil {
		r.bySrc = map[string]int{}
	}
	r.bySrc[src]++
	if strings.Contains(err.Error(), ErrHashMismatch.Error()) {
		r.hashes++
	}
}

// flipRaw is a corrupting proxy that flips a byte in every raw block.
func flipRaw(t testing.TB, upstream string) *httptest.Server {
	return corruptingProxy(t, upstream, func(b []byte) []byte {
		b[len(b)-1] ^= 1
		return b
	}, func(_ string, b []byte) []byte {
		if len(b) > 0 {
			b[len(b)/2] ^= 0x20
		}
		return b
	})
}

// TestServeFailover runs the serve gateway in front of a corrupting proxy,
// a Kubo node without the site, a Kubo node with it, and the address where
// a third node holding it will start later. Files come out byte-identical;
// when the holder stops and the third one starts, serving goes on from it;
// the corrupt source never gets a byte through.
func TestServeFailover(t *testing.T) {
	site := testSite(3)
	root, car, _ := packCAR(t, site)
	empty := testpeers.StartKubo(t)
	holder := testpeers.StartKubo(t)
	importCAR(t, holder.KuboRepo, car)
	// The third node: repo ready and filled offline, gateway port fixed now.
	laterRepo := testpeers.NewKuboRepo(t)
	port := testpeers.FreePort(t)
	laterRepo.MustRun(t, nil, "config", "Addresses.Gateway", fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", port))
	importCAR(t, laterRepo, car)
	laterURL := fmt.Sprintf("http://127.0.0.1:%d", port)
	bad := flipRaw(t, holder.Gateway)

	var rej rejections
	srcs := []BlockGetter{&Gateway{URL: bad.URL}, &Gateway{URL: empty.Gateway}, &Gateway{URL: holder.Gateway}, &Gateway{URL: laterURL}}
	bs, err := NewBlockStore(srcs, BlockStoreOptions{CacheBlocks: -1, OnReject: rej.note})
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewGatewayHandler(bs, GatewayOptions{Names: NameResolverFunc(func(_ context.Context, name string) (cid.Cid, error) {
		if name == "app.eth" {
			return root, nil
		}
		return cid.Undef, fmt.Errorf("no such name %s", name)
	})})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	sub := root.String() + ".ipfs.localhost"

	check := func(t *testing.T, host, p, file string) {
		t.Helper()
		code, body := getHost(t, srv.URL, host, p)
		if code != 200 || !bytes.Equal(body, site[file].Data) {
			t.Fatalf("GET %s%s: %d, %d bytes; want the %d bytes of %s", host, p, code, len(body), len(site[file].Data), file)
		}
	}
	t.Run("subdomain", func(t *testing.T) {
		check(t, sub, "/", "index.html")
		check(t, sub, "/assets/app.js", "assets/app.js")
	})
	t.Run("path", func(t *testing.T) {
		check(t, "127.0.0.1", "/ipfs/"+root.String()+"/assets/app.js", "assets/app.js")
	})
	t.Run("redirects", func(t *testing.T) {
		check(t, sub, "/some/client/route", "index.html") // _redirects: /* /index.html 200
	})
	t.Run("ens name", func(t *testing.T) {
		check(t, "app.eth.localhost", "/assets/app.js", "assets/app.js")
		if code, _ := getHost(t, srv.URL, "nope.eth.localhost", "/"); code == 200 {
			t.Errorf("an unknown name was served")
		}
	})
	if rej.hashes == 0 || rej.bySrc[bad.URL] == 0 {
		t.Fatalf("the corrupting proxy was never asked (rejections %v): the test proves nothing", rej.bySrc)
	}

	holder.Stop()
	later := laterRepo.Start(t)
	if later.Gateway != laterURL {
		t.Fatalf("the third node listens on %s, not %s", later.Gateway, laterURL)
	}
	t.Run("after failover", func(t *testing.T) {
		before := rej.bySrc[holder.Gateway]
		check(t, sub, "/assets/big.wasm", "assets/big.wasm") // never fetched before
		check(t, sub, "/index.html", "index.html")
		if rej.bySrc[holder.Gateway] == before {
			t.Errorf("the stopped holder was not asked; the failover was not exercised")
		}
	})
}

// With only corrupt sources, not one byte of the file is served.
func TestServeCorruptOnly(t *testing.T) {
	site := testSite(4)
	root, car, _ := packCAR(t, site)
	holder := testpeers.StartKubo(t)
	importCAR(t, holder.KuboRepo, car)
	bad := flipRaw(t, holder.Gateway)
	bs, err := NewBlockStore([]BlockGetter{&Gateway{URL: bad.URL}}, BlockStoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewGatewayHandler(bs, GatewayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, f := range []string{"index.html", "assets/app.js", "assets/big.wasm"} {
		code, body := getHost(t, srv.URL, "127.0.0.1", "/ipfs/"+root.String()+"/"+f)
		if code == 200 {
			t.Errorf("%s: served with 200 from a corrupt source", f)
		}
		orig := site[f].Data
		if len(orig) > 16 && bytes.Contains(body, orig[:16]) {
			t.Errorf("%s: the response holds bytes of the file", f)
		}
	}
}
