// Package ctxtime has the one waiting helper every poller and retry loop
// shares, so a wait always ends when its context does.
package ctxtime

import (
	"context"
	"time"
)

// Sleep waits for d, or until ctx is done, whichever comes first, and then
// returns context.Cause(ctx) (nil when the whole wait passed), so a wait cut
// short by a deadline or a signal says why.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}
