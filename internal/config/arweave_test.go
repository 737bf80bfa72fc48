package config

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dapp-publish/dapp-publish/pin/all"
	"github.com/dapp-publish/dapp-publish/pin/arweave"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx/artxtest"
)

// TestArweaveEntry: an arweave entry on the real registry. Its wallet is a
// secret.Value like any token (${VAR} or wallet_file), every private part
// of the JWK is scrubbed, the type's own timeout default applies unless
// the entry sets one, and its own parallel_uploads is not the common
// concurrency.
func TestArweaveEntry(t *testing.T) {
	jwk := string(artxtest.JWK(0))
	src := "providers:\n  - {name: perma, type: arweave, wallet: \"${AR_WALLET}\", uploader: turbo, fallback: 404.html, confirmations: 2, parallel_uploads: 8, concurrency: 1}\n"
	c, err := parseDir(t, t.TempDir(), src, map[string]string{"AR_WALLET": jwk})
	if err != nil {
		t.Fatal(err)
	}
	p := c.Providers[0]
	s, ok := p.Settings.(*arweave.Config)
	if !ok || s.Wallet.Expose() != jwk || s.Wallet.From() != "AR_WALLET" || s.Uploader != "turbo" || s.Endpoint != arweave.DefaultTurbo ||
		s.Fallback != "404.html" || s.Confirmations != 2 || s.ParallelUploads != 8 || p.Policy.Concurrency != 1 {
		t.Fatalf("settings %+v, policy %+v", s, p.Policy)
	}
	if p.Policy.Timeout != arweave.DefaultTimeout {
		t.Errorf("timeout %s, want the arweave default %s", p.Policy.Timeout, arweave.DefaultTimeout)
	}
	var parts map[string]string
	json.Unmarshal([]byte(jwk), &parts)
	for _, k := range []string{"d", "p", "q", "dp", "dq", "qi"} {
		if got := c.Redact("the gateway echoed " + parts[k]); strings.Contains(got, parts[k]) {
			t.Errorf("the wallet's %s survives Redact: %.80s", k, got)
		}
	}
	for _, v := range []any{c, *c, p, s} {
		for _, f := range []string{"%v", "%+v", "%#v"} {
			if out := fmt.Sprintf(f, v); strings.Contains(out, parts["d"][:16]) || strings.Contains(out, parts["p"][:16]) {
				t.Errorf("%s of %T prints the wallet", f, v)
			}
		}
	}
	if _, err := all.Registry().New(p.Name, p.Type, p.Settings); err != nil {
		t.Fatalf("the provider from this entry: %v", err)
	}
}

func TestArweaveWalletFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "w.json"), artxtest.JWK(1), 0o600)
	src := "providers:\n  - {name: perma, type: arweave, gateway: \"http://127.0.0.1:1984\", wallet_file: w.json, timeout: 5m}\n"
	c, err := parseDir(t, dir, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := c.Providers[0].Settings.(*arweave.Config)
	if s.Wallet.From() != "wallet_file w.json" || s.Wallet.Expose() != strings.TrimSpace(string(artxtest.JWK(1))) || c.Providers[0].Policy.Timeout != 5*time.Minute {
		t.Fatalf("%+v, timeout %s", s, c.Providers[0].Policy.Timeout)
	}
	p, err := all.Registry().New("perma", arweave.Type, s)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.(*arweave.Provider).Address(), artxtest.Wallet(t, 1).Address(); got != want {
		t.Errorf("wallet address %s, want %s", got, want)
	}
}

// TestArweaveEntryErrors: each problem at its line, the wallet never in
// the message.
func TestArweaveEntryErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "pub.json"), []byte(`{"kty":"RSA","n":"AQAB-public-modulus-part","e":"AQAB"}`), 0o600)
	jwk := string(artxtest.JWK(0))
	vars := map[string]string{"AR_WALLET": jwk, "EC": `{"kty":"EC","crv":"secp256k1","d":"ec-private-scalar-value"}`}
	entry := func(keys string) string { return "providers:\n  - name: perma\n    type: arweave\n" + keys }
	for _, tc := range []struct{ keys, want string }{
		{"    gateway: https://arweave.net\n", `:2: provider "perma" (arweave): wallet is required`},
		{"    wallet: \"" + strings.ReplaceAll(jwk, "\"", "'") + "\"\n", `:4: provider "perma" (arweave): wallet must be an environment reference like ${WALLET}`},
		{"    wallet: \"${NOPE}\"\n", `:4: provider "perma" (arweave): wallet comes from ${NOPE}, which is not set`},
		{"    wallet_file: /dev/zero\n", `:4: provider "perma" (arweave): cannot read wallet_file /dev/zero: not a regular file`},
		{"    wallet_file: pub.json\n", `provider "perma" (arweave): wallet_file the wallet holds only the public key`},
		{"    wallet: \"${EC}\"\n", `:4: provider "perma" (arweave): wallet the wallet is not an RSA key`},
		{"    wallet: \"${AR_WALLET}\"\n    uploader: bundlr\n", `:5: provider "perma" (arweave): uploader must be arweave or turbo`},
		{"    wallet: \"${AR_WALLET}\"\n    endpoint: https://upload.example\n", `:5: provider "perma" (arweave): endpoint is the Turbo upload service`},
		{"    wallet: \"${AR_WALLET}\"\n    gateway: ftp://arweave.net\n", `:5: provider "perma" (arweave): gateway is not an http(s) base URL`},
		{"    wallet: \"${AR_WALLET}\"\n    fallback: ../x.html\n", `:5: provider "perma" (arweave): fallback "../x.html" must be a path inside the site`},
		{"    wallet: \"${AR_WALLET}\"\n    confirmations: 99\n", `:5: provider "perma" (arweave): confirmations must be between 0 and 50`},
		{"    wallet: \"${AR_WALLET}\"\n    token: \"${AR_WALLET}\"\n", `:5: provider "perma" (arweave): unknown key "token" (arweave takes: gateway, wallet, wallet_file, uploader`},
	} {
		_, err := parseDir(t, dir, entry(tc.keys), vars)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.keys, err, tc.want)
		}
		if err != nil && (strings.Contains(err.Error(), "ec-private-scalar") || strings.Contains(err.Error(), jwk[20:40])) {
			t.Errorf("%q: the error shows the wallet: %v", tc.keys, err)
		}
	}
}
