package pintest

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dapp-publish/dapp-publish/internal/fakes/faults"
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/ipfs/go-cid"
)

// FaultOptions adapts the fault suite to one provider.
type FaultOptions struct {
	// Target is the holder's real base URL; the suite puts a fault proxy in
	// front of it.
	Target string
	// New returns the provider under test, talking to endpoint (the proxy).
	// The suite adds the retry and timeout wrappers itself.
	New func(t *testing.T, endpoint string) pin.Provider
	// UploadPath is the path prefix of the request that carries the bundle
	// (e.g. /api/v0/dag/import); faults are injected there.
	UploadPath string
	// Pins counts the holder's pins of root (duplicates must not appear).
	Pins func(t *testing.T, root cid.Cid) int
	// TokenFrom is what the provider's config names as its token's source;
	// 401/403 errors must mention it.
	TokenFrom string
	// Seed prepares pin-by-reference providers (see Options.Seed).
	Seed func(t *testing.T, b *Bundle)
	// Root, if set, maps the bundle root to the text the holder reports it as
	// (for a wrong-CID rewrite); default root.String().
	Root func(root cid.Cid) string
}

// policy retries fast so the suite stays quick; Retry-After still wins.
func faultPolicy(timeout time.Duration) pin.Policy {
	return pin.Policy{Retry: pin.RetryPolicy{Attempts: 3, Base: 10 * time.Millisecond, Max: 3 * time.Second}, Timeout: timeout}
}

// RunFaults injects each fault the issue lists and checks the provider's
// behaviour through the retry and timeout wrappers.
func RunFaults(t *testing.T, o FaultOptions) {
	if o.Root == nil {
		o.Root = func(c cid.Cid) string { return c.String() }
	}
	f := &faultSuite{o: o, seed: uint64(time.Now().UnixNano()) + 1e12}
	t.Run("500ThenSuccess", f.serverError)
	t.Run("429WithRetryAfter", f.tooManyRequests)
	t.Run("Hang", f.hang)
	t.Run("ClosedMidUpload", f.closedMidUpload)
	t.Run("WrongCID", f.wrongCID)
	t.Run("Unauthorized", f.unauthorized)
}

type faultSuite struct {
	o    FaultOptions
	seed uint64
}

func (f *faultSuite) setup(t *testing.T, timeout time.Duration) (*faults.Proxy, pin.Provider, *Bundle) {
	f.seed++
	proxy := faults.New(t, f.o.Target)
	p := pin.Wrap(f.o.New(t, proxy.URL), faultPolicy(timeout))
	b := NewBundle(t, f.seed, 2<<20)
	if f.o.Seed != nil {
		f.o.Seed(t, b)
	}
	return proxy, p, b
}

func (f *faultSuite) mustPin(t *testing.T, p pin.Provider, b *Bundle) pin.Receipt {
	t.Helper()
	rec, err := p.Pin(ctx(t), b.Bundle)
	if err != nil {
		t.Fatalf("Pin: %v", err)
	}
	checkReceipt(t, pin.Unwrap(pin.Unwrap(p)), rec, b.Root, pin.StatusPinned)
	return rec
}

func (f *faultSuite) serverError(t *testing.T) {
	proxy, p, b := f.setup(t, time.Minute)
	proxy.Add(f.o.UploadPath, 1, faults.Status(http.StatusInternalServerError, nil, "upstream exploded"))
	rec := f.mustPin(t, p, b)
	if rec.Attempts != 2 || proxy.Hits(f.o.UploadPath) < 2 {
		t.Errorf("attempts = %d, requests to %s = %d; want 2 and at least 2", rec.Attempts, f.o.UploadPath, proxy.Hits(f.o.UploadPath))
	}
	f.onePin(t, b)
}

func (f *faultSuite) tooManyRequests(t *testing.T) {
	proxy, p, b := f.setup(t, time.Minute)
	proxy.Add(f.o.UploadPath, 1, faults.Status(http.StatusTooManyRequests, map[string]string{"Retry-After": "2"}, `{"error":"rate limited"}`))
	start := time.Now()
	rec := f.mustPin(t, p, b)
	if d := time.Since(start); d < 2*time.Second {
		t.Errorf("retried after %v, before the 2s Retry-After", d)
	}
	if rec.Attempts != 2 {
		t.Errorf("attempts = %d, want 2", rec.Attempts)
	}
}

func (f *faultSuite) hang(t *testing.T) {
	proxy, p, b := f.setup(t, 500*time.Millisecond)
	proxy.Add(f.o.UploadPath, 100, faults.Hang())
	start := time.Now()
	rec, err := p.Pin(ctx(t), b.Bundle)
	if err == nil {
		t.Fatalf("Pin through a hanging holder succeeded: %+v", rec)
	}
	if !errors.Is(err, pin.ErrTimeout) {
		t.Errorf("error does not wrap ErrTimeout: %v", err)
	}
	for _, want := range []string{p.Name(), "500ms", "3 attempts"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("timeout error %q does not mention %q", err, want)
		}
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("three 500ms attempts took %v", d)
	}
}

func (f *faultSuite) closedMidUpload(t *testing.T) {
	proxy, p, b := f.setup(t, time.Minute)
	proxy.Add(f.o.UploadPath, 1, faults.CloseAfter(b.Size/2))
	rec := f.mustPin(t, p, b)
	if rec.Attempts != 2 {
		t.Errorf("attempts = %d, want 2", rec.Attempts)
	}
	f.onePin(t, b)
}

func (f *faultSuite) wrongCID(t *testing.T) {
	proxy, p, b := f.setup(t, time.Minute)
	other := NewBundle(t, f.seed+1e9, 10)
	// The holder may well have stored our bytes; what it reports is wrong,
	// so this run must not count it. (A later Status may find the root.)
	proxy.Add(f.o.UploadPath, 100, faults.Rewrite(f.o.Root(b.Root), f.o.Root(other.Root)))
	rec, err := p.Pin(ctx(t), b.Bundle)
	if err == nil || !errors.Is(err, pin.ErrWrongCID) {
		t.Fatalf("Pin with a swapped CID: receipt %+v, err %v; want ErrWrongCID", rec, err)
	}
	if rec.Attempts != 1 {
		t.Errorf("a wrong CID was retried (%d attempts)", rec.Attempts)
	}
	if rec.Status == pin.StatusPinned {
		t.Errorf("a swapped CID produced a pinned receipt: %+v", rec)
	}
}

func (f *faultSuite) unauthorized(t *testing.T) {
	for _, code := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			proxy, p, b := f.setup(t, time.Minute)
			proxy.Add("/", 100, faults.Status(code, nil, `{"error":{"reason":"UNAUTHORIZED","details":"invalid credentials"}}`))
			rec, err := p.Pin(ctx(t), b.Bundle)
			if err == nil {
				t.Fatalf("Pin succeeded through %d", code)
			}
			if !errors.Is(err, pin.ErrUnauthorized) || !pin.IsPermanent(err) || rec.Attempts != 1 {
				t.Errorf("err = %v after %d attempts; want a permanent ErrUnauthorized after 1", err, rec.Attempts)
			}
			for _, want := range []string{p.Name(), f.o.TokenFrom} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

func (f *faultSuite) onePin(t *testing.T, b *Bundle) {
	t.Helper()
	if f.o.Pins == nil {
		return
	}
	if n := f.o.Pins(t, b.Root); n != 1 {
		t.Errorf("holder has %d pins of %s after a retried upload, want 1", n, b.Root)
	}
}
