package pin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dapp-publish/dapp-publish/internal/secret"
	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"
)

func testCID(s string) cid.Cid {
	h, _ := multihash.Sum([]byte(s), multihash.SHA2_256, -1)
	return cid.NewCidV1(cid.DagProtobuf, h)
}

// scripted is a provider whose Pin answers come from a list of errors (nil:
// success), for testing the wrappers. Real providers are tested against real
// holders in their own packages.
type scripted struct {
	name  string
	errs  []error
	calls atomic.Int32
	delay time.Duration
	root  cid.Cid // what it reports; Undef: the bundle's root
}

func (s *scripted) Name() string { return s.name }
func (s *scripted) Type() string { return "scripted" }
func (s *scripted) Pin(ctx context.Context, b Bundle) (Receipt, error) {
	i := int(s.calls.Add(1)) - 1
	if s.delay > 0 {
		select {
		case <-time.After(s.delay):
		case <-ctx.Done():
			return Receipt{}, ctx.Err()
		}
	}
	if i < len(s.errs) && s.errs[i] != nil {
		return Receipt{}, s.errs[i]
	}
	root := b.Root
	if s.root.Defined() {
		root = s.root
	}
	r := NewReceipt(s, root)
	return r.Done(StatusPinned), nil
}
func (s *scripted) Status(ctx context.Context, root cid.Cid) (Receipt, error) {
	return NewReceipt(s, root).Done(StatusNotFound), nil
}

func noSleep(waits *[]time.Duration) func(context.Context, time.Duration) error {
	return func(_ context.Context, d time.Duration) error { *waits = append(*waits, d); return nil }
}

func TestRetry(t *testing.T) {
	e500 := (&HTTPError{Provider: "p", Op: "x", StatusCode: 500}).Classify()
	e429 := (&HTTPError{Provider: "p", Op: "x", StatusCode: 429, RetryAfter: 7 * time.Second}).Classify()
	e401 := (&HTTPError{Provider: "p", Op: "x", StatusCode: 401, TokenFrom: "PINATA_JWT"}).Classify()
	tests := []struct {
		name      string
		errs      []error
		wantCalls int32
		wantErr   bool
		minWait   time.Duration // the first wait must be at least this
	}{
		{"success", nil, 1, false, 0},
		{"500 then success", []error{e500}, 2, false, 0},
		{"429 waits Retry-After", []error{e429}, 2, false, 7 * time.Second},
		{"network error then success", []error{errors.New("connection reset")}, 2, false, 0},
		{"401 is permanent", []error{e401}, 1, true, 0},
		{"wrong CID is permanent", []error{fmt.Errorf("x: %w", ErrWrongCID)}, 1, true, 0},
		{"gives up", []error{e500, e500, e500, e500}, 3, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &scripted{name: "p", errs: tt.errs}
			var waits []time.Duration
			p := Retry(s, RetryPolicy{Attempts: 3, Base: 10 * time.Millisecond, Max: time.Minute, Sleep: noSleep(&waits)})
			rec, err := p.Pin(context.Background(), Bundle{Root: testCID("a")})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if got := s.calls.Load(); got != tt.wantCalls {
				t.Errorf("calls = %d, want %d", got, tt.wantCalls)
			}
			if len(waits) != int(tt.wantCalls)-1 {
				t.Errorf("waited %d times, want %d", len(waits), tt.wantCalls-1)
			}
			if tt.minWait > 0 && (len(waits) == 0 || waits[0] < tt.minWait) {
				t.Errorf("waits = %v, want the first >= %v", waits, tt.minWait)
			}
			if err == nil && rec.Attempts != int(tt.wantCalls) {
				t.Errorf("receipt attempts = %d, want %d", rec.Attempts, tt.wantCalls)
			}
		})
	}
}

func TestBackoffBounds(t *testing.T) {
	p := RetryPolicy{Base: 100 * time.Millisecond, Max: time.Second}.withDefaults()
	for n := 1; n < 40; n++ {
		want := min(p.Base<<min(n-1, 20), p.Max)
		for range 50 {
			d := p.Backoff(n, nil)
			if d < want/2 || d > want {
				t.Fatalf("Backoff(%d) = %v, want in [%v, %v]", n, d, want/2, want)
			}
		}
	}
	long := Transient(errors.New("x"), time.Hour)
	if d := p.Backoff(1, long); d != p.Max {
		t.Errorf("Retry-After of 1h gave %v, want capped at %v", d, p.Max)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"0", 0}, {"5", 5 * time.Second}, {" 120 ", 2 * time.Minute}, {"-3", 0}, {"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		if got := ParseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("ParseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestClassification(t *testing.T) {
	tests := []struct {
		err       error
		permanent bool
	}{
		{(&HTTPError{StatusCode: 400}).Classify(), true},
		{(&HTTPError{StatusCode: 401}).Classify(), true},
		{(&HTTPError{StatusCode: 403}).Classify(), true},
		{(&HTTPError{StatusCode: 404}).Classify(), true},
		{(&HTTPError{StatusCode: 408}).Classify(), false},
		{(&HTTPError{StatusCode: 429}).Classify(), false},
		{(&HTTPError{StatusCode: 500}).Classify(), false},
		{(&HTTPError{StatusCode: 501}).Classify(), true},
		{(&HTTPError{StatusCode: 503}).Classify(), false},
		{errors.New("EOF"), false},
		{fmt.Errorf("x: %w", context.Canceled), true},
		{fmt.Errorf("x: %w", ErrUnauthorized), true},
		{fmt.Errorf("x: %w", ErrNotPinned), true},
		{Permanent(errors.New("bad CAR")), true},
		{Transient(fmt.Errorf("x: %w", ErrNotPinned), 0), false}, // explicit marks win
	}
	for _, tt := range tests {
		if got := IsPermanent(tt.err); got != tt.permanent {
			t.Errorf("IsPermanent(%v) = %v, want %v", tt.err, got, tt.permanent)
		}
	}
}

func TestUnauthorizedMessageNamesTokenSource(t *testing.T) {
	err := (&HTTPError{Provider: "pinata", Op: "upload", StatusCode: 401, TokenFrom: "PINATA_JWT", Message: "invalid token"}).Classify()
	if !errors.Is(err, ErrUnauthorized) {
		t.Errorf("401 does not match ErrUnauthorized")
	}
	for _, want := range []string{"pinata", "401", "PINATA_JWT", "invalid token"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestTimeout(t *testing.T) {
	s := &scripted{name: "slow", delay: time.Hour}
	start := time.Now()
	_, err := Timeout(s, 50*time.Millisecond).Pin(context.Background(), Bundle{Root: testCID("a")})
	if !errors.Is(err, ErrTimeout) || IsPermanent(err) {
		t.Fatalf("err = %v, want a transient ErrTimeout", err)
	}
	if !strings.Contains(err.Error(), "slow") || !strings.Contains(err.Error(), "50ms") {
		t.Errorf("timeout error does not name the provider and the limit: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("timeout did not stop the call")
	}
	// The caller's own cancellation is reported as such, not as our timeout.
	c, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Timeout(s, time.Hour).Pin(c, Bundle{Root: testCID("a")})
	if errors.Is(err, ErrTimeout) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled call: err = %v, want context.Canceled", err)
	}
}

func TestLimit(t *testing.T) {
	var running, peak atomic.Int32
	s := &probe{scripted: scripted{name: "p", delay: 20 * time.Millisecond}, running: &running, peak: &peak}
	p := Limit(s, 2)
	done := make(chan struct{})
	for range 6 {
		go func() { _, _ = p.Pin(context.Background(), Bundle{Root: testCID("a")}); done <- struct{}{} }()
	}
	for range 6 {
		<-done
	}
	if peak.Load() != 2 {
		t.Errorf("peak concurrency = %d, want 2", peak.Load())
	}
}

type probe struct {
	scripted
	running, peak *atomic.Int32
}

func (p *probe) Pin(ctx context.Context, b Bundle) (Receipt, error) {
	n := p.running.Add(1)
	defer p.running.Add(-1)
	for {
		old := p.peak.Load()
		if n <= old || p.peak.CompareAndSwap(old, n) {
			break
		}
	}
	return p.scripted.Pin(ctx, b)
}

func TestRunIsConcurrent(t *testing.T) {
	delays := []time.Duration{300 * time.Millisecond, 400 * time.Millisecond, 500 * time.Millisecond}
	var ps []Provider
	var sum time.Duration
	for i, d := range delays {
		ps = append(ps, &scripted{name: fmt.Sprint("p", i), delay: d})
		sum += d
	}
	start := time.Now()
	rs := Run(context.Background(), ps, Bundle{Root: testCID("a")}, nil)
	wall := time.Since(start)
	if !AllPinned(rs) {
		t.Fatalf("not all pinned: %+v", rs)
	}
	if wall >= sum*3/4 {
		t.Errorf("wall time %v is near the sum %v: providers did not run in parallel", wall, sum)
	}
	if wall < delays[2] {
		t.Errorf("wall time %v is below the slowest provider's %v", wall, delays[2])
	}
}

func TestRunNeverCountsWrongRoot(t *testing.T) {
	good := &scripted{name: "good"}
	liar := &scripted{name: "liar", root: testCID("other")}
	failing := &scripted{name: "failing", errs: []error{Permanent(errors.New("boom"))}}
	rs := Run(context.Background(), []Provider{good, liar, failing}, Bundle{Root: testCID("a")}, nil)
	want := []Status{StatusPinned, StatusFailed, StatusFailed}
	for i, r := range rs {
		if r.Status != want[i] {
			t.Errorf("%s: status %q, want %q (error %q)", r.Provider, r.Status, want[i], r.Error)
		}
		if r.CID != testCID("a").String() {
			t.Errorf("%s: receipt CID %s, want ours", r.Provider, r.CID)
		}
	}
	if AllPinned(rs) {
		t.Errorf("AllPinned with failures")
	}
	// Callers tell failures apart by value, not by the message's wording.
	if !errors.Is(rs[1].Err, ErrWrongCID) || rs[0].Err != nil || rs[2].Err == nil || errors.Is(rs[2].Err, ErrWrongCID) {
		t.Errorf("receipt errors: %v / %v / %v", rs[0].Err, rs[1].Err, rs[2].Err)
	}
}

// testSettings is a provider type's settings for the registry tests.
type testSettings struct {
	HTTP `yaml:",inline"`
	Bad  bool
}

func (s *testSettings) Validate() error {
	if s.Bad {
		return InvalidField("bad", "is set")
	}
	return s.HTTP.Validate()
}

type otherSettings struct{}

func (*otherSettings) Validate() error { return nil }

func TestRegistry(t *testing.T) {
	r := NewRegistry()
	Register(r, "a", func(name string, s *testSettings) (Provider, error) {
		return &scripted{name: name + "@" + s.Endpoint}, nil
	})
	if _, err := r.New("x", "nope", nil); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("unknown type: err = %v", err)
	}
	s, err := r.Settings("a")
	if err != nil {
		t.Fatal(err)
	}
	s.(*testSettings).Endpoint = "http://h"
	p, err := r.New("x", "a", s)
	if err != nil || p.Name() != "x@http://h" {
		t.Errorf("New = %v, %v", p, err)
	}
	var fe *InvalidFieldError
	if _, err := r.New("x", "a", &testSettings{Bad: true}); !errors.As(err, &fe) || fe.Key != "bad" || !strings.Contains(err.Error(), `provider "x" (a): bad: is set`) {
		t.Errorf("invalid settings: %v", err)
	}
	if _, err := r.New("x", "a", &otherSettings{}); !errors.Is(err, ErrSettingsType) {
		t.Errorf("settings of another type: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Errorf("registering a type twice did not panic")
		}
	}()
	Register(r, "a", func(string, *testSettings) (Provider, error) { return nil, nil })
}

func TestAsUnpinnerThroughWrappers(t *testing.T) {
	var p Provider = &unpinnable{scripted: scripted{name: "u"}}
	p = Wrap(p, Policy{Timeout: time.Second, Concurrency: 2})
	if _, ok := AsUnpinner(p); !ok {
		t.Errorf("Unpinner capability lost behind wrappers")
	}
	if _, ok := AsUnpinner(Wrap(&scripted{}, Policy{})); ok {
		t.Errorf("Unpinner capability invented by wrappers")
	}
}

type unpinnable struct{ scripted }

func (u *unpinnable) Unpin(context.Context, cid.Cid) error { return nil }

func TestSettingsNeverPrintToken(t *testing.T) {
	c := HTTP{Endpoint: "http://h", Token: secret.New("super-secret-jwt", "PINATA_JWT")}
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%v %+v %#v", c, c, c), fmt.Sprintf("%+v", struct{ C HTTP }{c})} {
		if strings.Contains(s, "super-secret-jwt") {
			t.Errorf("token printed: %s", s)
		}
		if !strings.Contains(s, "PINATA_JWT") {
			t.Errorf("token source not named: %s", s)
		}
	}
}
