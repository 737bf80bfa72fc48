package pin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ipfs/go-cid"
)

// Timeout wraps p so that each Pin and Status call (each attempt, when
// wrapped by Retry) ends after d. A call cut short returns an error that
// wraps ErrTimeout, names the provider and the limit, and is transient.
func Timeout(p Provider, d time.Duration) Provider {
	return &timingOut{Provider: p, d: d}
}

type timingOut struct {
	Provider
	d time.Duration
}

func (t *timingOut) Unwrap() Provider { return t.Provider }

func (t *timingOut) Pin(ctx context.Context, b Bundle) (Receipt, error) {
	ctx, cancel := t.context(ctx)
	defer cancel()
	rec, err := t.Provider.Pin(ctx, b)
	return rec, t.explain(ctx, err)
}

func (t *timingOut) Status(ctx context.Context, root cid.Cid) (Receipt, error) {
	ctx, cancel := t.context(ctx)
	defer cancel()
	rec, err := t.Provider.Status(ctx, root)
	return rec, t.explain(ctx, err)
}

// errTimeoutCause marks our own deadline, to tell it from the caller's.
var errTimeoutCause = errors.New("provider timeout")

func (t *timingOut) context(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, t.d, errTimeoutCause)
}

func (t *timingOut) explain(ctx context.Context, err error) error {
	if err == nil || !errors.Is(context.Cause(ctx), errTimeoutCause) {
		return err
	}
	return Transient(fmt.Errorf("%s: no answer within %s: %w (raise timeout in its config entry if the holder is just slow)", t.Name(), t.d, ErrTimeout), 0)
}

// Limit wraps p so that at most n Pin or Status calls run at once. Share one
// limited provider to bound the load on one holder.
func Limit(p Provider, n int) Provider {
	if n < 1 {
		n = 1
	}
	return &limited{Provider: p, sem: make(chan struct{}, n)}
}

type limited struct {
	Provider
	sem chan struct{}
}

func (l *limited) Unwrap() Provider { return l.Provider }

func (l *limited) acquire(ctx context.Context) error {
	select {
	case l.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%s: waiting for a free slot: %w", l.Name(), context.Cause(ctx))
	}
}

func (l *limited) Pin(ctx context.Context, b Bundle) (Receipt, error) {
	if err := l.acquire(ctx); err != nil {
		return Receipt{}, err
	}
	defer func() { <-l.sem }()
	return l.Provider.Pin(ctx, b)
}

func (l *limited) Status(ctx context.Context, root cid.Cid) (Receipt, error) {
	if err := l.acquire(ctx); err != nil {
		return Receipt{}, err
	}
	defer func() { <-l.sem }()
	return l.Provider.Status(ctx, root)
}

// Unwrap returns the provider inside a wrapper, or nil.
func Unwrap(p Provider) Provider {
	if w, ok := p.(interface{ Unwrap() Provider }); ok {
		return w.Unwrap()
	}
	return nil
}

// AsUnpinner finds the Unpinner capability in p or the providers it wraps.
func AsUnpinner(p Provider) (Unpinner, bool) { return As[Unpinner](p) }

// Policy is the set of wrappers Wrap applies.
type Policy struct {
	Retry       RetryPolicy
	Timeout     time.Duration // per attempt; 0: none
	Concurrency int           // 0: unlimited
}

// Wrap applies the policy: Limit(Retry(Timeout(p))), so the timeout covers
// one attempt and the concurrency slot is held across retries.
func Wrap(p Provider, pol Policy) Provider {
	if pol.Timeout > 0 {
		p = Timeout(p, pol.Timeout)
	}
	p = Retry(p, pol.Retry)
	if pol.Concurrency > 0 {
		p = Limit(p, pol.Concurrency)
	}
	return p
}
