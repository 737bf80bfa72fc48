package pinata_test

import (
	"context"
	"strings"
	"testing"

	fake "github.com/dapp-publish/dapp-publish/internal/fakes/pinata"
	"github.com/dapp-publish/dapp-publish/internal/secret"
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/pinata"
	"github.com/dapp-publish/dapp-publish/pin/pintest"
	"github.com/ipfs/go-cid"
)

const jwt = "fake-pinata-jwt"

func newProvider(t *testing.T, endpoint, token string) pin.Provider {
	p, err := pinata.New("pinata", &pinata.Config{HTTP: pin.HTTP{Endpoint: endpoint, Token: secret.New(token, "PINATA_JWT")}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func pins(s *fake.Server) func(*testing.T, cid.Cid) int {
	return func(t *testing.T, root cid.Cid) int {
		n := 0
		for _, f := range s.Files() {
			if f.CID == root.String() {
				n++
			}
		}
		return n
	}
}

func TestConformance(t *testing.T) {
	s := fake.Start(t, jwt)
	pintest.Run(t, pintest.Options{
		New: func(t *testing.T) pin.Provider { return newProvider(t, s.URL, jwt) },
		FetchCAR: func(t *testing.T, root cid.Cid) []byte {
			car, err := pintest.FetchCAR(context.Background(), s.URL, root)
			if err != nil {
				t.Fatal(err)
			}
			return car
		},
		Pins: pins(s),
	})
}

func TestFaults(t *testing.T) {
	s := fake.Start(t, jwt)
	pintest.RunFaults(t, pintest.FaultOptions{
		Target:     s.URL,
		UploadPath: "/v3/files",
		TokenFrom:  "PINATA_JWT",
		New:        func(t *testing.T, endpoint string) pin.Provider { return newProvider(t, endpoint, jwt) },
		Pins:       pins(s),
	})
}

// TestWrongCIDFromService: the service itself reports another CID.
func TestWrongCIDFromService(t *testing.T) {
	s := fake.Start(t, jwt)
	other := pintest.NewBundle(t, 77, 10)
	s.ReportCID = other.Root.String()
	b := pintest.NewBundle(t, 78, 10)
	res := pin.Run(context.Background(), []pin.Provider{newProvider(t, s.URL, jwt)}, b.Bundle, nil)
	if res[0].Status != pin.StatusFailed {
		t.Fatalf("receipt %+v, want failed", res[0])
	}
}

// TestWrongToken: the fake's 401 body is mapped to a permanent error that
// names the provider and PINATA_JWT.
func TestWrongToken(t *testing.T) {
	s := fake.Start(t, jwt)
	b := pintest.NewBundle(t, 79, 10)
	rec, err := pin.Wrap(newProvider(t, s.URL, "stale-jwt-value"), pin.Policy{}).Pin(context.Background(), b.Bundle)
	if err == nil || rec.Attempts != 1 {
		t.Fatalf("err %v, attempts %d", err, rec.Attempts)
	}
	for _, want := range []string{"pinata", "PINATA_JWT", "INVALID_CREDENTIALS"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not mention %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "stale-jwt-value") {
		t.Errorf("token leaked: %v", err)
	}
}
