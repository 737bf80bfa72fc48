package verify

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
)

func TestCachingResolver(t *testing.T) {
	a, _ := cid.Decode("bafkqaaa")
	b, _ := cid.Decode("bafkqaaq") // identity CIDs: "" and a different one
	now := time.Unix(1000, 0)
	var calls int
	answer, fail := a, false
	cr := &CachingResolver{
		TTL: time.Minute, Stale: 10 * time.Minute, Now: func() time.Time { return now },
		Resolver: NameResolverFunc(func(context.Context, string) (cid.Cid, error) {
			calls++
			if fail {
				return cid.Undef, errors.New("rpc down")
			}
			return answer, nil
		}),
	}
	steps := []struct {
		name      string
		advance   time.Duration
		answer    cid.Cid
		fail      bool
		want      cid.Cid
		wantErr   bool
		wantCalls int
	}{
		{"first lookup", 0, a, false, a, false, 1},
		{"cached within TTL", 30 * time.Second, b, false, a, false, 1},
		{"re-resolved on expiry", 31 * time.Second, b, false, b, false, 2},
		{"rpc down: last answer kept while stale", 2 * time.Minute, a, true, b, false, 3},
		{"rpc down too long: error", 20 * time.Minute, a, true, cid.Undef, true, 4},
		{"rpc back", time.Second, a, false, a, false, 5},
	}
	for _, s := range steps {
		now = now.Add(s.advance)
		answer, fail = s.answer, s.fail
		got, err := cr.ResolveName(context.Background(), "app.eth")
		if (err != nil) != s.wantErr || got != s.want || calls != s.wantCalls {
			t.Fatalf("%s: got %v, %v after %d calls; want %v (error %v) after %d", s.name, got, err, calls, s.want, s.wantErr, s.wantCalls)
		}
	}
	if _, err := (&CachingResolver{}).ResolveName(context.Background(), "x.eth"); !errors.Is(err, ErrNoNameResolver) {
		t.Errorf("no resolver: %v", err)
	}
}
