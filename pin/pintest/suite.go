package pintest

import (
	"bytes"
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"
)

// Options adapts the suite to one provider.
type Options struct {
	// New returns the provider under test. It is called once per subtest.
	New func(t *testing.T) pin.Provider
	// Seed, for providers that pin by reference (the Pinning Service API),
	// makes b's blocks fetchable by the service, as our own holders do in a
	// real run. Nil for providers that upload the CAR.
	Seed func(t *testing.T, b *Bundle)
	// FetchCAR, if set, fetches root back from the holder as a CAR
	// (trustless gateway); the suite re-hashes every block.
	FetchCAR func(t *testing.T, root cid.Cid) []byte
	// Pins, if set, counts the holder's pins of root (to catch duplicates).
	Pins func(t *testing.T, root cid.Cid) int
	// BigFile is the size of the largest file in the test site (default 3 MiB).
	BigFile int
}

// Run runs the conformance suite: every provider must pass it.
func Run(t *testing.T, o Options) {
	if o.BigFile == 0 {
		o.BigFile = 3<<20 + 12345
	}
	s := &suite{o: o, seed: uint64(time.Now().UnixNano())}
	t.Run("PinStoresAndReports", s.pinStoresAndReports)
	t.Run("RepinSendsNothing", s.repinSendsNothing)
	t.Run("WrongRootFails", s.wrongRootFails)
	t.Run("StatusOfUnknownRoot", s.statusOfUnknownRoot)
	t.Run("CancelledContext", s.cancelled)
	t.Run("Unpin", s.unpin)
}

type suite struct {
	o    Options
	seed uint64
	n    atomic.Uint64
}

// bundle packs a site no other subtest (or earlier run against a long-lived
// holder) has used.
func (s *suite) bundle(t *testing.T) *Bundle {
	b := NewBundle(t, s.seed+s.n.Add(1), s.o.BigFile)
	if s.o.Seed != nil {
		s.o.Seed(t, b)
	}
	return b
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

// pin stores b and returns the receipt and the CAR bytes the provider read.
func (s *suite) pin(t *testing.T, p pin.Provider, b pin.Bundle) (pin.Receipt, int64, error) {
	var sent atomic.Int64
	b.Progress = func(n int64) { sent.Add(n) }
	rec, err := p.Pin(ctx(t), b)
	return rec, sent.Load(), err
}

func (s *suite) pinStoresAndReports(t *testing.T) {
	p := s.o.New(t)
	b := s.bundle(t)
	rec, sent, err := s.pin(t, p, b.Bundle)
	if err != nil {
		t.Fatalf("Pin: %v", err)
	}
	checkReceipt(t, p, rec, b.Root, pin.StatusPinned)
	if s.o.Seed == nil && sent != b.Size {
		t.Errorf("provider read %d CAR bytes, want the whole CAR (%d)", sent, b.Size)
	}
	st, err := p.Status(ctx(t), b.Root)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	checkReceipt(t, p, st, b.Root, pin.StatusPinned)
	if s.o.FetchCAR != nil {
		if err := VerifyCAR(bytes.NewReader(s.o.FetchCAR(t, b.Root)), b.Blocks); err != nil {
			t.Errorf("fetching the bundle back: %v", err)
		}
	}
	if s.o.Pins != nil {
		if n := s.o.Pins(t, b.Root); n != 1 {
			t.Errorf("holder has %d pins of %s, want 1", n, b.Root)
		}
	}
}

func (s *suite) repinSendsNothing(t *testing.T) {
	p := s.o.New(t)
	b := s.bundle(t)
	if _, _, err := s.pin(t, p, b.Bundle); err != nil {
		t.Fatalf("first Pin: %v", err)
	}
	rec, sent, err := s.pin(t, p, b.Bundle)
	if err != nil {
		t.Fatalf("second Pin: %v", err)
	}
	checkReceipt(t, p, rec, b.Root, pin.StatusPinned)
	if sent != 0 {
		t.Errorf("second Pin of a held root read %d CAR bytes, want 0", sent)
	}
	if !rec.Skipped {
		t.Errorf("second Pin of a held root: receipt not marked Skipped")
	}
	if s.o.Pins != nil {
		if n := s.o.Pins(t, b.Root); n != 1 {
			t.Errorf("after two Pins the holder has %d pins of %s, want 1", n, b.Root)
		}
	}
}

// wrongRootFails: the bundle claims a root that is not the CAR's (uploaders)
// or that the service cannot fetch (pin by reference). Either way the
// provider must fail and never report our claimed root as pinned.
func (s *suite) wrongRootFails(t *testing.T) {
	p := s.o.New(t)
	b := s.bundle(t)
	other := NewBundle(t, s.seed+s.n.Add(1)+1e9, 10)
	rec, _, err := s.pin(t, p, b.WithRoot(other.Root))
	if err == nil {
		t.Fatalf("Pin of a bundle whose CAR root differs from its claimed root succeeded: %+v", rec)
	}
	if !pin.IsPermanent(err) {
		t.Errorf("wrong-root error is not permanent (would be retried): %v", err)
	}
	if rec.Status == pin.StatusPinned {
		t.Errorf("failed Pin returned a pinned receipt: %+v", rec)
	}
	res := pin.Run(ctx(t), []pin.Provider{p}, b.WithRoot(other.Root), nil)
	if res[0].Status != pin.StatusFailed || res[0].Error == "" {
		t.Errorf("Run counted a wrong root as stored: %+v", res[0])
	}
	st, err := p.Status(ctx(t), other.Root)
	if err == nil && st.Status == pin.StatusPinned {
		t.Errorf("holder reports the claimed root %s as pinned, but it was never uploaded", other.Root)
	}
}

func (s *suite) statusOfUnknownRoot(t *testing.T) {
	p := s.o.New(t)
	h, _ := multihash.Sum([]byte(time.Now().String()), multihash.SHA2_256, -1)
	root := cid.NewCidV1(cid.DagProtobuf, h)
	rec, err := p.Status(ctx(t), root)
	if err != nil {
		t.Fatalf("Status of an unknown root: %v", err)
	}
	if rec.Status != pin.StatusNotFound {
		t.Errorf("Status of an unknown root = %q, want %q", rec.Status, pin.StatusNotFound)
	}
}

func (s *suite) cancelled(t *testing.T) {
	p := s.o.New(t)
	b := s.bundle(t)
	c, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	rec, err := p.Pin(c, b.Bundle)
	if err == nil {
		t.Fatalf("Pin with a cancelled context succeeded: %+v", rec)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Pin with a cancelled context: error does not wrap context.Canceled: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Pin with a cancelled context took %s", d)
	}
}

func (s *suite) unpin(t *testing.T) {
	p := s.o.New(t)
	u, ok := pin.AsUnpinner(p)
	if !ok {
		t.Skip("provider cannot unpin")
	}
	b := s.bundle(t)
	if _, _, err := s.pin(t, p, b.Bundle); err != nil {
		t.Fatalf("Pin: %v", err)
	}
	if err := u.Unpin(ctx(t), b.Root); err != nil {
		t.Fatalf("Unpin: %v", err)
	}
	waitNotPinned(t, p, b.Root)
	if err := u.Unpin(ctx(t), b.Root); err != nil {
		t.Errorf("Unpin of a root no longer pinned: %v", err)
	}
}

// waitNotPinned allows holders that unpin asynchronously (cluster) a moment.
func waitNotPinned(t *testing.T, p pin.Provider, root cid.Cid) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := p.Status(ctx(t), root)
		if err != nil {
			t.Fatalf("Status after Unpin: %v", err)
		}
		if st.Status != pin.StatusPinned {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("root still pinned 30s after Unpin")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func checkReceipt(t *testing.T, p pin.Provider, r pin.Receipt, root cid.Cid, want pin.Status) {
	t.Helper()
	if r.Status != want {
		t.Errorf("receipt status = %q, want %q (error %q)", r.Status, want, r.Error)
	}
	if r.CID != root.String() {
		t.Errorf("receipt CID = %s, want %s", r.CID, root)
	}
	if r.Provider != p.Name() || r.Type != p.Type() {
		t.Errorf("receipt provider/type = %s/%s, want %s/%s", r.Provider, r.Type, p.Name(), p.Type())
	}
	if r.Started.IsZero() || r.Finished.Before(r.Started) {
		t.Errorf("receipt times wrong: started %v finished %v", r.Started, r.Finished)
	}
}
