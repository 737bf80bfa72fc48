package verify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

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
	resp, err := g.client().Do(req)
	if err != nil {
		return nil, err
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
	if err := checkHash(c, data); err != nil {
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
	lim := opts.Limits.withDefaults()
	d := newDAG(root, lim.MaxBlocks, opts.OnBlock)
	res := &Result{Root: root}
	err := g.walkRaw(ctx, d, lim, &res.Bytes)
	res.Blocks = d.blocks
	return res, err
}

type rawResult struct {
	c    cid.Cid
	data []byte
	err  error
}

// walkRaw hands owed blocks to fetchers and adds what they bring to d, on
// this goroutine only (d is not safe for concurrent use).
func (g *Gateway) walkRaw(ctx context.Context, d *dag, lim Limits, n *int64) error {
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
	queue := []cid.Cid{d.root}
	requested := map[string]bool{d.root.KeyString(): true}
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
			if err := d.add(r.c, r.data); err != nil {
				return err
			}
			// d.add parsed the links already; reading them again is cheap
			// next to the round trip each costs.
			_ = forEachLink(r.c, r.data, func(l cid.Cid) error {
				if k := l.KeyString(); !requested[k] && d.isPending(k) {
					requested[k] = true
					queue = append(queue, l)
				}
				return nil
			})
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return d.complete()
}
