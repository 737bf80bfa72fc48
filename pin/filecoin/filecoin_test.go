package filecoin_test

import (
	"context"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/bundle/piece"
	"github.com/dapp-publish/dapp-publish/internal/fakes/pdp"
	"github.com/dapp-publish/dapp-publish/internal/testpeers"
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/filecoin"
	"github.com/dapp-publish/dapp-publish/pin/pintest"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/math"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/signer/core/apitypes"
)

// env is anvil with the FOC stand-ins; each test registers its own
// storage provider (a fake PDP API) and uses its own wallet.
type env struct {
	a   *testpeers.Anvil
	foc *testpeers.FOC
}

func newEnv(t *testing.T) *env {
	t.Helper()
	a := testpeers.StartAnvil(t)
	return &env{a: a, foc: testpeers.StartFOC(t, a)}
}

var usdfc = new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil)

func tokens(n int64) *big.Int { return new(big.Int).Mul(big.NewInt(n), usdfc) }

// provider starts a fake PDP API for anvil account 1 and registers it.
func (e *env) provider(t *testing.T, minPiece uint64) (*pdp.Server, uint64) {
	t.Helper()
	sp := e.a.Key(t, 1)
	srv := pdp.New(t, pdp.Chain{
		Client: e.a.Client, ChainID: testpeers.AnvilChainID, Key: sp,
		Verifier: e.foc.PDPVerifier, VerifierABI: e.foc.Contracts["PDPVerifier"].ABI, FWSS: e.foc.FWSS,
		Payer: func(id uint64) common.Address {
			out := e.foc.Read(t, "FilecoinWarmStorageService", e.foc.FWSS, "getDataSet", new(big.Int).SetUint64(id))
			return field(out[0], "Payer").(common.Address)
		},
	})
	id := e.foc.AddProvider(t, crypto.PubkeyToAddress(sp.PublicKey), "fake-sp", map[string][]byte{
		"serviceURL":               []byte(srv.URL),
		"minPieceSizeInBytes":      new(big.Int).SetUint64(minPiece).Bytes(),
		"maxPieceSizeInBytes":      big.NewInt(1065353216).Bytes(),
		"storagePricePerTibPerDay": big.NewInt(1e17).Bytes(),
		"paymentTokenAddress":      e.foc.USDFC.Bytes(),
		"location":                 []byte("C=ZZ"),
	})
	return srv, id
}

func (e *env) settings(t *testing.T, wallet int, providerID uint64) filecoin.Settings {
	return filecoin.Settings{ChainID: testpeers.AnvilChainID, FWSS: e.foc.FWSS, Key: e.a.Key(t, wallet), KeyFrom: "test",
		ProviderID: providerID, MaxPerRun: tokens(5), MinRunwayDays: 30, AutoFund: true,
		ConfirmWait: 20 * time.Second, PollInterval: 20 * time.Millisecond}
}

func (e *env) newProvider(s filecoin.Settings) *filecoin.Provider {
	return filecoin.NewWithBackend(pin.Config{Name: "foc", Type: filecoin.Type}, s,
		func(context.Context) (filecoin.Backend, error) { return e.a.Client, nil })
}

// site packs a small site whose content depends on seed into a CAR file.
func site(t *testing.T, seed string) (pin.Bundle, *bundle.Bundle) {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "site.car"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	fsys := fstest.MapFS{
		"index.html":    {Data: []byte("<!doctype html><title>" + seed + "</title>")},
		"assets/app.js": {Data: []byte(strings.Repeat("console.log('"+seed+"');\n", 20000))},
	}
	b, err := bundle.Pack(context.Background(), fsys, bundle.Options{CAR: f})
	if err != nil {
		t.Fatal(err)
	}
	return pin.Bundle{Root: b.Root, CAR: f, Size: b.CARSize}, b
}

func TestPinStoresAndProves(t *testing.T) {
	e := newEnv(t)
	srv, spID := e.provider(t, 127)
	srv.FailPuts = 2        // the provider fails the upload twice: retried
	srv.ProcessingPolls = 2 // then takes a while to process the piece
	srv.PendingPolls = 2    // and reports mined transactions as pending at first
	wallet := e.a.Address(t, 2)
	e.foc.Mint(t, wallet, tokens(100))
	p := e.newProvider(e.settings(t, 2, spID))
	b, packed := site(t, "first")

	q, err := p.Quote(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if q.DataSetID != 0 || q.Deposit.Sign() <= 0 || !q.NeedApproval || q.RatePerMonth.Sign() <= 0 {
		t.Errorf("quote for a new wallet: %+v", q)
	}
	rec, err := p.Pin(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != pin.StatusPinned || srv.Puts != 3 {
		t.Fatalf("status %s after %d uploads", rec.Status, srv.Puts)
	}
	if got, want := rec.IDs["piece_cid"], packed.Piece.CID().String(); got != want {
		t.Errorf("receipt piece CID %s, pack's %s", got, want)
	}
	for _, k := range []string{"data_set_id", "piece_id", "provider_id", "piece_cid_v1", "padded_piece_size", "confirmed_tx_hash", "piece_url"} {
		if rec.IDs[k] == "" {
			t.Errorf("receipt has no %s: %v", k, rec.IDs)
		}
	}
	// The chain recorded the root CID as the piece's metadata.
	set, _ := strconv.ParseUint(rec.IDs["data_set_id"], 10, 64)
	pid, _ := strconv.ParseUint(rec.IDs["piece_id"], 10, 64)
	root := e.foc.Read(t, "FilecoinWarmStorageService", e.foc.FWSS, "getPieceMetadata", new(big.Int).SetUint64(set), new(big.Int).SetUint64(pid), "ipfsRootCID")
	if !root[0].(bool) || root[1].(string) != b.Root.String() {
		t.Errorf("on chain ipfsRootCID %v, want %s", root, b.Root)
	}
	deposits := e.foc.Read(t, "FilecoinPay", e.foc.Pay, "deposits")[0].(*big.Int)
	// The library check verify and publish use: the piece re-hashes to the
	// receipt's piece CID, and a provider serving other bytes is caught.
	if err := filecoin.CheckReceipt(context.Background(), nil, rec); err != nil {
		t.Errorf("CheckReceipt: %v", err)
	}
	srv.CorruptServe = true
	if err := filecoin.CheckReceipt(context.Background(), nil, rec); !errors.Is(err, piece.ErrMismatch) {
		t.Errorf("CheckReceipt of a corrupt copy: %v", err)
	}
	srv.CorruptServe = false

	// Again: nothing is uploaded, added or paid.
	puts, adds := srv.Puts, srv.Adds
	rec2, err := p.Pin(context.Background(), b)
	if err != nil || !rec2.Skipped || srv.Puts != puts || srv.Adds != adds {
		t.Fatalf("second pin: %v skipped=%v puts %d->%d adds %d->%d", err, rec2.Skipped, puts, srv.Puts, adds, srv.Adds)
	}
	if d := e.foc.Read(t, "FilecoinPay", e.foc.Pay, "deposits")[0].(*big.Int); d.Cmp(deposits) != 0 {
		t.Errorf("deposits %s -> %s for a site stored already", deposits, d)
	}
	// A second site goes into the same data set.
	b2, _ := site(t, "second")
	rec3, err := p.Pin(context.Background(), b2)
	if err != nil || rec3.IDs["data_set_id"] != rec.IDs["data_set_id"] || rec3.IDs["piece_id"] == rec.IDs["piece_id"] {
		t.Fatalf("second site: %v, data set %s piece %s (first %s, %s)", err, rec3.IDs["data_set_id"], rec3.IDs["piece_id"], rec.IDs["data_set_id"], rec.IDs["piece_id"])
	}
	checkSigners(t, e, srv.Signed, wallet, e.a.Address(t, 1))
}

// checkSigners decodes every extraData the provider received and recovers
// its EIP-712 signer with go-ethereum's typed-data code, independently of
// the code that signed it (the FWSS stand-in checks them too, in Solidity).
func checkSigners(t *testing.T, e *env, signed []pdp.Signed, want common.Address, payee common.Address) {
	t.Helper()
	if len(signed) < 2 {
		t.Fatalf("only %d signed requests seen", len(signed))
	}
	ty := func(s string) abi.Type { x, _ := abi.NewType(s, "", nil); return x }
	create := abi.Arguments{{Type: ty("address")}, {Type: ty("uint256")}, {Type: ty("string[]")}, {Type: ty("string[]")}, {Type: ty("bytes")}}
	add := abi.Arguments{{Type: ty("uint256")}, {Type: ty("string[][]")}, {Type: ty("string[][]")}, {Type: ty("bytes")}}
	chainID := math.HexOrDecimal256(*big.NewInt(testpeers.AnvilChainID))
	domain := apitypes.TypedDataDomain{Name: "FilecoinWarmStorageService", Version: "1", ChainId: &chainID, VerifyingContract: e.foc.FWSS.Hex()}
	types := apitypes.Types{
		"EIP712Domain":  {{Name: "name", Type: "string"}, {Name: "version", Type: "string"}, {Name: "chainId", Type: "uint256"}, {Name: "verifyingContract", Type: "address"}},
		"MetadataEntry": {{Name: "key", Type: "string"}, {Name: "value", Type: "string"}},
		"CreateDataSet": {{Name: "clientDataSetId", Type: "uint256"}, {Name: "payee", Type: "address"}, {Name: "metadata", Type: "MetadataEntry[]"}},
		"Cid":           {{Name: "data", Type: "bytes"}},
		"PieceMetadata": {{Name: "pieceIndex", Type: "uint256"}, {Name: "metadata", Type: "MetadataEntry[]"}},
		"AddPieces": {{Name: "clientDataSetId", Type: "uint256"}, {Name: "nonce", Type: "uint256"},
			{Name: "pieceData", Type: "Cid[]"}, {Name: "pieceMetadata", Type: "PieceMetadata[]"}},
	}
	entries := func(keys, vals []string) []any {
		md := []any{}
		for j, k := range keys {
			md = append(md, map[string]any{"key": k, "value": vals[j]})
		}
		return md
	}
	for i, s := range signed {
		td := apitypes.TypedData{Types: types, Domain: domain}
		var sig []byte
		switch s.Kind {
		case "create":
			v, err := create.Unpack(s.Extra)
			if err != nil {
				t.Fatalf("extraData %d: %v", i, err)
			}
			if v[0].(common.Address) != want {
				t.Errorf("extraData %d names payer %s, want %s", i, v[0], want)
			}
			td.PrimaryType = "CreateDataSet"
			td.Message = apitypes.TypedDataMessage{"clientDataSetId": v[1], "payee": payee.Hex(), "metadata": entries(v[2].([]string), v[3].([]string))}
			sig = v[4].([]byte)
		case "add":
			v, err := add.Unpack(s.Extra)
			if err != nil {
				t.Fatalf("extraData %d: %v", i, err)
			}
			keys, vals := v[1].([][]string), v[2].([][]string)
			if len(keys) != 1 || len(keys[0]) != 1 || keys[0][0] != "ipfsRootCID" {
				t.Errorf("extraData %d: piece metadata %v", i, keys)
			}
			out := e.foc.Read(t, "FilecoinWarmStorageService", e.foc.FWSS, "getDataSet", new(big.Int).SetUint64(s.DataSetID))
			clientID := field(out[0], "ClientDataSetId")
			var cids, pm []any
			for j, p := range s.Pieces {
				cids = append(cids, map[string]any{"data": p})
				pm = append(pm, map[string]any{"pieceIndex": big.NewInt(int64(j)), "metadata": entries(keys[j], vals[j])})
			}
			td.PrimaryType = "AddPieces"
			td.Message = apitypes.TypedDataMessage{"clientDataSetId": clientID, "nonce": v[0], "pieceData": cids, "pieceMetadata": pm}
			sig = v[3].([]byte)
		}
		hash, _, err := apitypes.TypedDataAndHash(td)
		if err != nil {
			t.Fatal(err)
		}
		sig = append([]byte(nil), sig...)
		sig[64] -= 27
		pub, err := crypto.SigToPub(hash, sig)
		if err != nil || crypto.PubkeyToAddress(*pub) != want {
			t.Errorf("extraData %d (%s): signer %v (%v), want %s", i, s.Kind, pub, err, want)
		}
	}
}

// field reads a field of an abi-decoded struct.
func field(v any, name string) any { return reflect.ValueOf(v).FieldByName(name).Interface() }

func TestPinFaults(t *testing.T) {
	e := newEnv(t)
	nonce := func(t *testing.T, i int) uint64 {
		n, err := e.a.Client.NonceAt(context.Background(), e.a.Address(t, i), nil)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("insufficient USDFC is refused before any transaction", func(t *testing.T) {
		_, spID := e.provider(t, 127)
		p := e.newProvider(e.settings(t, 4, spID)) // account 4 holds no USDFC
		b, _ := site(t, "poor")
		_, err := p.Pin(context.Background(), b)
		if !errors.Is(err, filecoin.ErrSpendRefused) || !pin.IsPermanent(err) || !strings.Contains(err.Error(), "insufficient USDFC") || !strings.Contains(err.Error(), "send it") {
			t.Fatalf("err = %v", err)
		}
		if n := nonce(t, 4); n != 0 {
			t.Errorf("%d transactions were sent", n)
		}
	})

	e.foc.Mint(t, e.a.Address(t, 3), tokens(100))

	t.Run("over max_per_run", func(t *testing.T) {
		_, spID := e.provider(t, 127)
		s := e.settings(t, 3, spID)
		s.MaxPerRun = big.NewInt(1000) // 1e-15 USDFC
		_, err := e.newProvider(s).Pin(context.Background(), mustSite(t, "max"))
		if !errors.Is(err, filecoin.ErrSpendRefused) || !strings.Contains(err.Error(), "max_per_run") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("an RPC of another chain is refused", func(t *testing.T) {
		_, spID := e.provider(t, 127)
		s := e.settings(t, 3, spID)
		s.ChainID = 314159
		_, err := e.newProvider(s).Pin(context.Background(), mustSite(t, "chain"))
		if err == nil || !pin.IsPermanent(err) || !strings.Contains(err.Error(), "chain 31337") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("dry run prices and sends nothing", func(t *testing.T) {
		srv, spID := e.provider(t, 127)
		s := e.settings(t, 3, spID)
		s.DryRun = true
		before := nonce(t, 3)
		_, err := e.newProvider(s).Pin(context.Background(), mustSite(t, "dry"))
		if !errors.Is(err, filecoin.ErrDryRun) || !strings.Contains(err.Error(), "USDFC a month") {
			t.Fatalf("err = %v", err)
		}
		if srv.Puts != 0 || len(srv.Signed) != 0 || nonce(t, 3) != before {
			t.Errorf("a dry run sent something: %d uploads, %d signed requests, nonce %d -> %d", srv.Puts, len(srv.Signed), before, nonce(t, 3))
		}
	})

	t.Run("minPieceSizeInBytes is honoured", func(t *testing.T) {
		_, spID := e.provider(t, 64<<20)
		_, err := e.newProvider(e.settings(t, 3, spID)).Pin(context.Background(), mustSite(t, "small"))
		if err == nil || !strings.Contains(err.Error(), "at least 67108864 bytes") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("a provider FWSS has not approved is refused", func(t *testing.T) {
		id := e.foc.RegisterProvider(t, e.a.Address(t, 1), "unapproved", map[string][]byte{"serviceURL": []byte("http://127.0.0.1:9")})
		_, err := e.newProvider(e.settings(t, 3, id)).Pin(context.Background(), mustSite(t, "unapproved"))
		if err == nil || !strings.Contains(err.Error(), "not approved") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("upload auth when the provider requires it", func(t *testing.T) {
		srv, spID := e.provider(t, 127)
		srv.RequireUploadAuth = true
		if _, err := e.newProvider(e.settings(t, 3, spID)).Pin(context.Background(), mustSite(t, "auth")); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("never confirmed: a deadline, a clear error, no second payment", func(t *testing.T) {
		srv, spID := e.provider(t, 127)
		srv.NeverConfirm = true
		s := e.settings(t, 3, spID)
		s.ConfirmWait = 500 * time.Millisecond
		p := pin.Retry(e.newProvider(s), pin.RetryPolicy{Attempts: 3, Base: time.Millisecond})
		before := e.foc.Read(t, "FilecoinPay", e.foc.Pay, "deposits")[0].(*big.Int)
		_, err := p.Pin(context.Background(), mustSite(t, "never"))
		if !errors.Is(err, filecoin.ErrNotConfirmed) || !strings.Contains(err.Error(), "run again later") {
			t.Fatalf("err = %v", err)
		}
		if srv.Adds != 1 {
			t.Errorf("the piece was added %d times", srv.Adds)
		}
		if d := e.foc.Read(t, "FilecoinPay", e.foc.Pay, "deposits")[0].(*big.Int); new(big.Int).Sub(d, before).Cmp(big.NewInt(1)) > 0 {
			t.Errorf("deposits %s -> %s", before, d)
		}
	})

	t.Run("a rejected transaction fails; the next run reuses the stored piece", func(t *testing.T) {
		srv, spID := e.provider(t, 127)
		srv.TamperAdd = true
		b := mustSite(t, "rejected")
		p := e.newProvider(e.settings(t, 3, spID))
		_, err := p.Pin(context.Background(), b)
		if err == nil || !strings.Contains(err.Error(), "failed on chain") || !strings.Contains(err.Error(), "rejected") {
			t.Fatalf("err = %v", err)
		}
		// The provider keeps the piece: "already stored" sends no bytes.
		srv.TamperAdd = false
		puts := srv.Puts
		rec, err := p.Pin(context.Background(), b)
		if err != nil || rec.BytesSent != 0 || srv.Puts != puts {
			t.Fatalf("second run: %v, %d bytes sent, uploads %d -> %d", err, rec.BytesSent, puts, srv.Puts)
		}
	})

	t.Run("a piece served back wrong fails", func(t *testing.T) {
		srv, spID := e.provider(t, 127)
		srv.CorruptServe = true
		_, err := e.newProvider(e.settings(t, 3, spID)).Pin(context.Background(), mustSite(t, "corrupt"))
		if !errors.Is(err, piece.ErrMismatch) {
			t.Fatalf("err = %v", err)
		}
	})
}

func mustSite(t *testing.T, seed string) pin.Bundle {
	b, _ := site(t, seed)
	return b
}

// The conformance suite every provider passes, on anvil with a fake PDP
// storage provider.
func TestConformance(t *testing.T) {
	e := newEnv(t)
	_, spID := e.provider(t, 127)
	e.foc.Mint(t, e.a.Address(t, 2), tokens(100))
	s := e.settings(t, 2, spID)
	pintest.Run(t, pintest.Options{
		New:     func(t *testing.T) pin.Provider { return e.newProvider(s) },
		BigFile: 1<<20 + 5,
	})
}
