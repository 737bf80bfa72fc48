package psa_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dapp-publish/dapp-publish/internal/secret"
	"github.com/dapp-publish/dapp-publish/internal/testpeers"
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/pintest"
	"github.com/dapp-publish/dapp-publish/pin/psa"
	"github.com/ipfs/go-cid"
)

const user, pass = "ci", "psa-test-pass"

// clusterJWT gets a Bearer token from the cluster's Pinning Service API
// (POST /token with basic auth), as a user of a real service would hold.
func clusterJWT(t *testing.T, c *testpeers.Cluster) string {
	req, _ := http.NewRequest(http.MethodPost, c.PinSvc+"/token", nil)
	req.SetBasicAuth(user, pass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Token == "" {
		t.Fatalf("POST /token: %s, %v", resp.Status, err)
	}
	return out.Token
}

func newProvider(t *testing.T, endpoint, token, name string, keep int) pin.Provider {
	p, err := psa.New("psa", &psa.Config{
		HTTP:    pin.HTTP{Endpoint: endpoint, Token: secret.New(token, "PSA_TOKEN")},
		Polling: pin.Polling{PinName: name, PollInterval: 200 * time.Millisecond, WaitTimeout: time.Minute},
		Keep:    keep,
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// seed puts the bundle's blocks (unpinned) into the cluster's Kubo: the
// service "finds" the DAG the way it would through origins in a real run.
func seed(c *testpeers.Cluster) func(t *testing.T, b *pintest.Bundle) {
	return func(t *testing.T, b *pintest.Bundle) {
		c.Kubo.MustRun(t, bytes.NewReader(b.Bytes(t)), "dag", "import", "--pin-roots=false")
	}
}

func kuboPins(t *testing.T, c *testpeers.Cluster, root cid.Cid) int {
	out, err := c.Kubo.Run(nil, "pin", "ls", "--type=recursive", "--quiet")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range strings.Fields(string(out)) {
		if x, err := cid.Decode(f); err == nil && pin.SameCID(x, root) {
			n++
		}
	}
	return n
}

func startCluster(t *testing.T) *testpeers.Cluster {
	return testpeers.StartCluster(t, testpeers.ClusterOptions{BasicAuth: [2]string{user, pass}})
}

// TestConformanceCluster runs the suite against IPFS Cluster's real Pinning
// Service API endpoint.
func TestConformanceCluster(t *testing.T) {
	c := startCluster(t)
	tok := clusterJWT(t, c)
	n := 0
	pintest.Run(t, pintest.Options{
		New: func(t *testing.T) pin.Provider {
			n++ // a pin name per subtest: replacing would remove the previous subtest's pin
			return newProvider(t, c.PinSvc, tok, "conformance-"+string(rune('a'+n)), 0)
		},
		Seed: seed(c),
		FetchCAR: func(t *testing.T, root cid.Cid) []byte {
			car, err := pintest.FetchCAR(context.Background(), c.Kubo.Gateway, root)
			if err != nil {
				t.Fatal(err)
			}
			return car
		},
		Pins: func(t *testing.T, root cid.Cid) int { return kuboPins(t, c, root) },
	})
}

func TestFaultsCluster(t *testing.T) {
	c := startCluster(t)
	tok := clusterJWT(t, c)
	pintest.RunFaults(t, pintest.FaultOptions{
		Target:     c.PinSvc,
		UploadPath: "/pins",
		TokenFrom:  "PSA_TOKEN",
		New:        func(t *testing.T, endpoint string) pin.Provider { return newProvider(t, endpoint, tok, "faults", 0) },
		Seed:       seed(c),
		Pins:       func(t *testing.T, root cid.Cid) int { return kuboPins(t, c, root) },
	})
}

// TestReplaceAndKeep: a new bundle under the same name replaces the old pin
// once it is pinned; with keep: 2 the previous one stays and older go.
func TestReplaceAndKeep(t *testing.T) {
	c := startCluster(t)
	tok := clusterJWT(t, c)
	var roots []cid.Cid
	for i := range 4 {
		b := pintest.NewBundle(t, uint64(100+i), 10)
		seed(c)(t, b)
		roots = append(roots, b.Root)
		keep := 0
		if i >= 2 {
			keep = 2
		}
		if _, err := newProvider(t, c.PinSvc, tok, "site", keep).Pin(context.Background(), b.Bundle); err != nil {
			t.Fatalf("pin %d: %v", i, err)
		}
		time.Sleep(1100 * time.Millisecond) // the cluster's created times have whole-second precision
	}
	// 1 replaces 0 (keep 0); with keep 2, pinning 2 keeps 1 and 2, pinning 3
	// keeps 2 and 3.
	want := map[int]bool{0: false, 1: false, 2: true, 3: true}
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok := true
		for i, r := range roots {
			if (kuboPins(t, c, r) == 1) != want[i] {
				ok = false
			}
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			for i, r := range roots {
				t.Errorf("bundle %d pinned=%v, want %v", i, kuboPins(t, c, r) == 1, want[i])
			}
			return
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// TestWrongToken: the real service's 401 is permanent and names the
// provider and the variable, never the token.
func TestWrongToken(t *testing.T) {
	c := startCluster(t)
	b := pintest.NewBundle(t, 8, 10)
	rec, err := pin.Wrap(newProvider(t, c.PinSvc, "not-a-valid-jwt", "x", 0), pin.Policy{}).Pin(context.Background(), b.Bundle)
	if !errors.Is(err, pin.ErrUnauthorized) || rec.Attempts != 1 {
		t.Fatalf("err = %v after %d attempts", err, rec.Attempts)
	}
	if msg := err.Error(); !strings.Contains(msg, "psa") || !strings.Contains(msg, "PSA_TOKEN") || strings.Contains(msg, "not-a-valid-jwt") {
		t.Errorf("message: %s", msg)
	}
}
