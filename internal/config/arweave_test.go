package config

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dapp-publish/dapp-publish/pin/arweave"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx/artxtest"
)

func TestArweaveEntry(t *testing.T) {
	jwk := string(artxtest.JWK(0))
	src := "providers:\n  - {name: perma, type: arweave, wallet: \"${AR_WALLET}\", uploader: turbo, fallback: 404.html, confirmations: 2}\n"
	c, err := Parse("/cfg/dapp-publish.yaml", []byte(src), Options{KnownTypes: append(known, "arweave"), LookupEnv: env(map[string]string{"AR_WALLET": jwk})})
	if err != nil {
		t.Fatal(err)
	}
	p := c.Providers[0]
	s, ok := p.Settings.(arweave.Config)
	if !ok || s.Wallet != jwk || s.WalletFrom != "${AR_WALLET}" || s.Uploader != "turbo" || s.Fallback != "404.html" || s.Confirmations != 2 {
		t.Fatalf("settings %v", s)
	}
	if p.Policy.Timeout != arweave.DefaultTimeout {
		t.Errorf("timeout %s, want the arweave default", p.Policy.Timeout)
	}
	var parts map[string]string
	json.Unmarshal([]byte(jwk), &parts)
	msg := "the gateway echoed " + parts["d"] + " and " + parts["qi"]
	if got := c.Redact(msg); strings.Contains(got, parts["d"]) || strings.Contains(got, parts["qi"]) {
		t.Errorf("a wallet part survives Redact: %.80s", got)
	}
	for _, v := range []any{c, *c, p, s} {
		for _, f := range []string{"%v", "%+v", "%#v"} {
			if out := fmtSprintf(f, v); strings.Contains(out, parts["d"][:16]) || strings.Contains(out, parts["p"][:16]) {
				t.Errorf("%s of %T prints the wallet", f, v)
			}
		}
	}
}

func TestArweaveWalletFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "w.json"), artxtest.JWK(1), 0o600)
	src := "providers:\n  - {name: perma, type: arweave, gateway: \"http://127.0.0.1:1984\", wallet_file: w.json, timeout: 5m}\n"
	c, err := Parse(filepath.Join(dir, "dapp-publish.yaml"), []byte(src), Options{KnownTypes: append(known, "arweave")})
	if err != nil {
		t.Fatal(err)
	}
	s := c.Providers[0].Settings.(arweave.Config)
	if s.WalletFrom != "wallet_file "+filepath.Join(dir, "w.json") || s.Wallet != string(artxtest.JWK(1)) || c.Providers[0].Policy.Timeout != 5*time.Minute {
		t.Fatalf("%v, timeout %s", s, c.Providers[0].Policy.Timeout)
	}
	if _, err := arweave.New(c.Providers[0].Config); err != nil {
		t.Fatalf("the provider from this entry: %v", err)
	}
}

func fmtSprintf(f string, v any) string { return fmt.Sprintf(f, v) }
