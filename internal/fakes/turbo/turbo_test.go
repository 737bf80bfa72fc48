package turbo_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/dapp-publish/dapp-publish/internal/fakes/turbo"
	"github.com/dapp-publish/dapp-publish/pin/arweave"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx/artxtest"
)

func item(t *testing.T, w *artx.Wallet, data []byte) ([]byte, string) {
	t.Helper()
	hdr, d, err := artx.SignDataItem(w, []artx.Tag{{Name: "Content-Type", Value: "text/plain"}}, nil, artx.DeepHash(data))
	if err != nil {
		t.Fatal(err)
	}
	return append(hdr, data...), d.IDString()
}

func post(t *testing.T, url, ctype string, body []byte) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestAnswers walks the documented answers of POST /v1/tx.
func TestAnswers(t *testing.T) {
	user, service := artxtest.Wallet(t, 0), artxtest.Wallet(t, 1)
	s := turbo.Start(t, service)
	small, smallID := item(t, user, []byte("small and free"))
	big, _ := item(t, user, bytes.Repeat([]byte("x"), turbo.DefaultFreeLimit+1))
	tampered, _ := item(t, user, []byte("tampered after signing"))
	tampered[len(tampered)-1] ^= 1
	octet := "application/octet-stream"

	code, body := post(t, s.URL+"/v1/tx", octet, small)
	if code != 200 {
		t.Fatalf("a valid free item: %d %s", code, body)
	}
	var rc arweave.TurboReceipt
	if err := json.Unmarshal([]byte(body), &rc); err != nil {
		t.Fatal(err)
	}
	if err := rc.Verify(smallID); err != nil || rc.Owner != user.Address() || rc.Version != "0.2.0" {
		t.Fatalf("receipt %+v: %v", rc, err)
	}
	if err := rc.Verify("another-id"); err == nil {
		t.Fatal("a receipt verified for another item")
	}
	for _, tc := range []struct {
		name, path, ctype string
		body              []byte
		code              int
		msg               string
	}{
		{"posted again", "/v1/tx", octet, small, 202, ""},
		{"with a token path", "/v1/tx/arweave", octet, small, 202, ""},
		{"wrong content type", "/v1/tx", "application/json", small, 400, "Invalid Content Type"},
		{"not a data item", "/v1/tx", octet, []byte("hello"), 400, "Data item parsing error!"},
		{"bad signature", "/tx", octet, tampered, 400, "Invalid Data Item!"},
		{"over the free limit, no credits", "/v1/tx", octet, big, 402, "Insufficient balance"},
	} {
		code, body := post(t, s.URL+tc.path, tc.ctype, tc.body)
		if code != tc.code || !strings.Contains(body, tc.msg) {
			t.Errorf("%s: %d %q, want %d %q", tc.name, code, body, tc.code, tc.msg)
		}
	}
	s.Fund(user.Address(), int64(len(big))*s.WincByByte)
	if code, body := post(t, s.URL+"/v1/tx", octet, big); code != 200 || s.Balance(user.Address()).Sign() != 0 {
		t.Errorf("a funded item: %d %s, balance left %s", code, body, s.Balance(user.Address()))
	}
	other, _ := item(t, service, []byte("from a blocked owner"))
	s.Block(service.Address())
	if code, _ := post(t, s.URL+"/v1/tx", octet, other); code != 403 {
		t.Errorf("a blocked owner: %d", code)
	}
	s.SetDown(true)
	fresh, _ := item(t, user, []byte("while down"))
	if code, _ := post(t, s.URL+"/v1/tx", octet, fresh); code != 503 {
		t.Errorf("payment service down: %d", code)
	}
	resp, err := http.Get(s.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		FreeUploadLimitBytes int64 `json:"freeUploadLimitBytes"`
	}
	json.NewDecoder(resp.Body).Decode(&info)
	resp.Body.Close()
	if info.FreeUploadLimitBytes != turbo.DefaultFreeLimit {
		t.Errorf("GET / freeUploadLimitBytes = %d", info.FreeUploadLimitBytes)
	}
	if len(s.Items()) != 2 {
		t.Errorf("%d items stored, want 2", len(s.Items()))
	}
}
