package arweave_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dapp-publish/dapp-publish/internal/fakes/faults"
	"github.com/dapp-publish/dapp-publish/internal/fakes/turbo"
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/arweave"
	"github.com/dapp-publish/dapp-publish/pin/arweave/arapi"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx/artxtest"
	"github.com/dapp-publish/dapp-publish/pin/pintest"
	"github.com/dapp-publish/dapp-publish/verify"
)

// turboOn starts the fake Turbo service, bundling what it accepts onto
// arlocal (as the real one bundles onto Arweave) with test wallet 1.
func turboOn(t *testing.T, ar interface {
	Mint(testing.TB, string, string)
}, gateway string) *turbo.Server {
	bundler := artxtest.Wallet(t, 1)
	ar.Mint(t, bundler.Address(), "1000000000000000000")
	s := turbo.Start(t, bundler)
	s.ForwardTo(gateway, bundler)
	return s
}

func turboProvider(t *testing.T, gateway, endpoint string, edit ...func(*arweave.Config)) *arweave.Provider {
	return provider(t, gateway, append([]func(*arweave.Config){func(c *arweave.Config) {
		c.Uploader, c.Endpoint, c.Confirmations = arweave.UploaderTurbo, endpoint, 0
	}}, edit...)...)
}

// TestTurbo stores a site as data items through the fake Turbo service and
// fetches it back through the manifest on arlocal.
func TestTurbo(t *testing.T) {
	ar := arlocal(t)
	tb := turboOn(t, ar, ar.URL)
	tb.Fund(artxtest.Wallet(t, 0).Address(), 1e12)
	p2gw := rawShim(t, ar.URL, tb)
	p := turboProvider(t, p2gw, tb.URL)
	site := testSite(5)
	b := pintest.PackFS(t, site)
	r, err := p.Pin(ctx(t), b.Bundle)
	if err != nil {
		t.Fatal(err)
	}
	if r.IDs["uploader"] != "turbo" || len(tb.Items()) != len(site)+2 || r.CostWinston == "0" {
		t.Fatalf("receipt %+v; %d items posted", r, len(tb.Items()))
	}
	for _, it := range tb.Items() { // every item is ours, signed, and parses back
		d, _, err := artx.ParseDataItem(it)
		if err != nil || !bytes.Equal(d.Owner, artxtest.Wallet(t, 0).Owner()) {
			t.Fatalf("item: %v", err)
		}
	}
	for _, path := range []string{"index.html", "assets/app.js", "img/big.bin"} {
		if got := get(t, ar.URL+"/"+r.ManifestID+"/"+path); !bytes.Equal(got, site[path].Data) {
			t.Errorf("%s through the manifest: %d bytes differ", path, len(got))
		}
	}
	checkCAR(t, ar.URL, r, b)
	// Verified without trusting the gateway: no item has a transaction
	// header, but the gateway's GraphQL indexes each item's header, so every
	// item's signature is checked over the bytes served (and its id is the
	// hash of that signature); every file must also match the CAR copy,
	// whose blocks must match the root.
	check := func(gw string) verify.ArweaveReport {
		return verify.CheckArweaveCopy(ctx(t), verify.ArweaveCopy{Manifest: r.ManifestID, CAR: r.CARTxID, Root: b.Root}, nil,
			[]*verify.ArweaveGateway{{URL: gw}}, verify.CheckOptions{})[0]
	}
	rep := check(p2gw)
	if !rep.OK() || rep.Root != b.Root.String() || rep.Signatures != len(site)+2 || len(rep.Unsigned) != 0 || rep.Files != len(site) ||
		rep.Owner != artxtest.Wallet(t, 0).Address() {
		t.Errorf("verify: %+v", rep)
	}
	// The manifest served with spaces added: the same JSON, but not the
	// bytes its signature covers.
	spaced := faults.New(t, p2gw)
	spaced.Add("/raw/"+r.ManifestID, 1<<20, faults.Rewrite("{", " {"))
	if rep := check(spaced.URL); rep.OK() || !errors.Is(rep.Err, verify.ErrBadSignature) || !strings.Contains(rep.Err.Error(), "the manifest "+r.ManifestID) {
		t.Errorf("a manifest with other bytes: %+v, want a bad signature", rep)
	}
	// GraphQL answering for the manifest with another item's header.
	var other string
	for id := range tb.Items() {
		if id != r.ManifestID {
			other = id
			break
		}
	}
	swapped := faults.New(t, p2gw)
	swapped.Add("/graphql", 1<<20, faults.Swap(r.ManifestID, other))
	if rep := check(swapped.URL); rep.OK() || !errors.Is(rep.Err, arapi.ErrItemMismatch) || !strings.Contains(rep.Err.Error(), "does not hash to that id") {
		t.Errorf("another item's header under the manifest's id: %+v, want its signature refused for not hashing to the id", rep)
	}
	ar.Mine(t)
	posts := tb.Posts()
	again, err := p.Pin(ctx(t), b.Bundle)
	if err != nil || !again.Skipped || again.ManifestID != r.ManifestID || tb.Posts() != posts {
		t.Errorf("second publish: %+v %v, %d more posts", again, err, tb.Posts()-posts)
	}
}

// rawShim fronts arlocal with GET /raw/{id} for bundled data items, which
// ar.io gateways serve and arlocal does not (it refuses /tx/{id}/data for
// them, and serves a manifest's index at /{id}): the data of the item the
// fake service accepted.
func rawShim(t *testing.T, arlocal string, tb *turbo.Server) string {
	u, _ := url.Parse(arlocal)
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := strings.CutPrefix(r.URL.Path, "/raw/")
		if !ok {
			rp.ServeHTTP(w, r)
			return
		}
		it, ok := tb.Items()[id]
		if !ok {
			http.NotFound(w, r)
			return
		}
		d, err := artx.ReadDataItem(bytes.NewReader(it))
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Write(it[d.HeaderLen:])
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestTurboInsufficientBalance: 402 becomes a permanent error naming the
// wallet and what to do.
func TestTurboInsufficientBalance(t *testing.T) {
	ar := arlocal(t)
	tb := turboOn(t, ar, ar.URL)
	_, err := turboProvider(t, ar.URL, tb.URL).Pin(ctx(t), pintest.PackFS(t, testSite(6)).Bundle)
	if !errors.Is(err, arweave.ErrInsufficientFunds) || !pin.IsPermanent(err) ||
		!strings.Contains(err.Error(), artxtest.Wallet(t, 0).Address()) || !strings.Contains(err.Error(), "top up Turbo credits") {
		t.Fatalf("got %v", err)
	}
	t.Log(err)
}

// TestTurboDownThenUp: 503s are retried; the same signed items are posted
// again, so nothing is stored (or paid) twice.
func TestTurboDownThenUp(t *testing.T) {
	ar := arlocal(t)
	tb := turboOn(t, ar, ar.URL)
	tb.Fund(artxtest.Wallet(t, 0).Address(), 1e12)
	tb.SetDown(true)
	go func() { time.Sleep(300 * time.Millisecond); tb.SetDown(false) }()
	p := turboProvider(t, ar.URL, tb.URL, func(c *arweave.Config) {
		c.Retry = pin.RetryPolicy{Attempts: 20, Base: 50 * time.Millisecond, Max: 100 * time.Millisecond}
	})
	site := testSite(7)
	if _, err := p.Pin(ctx(t), pintest.PackFS(t, site).Bundle); err != nil {
		t.Fatal(err)
	}
	if n := len(tb.Items()); n != len(site)+2 {
		t.Errorf("%d items stored, want %d", n, len(site)+2)
	}
	if tb.Posts() <= len(site)+2 {
		t.Error("the service was never down")
	}
}
