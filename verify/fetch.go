package verify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dapp-publish/dapp-publish/internal/trustless"
	"github.com/ipfs/go-cid"
)

// Accept headers of the trustless gateway protocol. We ask for DFS order
// without duplicates, which is what Kubo and boxo send, but the verifier
// accepts any order in which parents come before children, and duplicates.
const (
	acceptCAR = "application/vnd.ipld.car;version=1;order=dfs;dups=n"
	acceptRaw = "application/vnd.ipld.raw"
	carType   = "application/vnd.ipld.car"
	rawType   = "application/vnd.ipld.raw"
)

// Gateway is a trustless HTTP gateway (https://specs.ipfs.tech/http-gateways/trustless-gateway/)
// that may hold a DAG. Nothing it sends is trusted before it is verified.
type Gateway struct {
	URL    string       // base URL, e.g. https://trustless-gateway.link
	Client *http.Client // nil: DefaultClient
	// IdleTimeout fails a CAR download that delivers no byte for this long
	// (a gateway that sent 200 and then stalls); 0 means one minute.
	IdleTimeout time.Duration
	// AllowRedirects follows redirects to other hosts. By default only
	// redirects within the gateway's own host and its subdomains (a
	// subdomain gateway such as dweb.link sends /ipfs/{cid} on to
	// {cid}.ipfs.dweb.link), on the same port or from http to https, are
	// followed, and any other fails with ErrCrossHostRedirect: a report
	// credits the URL it was asked about, so the bytes must come from its
	// operator. Either way a Report names every other host that served
	// bytes (Report.Via).
	AllowRedirects bool
}

// DefaultClient is the HTTP client gateways use when none is given: no
// overall timeout (a large CAR may take minutes; callers bound it with a
// context) but bounded waits to connect and for response headers.
var DefaultClient = &http.Client{Transport: &http.Transport{
	Proxy:                 http.ProxyFromEnvironment,
	DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	TLSHandshakeTimeout:   10 * time.Second,
	ResponseHeaderTimeout: 30 * time.Second,
	MaxIdleConnsPerHost:   8,
	ReadBufferSize:        256 << 10, // CARs are large: fewer, bigger reads
	DisableCompression:    true,      // CAR blocks are mostly compressed already; gzip costs the gateway CPU
	IdleConnTimeout:       90 * time.Second,
	ForceAttemptHTTP2:     true,
}}

// ErrNotServed means the gateway answered but does not serve the content in
// the requested form (an HTTP error status or a wrong content type).
var ErrNotServed = errors.New("not served")

// StatusError is an HTTP error answer from a gateway.
type StatusError struct {
	Status int
	Body   string // first bytes of the body, for the message
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("HTTP %d %s", e.Status, http.StatusText(e.Status))
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

func (e *StatusError) Unwrap() error { return ErrNotServed }

func (g *Gateway) client() *http.Client {
	if g.Client != nil {
		return g.Client
	}
	return DefaultClient
}

// String returns the gateway's URL.
func (g *Gateway) String() string { return g.URL }

// get requests /ipfs/{c}?format=...&... with the given Accept header and
// returns the body once the status and content type are right.
func (g *Gateway) get(ctx context.Context, c cid.Cid, query, accept, wantType string) (*http.Response, error) {
	u := strings.TrimRight(g.URL, "/") + "/ipfs/" + c.String() + "?" + query
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("bad gateway URL %q: %w", g.URL, err)
	}
	req.Header.Set("Accept", accept)
	client := *g.client() // a copy: the redirect policy is this gateway's
	client.CheckRedirect = g.checkRedirect
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	if o := originsFrom(ctx); o != nil && !sameOrigin(resp.Request.URL, req.URL) {
		o.add(hostOf(resp.Request.URL))
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return nil, &StatusError{Status: resp.StatusCode, Body: strings.TrimSpace(string(body))}
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != wantType {
		resp.Body.Close()
		return nil, fmt.Errorf("%w: the gateway answered with Content-Type %q instead of %s (it is not a trustless gateway)", ErrNotServed, resp.Header.Get("Content-Type"), wantType)
	}
	return resp, nil
}

// FetchCAR retrieves the whole DAG under root as one CAR
// (GET /ipfs/{root}?format=car&dag-scope=all) and verifies it while it
// streams. The Result is never nil: on error it counts what was verified.
func (g *Gateway) FetchCAR(ctx context.Context, root cid.Cid, opts Options) (*Result, error) {
	if err := trustless.CheckCID(root); err != nil {
		return &Result{Root: root}, fmt.Errorf("root: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	resp, err := g.get(ctx, root, "format=car&dag-scope=all&car-version=1&car-order=dfs&car-dups=n", acceptCAR, carType)
	if err != nil {
		return &Result{Root: root}, err
	}
	defer resp.Body.Close()
	// The default pipelined hashing (Limits.Workers) keeps the socket drained
	// while blocks are hashed; against a local Kubo gateway it matched or beat
	// curl (ratio 1.00-1.08 over 5 runs) where hashing inline on the reading
	// goroutine fell behind (0.91-0.93 in 4 of 5), see BenchmarkVerifyKuboGateway.
	idle := g.IdleTimeout
	if idle <= 0 {
		idle = time.Minute
	}
	body := newIdleReader(resp.Body, idle, cancel)
	defer body.stop()
	res, err := VerifyCAR(body, root, opts)
	if err != nil && body.expired() {
		err = fmt.Errorf("the gateway sent nothing for %v after %d bytes: %w", idle, res.Bytes, err)
	}
	return res, err
}

// idleReader cancels a download when no byte arrives for a while. Reads
// reset the timer; the cancel makes the blocked Read return.
type idleReader struct {
	r     io.Reader
	idle  time.Duration
	timer *time.Timer
	fired chan struct{}
}

func newIdleReader(r io.Reader, idle time.Duration, cancel func()) *idleReader {
	ir := &idleReader{r: r, idle: idle, fired: make(chan struct{})}
	ir.timer = time.AfterFunc(idle, func() { close(ir.fired); cancel() })
	return ir
}

func (ir *idleReader) Read(p []byte) (int, error) {
	n, err := ir.r.Read(p)
	if n > 0 {
		ir.timer.Reset(ir.idle)
	}
	return n, err
}

func (ir *idleReader) stop() { ir.timer.Stop() }

func (ir *idleReader) expired() bool {
	select {
	case <-ir.fired:
		return true
	default:
		return false
	}
}

// FetchBlock retrieves one block (GET /ipfs/{c}?format=raw) and returns its
// bytes only if they hash to c.
func (g *Gateway) FetchBlock(ctx context.Context, c cid.Cid, maxSize int) ([]byte, error) {
	if maxSize <= 0 {
		maxSize = DefaultLimits.MaxSectionSize
	}
	if err := trustless.CheckCID(c); err != nil {
		return nil, err // never ask for a block no bytes can prove
	}
	resp, err := g.get(ctx, c, "format=raw", acceptRaw, rawType)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, int64(maxSize)+1))
	if err != nil {
		return nil, fmt.Errorf("failed to read block %s: %w", c, err)
	}
	if len(data) > maxSize {
		return nil, fmt.Errorf("%w: block %s is larger than %d bytes", ErrMalformed, c, maxSize)
	}
	if err := trustless.CheckBlock(c, data); err != nil {
		return nil, err
	}
	return data, nil
}

// RawConcurrency is how many ?format=raw requests FetchRaw keeps in flight.
const RawConcurrency = 8

// FetchRaw retrieves the DAG under root block by block with ?format=raw,
// the fallback for gateways that do not serve CARs. A block is requested
// only once a verified block links to it, so a lying gateway cannot make us
// fetch anything outside the DAG; up to RawConcurrency requests run at once.
// The Result is never nil: on error it counts what was verified.
func (g *Gateway) FetchRaw(ctx context.Context, root cid.Cid, opts Options) (*Result, error) {
	lim := opts.Limits.WithDefaults()
	res := &Result{Root: root}
	t, err := trustless.NewTracker(root, lim, opts.OnBlock)
	if err != nil {
		return res, err
	}
	err = g.walkRaw(ctx, t, lim, &res.Bytes)
	res.Blocks = t.Blocks()
	if err == nil {
		err = t.Finish()
	}
	if err == nil {
		res.Tree = t.Tree()
	}
	return res, err
}

type rawResult struct {
	c    cid.Cid
	data []byte
	err  error
}

// walkRaw hands owed blocks to fetchers and adds what they bring to t, on
// this goroutine only (t is not safe for concurrent use).
func (g *Gateway) walkRaw(ctx context.Context, t *trustless.Tracker, lim Limits, n *int64) error {
	ctx, cancel := context.WithCancel(ctx)
	jobs, results := make(chan cid.Cid), make(chan rawResult)
	var wg sync.WaitGroup
	for range RawConcurrency {
		wg.Go(func() {
			for c := range jobs {
				data, err := g.FetchBlock(ctx, c, lim.MaxSectionSize)
				select {
				case results <- rawResult{c, data, err}:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	defer func() { cancel(); close(jobs); wg.Wait() }()
	var queue []cid.Cid
	if t.Pending(t.Tree().Root()) {
		queue = append(queue, t.Tree().Root())
	}
	requested := map[string]bool{t.Tree().Root().KeyString(): true}
	for inflight := 0; len(queue) > 0 || inflight > 0; {
		var send chan cid.Cid
		var next cid.Cid
		if len(queue) > 0 {
			send, next = jobs, queue[0]
		}
		select {
		case send <- next:
			queue, inflight = queue[1:], inflight+1
		case r := <-results:
			inflight--
			if r.err != nil {
				return fmt.Errorf("block %s: %w", r.c, r.err)
			}
			*n += int64(len(r.data))
			node, err := t.Add(r.c, r.data)
			if err != nil {
				return err
			}
			if node == nil {
				continue // a duplicate
			}
			for _, l := range node.Links {
				if k := l.KeyString(); !requested[k] && t.Pending(l) {
					requested[k] = true
					queue = append(queue, l)
				}
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// checkRedirect follows redirects within the gateway's own host and its
// subdomains (at most 10), and others only with AllowRedirects.
func (g *Gateway) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if g.AllowRedirects || sameOperator(req.URL, via[0].URL) {
		return nil
	}
	return fmt.Errorf("%w: %s sent the request on to %s (check that host with its own --gateway, or allow redirects)",
		ErrCrossHostRedirect, hostOf(via[0].URL), hostOf(req.URL))
}

func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Host, b.Host)
}

// sameOperator reports whether to is the gateway base or one of its
// subdomains, on the same port, or upgraded from http to https on the
// default ports.
func sameOperator(to, base *url.URL) bool {
	th, bh := strings.ToLower(to.Hostname()), strings.ToLower(base.Hostname())
	if th != bh && !strings.HasSuffix(th, "."+bh) {
		return false
	}
	switch {
	case strings.EqualFold(to.Scheme, base.Scheme):
		return to.Port() == base.Port()
	case base.Scheme == "http" && to.Scheme == "https":
		return base.Port() == "" && to.Port() == ""
	}
	return false
}

// hostOf names a URL's scheme and host only: paths and queries may hold
// keys.
func hostOf(u *url.URL) string { return u.Scheme + "://" + u.Host }

// origins collects the hosts other than the gateway that served bytes,
// for one Report (Check puts one in the context of each source's fetch).
type origins struct {
	mu    sync.Mutex
	hosts []string
}

type originsKey struct{}

func withOrigins(ctx context.Context) (context.Context, *origins) {
	o := &origins{}
	return context.WithValue(ctx, originsKey{}, o), o
}

func originsFrom(ctx context.Context) *origins {
	o, _ := ctx.Value(originsKey{}).(*origins)
	return o
}

func (o *origins) add(host string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !slices.Contains(o.hosts, host) {
		o.hosts = append(o.hosts, host)
	}
}

func (o *origins) list() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.hosts)
}
