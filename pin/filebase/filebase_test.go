package filebase_test

import (
	"context"
	"testing"

	fake "github.com/dapp-publish/dapp-publish/internal/fakes/filebase"
	"github.com/dapp-publish/dapp-publish/internal/secret"
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/filebase"
	"github.com/dapp-publish/dapp-publish/pin/pintest"
	"github.com/ipfs/go-cid"
)

const token = "fake-bucket-token"

func newProvider(t *testing.T, s *fake.Server, endpoint string) pin.Provider {
	p, err := filebase.New("filebase", &filebase.Config{HTTP: pin.HTTP{Endpoint: endpoint, Gateway: s.URL, Token: secret.New(token, "FILEBASE_TOKEN")}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConformance(t *testing.T) {
	s := fake.Start(t, token)
	pintest.Run(t, pintest.Options{
		New: func(t *testing.T) pin.Provider { return newProvider(t, s, s.URL) },
		FetchCAR: func(t *testing.T, root cid.Cid) []byte {
			car, err := pintest.FetchCAR(context.Background(), s.URL, root)
			if err != nil {
				t.Fatal(err)
			}
			return car
		},
		Pins: func(t *testing.T, root cid.Cid) int { return s.Pins(root) },
	})
}

func TestFaults(t *testing.T) {
	s := fake.Start(t, token)
	pintest.RunFaults(t, pintest.FaultOptions{
		Target:     s.URL,
		UploadPath: "/api/v0/dag/import",
		TokenFrom:  "FILEBASE_TOKEN",
		New:        func(t *testing.T, endpoint string) pin.Provider { return newProvider(t, s, endpoint) },
		Pins:       func(t *testing.T, root cid.Cid) int { return s.Pins(root) },
	})
}

func TestPreset(t *testing.T) {
	p, err := filebase.New("fb", &filebase.Config{HTTP: pin.HTTP{Token: secret.New("x", "FILEBASE_TOKEN")}})
	if err != nil || p.Type() != "filebase" {
		t.Fatalf("New = %v, %v", p, err)
	}
	if _, err := filebase.New("fb", &filebase.Config{}); err == nil {
		t.Errorf("New without a token succeeded")
	}
	b := pintest.NewBundle(t, 1, 10)
	s := fake.Start(t, token)
	rec, err := newProvider(t, s, s.URL).Pin(context.Background(), b.Bundle)
	if err != nil || rec.Type != "filebase" || len(rec.Endpoints) != 1 || rec.Endpoints[0] != s.URL+"/ipfs/"+b.Root.String() {
		t.Errorf("receipt %+v, %v", rec, err)
	}
}
