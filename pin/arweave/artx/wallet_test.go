package artx_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/dapp-publish/dapp-publish/pin/arweave/artx"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx/artxtest"
)

func TestWalletAddress(t *testing.T) {
	// The address arweave-js printed when the test wallet was made.
	if got := artxtest.Wallet(t, 0).Address(); got != "VZuHf1c8plya59ruQkc_YzarA6CCwilmptGPAXx8BZY" {
		t.Fatalf("address %s", got)
	}
}

func jwkWith(t *testing.T, edit func(m map[string]any)) []byte {
	var m map[string]any
	if err := json.Unmarshal(artxtest.JWK(0), &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, _ := json.Marshal(m)
	return b
}

func b64int(v *big.Int) string { return base64.RawURLEncoding.EncodeToString(v.Bytes()) }

func TestParseWalletErrors(t *testing.T) {
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	other := artxtest.Wallet(t, 1)
	_ = other
	var otherJWK map[string]any
	json.Unmarshal(artxtest.JWK(1), &otherJWK)
	for _, tc := range []struct {
		name string
		data []byte
		want error
	}{
		{"not JSON", []byte("not json"), artx.ErrWalletJSON},
		{"JSON array", []byte("[1,2]"), artx.ErrWalletJSON},
		{"empty", nil, artx.ErrWalletJSON},
		{"EC key", []byte(`{"kty":"EC","crv":"secp256k1","x":"AA","y":"AA","d":"AA"}`), artx.ErrWalletKeyType},
		{"public only", jwkWith(t, func(m map[string]any) { delete(m, "d"); delete(m, "p"); delete(m, "q") }), artx.ErrWalletPublic},
		{"no q", jwkWith(t, func(m map[string]any) { delete(m, "q") }), artx.ErrWalletPublic},
		{"1024-bit key", jwkWith(t, func(m map[string]any) {
			m["n"], m["e"], m["d"] = b64int(small.N), "AQAB", b64int(small.D)
			m["p"], m["q"] = b64int(small.Primes[0]), b64int(small.Primes[1])
		}), artx.ErrWalletKey},
		{"e = 3", jwkWith(t, func(m map[string]any) { m["e"] = "Aw" }), artx.ErrWalletKey},
		{"parts of two keys", jwkWith(t, func(m map[string]any) { m["d"] = otherJWK["d"] }), artx.ErrWalletKey},
		{"bad base64", jwkWith(t, func(m map[string]any) { m["p"] = "%%%" }), artx.ErrWalletKey},
		{"huge field", jwkWith(t, func(m map[string]any) { m["d"] = strings.Repeat("A", 5000) }), artx.ErrWalletKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := artx.ParseWallet(tc.data)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			// No error quotes key material.
			for _, f := range []string{"d", "p", "q", "dp", "dq", "qi"} {
				var m map[string]any
				json.Unmarshal(artxtest.JWK(0), &m)
				if s, _ := m[f].(string); len(s) > 8 && strings.Contains(err.Error(), s[:8]) {
					t.Fatalf("error quotes the wallet's %s: %v", f, err)
				}
			}
		})
	}
}

// TestWalletNeverPrinted formats a wallet with every verb and checks no
// part of the private key appears.
func TestWalletNeverPrinted(t *testing.T) {
	w := artxtest.Wallet(t, 0)
	var m map[string]string
	json.Unmarshal(artxtest.JWK(0), &m)
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q", "%d"} {
		for _, v := range []any{w, *w, struct{ W *artx.Wallet }{w}} {
			out := fmt.Sprintf(f, v)
			for _, part := range []string{"d", "p", "q", "dp", "dq", "qi"} {
				if strings.Contains(out, m[part][:12]) {
					t.Fatalf("%s of %T shows the wallet's %s: %.80s", f, v, part, out)
				}
			}
			dBytes, _ := base64.RawURLEncoding.DecodeString(m["d"])
			if strings.Contains(out, new(big.Int).SetBytes(dBytes).String()[:20]) || strings.Contains(out, fmt.Sprintf("%x", dBytes[:10])) {
				t.Fatalf("%s of %T shows the private exponent", f, v)
			}
		}
	}
}

func TestSignVerify(t *testing.T) {
	w := artxtest.Wallet(t, 0)
	msg := []byte("message")
	sig, err := w.Sign(msg)
	if err != nil {
		t.Fatal(err)
	}
	if err := artx.VerifySignature(w.Owner(), msg, sig); err != nil {
		t.Fatal(err)
	}
	if err := artx.VerifySignature(artxtest.Wallet(t, 1).Owner(), msg, sig); !errors.Is(err, artx.ErrBadSignature) {
		t.Fatalf("another owner: %v", err)
	}
	if err := artx.VerifySignature(w.Owner(), []byte("massage"), sig); !errors.Is(err, artx.ErrBadSignature) {
		t.Fatalf("another message: %v", err)
	}
	if err := artx.VerifySignature(w.Owner()[:256], msg, sig); !errors.Is(err, artx.ErrBadSignature) {
		t.Fatalf("a short owner: %v", err)
	}
}
