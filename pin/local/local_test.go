package local_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/local"
	"github.com/dapp-publish/dapp-publish/pin/pintest"
	"github.com/dapp-publish/dapp-publish/verify"
	"github.com/ipfs/go-cid"
)

func openStore(t *testing.T, dir string) (*local.Store, *local.Gateway) {
	t.Helper()
	s, err := local.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	gw, err := s.StartGateway()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })
	return s, gw
}

// TestConformance: the embedded holder keeps the provider contract, and
// what it stored comes back whole through its own trustless gateway.
func TestConformance(t *testing.T) {
	s, gw := openStore(t, t.TempDir())
	pintest.Run(t, pintest.Options{
		New: func(*testing.T) pin.Provider { return local.New("local", s, gw.URL) },
		FetchCAR: func(t *testing.T, root cid.Cid) []byte {
			car, err := pintest.FetchCAR(context.Background(), gw.URL, root)
			if err != nil {
				t.Fatal(err)
			}
			return car
		},
		Pins: func(t *testing.T, root cid.Cid) int {
			pins, err := s.Pins()
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, p := range pins {
				if p.CID == root.String() {
					n++
				}
			}
			return n
		},
	})
}

// TestGatewayVerifies: verify.Check, the code that checks remote holders,
// passes on the local gateway and fails on a root it does not hold.
func TestGatewayVerifies(t *testing.T) {
	s, gw := openStore(t, t.TempDir())
	b := pintest.NewBundle(t, 1, 2<<20+3)
	p := local.New("local", s, gw.URL)
	if _, err := p.Pin(context.Background(), b.Bundle); err != nil {
		t.Fatal(err)
	}
	other := pintest.NewBundle(t, 2, 10)
	reps := verify.Check(context.Background(), b.Root, []*verify.Gateway{{URL: gw.URL}}, verify.CheckOptions{Timeout: time.Minute})
	if !reps[0].OK() {
		t.Fatalf("local gateway did not verify: %+v", reps[0])
	}
	reps = verify.Check(context.Background(), other.Root, []*verify.Gateway{{URL: gw.URL}}, verify.CheckOptions{Timeout: time.Minute})
	if reps[0].OK() {
		t.Fatal("local gateway verified a root it does not hold")
	}
}

// TestImportRejectsBadCARs: a flipped byte or a missing block fails the
// import, and nothing is pinned.
func TestImportRejectsBadCARs(t *testing.T) {
	s, _ := openStore(t, t.TempDir())
	b := pintest.NewBundle(t, 3, 1<<20+5)
	good := b.Bytes(t)
	flipped := bytes.Clone(good)
	flipped[len(flipped)-1] ^= 1
	truncated := good[:len(good)-200]
	for name, car := range map[string][]byte{"flipped": flipped, "truncated": truncated} {
		_, err := s.Import(context.Background(), bytes.NewReader(car), b.Root)
		if err == nil {
			t.Errorf("%s CAR imported", name)
		}
		if name == "flipped" && !errors.Is(err, verify.ErrHashMismatch) {
			t.Errorf("flipped CAR: %v, want a hash mismatch", err)
		}
		pb := b.Bundle
		pb.CAR, pb.Size = bytes.NewReader(car), int64(len(car))
		if _, err := local.New("l", s, "").Pin(context.Background(), pb); err == nil || !pin.IsPermanent(err) {
			t.Errorf("%s CAR: Pin error %v, want a permanent error", name, err)
		}
		if ok, _ := s.Pinned(b.Root); ok {
			t.Fatalf("%s CAR: root pinned", name)
		}
	}
}

// TestPinsPersist: a reopened store keeps its pins and blocks; a fresh
// folder gets a .gitignore so the blocks are never committed.
func TestPinsPersist(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".dapp-publish")
	s, err := local.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	b := pintest.NewBundle(t, 4, 10)
	if _, err := local.New("l", s, "").Pin(context.Background(), b.Bundle); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := local.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if ok, err := s2.Pinned(b.Root); !ok || err != nil {
		t.Fatalf("pin lost after reopening: %v %v", ok, err)
	}
	if ok, err := s2.Has(context.Background(), b.Root); !ok || err != nil {
		t.Fatalf("root block lost after reopening: %v %v", ok, err)
	}
	gi, err := os.ReadFile(filepath.Join(dir, ".gitignore"))
	if err != nil || !bytes.Contains(gi, []byte("*")) {
		t.Fatalf(".gitignore: %q %v", gi, err)
	}
}
