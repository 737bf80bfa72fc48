package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dapp-publish/dapp-publish/ens"
	"github.com/dapp-publish/dapp-publish/internal/testpeers"
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx/artxtest"
)

// verify ar://TX and an ENS name whose contenthash is ar://TX, against a
// real arlocal gateway and real ENS contracts on anvil.
func TestVerifyArweave(t *testing.T) {
	ar := testpeers.StartArlocal(t)
	s := newENSSite(t)
	site := map[string][]byte{"index.html": []byte("<p>permanent</p>"), "assets/app.js": []byte("console.log(1)")}
	dir := t.TempDir()
	for p, b := range site {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, p), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	up := ar.UploadSite(t, site)
	runVerify := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(s.args(append([]string{"verify", "--arweave-gateway=" + ar.URL, "--dir=" + dir}, args...)...), &out, &errb)
		return code, out.String(), errb.String()
	}
	code, out, errOut := runVerify("ar://" + up.Manifest)
	if code != exitOK || !strings.Contains(out, "verify ar://"+up.Manifest) {
		t.Fatalf("ar://: exit %d\n%s\n%s", code, out, errOut)
	}

	tx, _ := base64.RawURLEncoding.DecodeString(up.Manifest)
	content := ens.Content{Namespace: ens.Arweave, ArweaveTx: tx}
	s.a.Call(t, s.a.Key(t, 1), s.e.Resolver, s.e.ResolverABI, "setContenthash", ens.Namehash("app.eth"), content.Contenthash())
	code, out, errOut = runVerify("app.eth")
	if code != exitOK || !strings.Contains(out, "app.eth -> ar://"+up.Manifest) {
		t.Fatalf("name: exit %d\n%s\n%s", code, out, errOut)
	}

	// The folder changed since the upload: the file that differs is named.
	if err := os.WriteFile(filepath.Join(dir, "assets/app.js"), []byte("console.log(2)"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runVerify("app.eth")
	if code != exitCheck || !strings.Contains(out, "different  assets/app.js") {
		t.Fatalf("changed: exit %d\n%s\n%s", code, out, errOut)
	}
}

// TestPinArweaveThenENSThenVerify is the Arweave path end to end over the
// real binary: pin a folder to arlocal, point app.eth at ar://<manifest>
// on anvil's ENS, and verify the name without the local build (the CAR
// copy and the signatures are the reference).
func TestPinArweaveThenENSThenVerify(t *testing.T) {
	ar := testpeers.StartArlocal(t)
	ar.Mint(t, artxtest.Wallet(t, 0).Address(), "1000000000000000000")
	ar.AutoMine(t, 200*time.Millisecond)
	c := newENSCLI(t)
	dir := t.TempDir()
	site := map[string]string{"index.html": "<p>permanent</p>", "assets/app.js": "console.log(1)", "404.html": "nope"}
	for p, b := range site {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(dir, p), []byte(b), 0o644)
	}
	wallet := artxtest.WalletFile(t, 0)
	cfg := writeConfig(t, fmt.Sprintf("providers:\n  - {name: permaweb, type: arweave, gateway: %q, wallet_file: %q, confirmations: 1}\n", ar.URL, wallet))
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	code, out, errOut := runCLI(t, "pin", dir, "--config", cfg, "--json")
	if code != exitOK {
		t.Fatalf("pin: exit %d\n%s\n%s", code, out, errOut)
	}
	var res struct {
		CID      string        `json:"cid"`
		Receipts []pin.Receipt `json:"receipts"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	r := res.Receipts[0]
	if r.Status != pin.StatusPinned || r.ManifestID == "" || r.CARTxID == "" || len(r.Files) != len(site) || r.CostWinston == "" {
		t.Fatalf("receipt %+v", r)
	}
	var jwk map[string]string
	json.Unmarshal(artxtest.JWK(0), &jwk)
	if strings.Contains(out+errOut, jwk["d"][:16]) {
		t.Fatal("the wallet was printed")
	}

	t.Setenv(envENSKey, "0x"+c.anvil.KeyHex(1))
	code, out, errOut = c.run(t, "ens", "set", "app.eth", "ar://"+r.ManifestID, "--chain-id", "31337", "--confirmations", "1")
	if code != exitOK || !strings.Contains(out, "ar://"+r.ManifestID) {
		t.Fatalf("ens set: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = c.run(t, "verify", "app.eth", "--arweave-gateway", ar.URL)
	if code != exitOK || !strings.Contains(out, "app.eth -> ar://"+r.ManifestID) || !strings.Contains(out, "holds ipfs://"+res.CID) {
		t.Fatalf("verify: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = c.run(t, "verify", "ar://"+r.ManifestID, "--arweave-gateway", ar.URL, "--json", "--dir", dir)
	var vr struct {
		OK      bool `json:"ok"`
		Sources []struct {
			IPFSRoot   string `json:"ipfs_root"`
			Signatures int    `json:"signatures"`
			Files      int    `json:"files"`
		} `json:"sources"`
	}
	if err := json.Unmarshal([]byte(out), &vr); err != nil || code != exitOK || !vr.OK || vr.Sources[0].IPFSRoot != res.CID ||
		vr.Sources[0].Signatures != len(site)+2 || vr.Sources[0].Files != len(site) {
		t.Fatalf("verify --json: exit %d %+v %v\n%s", code, vr, err, out)
	}
}

// TestArweaveConfigErrors: the wallet is a secret, so a literal JWK in the
// config file is refused, and a wallet file must be a small regular file.
func TestArweaveConfigErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ entry, want string }{
		{`{name: a, type: arweave, wallet: '{"kty":"RSA"}'}`, "wallet must be an environment reference"},
		{`{name: a, type: arweave, wallet: "${DP_TEST_NO_SUCH_WALLET}"}`, "which is not set or empty"},
		{`{name: a, type: arweave, wallet_file: /dev/zero}`, "not a regular file"},
		{`{name: a, type: arweave, wallet_file: ` + dir + `}`, "not a regular file"},
		{`{name: a, type: arweave}`, "wallet is required"},
		{`{name: a, type: arweave, wallet_file: w.json, uploader: irys}`, "uploader must be"},
		{`{name: a, type: kubo, endpoint: "http://127.0.0.1:1", uploader: turbo}`, `unknown key "uploader" (kubo takes:`},
	} {
		os.WriteFile(filepath.Join(dir, "w.json"), artxtest.JWK(0), 0o600)
		cfg := filepath.Join(dir, "dapp-publish.yaml")
		os.WriteFile(cfg, []byte("providers:\n  - "+tc.entry+"\n"), 0o644)
		code, out, errOut := runCLI(t, "pin", dir, "--config", cfg)
		if code != exitUsage || !strings.Contains(errOut, tc.want) || !strings.Contains(errOut, "dapp-publish.yaml:2") {
			t.Errorf("%s: exit %d\n%s%s", tc.entry, code, out, errOut)
		}
	}
	t.Setenv("DP_TEST_BAD_WALLET", `{"kty":"RSA","n":"AQAB","e":"AQAB","d":"c2VjcmV0LXBhcnQ"}`)
	cfg := writeConfig(t, "providers:\n  - {name: a, type: arweave, wallet: \"${DP_TEST_BAD_WALLET}\"}\n")
	code, _, errOut := runCLI(t, "pin", dir, "--config", cfg)
	if code != exitUsage || !strings.Contains(errOut, `holds only the public key`) || !strings.Contains(errOut, `the file says "${DP_TEST_BAD_WALLET}"`) || strings.Contains(errOut, "c2VjcmV0LXBhcnQ") {
		t.Errorf("a malformed wallet in the environment: exit %d\n%s", code, errOut)
	}
}

// TestPublishCountsArweave: publish stores the site on arlocal, verifies
// the Arweave copy as `verify ar://` does, and counts it for quorum.arweave.
func TestPublishCountsArweave(t *testing.T) {
	ar := testpeers.StartArlocal(t)
	ar.Mint(t, artxtest.Wallet(t, 0).Address(), "1000000000000000000")
	ar.AutoMine(t, 200*time.Millisecond)
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "site", "assets"), 0o755)
	os.WriteFile(filepath.Join(dir, "site", "index.html"), []byte("<p>published</p>"), 0o644)
	os.WriteFile(filepath.Join(dir, "site", "assets", "app.js"), []byte("console.log(2)"), 0o644)
	cfg := filepath.Join(dir, "dapp-publish.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("site: %s\nproviders:\n  - {name: permaweb, type: arweave, gateway: %q, wallet_file: %q}\nquorum: {arweave: 1}\n",
		filepath.Join(dir, "site"), ar.URL, artxtest.WalletFile(t, 0))), 0o644)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	code, out, errOut := runCLI(t, "publish", "--config", cfg, "--state-dir", filepath.Join(dir, "state"), "--json")
	if code != exitOK {
		t.Fatalf("publish: exit %d\n%s\n%s", code, out, errOut)
	}
	var rec struct {
		Quorum struct {
			OK       bool `json:"ok"`
			Networks []struct {
				Network  string   `json:"network"`
				Verified []string `json:"verified"`
			} `json:"networks"`
		} `json:"quorum"`
	}
	if err := json.Unmarshal([]byte(out), &rec); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	counted := false
	for _, n := range rec.Quorum.Networks {
		counted = counted || n.Network == "arweave" && len(n.Verified) == 1 && n.Verified[0] == "permaweb"
	}
	if !rec.Quorum.OK || !counted {
		t.Fatalf("quorum %+v\n%s", rec.Quorum, out)
	}
}
