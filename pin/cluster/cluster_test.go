package cluster_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/dapp-publish/dapp-publish/internal/secret"
	"github.com/dapp-publish/dapp-publish/internal/testpeers"
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/cluster"
	"github.com/dapp-publish/dapp-publish/pin/pintest"
	"github.com/ipfs/go-cid"
)

const user, pass = "ci", "cluster-test-pass"

func startCluster(t *testing.T) *testpeers.Cluster {
	return testpeers.StartCluster(t, testpeers.ClusterOptions{BasicAuth: [2]string{user, pass}})
}

func newProvider(t *testing.T, c *testpeers.Cluster, endpoint string) pin.Provider {
	p, err := cluster.New("cluster", &cluster.Config{
		HTTP:           pin.HTTP{Endpoint: endpoint, Gateway: c.Kubo.Gateway, Auth: "basic", Token: secret.New(user+":"+pass, "CLUSTER_TOKEN")},
		Polling:        pin.Polling{PinName: "dapp-publish-test"},
		ReplicationMin: 1, ReplicationMax: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// kuboPins counts recursive pins of root on the cluster's own Kubo, through
// Kubo's CLI: what the cluster really made its node hold.
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

// TestConformance runs the suite against a real IPFS Cluster (with its own
// Kubo) in a loopback-only namespace; each bundle is fetched back through
// the cluster node's gateway and every block re-hashed.
func TestConformance(t *testing.T) {
	c := startCluster(t)
	pintest.Run(t, pintest.Options{
		New: func(t *testing.T) pin.Provider { return newProvider(t, c, c.REST) },
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

func TestFaults(t *testing.T) {
	c := startCluster(t)
	pintest.RunFaults(t, pintest.FaultOptions{
		Target:     c.REST,
		UploadPath: "/add",
		TokenFrom:  "CLUSTER_TOKEN",
		New:        func(t *testing.T, endpoint string) pin.Provider { return newProvider(t, c, endpoint) },
		Pins:       func(t *testing.T, root cid.Cid) int { return kuboPins(t, c, root) },
	})
}

// TestReceipt: the receipt names the peers that hold the pin and the
// gateway to fetch it from.
func TestReceipt(t *testing.T) {
	c := startCluster(t)
	b := pintest.NewBundle(t, 3, 10)
	rec, err := newProvider(t, c, c.REST).Pin(context.Background(), b.Bundle)
	if err != nil {
		t.Fatal(err)
	}
	if rec.IDs["peers_pinned"] != "1" || rec.IDs["allocations"] == "" {
		t.Errorf("receipt ids = %v, want one pinned peer and its allocation", rec.IDs)
	}
	if len(rec.Endpoints) != 1 || !strings.HasPrefix(rec.Endpoints[0], c.Kubo.Gateway) {
		t.Errorf("endpoints = %v", rec.Endpoints)
	}
}

// TestWrongCredentials: the real cluster's 401 is permanent and the error
// names the provider and where its token came from, not the token.
func TestWrongCredentials(t *testing.T) {
	c := startCluster(t)
	p, err := cluster.New("cluster", &cluster.Config{HTTP: pin.HTTP{Endpoint: c.REST, Auth: "basic", Token: secret.New(user+":not-the-pass", "CLUSTER_TOKEN")}})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := pin.Wrap(p, pin.Policy{}).Pin(context.Background(), pintest.NewBundle(t, 4, 10).Bundle)
	if !errors.Is(err, pin.ErrUnauthorized) || rec.Attempts != 1 {
		t.Fatalf("err = %v after %d attempts, want ErrUnauthorized after 1", err, rec.Attempts)
	}
	if msg := err.Error(); !strings.Contains(msg, "cluster") || !strings.Contains(msg, "CLUSTER_TOKEN") || strings.Contains(msg, "not-the-pass") {
		t.Errorf("error message: %s", msg)
	}
}

// TestJWT: a Bearer JWT from the cluster's own POST /token works like the
// basic credentials it was issued for.
func TestJWT(t *testing.T) {
	c := startCluster(t)
	req, _ := http.NewRequest(http.MethodPost, c.REST+"/token", nil)
	req.SetBasicAuth(user, pass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.Token == "" {
		t.Fatalf("POST /token: %s %v", resp.Status, err)
	}
	p, err := cluster.New("cluster", &cluster.Config{HTTP: pin.HTTP{Endpoint: c.REST, Token: secret.New(tok.Token, "CLUSTER_JWT")}})
	if err != nil {
		t.Fatal(err)
	}
	b := pintest.NewBundle(t, 13, 10)
	if rec, err := p.Pin(context.Background(), b.Bundle); err != nil || rec.Status != pin.StatusPinned {
		t.Fatalf("Pin with a JWT: %+v, %v", rec, err)
	}
	if n := kuboPins(t, c, b.Root); n != 1 {
		t.Errorf("cluster's Kubo has %d pins of the root, want 1", n)
	}
}
