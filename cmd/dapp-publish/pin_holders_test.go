package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/dapp-publish/dapp-publish/internal/fakes/filebase"
	"github.com/dapp-publish/dapp-publish/internal/fakes/pinata"
	"github.com/dapp-publish/dapp-publish/internal/testpeers"
	"github.com/dapp-publish/dapp-publish/pin/pintest"
)

// TestPinCommandEveryProviderType: one config with every provider type, the
// holders real where a server exists (Kubo; IPFS Cluster's REST API and its
// Pinning Service API, in this loopback-only namespace) and the shared fakes
// for Pinata and Filebase. Exit 0, five pinned receipts naming our root, and
// each holder really has it.
func TestPinCommandEveryProviderType(t *testing.T) {
	k, base := startKubo(t)
	c := testpeers.StartCluster(t, testpeers.ClusterOptions{BasicAuth: [2]string{"ci", "cluster-pass"}})
	pn := pinata.Start(t, "pinata-jwt-value")
	fb := filebase.Start(t, "filebase-token-value")
	b := pintest.NewBundle(t, 41, 2<<20)
	// The PSA pins by reference: the cluster's node must be able to find the
	// blocks, as it would through origins; the cluster entry (which runs at
	// the same time) uploads them, but do not rely on ordering.
	c.Kubo.MustRun(t, bytes.NewReader(b.Bytes(t)), "dag", "import", "--pin-roots=false")

	t.Setenv("DP_TEST_CLUSTER_PASS", "ci:cluster-pass")
	t.Setenv("DP_TEST_PSA_JWT", psaJWT(t, c))
	t.Setenv("DP_TEST_PINATA_JWT", "pinata-jwt-value")
	t.Setenv("DP_TEST_FILEBASE_TOKEN", "filebase-token-value")
	cfg := writeConfig(t, fmt.Sprintf(`providers:
  - {name: own-node, type: kubo, endpoint: %q, gateway: %q}
  - {name: cluster, type: cluster, endpoint: %q, auth: basic, token: "${DP_TEST_CLUSTER_PASS}", replication_min: 1, replication_max: 1, poll_interval: 200ms}
  - {name: psa, type: psa, endpoint: %q, token: "${DP_TEST_PSA_JWT}", pin_name: e2e, poll_interval: 200ms, wait_timeout: 1m}
  - {name: pinata, type: pinata, endpoint: %q, token: "${DP_TEST_PINATA_JWT}"}
  - {name: filebase, type: filebase, endpoint: %q, gateway: %q, token: "${DP_TEST_FILEBASE_TOKEN}"}
`, k.API, k.Gateway, c.REST, c.PinSvc, pn.URL, fb.URL, fb.URL))

	code, stdout, stderr := runCLI(t, "pin", b.Path, "--config", cfg, "--json")
	if code != exitOK {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	out := decodePinJSON(t, stdout)
	if len(out.Receipts) != 5 {
		t.Fatalf("%d receipts, want 5", len(out.Receipts))
	}
	for _, r := range out.Receipts {
		if r.Status != "pinned" || r.CID != b.Root.String() {
			t.Errorf("%s: %s %s %s", r.Provider, r.Status, r.CID, r.Error)
		}
	}
	if pins := recursivePins(t, k, base...); pins != b.Root.String() {
		t.Errorf("own node pins %q", pins)
	}
	if n := strings.Count(string(c.Kubo.MustRun(t, nil, "pin", "ls", "--type=recursive", "--quiet")), b.Root.String()); n != 1 {
		t.Errorf("the cluster's node has %d pins of the root, want 1", n)
	}
	if len(pn.Files()) != 1 || pn.Files()[0].CID != b.Root.String() {
		t.Errorf("pinata fake holds %+v", pn.Files())
	}
	if fb.Pins(b.Root) != 1 {
		t.Errorf("filebase fake holds %d pins of the root", fb.Pins(b.Root))
	}
	for _, secret := range []string{"cluster-pass", "pinata-jwt-value", "filebase-token-value"} {
		if strings.Contains(stdout+stderr, secret) {
			t.Errorf("output shows a secret")
		}
	}
}

// psaJWT gets a Bearer token from the cluster's Pinning Service API.
func psaJWT(t *testing.T, c *testpeers.Cluster) string {
	req, _ := http.NewRequest(http.MethodPost, c.PinSvc+"/token", nil)
	req.SetBasicAuth(c.User, c.Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.Token == "" {
		t.Fatalf("POST /token: %s %v", resp.Status, err)
	}
	return tok.Token
}
