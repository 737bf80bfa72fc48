package verify

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ipfs/go-cid"
)

// NameResolver turns a name (an ENS name such as app.eth) into the root CID
// it points to. Implementations MUST return an error, never cid.Undef, when
// the name points nowhere or to content that is not an IPFS DAG.
type NameResolver interface {
	ResolveName(ctx context.Context, name string) (cid.Cid, error)
}

// NameResolverFunc adapts a function to NameResolver.
type NameResolverFunc func(ctx context.Context, name string) (cid.Cid, error)

// ResolveName calls f.
func (f NameResolverFunc) ResolveName(ctx context.Context, name string) (cid.Cid, error) {
	return f(ctx, name)
}

// ErrNoNameResolver is returned for a name when no resolver is configured.
var ErrNoNameResolver = errors.New("no name resolver configured")

// CachingResolver remembers each name's CID for TTL and resolves it again
// once that has passed, so a long-running `serve` follows ENS updates. When
// a re-resolution fails, the last good answer is kept for up to Stale more
// (an RPC hiccup should not take the site down); a name never resolved
// fails at once.
type CachingResolver struct {
	Resolver NameResolver
	TTL      time.Duration    // 0 means one minute
	Stale    time.Duration    // 0 means ten minutes
	Now      func() time.Time // nil means time.Now

	mu    sync.Mutex
	cache map[string]cachedName
}

type cachedName struct {
	root    cid.Cid
	expires time.Time
}

// ResolveName returns the cached CID, or resolves name again if it expired.
func (c *CachingResolver) ResolveName(ctx context.Context, name string) (cid.Cid, error) {
	now := c.now()
	c.mu.Lock()
	e, ok := c.cache[name]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.root, nil
	}
	if c.Resolver == nil {
		return cid.Undef, fmt.Errorf("%w: cannot resolve %s", ErrNoNameResolver, name)
	}
	root, err := c.Resolver.ResolveName(ctx, name)
	if err != nil {
		if ok && now.Before(e.expires.Add(c.stale())) {
			return e.root, nil
		}
		return cid.Undef, fmt.Errorf("failed to resolve %s: %w", name, err)
	}
	c.mu.Lock()
	if c.cache == nil {
		c.cache = map[string]cachedName{}
	}
	c.cache[name] = cachedName{root: root, expires: now.Add(c.ttl())}
	c.mu.Unlock()
	return root, nil
}

func (c *CachingResolver) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *CachingResolver) ttl() time.Duration {
	if c.TTL > 0 {
		return c.TTL
	}
	return time.Minute
}

func (c *CachingResolver) stale() time.Duration {
	if c.Stale > 0 {
		return c.Stale
	}
	return 10 * time.Minute
}
