package arweave_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dapp-publish/dapp-publish/internal/testpeers"
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/arweave"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx/artxtest"
	"github.com/dapp-publish/dapp-publish/pin/pintest"
)

// TestConformance runs the suite every provider passes, on arlocal.
func TestConformance(t *testing.T) {
	ar := arlocal(t)
	pintest.Run(t, pintest.Options{
		New:     func(t *testing.T) pin.Provider { return provider(t, ar.URL) },
		BigFile: 600 << 10,
	})
}

// TestChangedSiteReusesFiles publishes a site, changes one file, and
// publishes again: only that file, the CAR and the manifest are posted.
func TestChangedSiteReusesFiles(t *testing.T) {
	ar := arlocal(t)
	rec := newRecorder(t, ar.URL)
	p := provider(t, rec.URL)
	site := testSite(2)
	first, err := p.Pin(ctx(t), pintest.PackFS(t, site).Bundle)
	if err != nil {
		t.Fatal(err)
	}
	site["assets/style.css"].Data = []byte("body{color:blue}")
	b := pintest.PackFS(t, site)
	rec.reset()
	second, err := p.Pin(ctx(t), b.Bundle)
	if err != nil {
		t.Fatal(err)
	}
	if n := rec.count("POST /tx"); n != 3 {
		t.Errorf("posted %d transactions, want 3 (the changed file, the CAR, the manifest)", n)
	}
	for path, id := range second.Files {
		if changed := path == "assets/style.css"; (id == first.Files[path]) == changed {
			t.Errorf("%s: id %s, first publish %s", path, id, first.Files[path])
		}
	}
	if second.IDs["files_reused"] != "8" {
		t.Errorf("files_reused = %q", second.IDs["files_reused"])
	}
	if got := get(t, ar.URL+"/"+second.ManifestID+"/img/big.bin"); !bytes.Equal(got, site["img/big.bin"].Data) {
		t.Error("a reused file is not served through the new manifest")
	}
}

// TestUnfundedWallet: the error names the address and the amounts, is
// permanent, and nothing is posted.
func TestUnfundedWallet(t *testing.T) {
	ar := testpeers.StartArlocal(t)
	ar.AutoMine(t, 200*time.Millisecond)
	rec := newRecorder(t, ar.URL)
	p := provider(t, rec.URL, func(c *arweave.Config) { c.Wallet = artxtest.Secret(1) })
	_, err := p.Pin(ctx(t), pintest.PackFS(t, testSite(3)).Bundle)
	var fe *arweave.FundsError
	if !errors.As(err, &fe) || !errors.Is(err, arweave.ErrInsufficientFunds) || !pin.IsPermanent(err) {
		t.Fatalf("got %v", err)
	}
	addr := artxtest.Wallet(t, 1).Address()
	if !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "winston") || fe.Needed.Sign() <= 0 {
		t.Errorf("message: %v", err)
	}
	if n := rec.count("POST /tx"); n != 0 {
		t.Errorf("%d transactions posted from an unfunded wallet", n)
	}
	t.Log(err)
}

// TestGatewayUnreachable: a gateway nobody listens on gives a transient
// error (retried by pin.Retry) that names the gateway and what to check.
func TestGatewayUnreachable(t *testing.T) {
	p := provider(t, "http://127.0.0.1:1", func(c *arweave.Config) { c.Retry = pin.RetryPolicy{Attempts: 2, Base: time.Millisecond} })
	b := pintest.PackFS(t, testSite(4))
	start := time.Now()
	_, err := pin.Wrap(p, pin.Policy{Retry: pin.RetryPolicy{Attempts: 2, Base: time.Millisecond}}).Pin(ctx(t), b.Bundle)
	if err == nil || pin.IsPermanent(err) || !strings.Contains(err.Error(), "cannot reach the Arweave gateway http://127.0.0.1:1") ||
		!strings.Contains(err.Error(), "check gateway:") {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("took %s", d)
	}
	t.Log(err)
}

// TestSameBytesStoredOnce: two paths with the same bytes and type share
// one transaction.
func TestSameBytesStoredOnce(t *testing.T) {
	ar := arlocal(t)
	rec := newRecorder(t, ar.URL)
	files := map[string][]byte{"index.html": []byte("<p>i</p>"), "a/logo.svg": []byte("<svg/>"), "b/logo.svg": []byte("<svg/>"), "c/logo.txt": []byte("<svg/>")}
	r, err := provider(t, rec.URL).Pin(ctx(t), pack(t, files).Bundle)
	if err != nil {
		t.Fatal(err)
	}
	if r.Files["a/logo.svg"] != r.Files["b/logo.svg"] || r.Files["a/logo.svg"] == r.Files["c/logo.txt"] {
		t.Errorf("ids %v", r.Files)
	}
	if n := rec.count("POST /tx"); n != 5 { // index, one svg, the txt (another type), the CAR, the manifest
		t.Errorf("%d transactions posted, want 5", n)
	}
	if got := get(t, ar.URL+"/"+r.ManifestID+"/b/logo.svg"); string(got) != "<svg/>" {
		t.Errorf("b/logo.svg: %q", got)
	}
}
