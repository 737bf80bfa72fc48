package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dapp-publish/dapp-publish/bundle/piece"
	"github.com/dapp-publish/dapp-publish/internal/config"
	"github.com/dapp-publish/dapp-publish/internal/fakes/pdp"
	"github.com/dapp-publish/dapp-publish/internal/testpeers"
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/filecoin"
	"github.com/dapp-publish/dapp-publish/publish"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ipfs/go-cid"
)

// TestVerifyFilecoinPiece: a Filecoin copy counts only when the piece its
// receipt names, fetched from the storage provider, hashes to its piece
// CID: a flipped byte, a missing piece or a receipt without one do not.
func TestVerifyFilecoinPiece(t *testing.T) {
	data := bytes.Repeat([]byte("dapp-publish piece "), 300)
	c, err := piece.Sum(context.Background(), bytes.NewReader(data), int64(len(data)), 0)
	if err != nil {
		t.Fatal(err)
	}
	serve := data
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/piece/"+c.String() {
			http.NotFound(w, r)
			return
		}
		w.Write(serve)
	}))
	defer srv.Close()
	v := &verifier{timeout: 10 * time.Second, entries: map[string]config.Provider{}, redact: func(s string) string { return s }}
	receipt := func(url string) publish.Receipt {
		return publish.Receipt{Holder: "foc", Type: filecoin.Type, Network: publish.NetworkFilecoin, Status: publish.StatusPinned,
			IDs: map[string]string{"piece_cid": c.String(), "piece_url": url, "piece_size": strconv.Itoa(len(data))}}
	}
	h := &pinHolder{p: fakeProvider{name: "foc", typ: filecoin.Type}} // its network: TestHolderCapabilities

	vs := v.VerifyHolder(context.Background(), c.CID(), h, receipt(srv.URL+"/piece/"+c.String()))
	if len(vs) != 1 || !vs[0].OK || vs[0].Mode != "piece" || vs[0].Bytes != int64(len(data)) || vs[0].Holder != "foc" {
		t.Fatalf("good piece: %+v", vs)
	}
	serve = append([]byte(nil), data...)
	serve[len(serve)/2] ^= 1
	if vs := v.VerifyHolder(context.Background(), c.CID(), h, receipt(srv.URL+"/piece/"+c.String())); vs[0].OK || !vs[0].Reachable || vs[0].Error == "" {
		t.Errorf("corrupt piece: %+v", vs)
	}
	if vs := v.VerifyHolder(context.Background(), c.CID(), h, receipt(srv.URL+"/piece/other")); vs[0].OK {
		t.Errorf("missing piece: %+v", vs)
	}
	r := receipt("")
	delete(r.IDs, "piece_url")
	if vs := v.VerifyHolder(context.Background(), c.CID(), h, r); vs[0].OK || vs[0].Source != "(none)" || !strings.Contains(vs[0].Error, "names no piece") {
		t.Errorf("no piece URL: %+v", vs)
	}
}

// TestPublishFilecoin: publish with a Filecoin Onchain Cloud holder on
// anvil (FWSS, FilecoinPay, USDFC and PDPVerifier stand-ins) and a fake
// storage provider. A dry run prices the bundle and sends nothing; publish
// stores it, checks the piece, counts it in the filecoin network, and
// records the bundle's piece CID, which equals the stored piece's. The
// wallet's key comes from key_file and never appears in any output.
func TestPublishFilecoin(t *testing.T) {
	a := testpeers.StartAnvil(t)
	foc := testpeers.StartFOC(t, a)
	spKey := a.Key(t, 1)
	srv := pdp.New(t, pdp.Chain{
		Client: a.Client, ChainID: testpeers.AnvilChainID, Key: spKey,
		Verifier: foc.PDPVerifier, VerifierABI: foc.Contracts["PDPVerifier"].ABI, FWSS: foc.FWSS,
		Payer: func(id uint64) common.Address {
			out := foc.Read(t, "FilecoinWarmStorageService", foc.FWSS, "getDataSet", new(big.Int).SetUint64(id))
			return reflect.ValueOf(out[0]).FieldByName("Payer").Interface().(common.Address)
		},
	})
	spID := foc.AddProvider(t, crypto.PubkeyToAddress(spKey.PublicKey), "fake-sp", map[string][]byte{
		"serviceURL":               []byte(srv.URL),
		"minPieceSizeInBytes":      big.NewInt(127).Bytes(),
		"maxPieceSizeInBytes":      big.NewInt(1065353216).Bytes(),
		"storagePricePerTibPerDay": big.NewInt(1e17).Bytes(),
		"paymentTokenAddress":      foc.USDFC.Bytes(),
		"location":                 []byte("C=ZZ"),
	})
	foc.Mint(t, a.Address(t, 2), new(big.Int).Mul(big.NewInt(100), big.NewInt(1e18)))

	dir := t.TempDir()
	key := a.KeyHex(2)
	write := func(name, data string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("site/index.html", "<!doctype html><title>filecoin</title>")
	write("wallet.key", "0x"+key+"\n")
	write("dapp-publish.yaml", fmt.Sprintf(`site: site
providers:
  - name: foc
    type: filecoin
    endpoint: %q
    network: custom
    fwss: %q
    chain_id: %d
    key_file: wallet.key
    provider_id: %d
    max_per_run: "5"
    auto_fund: true
    confirm_wait: 30s
    poll_interval: 50ms
`, a.URL, foc.FWSS.Hex(), testpeers.AnvilChainID, spID))
	t.Setenv("GITHUB_ACTIONS", "true")
	t.Setenv("GITHUB_OUTPUT", filepath.Join(dir, "gh-output"))
	t.Setenv("GITHUB_STEP_SUMMARY", filepath.Join(dir, "gh-summary"))
	publishRun := func(extra ...string) (int, *publish.Record, string) {
		t.Helper()
		var out, errb bytes.Buffer
		args := append([]string{"dapp-publish", "publish", "--config", filepath.Join(dir, "dapp-publish.yaml"), "--state-dir", filepath.Join(dir, "state"), "--json"}, extra...)
		code := run(args, &out, &errb)
		for _, text := range []string{out.String(), errb.String()} {
			for _, line := range strings.Split(text, "\n") {
				if strings.Contains(strings.ToLower(line), key) && !strings.HasPrefix(line, "::add-mask::") {
					t.Errorf("the wallet key appears outside a mask command: %q", line)
				}
			}
		}
		var rec publish.Record
		if err := json.Unmarshal(out.Bytes(), &rec); err != nil {
			t.Fatalf("exit %d, not a record: %v\n%s\n%s", code, err, out.String(), errb.String())
		}
		return code, &rec, errb.String()
	}

	// The key read from key_file is masked, in GitHub Actions, before
	// anything else is printed.
	code, rec, errOut := publishRun("--dry-run")
	if code != exitOK || rec.Outcome != publish.OutcomeDryRun || len(rec.Receipts) != 1 {
		t.Fatalf("dry run: exit %d, %+v\n%s", code, rec, errOut)
	}
	if !strings.HasPrefix(errOut, "::add-mask::0x"+key+"\n") {
		t.Errorf("the key is not masked first:\n%s", errOut)
	}
	if r := rec.Receipts[0]; r.Network != publish.NetworkFilecoin || r.Status != publish.StatusNotFound || !strings.Contains(r.Quote, "USDFC a month") {
		t.Fatalf("dry run receipt %+v", r)
	}
	if srv.Puts != 0 || srv.Adds != 0 {
		t.Fatalf("the dry run sent %d uploads, %d additions", srv.Puts, srv.Adds)
	}

	code, rec, errOut = publishRun()
	if code != exitOK || rec.Outcome != publish.OutcomePublished {
		t.Fatalf("publish: exit %d, %+v\n%s", code, rec, errOut)
	}
	r := rec.Receipts[0]
	if r.Network != publish.NetworkFilecoin || r.Status != publish.StatusPinned || rec.PieceCID == "" || r.IDs["piece_cid"] != rec.PieceCID {
		t.Fatalf("receipt %+v, record piece %s", r, rec.PieceCID)
	}
	if len(rec.Verification) != 1 || !rec.Verification[0].OK || rec.Verification[0].Mode != "piece" {
		t.Fatalf("verification %+v", rec.Verification)
	}
	if q := rec.Quorum.Networks; len(q) != 1 || q[0].Network != publish.NetworkFilecoin || len(q[0].Verified) != 1 {
		t.Fatalf("quorum %+v", rec.Quorum)
	}

	// A storage provider that now serves other bytes does not hold the
	// bundle: the quorum is not met.
	srv.CorruptServe = true
	if code, rec, errOut = publishRun(); code != exitQuorum || rec.Quorum.OK {
		t.Fatalf("corrupt piece: exit %d, %+v\n%s", code, rec.Quorum, errOut)
	}
}

// fakeProvider is a pin.Provider that only has a name and a type.
type fakeProvider struct{ name, typ string }

func (f fakeProvider) Name() string { return f.name }
func (f fakeProvider) Type() string { return f.typ }
func (f fakeProvider) Pin(context.Context, pin.Bundle) (pin.Receipt, error) {
	return pin.Receipt{}, errors.New("not implemented")
}
func (f fakeProvider) Status(context.Context, cid.Cid) (pin.Receipt, error) {
	return pin.Receipt{}, errors.New("not implemented")
}
