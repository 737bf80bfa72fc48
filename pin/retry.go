package pin

import (
	"context"
	"fmt"
	"github.com/dapp-publish/dapp-publish/internal/ctxtime"
	"math/rand/v2"
	"time"

	"github.com/ipfs/go-cid"
)

// RetryPolicy says how Retry retries transient errors.
type RetryPolicy struct {
	Attempts int           // total attempts, at least 1 (default 4)
	Base     time.Duration // first backoff (default 1s)
	Max      time.Duration // largest backoff and largest Retry-After honoured (default 1m)
	// OnRetry, if set, is told about each retry before the wait.
	OnRetry func(attempt int, err error, wait time.Duration)
	// Sleep waits d or until ctx is done; nil uses a timer. Tests inject it.
	Sleep func(ctx context.Context, d time.Duration) error
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.Attempts < 1 {
		p.Attempts = 4
	}
	if p.Base <= 0 {
		p.Base = time.Second
	}
	if p.Max <= 0 {
		p.Max = time.Minute
	}
	if p.Sleep == nil {
		p.Sleep = ctxtime.Sleep
	}
	return p
}

// Backoff returns the wait before retry number n (1-based): exponential with
// full jitter in [d/2, d], so that many clients do not retry in lockstep. A
// Retry-After hint from the holder wins when it is longer, capped at Max.
func (p RetryPolicy) Backoff(n int, err error) time.Duration {
	d := p.Base << min(n-1, 20)
	if d > p.Max || d <= 0 {
		d = p.Max
	}
	d = d/2 + rand.N(d/2+1)
	if ra, ok := RetryAfter(err); ok {
		d = max(d, min(ra, p.Max))
	}
	return d
}

// Retry wraps p so that Pin and Status are retried on transient errors.
// Permanent errors (IsPermanent) return at once.
func Retry(p Provider, policy RetryPolicy) Provider {
	return &retrying{Provider: p, policy: policy.withDefaults()}
}

type retrying struct {
	Provider
	policy RetryPolicy
}

func (r *retrying) Unwrap() Provider { return r.Provider }

func (r *retrying) Pin(ctx context.Context, b Bundle) (Receipt, error) {
	var rec Receipt
	n, err := r.do(ctx, func() error {
		var err error
		rec, err = r.Provider.Pin(ctx, b)
		return err
	})
	rec.Attempts = n
	return rec, err
}

func (r *retrying) Status(ctx context.Context, root cid.Cid) (Receipt, error) {
	var rec Receipt
	_, err := r.do(ctx, func() error {
		var err error
		rec, err = r.Provider.Status(ctx, root)
		return err
	})
	return rec, err
}

// do runs op until it succeeds, fails permanently, or attempts run out, and
// returns the number of attempts made.
func (r *retrying) do(ctx context.Context, op func() error) (int, error) {
	for n := 1; ; n++ {
		err := op()
		if err == nil {
			return n, nil
		}
		if IsPermanent(err) || ctx.Err() != nil {
			return n, err
		}
		if n >= r.policy.Attempts {
			return n, fmt.Errorf("%w (gave up after %d attempts)", err, n)
		}
		wait := r.policy.Backoff(n, err)
		if r.policy.OnRetry != nil {
			r.policy.OnRetry(n, err, wait)
		}
		if serr := r.policy.Sleep(ctx, wait); serr != nil {
			return n, err
		}
	}
}
