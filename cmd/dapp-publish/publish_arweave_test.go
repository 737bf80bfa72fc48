package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dapp-publish/dapp-publish/internal/testpeers"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx/artxtest"
	"github.com/dapp-publish/dapp-publish/publish"
)

// TestPublishENSContentArweave: with ens.content: arweave, publish points
// the name at ar://<manifest> of the Arweave copy it stored and verified
// (real arlocal, real ENS contracts on anvil); a dry run shows the pending
// value; an unchanged site sends nothing; when no Arweave copy verifies the
// name is not touched even though the quorum asks for none; rollback goes
// back to the earlier manifest.
func TestPublishENSContentArweave(t *testing.T) {
	ar := testpeers.StartArlocal(t)
	ar.Mint(t, artxtest.Wallet(t, 0).Address(), "1000000000000000000")
	ar.AutoMine(t, 200*time.Millisecond)
	c := newENSCLI(t)
	t.Setenv(envENSKey, "0x"+c.anvil.KeyHex(1))
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	dir := t.TempDir()
	site := filepath.Join(dir, "site")
	os.MkdirAll(filepath.Join(site, "assets"), 0o755)
	os.WriteFile(filepath.Join(site, "index.html"), []byte("<p>on arweave</p>"), 0o644)
	os.WriteFile(filepath.Join(site, "assets", "app.js"), []byte("console.log(3)"), 0o644)
	config := func(wallet int, quorum string) string {
		return writeConfig(t, fmt.Sprintf(`site: %s
providers:
  - {name: permaweb, type: arweave, gateway: %q, wallet_file: %q, confirmations: 1, retries: 0}
quorum: %s
ens: {name: app.eth, rpc: %q, registry: %q, chain_id: 31337, confirmations: 1, content: arweave}
`, site, ar.URL, artxtest.WalletFile(t, wallet), quorum, c.anvil.URL, c.ens.Registry.Hex()))
	}
	state := filepath.Join(dir, "state")
	publishJSON := func(cfg string, extra ...string) (int, *publish.Record, string) {
		t.Helper()
		var out, errb bytes.Buffer
		code := run(append([]string{"dapp-publish", "publish", "--config", cfg, "--state-dir", state, "--json"}, extra...), &out, &errb)
		var rec publish.Record
		if err := json.Unmarshal(out.Bytes(), &rec); err != nil {
			t.Fatalf("exit %d, not a record: %v\n%s\n%s", code, err, out.String(), errb.String())
		}
		return code, &rec, errb.String()
	}

	cfg := config(0, "{arweave: 1}")
	code, rec, errOut := publishJSON(cfg, "--dry-run")
	if code != exitOK || rec.ENS == nil || rec.ENS.New != arweavePending {
		t.Fatalf("dry run: exit %d, ens %+v\n%s", code, rec.ENS, errOut)
	}

	code, rec, errOut = publishJSON(cfg)
	if code != exitOK || len(rec.Receipts) != 1 {
		t.Fatalf("publish: exit %d\n%s", code, errOut)
	}
	manifest := rec.Receipts[0].IDs["manifest"]
	want := "ar://" + manifest
	if manifest == "" || rec.ENS == nil || rec.ENS.New != want || rec.ENS.Tx == "" || rec.Outcome != publish.OutcomePublished {
		t.Fatalf("record: outcome %s, receipt ids %v, ens %+v", rec.Outcome, rec.Receipts[0].IDs, rec.ENS)
	}
	if code, out, _ := c.run(t, "ens", "get", "app.eth"); code != exitOK || strings.TrimSpace(out) != want {
		t.Fatalf("ens get: exit %d %q, want %s", code, out, want)
	}
	// What the name points at verifies on its own: signatures, the CAR
	// copy against the published root.
	if code, out, errOut := c.run(t, "verify", "app.eth", "--arweave-gateway", ar.URL); code != exitOK || !strings.Contains(out, "holds ipfs://"+rec.CID) {
		t.Fatalf("verify app.eth: exit %d\n%s\n%s", code, out, errOut)
	}

	// Unchanged: the copy is found stored, the name already points there.
	code, rec, errOut = publishJSON(cfg)
	if code != exitOK || rec.Outcome != publish.OutcomeUnchanged || rec.ENS == nil || !rec.ENS.NoOp || rec.ENS.Tx != "" || !rec.Receipts[0].Skipped {
		t.Fatalf("second publish: exit %d, outcome %s, ens %+v\n%s", code, rec.Outcome, rec.ENS, errOut)
	}

	// A changed site and a wallet that cannot pay: nothing verified on
	// Arweave. Even with quorum arweave: 0 the name stays where it was.
	os.WriteFile(filepath.Join(site, "index.html"), []byte("<p>changed</p>"), 0o644)
	code, rec, errOut = publishJSON(config(1, "{arweave: 0}"))
	if code != exitQuorum || rec.Outcome != publish.OutcomeQuorumNotMet || !strings.Contains(errOut, "no Arweave copy was verified") {
		t.Fatalf("unfunded: exit %d, outcome %s\n%s", code, rec.Outcome, errOut)
	}
	if code, out, _ := c.run(t, "ens", "get", "app.eth"); code != exitOK || strings.TrimSpace(out) != want {
		t.Fatalf("the name moved: %q, want %s", out, want)
	}

	// The changed site stored with a wallet that pays moves the name; a
	// rollback then finds the earlier version through the Record that
	// pointed the name at its manifest, checks that copy again and points
	// the name back at it.
	code, rec, errOut = publishJSON(cfg)
	if code != exitOK || rec.ENS == nil || rec.ENS.New == want || !strings.HasPrefix(rec.ENS.New, "ar://") {
		t.Fatalf("changed site: exit %d, ens %+v\n%s", code, rec.ENS, errOut)
	}
	var out, errb bytes.Buffer
	code = run([]string{"dapp-publish", "rollback", "app.eth", "--config", cfg, "--state-dir", state, "--json"}, &out, &errb)
	if code != exitOK || !strings.Contains(out.String(), `"new": "`+want+`"`) {
		t.Fatalf("rollback: exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	if code, out, _ := c.run(t, "ens", "get", "app.eth"); code != exitOK || strings.TrimSpace(out) != want {
		t.Fatalf("after rollback the name is %q, want %s", out, want)
	}

	// No arweave provider at all: refused before anything runs.
	noAr := writeConfig(t, fmt.Sprintf("site: %s\nens: {name: app.eth, rpc: %q, registry: %q, content: arweave}\n", site, c.anvil.URL, c.ens.Registry.Hex()))
	code, _, errOut = runCLI(t, "publish", "--config", noAr, "--state-dir", state)
	if code != exitUsage || !strings.Contains(errOut, "no provider makes one") {
		t.Fatalf("no arweave provider: exit %d\n%s", code, errOut)
	}
}
