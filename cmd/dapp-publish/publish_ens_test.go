package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dapp-publish/dapp-publish/ens"
	"github.com/dapp-publish/dapp-publish/ens/enstest"
	"github.com/dapp-publish/dapp-publish/internal/testpeers"
	"github.com/dapp-publish/dapp-publish/publish"
	"github.com/ethereum/go-ethereum/common"
)

// publishWithENS writes a config with the given ens: section (no providers:
// the embedded default holds the site) and runs publish --json.
func publishWithENS(t *testing.T, c *ensCLI, ensYAML string, extra ...string) (int, *publish.Record, string) {
	t.Helper()
	dir := t.TempDir()
	site := filepath.Join(dir, "site")
	if err := os.MkdirAll(site, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(site, "index.html"), []byte("<title>"+t.Name()+"</title>"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf("site: %s\nens:\n  rpc: %q\n  registry: %q\n  chain_id: 31337\n  confirmations: 1\n%s", site, c.anvil.URL, c.ens.Registry.Hex(), ensYAML)
	path := filepath.Join(dir, "dapp-publish.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	args := append([]string{"dapp-publish", "publish", "--config", path, "--state-dir", filepath.Join(dir, "state"), "--json"}, extra...)
	code := run(args, &out, &errb)
	var rec publish.Record
	if err := json.Unmarshal(out.Bytes(), &rec); err != nil && code == exitOK {
		t.Fatalf("not a record: %v\n%s", err, out.String())
	}
	return code, &rec, errb.String()
}

// TestPublishViaSafe: the name is owned by a real Safe on anvil; publish
// proposes the change to its signers (through the Safe Transaction Service
// fake) after the copies were verified, and records the proposal.
func TestPublishViaSafe(t *testing.T) {
	c := newENSCLI(t)
	owners := []common.Address{c.anvil.Address(t, 1), c.anvil.Address(t, 2)}
	safe := c.anvil.DeploySafe(t, owners, 2)
	c.ens.Register(t, "dao.eth", c.ens.Resolver, safe.Address)
	svc := enstest.NewSafeService(t, big.NewInt(testpeers.AnvilChainID))
	svc.AddSafe(safe.Address, enstest.Safe{Threshold: 2, Owners: owners, Version: "1.4.1"})
	t.Setenv(envENSKey, c.anvil.KeyHex(2))
	code, rec, errOut := publishWithENS(t, c, fmt.Sprintf("  name: dao.eth\n  via: safe\n  safe: %q\n  safe_service: %q\n", safe.Address.Hex(), svc.URL))
	if code != exitOK || rec.Outcome != publish.OutcomePublished || rec.ENS == nil || rec.ENS.SafeTxHash == "" || rec.ENS.SafeNonce == nil {
		t.Fatalf("exit %d, record %+v\n%s", code, rec.ENS, errOut)
	}
	acc := svc.Accepted()
	if len(acc) != 1 || acc[0].Proposal.ContractTransactionHash != rec.ENS.SafeTxHash || acc[0].Signer != c.anvil.Address(t, 2) {
		t.Fatalf("accepted %+v", acc)
	}
	if len(rec.VerifiedHolders()) != 1 {
		t.Fatalf("proposed before the copies were verified: %+v", rec.Verification)
	}
	// The name is unchanged until the signers execute it.
	if code, out, _ := c.run(t, "ens", "get", "dao.eth"); code != exitOK || out != "" {
		t.Fatalf("ens get after a proposal: %d %q", code, out)
	}
}

// TestPublishViaCalldata: nothing is signed; the Transaction Builder file
// and the summary are written, and the owner's authorisation was checked.
func TestPublishViaCalldata(t *testing.T) {
	c := newENSCLI(t)
	out := filepath.Join(t.TempDir(), "review")
	code, rec, errOut := publishWithENS(t, c, fmt.Sprintf("  name: app.eth\n  via: calldata\n  out: %q\n", out))
	if code != exitOK || rec.ENS == nil || len(rec.ENS.Files) != 2 || !strings.HasPrefix(rec.ENS.Calldata, "0x304e6ade") {
		t.Fatalf("exit %d, ens %+v\n%s", code, rec.ENS, errOut)
	}
	md, err := os.ReadFile(filepath.Join(out, "ens-app.eth.md"))
	if err != nil || !strings.Contains(string(md), rec.CID) {
		t.Fatalf("summary %v: %s", err, md)
	}
}

// TestPublishENSChecksFirst: a key that may not write the name fails before
// anything is stored (exit 3), and the local store stays empty.
func TestPublishENSChecksFirst(t *testing.T) {
	c := newENSCLI(t)
	t.Setenv(envENSKey, c.anvil.KeyHex(3))
	code, _, errOut := publishWithENS(t, c, "  name: app.eth\n")
	if code != exitCheck || !strings.Contains(errOut, "may not write records of app.eth") || !strings.Contains(errOut, "hint:") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(errOut, "store:") {
		t.Fatalf("something was stored: %s", errOut)
	}
	// No key at all: a usage error naming where keys come from.
	t.Setenv(envENSKey, "")
	if code, _, errOut := publishWithENS(t, c, "  name: app.eth\n"); code != exitUsage || !strings.Contains(errOut, envENSKey) {
		t.Fatalf("no key: exit %d: %s", code, errOut)
	}
}

// TestPublishENSFailsAfterVerify: the name changes hands while the copies
// upload (after the checks that passed before any upload): the copies are
// stored and verified, the call is refused (simulated) before it is signed,
// and publish exits 5 with a Record that says so. The holder is a real Kubo
// node behind a proxy that hands the name to another account on its first
// request.
func TestPublishENSFailsAfterVerify(t *testing.T) {
	c := newENSCLI(t)
	t.Setenv(envENSKey, c.anvil.KeyHex(1))
	k := testpeers.StartKubo(t)
	var once sync.Once
	upstream, _ := url.Parse(k.API)
	rp := httputil.NewSingleHostReverseProxy(upstream)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() {
			c.anvil.Call(t, c.anvil.Key(t, 1), c.ens.Registry, c.ens.RegistryABI, "setOwner", ens.Namehash("app.eth"), c.anvil.Address(t, 3))
		})
		rp.ServeHTTP(w, r)
	}))
	defer proxy.Close()
	providers := fmt.Sprintf("providers:\n  - {name: own-node, type: kubo, endpoint: %q, gateway: %q}\n", proxy.URL, k.Gateway)
	code, rec, errOut := publishWithENS(t, c, "  name: app.eth\n"+providers)
	if code != exitName || !strings.Contains(errOut, "simulated setContenthash call reverted") || !strings.Contains(errOut, "hint:") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if rec.Outcome != publish.OutcomeNameFailed || len(rec.VerifiedHolders()) != 1 || rec.ENS.Error == "" || rec.ENS.Tx != "" {
		t.Fatalf("record %+v %+v", rec.Outcome, rec.ENS)
	}
	if code, out, _ := c.run(t, "ens", "get", "app.eth"); code != exitOK || out != "" {
		t.Fatalf("the name changed: %d %q", code, out)
	}
}
