package verify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ipfs/boxo/blockservice"
	"github.com/ipfs/boxo/exchange/offline"
	"github.com/ipfs/boxo/gateway"
	"github.com/ipfs/boxo/namesys"
	"github.com/ipfs/boxo/path"
	ci "github.com/libp2p/go-libp2p/core/crypto"
)

// LocalSuffix is the hostname under which `serve` answers subdomain
// requests: http://{cid}.ipfs.localhost:8080/ and http://{name}.localhost:8080/.
// Browsers resolve *.localhost to the loopback address by themselves.
const LocalSuffix = "localhost"

// GatewayOptions controls NewGatewayHandler.
type GatewayOptions struct {
	// Names resolves ENS names (app.eth) served at http://app.eth.localhost/
	// and /ipns/app.eth/. Nil serves CIDs only.
	Names NameResolver
	// NameTTL is the Cache-Control max-age sent for named content, which is
	// also how long Names should cache (see CachingResolver).
	NameTTL time.Duration
	// MaxPathSegments refuses (414) a request whose URL path has more
	// segments: resolving each costs a block and more, and no site nests
	// deeper than trustless.DefaultLimits.MaxDepth. 0 means
	// DefaultMaxPathSegments.
	MaxPathSegments int
	// RequestTimeout bounds one request's whole work, download included:
	// its context is cancelled then, as it is when the client goes away, and
	// the block store stops at its next block. 0 means
	// DefaultRequestTimeout.
	RequestTimeout time.Duration
}

// Per-request bounds of the gateway.
const (
	DefaultMaxPathSegments = 260 // MaxDepth folders, a file, and /ipfs/CID
	DefaultRequestTimeout  = 5 * time.Minute
)

// NewGatewayHandler returns boxo's gateway (path, subdomain and name modes,
// _redirects, directory listings, trustless CAR/raw responses) over bs, a
// verifying block store: every block boxo reads has already been checked
// against its CID. We reuse boxo's BlocksBackend rather than its remote CAR
// backend because the per-block path lets BlockStore switch source at every
// block, which is what keeps a site up while holders come and go.
func NewGatewayHandler(bs *BlockStore, opts GatewayOptions) (http.Handler, error) {
	bsvc := blockservice.New(bs, offline.Exchange(bs))
	backend, err := gateway.NewBlocksBackend(bsvc, gateway.WithNameSystem(&nameSystem{names: opts.Names, ttl: opts.NameTTL}))
	if err != nil {
		return nil, fmt.Errorf("failed to make the gateway backend: %w", err)
	}
	timeout := opts.RequestTimeout
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}
	conf := gateway.Config{
		DeserializedResponses: true,
		PublicGateways: map[string]*gateway.PublicGateway{
			LocalSuffix: {Paths: []string{"/ipfs", "/ipns"}, UseSubdomains: true, DeserializedResponses: true},
		},
		// boxo derives every request's context from the client's (cancelled
		// when it disconnects) with this deadline; BlockStore.Get checks it
		// before each block, so abandoned work stops there.
		MaxRequestDuration: timeout,
	}
	h := gateway.NewHostnameHandler(conf, backend, gateway.NewHandler(conf, backend))
	return limitSegments(h, opts.MaxPathSegments), nil
}

// limitSegments answers 414 to a request whose path has more than max
// segments, before any block is read.
func limitSegments(h http.Handler, max int) http.Handler {
	if max <= 0 {
		max = DefaultMaxPathSegments
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n := strings.Count(strings.Trim(r.URL.Path, "/"), "/") + 1; n > max {
			http.Error(w, fmt.Sprintf("the path has %d segments; this gateway resolves at most %d", n, max), http.StatusRequestURITooLong)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// nameSystem resolves /ipns/{name} through a NameResolver only. It replaces
// boxo's default name system, which would query DNS (DNSLink) and the IPNS
// routing system: serve answers from ENS or not at all.
type nameSystem struct {
	names NameResolver
	ttl   time.Duration
}

var _ namesys.NameSystem = (*nameSystem)(nil)

// errNoName is what boxo gets for names we do not resolve; it makes the
// hostname handler fall through to a 404 instead of a DNS lookup.
var errNoName = errors.New("not a name this gateway resolves")

// Resolve maps /ipns/app.eth/rest (or app.eth.localhost, the host form) to
// /ipfs/{cid}/rest.
func (n *nameSystem) Resolve(ctx context.Context, p path.Path, _ ...namesys.ResolveOption) (namesys.Result, error) {
	segs := p.Segments()
	if len(segs) < 2 || segs[0] != "ipns" || n.names == nil {
		return namesys.Result{}, errNoName
	}
	name := strings.TrimSuffix(segs[1], "."+LocalSuffix)
	if !strings.Contains(name, ".") {
		return namesys.Result{}, fmt.Errorf("%w: %s (IPNS keys are not supported; use an ENS name or a CID)", errNoName, name)
	}
	root, err := n.names.ResolveName(ctx, name)
	if err != nil {
		return namesys.Result{}, err
	}
	out, err := path.Join(path.FromCid(root), segs[2:]...)
	if err != nil {
		return namesys.Result{}, err
	}
	return namesys.Result{Path: out, TTL: n.ttl}, nil
}

// Publish is not supported.
func (n *nameSystem) Publish(context.Context, ci.PrivKey, path.Path, ...namesys.PublishOption) error {
	return errors.New("serve does not publish names")
}

// ResolveAsync is Resolve delivered on a channel.
func (n *nameSystem) ResolveAsync(ctx context.Context, p path.Path, opts ...namesys.ResolveOption) <-chan namesys.AsyncResult {
	ch := make(chan namesys.AsyncResult, 1)
	res, err := n.Resolve(ctx, p, opts...)
	ch <- namesys.AsyncResult{Path: res.Path, TTL: res.TTL, LastMod: res.LastMod, Err: err}
	close(ch)
	return ch
}
