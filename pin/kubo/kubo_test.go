package kubo_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/dapp-publish/dapp-publish/internal/secret"
	"github.com/dapp-publish/dapp-publish/internal/testpeers"
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/kubo"
	"github.com/dapp-publish/dapp-publish/pin/pintest"
	"github.com/dapp-publish/dapp-publish/verify"
	"github.com/ipfs/go-cid"
)

func newProvider(t testing.TB, k *testpeers.Kubo) pin.Provider {
	p, err := kubo.New("own-node", &kubo.Config{HTTP: pin.HTTP{Endpoint: k.API, Gateway: k.Gateway}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// recursivePins counts Kubo's recursive pins of root, asking the daemon
// through its own CLI (independent of our client).
func recursivePins(t *testing.T, k *testpeers.Kubo, root cid.Cid) int {
	out, err := k.Run(nil, "pin", "ls", "--type=recursive", "--quiet")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Fields(string(out)) {
		if c, err := cid.Decode(line); err == nil && pin.SameCID(c, root) {
			n++
		}
	}
	return n
}

// TestConformance runs the suite against a real Kubo daemon: every bundle
// is fetched back through the node's gateway as a CAR and re-hashed.
func TestConformance(t *testing.T) {
	k := testpeers.StartKubo(t)
	pintest.Run(t, pintest.Options{
		New: func(t *testing.T) pin.Provider { return newProvider(t, k) },
		FetchCAR: func(t *testing.T, root cid.Cid) []byte {
			car, err := pintest.FetchCAR(context.Background(), k.Gateway, root)
			if err != nil {
				t.Fatal(err)
			}
			return car
		},
		Pins: func(t *testing.T, root cid.Cid) int { return recursivePins(t, k, root) },
	})
}

// TestRootMatchesKubo: the root Kubo computes itself from the CAR's blocks
// (`ipfs dag import` through its own CLI, on a second node) equals the root
// our provider reported as pinned.
func TestRootMatchesKubo(t *testing.T) {
	k := testpeers.StartKubo(t)
	b := pintest.NewBundle(t, 42, 2<<20)
	rec, err := newProvider(t, k).Pin(context.Background(), b.Bundle)
	if err != nil {
		t.Fatal(err)
	}
	other := testpeers.NewKuboRepo(t)
	out := string(other.MustRun(t, strings.NewReader(string(b.Bytes(t))), "dag", "import", "--pin-roots=true"))
	// "Pinned root\t<cid>\tsuccess"
	f := strings.Fields(out)
	if len(f) < 3 || f[0] != "Pinned" || f[2] != rec.CID {
		t.Fatalf("Kubo's own import of the CAR reports %q, our receipt says %s", out, rec.CID)
	}
	if len(rec.Endpoints) != 1 || !strings.HasPrefix(rec.Endpoints[0], k.Gateway+"/ipfs/") {
		t.Errorf("receipt endpoints = %v, want the node's gateway", rec.Endpoints)
	}
}

// TestAuth: a Kubo RPC protected by API.Authorizations accepts the right
// Bearer token and Basic credentials, and rejects a wrong one permanently,
// naming the provider and the variable the token came from, never the token.
func TestAuth(t *testing.T) {
	repo := testpeers.NewKuboRepo(t)
	repo.MustRun(t, nil, "config", "--json", "API.Authorizations",
		`{"ci":{"AuthSecret":"bearer:right-token","AllowedPaths":["/api/v0"]},"ops":{"AuthSecret":"basic:ops:right-pass","AllowedPaths":["/api/v0"]}}`)
	k := repo.Start(t)
	b := pintest.NewBundle(t, 7, 10)
	tests := []struct {
		name, auth, token string
		ok                bool
	}{
		{"bearer", "bearer", "right-token", true},
		{"basic", "basic", "ops:right-pass", true},
		{"wrong bearer", "bearer", "wrong-token-value", false},
		{"wrong basic", "basic", "ops:wrong-pass-value", false},
		{"none", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := kubo.New("own-node", &kubo.Config{HTTP: pin.HTTP{Endpoint: k.API, Token: secret.New(tt.token, "KUBO_TOKEN"), Auth: tt.auth}})
			if err != nil {
				t.Fatal(err)
			}
			rec, err := pin.Retry(p, pin.RetryPolicy{Attempts: 3, Base: time.Millisecond}).Pin(context.Background(), b.Bundle)
			if tt.ok {
				if err != nil || rec.Status != pin.StatusPinned {
					t.Fatalf("Pin = %+v, %v", rec, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Pin with bad credentials succeeded")
			}
			if !errors.Is(err, pin.ErrUnauthorized) || !pin.IsPermanent(err) || rec.Attempts != 1 {
				t.Errorf("err = %v (attempts %d), want a permanent ErrUnauthorized after 1 attempt", err, rec.Attempts)
			}
			msg := err.Error()
			if !strings.Contains(msg, "own-node") {
				t.Errorf("error does not name the provider: %s", msg)
			}
			if tt.token != "" && !strings.Contains(msg, "KUBO_TOKEN") {
				t.Errorf("error does not name the token variable: %s", msg)
			}
			if tt.token != "" && strings.Contains(msg, strings.SplitN(tt.token, ":", 2)[len(strings.SplitN(tt.token, ":", 2))-1]) {
				t.Errorf("error leaks the token: %s", msg)
			}
		})
	}
}

func TestBadEndpoint(t *testing.T) {
	for _, e := range []string{"", "127.0.0.1:5001", "ftp://x", "http://", "://"} {
		if _, err := kubo.New("n", &kubo.Config{HTTP: pin.HTTP{Endpoint: e}}); err == nil {
			t.Errorf("New accepted endpoint %q", e)
		}
	}
}

// TestFaults injects each fault through a proxy in front of a real Kubo.
func TestFaults(t *testing.T) {
	k := testpeers.StartKubo(t)
	pintest.RunFaults(t, pintest.FaultOptions{
		Target:     k.API,
		UploadPath: "/api/v0/dag/import",
		TokenFrom:  "KUBO_TOKEN",
		New: func(t *testing.T, endpoint string) pin.Provider {
			p, err := kubo.New("own-node", &kubo.Config{HTTP: pin.HTTP{Endpoint: endpoint, Token: secret.New("t0ken-value", "KUBO_TOKEN")}})
			if err != nil {
				t.Fatal(err)
			}
			return p
		},
		Pins: func(t *testing.T, root cid.Cid) int { return recursivePins(t, k, root) },
	})
}

// TestProvide: with provide set, the root is announced after the import
// (provide/once). On an offline node announcing fails; the bundle is still
// stored, and the receipt carries the failure as a warning.
func TestProvide(t *testing.T) {
	k := testpeers.StartKubo(t)
	p, err := kubo.New("own-node", &kubo.Config{HTTP: pin.HTTP{Endpoint: k.API}, Provide: true})
	if err != nil {
		t.Fatal(err)
	}
	b := pintest.NewBundle(t, 12, 10)
	rec, err := p.Pin(context.Background(), b.Bundle)
	if err != nil || rec.Status != pin.StatusPinned {
		t.Fatalf("Pin = %+v, %v", rec, err)
	}
	// The node is offline, so the announcement must have been attempted and
	// failed: exactly one warning proves the call was made.
	if len(rec.Warnings) != 1 {
		t.Fatalf("warnings = %q, want one (provide on an offline node fails)", rec.Warnings)
	}
	for _, w := range rec.Warnings {
		if !strings.Contains(w, "announcing") || !strings.Contains(w, "the bundle is stored") {
			t.Errorf("warning does not say what failed and that the bundle is safe: %q", w)
		}
	}
}

// TestRetriever: the node hands back what it holds through its own RPC
// (pin.Retriever): the whole DAG as a CAR that verifies block by block, and
// single blocks; a CID it does not hold is an error (asked offline, the
// node does not go looking for it elsewhere).
func TestRetriever(t *testing.T) {
	k := testpeers.StartKubo(t)
	p := newProvider(t, k)
	b := pintest.NewBundle(t, 7, 3<<20)
	if _, err := p.Pin(context.Background(), b.Bundle); err != nil {
		t.Fatal(err)
	}
	r, ok := pin.As[pin.Retriever](pin.Wrap(p, pin.Policy{Timeout: time.Minute}))
	if !ok || !strings.Contains(r.RetrievalSource(), "127.0.0.1") {
		t.Fatalf("kubo is not a pin.Retriever through its wrappers (%v)", ok)
	}
	open := func(ctx context.Context) (io.ReadCloser, error) { return r.RetrieveCAR(ctx, b.Root) }
	if rep := verify.CheckCAR(context.Background(), b.Root, r.RetrievalSource(), open, verify.CheckOptions{}); !rep.OK() || rep.Blocks < 3 {
		t.Fatalf("dag/export: %+v", rep)
	}
	body, err := r.RetrieveBlock(context.Background(), b.Root)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(body)
	body.Close()
	if got, err := b.Root.Prefix().Sum(data); err != nil || !got.Equals(b.Root) {
		t.Fatalf("block/get of the root: %d bytes hash to %v (%v)", len(data), got, err)
	}
	missing := pintest.NewBundle(t, 8, 1<<10).Root
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if body, err := r.RetrieveBlock(ctx, missing); err == nil {
		body.Close()
		t.Fatal("block/get of a CID the node does not hold succeeded")
	}
}
