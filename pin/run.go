package pin

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

// Run stores b on every provider concurrently and returns one receipt per
// provider, in the order given. A receipt is StatusPinned only when its
// provider returned no error, reported StatusPinned, and reported our root;
// anything else is StatusFailed with Error set. progress, if set, is called
// with each provider's name and the CAR bytes it just sent.
func Run(ctx context.Context, providers []Provider, b Bundle, progress func(provider string, n int64)) []Receipt {
	receipts := make([]Receipt, len(providers))
	var wg sync.WaitGroup
	for i, p := range providers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			receipts[i] = runOne(ctx, p, b, progress)
		}()
	}
	wg.Wait()
	return receipts
}

func runOne(ctx context.Context, p Provider, b Bundle, progress func(string, int64)) Receipt {
	var sent atomic.Int64
	name := p.Name()
	b.Progress = func(n int64) {
		sent.Add(n)
		if progress != nil {
			progress(name, n)
		}
	}
	start := NewReceipt(p, b.Root)
	rec, err := p.Pin(ctx, b)
	rec = settle(start, rec, err, b)
	rec.BytesSent = sent.Load()
	return rec
}

// settle fills what the provider left out and turns anything short of "our
// root, pinned, no error" into a failure.
func settle(start, rec Receipt, err error, b Bundle) Receipt {
	rec.Provider, rec.Type = start.Provider, start.Type
	if rec.Started.IsZero() {
		rec.Started = start.Started
	}
	if err == nil && rec.Status != StatusPinned {
		err = fmt.Errorf("%s: finished with status %q: %w", start.Provider, rec.Status, ErrNotPinned)
	}
	if err == nil && rec.CID != b.Root.String() {
		err = fmt.Errorf("%s: receipt names %s, not %s: %w", start.Provider, rec.CID, b.Root, ErrWrongCID)
	}
	if err != nil {
		rec.CID = b.Root.String()
		rec.Err, rec.Error = err, err.Error()
		return rec.Done(StatusFailed)
	}
	if rec.Finished.IsZero() {
		rec = rec.Done(StatusPinned)
	}
	return rec
}

// AllPinned reports whether every receipt is StatusPinned.
func AllPinned(rs []Receipt) bool {
	for _, r := range rs {
		if r.Status != StatusPinned {
			return false
		}
	}
	return true
}
