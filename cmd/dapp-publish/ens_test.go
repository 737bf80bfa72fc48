package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dapp-publish/dapp-publish/ens"
	"github.com/dapp-publish/dapp-publish/ens/enstest"
	"github.com/dapp-publish/dapp-publish/internal/testpeers"
	"github.com/ethereum/go-ethereum/common"
)

const (
	ensTestCIDv0 = "QmRAQB6YaCyidP37UdDnjFY5vQuiBrcqdyoW1CuDgwxkD4"
	ensTestCIDv1 = "bafybeibj6lixxzqtsb45ysdjnupvqkufgdvzqbnvmhw2kf7cfkesy7r7d4" // the same CID as v1 (content-hash test vectors)
	ensTestAr    = "ys32Pt8uC7TrVxHdOLByOspfPEq2LO63wREHQIM9SJQ"
)

type ensCLI struct {
	anvil *testpeers.Anvil
	ens   *testpeers.ENS
}

// newENSCLI starts anvil with ENS; app.eth belongs to account 1.
func newENSCLI(t *testing.T) *ensCLI {
	t.Helper()
	a := testpeers.StartAnvil(t)
	e := testpeers.DeployENS(t, a)
	e.Register(t, "app.eth", e.Resolver, a.Address(t, 1))
	t.Setenv("ETH_RPC_URL", "")
	t.Setenv(envENSKey, "")
	t.Setenv("GITHUB_ACTIONS", "")
	t.Setenv("GITHUB_SHA", "")
	return &ensCLI{anvil: a, ens: e}
}

// run runs dapp-publish with args plus the connection flags.
func (c *ensCLI) run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	full := append([]string{"dapp-publish"}, args...)
	full = append(full, "--rpc", c.anvil.URL, "--registry", c.ens.Registry.Hex())
	var out, errb bytes.Buffer
	code = run(full, &out, &errb)
	return code, out.String(), errb.String()
}

func (c *ensCLI) nonce(t *testing.T, i int) uint64 {
	n, err := c.anvil.Client.NonceAt(context.Background(), c.anvil.Address(t, i), nil)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestENSSetGetHistory(t *testing.T) {
	c := newENSCLI(t)
	t.Setenv(envENSKey, "0x"+c.anvil.KeyHex(1))
	code, out, errOut := c.run(t, "ens", "set", "App.eth", ensTestCIDv0, "--chain-id", "31337", "--confirmations", "1")
	if code != exitOK || !strings.Contains(out, "now points to ipfs://"+ensTestCIDv1) {
		t.Fatalf("set: exit %d\n%s\n%s", code, out, errOut)
	}
	if strings.Contains(out+errOut, c.anvil.KeyHex(1)) {
		t.Fatal("the key was printed")
	}
	code, out, errOut = c.run(t, "ens", "get", "app.eth")
	if code != exitOK || out != "ipfs://"+ensTestCIDv1+"\n" {
		t.Fatalf("get: exit %d %q %s", code, out, errOut)
	}

	// Same value again: no transaction.
	n := c.nonce(t, 1)
	code, out, _ = c.run(t, "ens", "set", "app.eth", "ipfs://"+ensTestCIDv1, "--chain-id", "31337", "--json")
	var res ensSetResult
	if code != exitOK || json.Unmarshal([]byte(out), &res) != nil || !res.NoOp || res.Tx != "" {
		t.Fatalf("no-op set: exit %d %s", code, out)
	}
	if c.nonce(t, 1) != n {
		t.Error("a transaction was sent for a no-op")
	}

	code, out, _ = c.run(t, "ens", "set", "app.eth", "ar://"+ensTestAr, "--chain-id", "31337", "--confirmations", "1", "--json")
	if code != exitOK || json.Unmarshal([]byte(out), &res) != nil || res.Old != "ipfs://"+ensTestCIDv1 || res.New != "ar://"+ensTestAr || res.Tx == "" {
		t.Fatalf("second set: exit %d %s", code, out)
	}
	code, out, _ = c.run(t, "ens", "history", "app.eth", "--json")
	var hist []ensHistoryEntry
	if code != exitOK || json.Unmarshal([]byte(out), &hist) != nil || len(hist) != 2 {
		t.Fatalf("history: exit %d %s", code, out)
	}
	if hist[0].Value != "ipfs://"+ensTestCIDv1 || hist[1].Value != "ar://"+ensTestAr || hist[1].Tx != res.Tx {
		t.Errorf("history = %+v, want the two values, the second in %s", hist, res.Tx)
	}
}

func TestENSSetFailures(t *testing.T) {
	c := newENSCLI(t)
	c.ens.Register(t, "bare.eth", common.Address{}, c.anvil.Address(t, 1))
	c.ens.Register(t, "odd.eth", c.ens.Registry, c.anvil.Address(t, 1))
	owner := c.anvil.Address(t, 1).Hex()
	tests := []struct {
		name    string
		key     int // anvil account whose key is in the environment; -1 none
		args    []string
		code    int
		message []string
	}{
		{"unauthorised signer", 2, []string{"app.eth", ensTestCIDv1, "--chain-id", "31337"}, exitCheck, []string{"may not write records of app.eth", owner, "hint:"}},
		{"wrong chain id", 1, []string{"app.eth", ensTestCIDv1}, exitUsage, []string{"chain id 31337, expected 1", "hint:"}},
		{"no resolver", 1, []string{"bare.eth", ensTestCIDv1, "--chain-id", "31337"}, exitCheck, []string{"no resolver", "hint: set a resolver"}},
		{"no contenthash support", 1, []string{"odd.eth", ensTestCIDv1, "--chain-id", "31337"}, exitCheck, []string{"does not support contenthash"}},
		{"invalid name", 1, []string{"ex\u0430mple.eth", ensTestCIDv1, "--chain-id", "31337"}, exitUsage, []string{"invalid ENS name", "ENSIP-15"}},
		{"invalid value", 1, []string{"app.eth", "bzz://abc", "--chain-id", "31337"}, exitUsage, []string{"unsupported contenthash namespace"}},
		{"no key", -1, []string{"app.eth", ensTestCIDv1, "--chain-id", "31337"}, exitUsage, []string{"no signing key", envENSKey}},
		{"bad via", 1, []string{"app.eth", ensTestCIDv1, "--via", "carrier-pigeon"}, exitUsage, []string{"unknown --via"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(envENSKey, "")
			if tt.key >= 0 {
				t.Setenv(envENSKey, c.anvil.KeyHex(tt.key))
			}
			nonces := []uint64{c.nonce(t, 1), c.nonce(t, 2)}
			code, out, errOut := c.run(t, append([]string{"ens", "set"}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.code, out, errOut)
			}
			for _, m := range tt.message {
				if !strings.Contains(errOut, m) {
					t.Errorf("stderr lacks %q:\n%s", m, errOut)
				}
			}
			if c.nonce(t, 1) != nonces[0] || c.nonce(t, 2) != nonces[1] {
				t.Error("a transaction was sent")
			}
		})
	}
}

func TestENSRPCUnreachable(t *testing.T) {
	t.Setenv("ETH_RPC_URL", fmt.Sprintf("http://127.0.0.1:%d", testpeers.FreePort(t)))
	var out, errOut bytes.Buffer
	code := run([]string{"dapp-publish", "ens", "get", "app.eth"}, &out, &errOut)
	if code != exitFailed || !strings.Contains(errOut.String(), "failed to read the chain id") || !strings.Contains(errOut.String(), "hint: check that the RPC endpoint") {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	code = run([]string{"dapp-publish", "ens", "get", "app.eth", "--rpc", ""}, &out, &errOut)
	if code != exitUsage {
		t.Errorf("no RPC: exit %d", code)
	}
}

func TestENSKeyFileAndMasking(t *testing.T) {
	c := newENSCLI(t)
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte(c.anvil.KeyHex(1)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GITHUB_ACTIONS", "true")
	t.Setenv("GITHUB_OUTPUT", filepath.Join(t.TempDir(), "out"))
	code, out, errOut := c.run(t, "ens", "set", "app.eth", ensTestCIDv1, "--chain-id", "31337", "--confirmations", "1", "--key-file", keyFile)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	// The mask goes to stderr before anything else, never to stdout
	// (which may be a --json file the runner never masks).
	mask := "::add-mask::" + c.anvil.KeyHex(1) + "\n"
	if !strings.HasPrefix(errOut, mask) {
		t.Fatalf("stderr does not start with the mask command:\n%s", errOut)
	}
	if strings.Contains(out, c.anvil.KeyHex(1)) || strings.Contains(out, "::add-mask::") {
		t.Errorf("stdout holds the key or a mask command:\n%s", out)
	}
	// Masked in every spelling (with 0x, upper case), and nowhere else.
	for _, line := range strings.Split(errOut, "\n") {
		if strings.Contains(strings.ToLower(line), c.anvil.KeyHex(1)) && !strings.HasPrefix(line, "::add-mask::") {
			t.Errorf("the key appears outside the mask commands: %q", line)
		}
	}
	if !strings.Contains(errOut, "::add-mask::0x"+c.anvil.KeyHex(1)+"\n") || !strings.Contains(errOut, "::add-mask::"+strings.ToUpper(c.anvil.KeyHex(1))+"\n") {
		t.Errorf("the key's other spellings are not masked:\n%s", errOut)
	}

	// A malformed key is refused without echoing it.
	bad := "0xnotakey" + strings.Repeat("z", 56)
	if err := os.WriteFile(keyFile, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GITHUB_ACTIONS", "")
	code, out, errOut = c.run(t, "ens", "set", "app.eth", ensTestCIDv0, "--chain-id", "31337", "--key-file", keyFile)
	if code != exitUsage || strings.Contains(out+errOut, "notakey") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	// Both sources at once is ambiguous.
	t.Setenv(envENSKey, c.anvil.KeyHex(1))
	if code, _, _ = c.run(t, "ens", "set", "app.eth", ensTestCIDv0, "--chain-id", "31337", "--key-file", keyFile); code != exitUsage {
		t.Errorf("key in env and file: exit %d", code)
	}
}

func TestENSViaCalldata(t *testing.T) {
	c := newENSCLI(t)
	dir := t.TempDir()
	code, out, errOut := c.run(t, "ens", "set", "app.eth", ensTestCIDv0, "--via", "calldata", "--chain-id", "31337", "--out", dir, "--commit", "deadbeef", "--json")
	var res ensSetResult
	if code != exitOK || json.Unmarshal([]byte(out), &res) != nil || len(res.Files) != 2 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	md, err := os.ReadFile(res.Files[1])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ipfs://" + ensTestCIDv1, "deadbeef", res.Calldata, "unset"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	var builder struct {
		Transactions []struct{ To, Data string }
	}
	b, _ := os.ReadFile(res.Files[0])
	if json.Unmarshal(b, &builder) != nil || len(builder.Transactions) != 1 || builder.Transactions[0].Data != res.Calldata || common.HexToAddress(builder.Transactions[0].To) != c.ens.Resolver {
		t.Fatalf("builder file:\n%s", b)
	}
	// Nothing was written on chain.
	if code, out, _ := c.run(t, "ens", "get", "app.eth"); code != exitOK || out != "" {
		t.Errorf("get after calldata: exit %d %q", code, out)
	}
	// A Safe that does not own the name is refused.
	code, _, errOut = c.run(t, "ens", "set", "app.eth", ensTestCIDv0, "--via", "calldata", "--chain-id", "31337", "--out", dir, "--safe", c.anvil.Address(t, 3).Hex())
	if code != exitCheck || !strings.Contains(errOut, "may not write") {
		t.Errorf("calldata for a non-owner Safe: exit %d %s", code, errOut)
	}
}

func TestENSViaSafe(t *testing.T) {
	c := newENSCLI(t)
	owners := []common.Address{c.anvil.Address(t, 1), c.anvil.Address(t, 2)}
	safe := c.anvil.DeploySafe(t, owners, 2)
	c.ens.Register(t, "dao.eth", c.ens.Resolver, safe.Address)
	svc := enstest.NewSafeService(t, big.NewInt(testpeers.AnvilChainID))
	svc.AddSafe(safe.Address, enstest.Safe{Threshold: 2, Owners: owners, Version: "1.4.1"})
	t.Setenv(envENSKey, c.anvil.KeyHex(2))
	code, out, errOut := c.run(t, "ens", "set", "dao.eth", ensTestCIDv1, "--via", "safe", "--safe", safe.Address.Hex(),
		"--safe-service", svc.URL, "--chain-id", "31337", "--json")
	var res ensSetResult
	if code != exitOK || json.Unmarshal([]byte(out), &res) != nil || res.SafeTxHash == "" || res.SafeNonce == nil {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	acc := svc.Accepted()
	if len(acc) != 1 || acc[0].Signer != c.anvil.Address(t, 2) || acc[0].Proposal.ContractTransactionHash != res.SafeTxHash {
		t.Fatalf("accepted = %+v", acc)
	}
	// The second owner confirms; the real Safe (threshold 2) checks both
	// signatures, ordered by owner address, and executes the call.
	tx, err := acc[0].Proposal.SafeTx()
	if err != nil {
		t.Fatal(err)
	}
	second, err := ens.SignSafeHash(common.HexToHash(res.SafeTxHash), c.anvil.Key(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	first := common.FromHex(acc[0].Proposal.Signature)
	sigs := append(append([]byte{}, first...), second...)
	if bytes.Compare(owners[1].Bytes(), owners[0].Bytes()) > 0 { // Safe wants ascending signer addresses
		sigs = append(append([]byte{}, second...), first...)
	}
	safe.Exec(t, c.anvil, c.anvil.Key(t, 0), tx.To, tx.Data, tx.Operation, sigs)
	if code, out, _ := c.run(t, "ens", "get", "dao.eth"); code != exitOK || out != "ipfs://"+ensTestCIDv1+"\n" {
		t.Fatalf("after execution: exit %d %q", code, out)
	}

	// A non-owner key gets the service's 422 with a hint.
	t.Setenv(envENSKey, c.anvil.KeyHex(3))
	code, _, errOut = c.run(t, "ens", "set", "dao.eth", "ar://"+ensTestAr, "--via", "safe", "--safe", safe.Address.Hex(), "--safe-service", svc.URL, "--chain-id", "31337")
	if code != exitCheck || !strings.Contains(errOut, "not an owner or delegate") || !strings.Contains(errOut, "hint:") {
		t.Errorf("non-owner proposer: exit %d %s", code, errOut)
	}
}

// A record in a namespace we do not decode (swarm) is reported as such by
// ens get, with its bytes, instead of as an RPC problem.
func TestENSGetUndecodable(t *testing.T) {
	c := newENSCLI(t)
	swarm := common.FromHex("e40101fa011b20d1de9994b4d039f6548d191eb26786769f580809256b4685ef316805265ea162")
	c.anvil.Call(t, c.anvil.Key(t, 1), c.ens.Resolver, c.ens.ResolverABI, "setContenthash", ens.Namehash("app.eth"), swarm)
	code, _, errOut := c.run(t, "ens", "get", "app.eth")
	if code != exitCheck || !strings.Contains(errOut, "e40101fa") || !strings.Contains(errOut, "does not decode") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
}
