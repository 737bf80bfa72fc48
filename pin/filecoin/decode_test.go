package filecoin

import (
	"bytes"
	"math/big"
	"strings"
	"testing"

	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/ethereum/go-ethereum/common"
)

func TestDecodeStatus(t *testing.T) {
	for _, tc := range []struct {
		body         string
		done, failed bool
		set          uint64
		tx           string
	}{
		{`{"createMessageHash":"0x` + strings.Repeat("ab", 32) + `","dataSetCreated":false,"txStatus":"pending","ok":null}`, false, false, 0, "0x" + strings.Repeat("ab", 32)},
		{`{"dataSetCreated":false,"txStatus":"confirmed","ok":true}`, false, false, 0, ""}, // 200 but not recorded yet
		{`{"dataSetCreated":true,"txStatus":"confirmed","ok":true,"dataSetId":7}`, true, false, 7, ""},
		{`{"dataSetCreated":false,"txStatus":"rejected","ok":false}`, false, true, 0, ""},
		{`{"txHash":"0x` + strings.Repeat("01", 32) + `","confirmedTxHash":"0x` + strings.Repeat("02", 32) + `","txStatus":"confirmed","addMessageOk":true,"piecesAdded":true,"confirmedPieceIds":[3]}`, true, false, 0, "0x" + strings.Repeat("02", 32)},
		{`{"txStatus":"confirmed","addMessageOk":true,"piecesAdded":false}`, false, false, 0, ""},
		{`{"txStatus":"confirmed","addMessageOk":false,"piecesAdded":true,"confirmedPieceIds":[3]}`, false, true, 0, ""},
		{`{"txStatus":"confirmed","piecesAdded":true}`, false, false, 0, ""}, // no piece ids: not done
	} {
		st, err := decodeStatus(strings.NewReader(tc.body))
		if err != nil || st.Done != tc.done || st.Failed != tc.failed || st.DataSetID != tc.set || (tc.tx != "" && st.TxHash != tc.tx) {
			t.Errorf("%s: %+v, %v", tc.body, st, err)
		}
	}
	if _, err := decodeStatus(strings.NewReader(`{"dataSetId":-1}`)); err == nil {
		t.Error("a negative data set id was accepted")
	}
}

func TestLocations(t *testing.T) {
	good := "/pdp/piece/upload/0b1e5a1c-3f3c-4f8e-9b0d-1234567890ab"
	if p, err := uploadPath("https://sp.example" + good); err != nil || p != good {
		t.Errorf("%q, %v", p, err)
	}
	for _, bad := range []string{"", "/elsewhere/x", "/pdp/piece/upload/../../admin", "/pdp/piece/upload/a%2fb", "/pdp/piece/upload/"} {
		if _, err := uploadPath(bad); err == nil {
			t.Errorf("upload Location %q accepted", bad)
		}
	}
	tx := "/pdp/data-sets/created/0x" + strings.Repeat("cd", 32)
	if _, err := txPath(tx, "/pdp/data-sets/created/"); err != nil {
		t.Error(err)
	}
	if _, err := txPath("/pdp/data-sets/created/0x12", "/pdp/data-sets/created/"); err == nil {
		t.Error("a short tx hash was accepted")
	}
}

func TestCapabilities(t *testing.T) {
	p := spProvider{ID: 1}
	caps := map[string][]byte{"serviceURL": []byte("https://sp.example/"), "minPieceSizeInBytes": big.NewInt(1 << 20).Bytes(),
		"maxPieceSizeInBytes": big.NewInt(1 << 30).Bytes(), "paymentTokenAddress": common.HexToAddress("0x01").Bytes()}
	if err := decodeCapabilities(&p, caps); err != nil || p.ServiceURL != "https://sp.example" || p.MinPieceSize != 1<<20 || p.MaxPieceSize != 1<<30 {
		t.Fatalf("%+v %v", p, err)
	}
	caps["serviceURL"] = []byte("javascript:alert(1)")
	if err := decodeCapabilities(&p, caps); err == nil {
		t.Error("a non-http serviceURL was accepted")
	}
	caps["serviceURL"], caps["minPieceSizeInBytes"] = []byte("https://x"), bytes.Repeat([]byte{1}, 9)
	if err := decodeCapabilities(&p, caps); err == nil {
		t.Error("a 9-byte size was accepted")
	}
}

func TestUSDFC(t *testing.T) {
	for s, want := range map[string]string{"1.5": "1500000000000000000", "0.06": "60000000000000000", "2 USDFC": "2000000000000000000", ".5": "500000000000000000"} {
		v, err := ParseUSDFC(s)
		if err != nil || v.String() != want {
			t.Errorf("%s: %v %v", s, v, err)
		}
		if back, _ := ParseUSDFC(FormatUSDFC(v)); back.Cmp(v) != 0 {
			t.Errorf("%s: formatted as %s", s, FormatUSDFC(v))
		}
	}
	for _, s := range []string{"-1", "1e18", "abc", "1.0000000000000000001", "1 000"} {
		if _, err := ParseUSDFC(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
	if got := FormatUSDFC(big.NewInt(1)); got != "0.000001 USDFC" {
		t.Errorf("1 base unit shows as %s (costs round up)", got)
	}
}

// FuzzDecode feeds every decoder of a storage provider's answers and the
// registry's capability values.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"dataSetCreated":true,"txStatus":"confirmed","ok":true,"dataSetId":7}`), "/pdp/piece/upload/abc-123")
	f.Add([]byte(`{"id":1,"pieces":[{"pieceId":0,"pieceCid":"bafkzcib"}]}`), "/pdp/data-sets/created/0x00")
	f.Fuzz(func(t *testing.T, body []byte, loc string) {
		decodeStatus(bytes.NewReader(body))
		decodeDataSet(bytes.NewReader(body))
		if p, err := uploadPath(loc); err == nil && (!strings.HasPrefix(p, "/pdp/piece/upload/") || strings.Count(p, "/") != 4 || strings.Contains(p, "..")) {
			t.Fatalf("upload path %q from %q", p, loc)
		}
		txPath(loc, "/pdp/data-sets/created/")
		half := len(body) / 2
		p := spProvider{}
		if err := decodeCapabilities(&p, map[string][]byte{"serviceURL": body[:half], "minPieceSizeInBytes": body[half:], "storagePricePerTibPerDay": body}); err == nil {
			if !strings.HasPrefix(p.ServiceURL, "http") || strings.ContainsAny(p.ServiceURL, " \n") {
				t.Fatalf("service URL %q accepted", p.ServiceURL)
			}
		}
		ParseUSDFC(loc)
	})
}

func TestNew(t *testing.T) {
	if _, err := New(pin.Config{Name: "foc", Endpoint: "https://rpc.example"}); err == nil || !strings.Contains(err.Error(), "filecoin: block") {
		t.Errorf("no settings: %v", err)
	}
	s, err := File{Network: "calibration", Key: "${K}", MaxPerRun: "1"}.Resolve(func(string) (string, bool) { return strings.Repeat("1", 64), true })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(pin.Config{Name: "foc", Settings: s}); err == nil || !strings.Contains(err.Error(), "RPC URL") {
		t.Errorf("no endpoint: %v", err)
	}
	if p, err := New(pin.Config{Name: "foc", Endpoint: "https://rpc.example", Settings: s}); err != nil || p.Type() != Type {
		t.Errorf("%v %v", p, err)
	}
}
