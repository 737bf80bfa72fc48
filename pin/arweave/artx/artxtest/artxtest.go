// Package artxtest holds Arweave wallets for tests: two JWKs made for the
// tests only (testdata/README.md), never funded anywhere but a local
// arlocal.
package artxtest

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/dapp-publish/dapp-publish/internal/secret"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx"
)

var (
	//go:embed testdata/wallet.json
	walletJSON []byte
	//go:embed testdata/wallet2.json
	wallet2JSON []byte
)

// JWK returns test wallet n's JWK (0 or 1).
func JWK(n int) []byte {
	if n == 1 {
		return wallet2JSON
	}
	return walletJSON
}

// Wallet returns test wallet n (0 or 1).
func Wallet(t testing.TB, n int) *artx.Wallet {
	t.Helper()
	w, err := artx.ParseWallet(JWK(n))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// WalletFile writes test wallet n to a file in a fresh temporary folder
// and returns its path.
func WalletFile(t testing.TB, n int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "wallet.json")
	if err := os.WriteFile(p, JWK(n), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Secret returns test wallet n's JWK as the config file hands it to the
// provider (arweave.Config.Wallet).
func Secret(n int) secret.Value {
	return secret.New(string(JWK(n)), fmt.Sprintf("test wallet %d", n))
}
