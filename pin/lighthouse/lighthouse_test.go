package lighthouse_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	fake "github.com/dapp-publish/dapp-publish/internal/fakes/lighthouse"
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/lighthouse"
	"github.com/dapp-publish/dapp-publish/pin/pintest"
	"github.com/ipfs/go-cid"
)

const key = "fake-lighthouse-key"

func newProvider(t *testing.T, s *fake.Server, endpoint, token string, wait time.Duration) pin.Provider {
	t.Helper()
	p, err := lighthouse.New(pin.Config{Name: "lighthouse", Endpoint: endpoint, Token: token, TokenFrom: "LIGHTHOUSE_API_KEY",
		Settings: lighthouse.Settings{API: endpoint, DealWait: wait, Poll: 10 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConformance(t *testing.T) {
	s := fake.New(t, key)
	pintest.Run(t, pintest.Options{
		New: func(t *testing.T) pin.Provider { return newProvider(t, s, s.URL, key, 0) },
		FetchCAR: func(t *testing.T, root cid.Cid) []byte {
			car, err := pintest.FetchCAR(context.Background(), s.URL, root)
			if err != nil {
				t.Fatal(err)
			}
			return car
		},
	})
}

func TestFaults(t *testing.T) {
	s := fake.New(t, key)
	pintest.RunFaults(t, pintest.FaultOptions{
		Target:     s.URL,
		UploadPath: "/api/v0/dag/import",
		TokenFrom:  "LIGHTHOUSE_API_KEY",
		New:        func(t *testing.T, endpoint string) pin.Provider { return newProvider(t, s, endpoint, key, 0) },
	})
}

// Deals appear after a while: the receipt waits for them (deal_wait) and
// records their ids, miners and piece CIDs beside the bundle's own piece CID;
// both answer forms of deal_status are read.
func TestDeals(t *testing.T) {
	for _, short := range []bool{false, true} {
		s := fake.New(t, key)
		s.DealsAfter, s.ShortDeals = 3, short
		b := pintest.NewBundle(t, 5, 10)
		rec, err := newProvider(t, s, s.URL, key, 5*time.Second).Pin(context.Background(), b.Bundle)
		if err != nil {
			t.Fatal(err)
		}
		want := "99000,99001"
		if short {
			want = "131799904,131800583"
		}
		if rec.IDs["deal_ids"] != want || rec.IDs["deal_miners"] == "" || !strings.HasPrefix(rec.IDs["piece_cid"], "bafkzcib") {
			t.Errorf("short=%v: receipt ids %v", short, rec.IDs)
		}
		if !short && rec.IDs["deal_piece_cids"] == "" {
			t.Errorf("no deal piece CIDs: %v", rec.IDs)
		}
	}
	// Without waiting: pinned, with a warning that deals come later.
	s := fake.New(t, key)
	s.DealsAfter = 100
	rec, err := newProvider(t, s, s.URL, key, 0).Pin(context.Background(), pintest.NewBundle(t, 6, 10).Bundle)
	if err != nil || rec.IDs["deal_ids"] != "" || len(rec.Warnings) != 1 {
		t.Fatalf("%v %v %v", err, rec.IDs, rec.Warnings)
	}
}

func TestServiceErrors(t *testing.T) {
	s := fake.New(t, key)
	b := pintest.NewBundle(t, 7, 10)
	_, err := pin.Wrap(newProvider(t, s, s.URL, "wrong-key", 0), pin.Policy{}).Pin(context.Background(), b.Bundle)
	if !errors.Is(err, pin.ErrUnauthorized) || !strings.Contains(err.Error(), "LIGHTHOUSE_API_KEY") || strings.Contains(err.Error(), "wrong-key") {
		t.Errorf("bad key: %v", err)
	}
	s.QuotaLeft = 10
	_, err = newProvider(t, s, s.URL, key, 0).Pin(context.Background(), b.Bundle)
	if err == nil || !pin.IsPermanent(err) || !strings.Contains(err.Error(), "Storage limit") {
		t.Errorf("quota: %v", err)
	}
	s.QuotaLeft = 0
	s.ReportCID = pintest.NewBundle(t, 8, 10).Root.String()
	_, err = newProvider(t, s, s.URL, key, 0).Pin(context.Background(), b.Bundle)
	if !errors.Is(err, pin.ErrWrongCID) {
		t.Errorf("wrong root: %v", err)
	}
}
