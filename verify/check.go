package verify

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync"
	"time"

	"github.com/ipfs/go-cid"
)

// Mode says how a source is asked for the DAG.
type Mode string

const (
	ModeAuto Mode = ""    // a CAR, or block by block if the gateway does not serve CARs
	ModeCAR  Mode = "car" // one CAR request only
	ModeRaw  Mode = "raw" // block by block only
)

// CheckOptions controls Check.
type CheckOptions struct {
	Timeout time.Duration // per source, for the whole DAG; 0 means 5 minutes
	Mode    Mode
	Limits  Limits
	// Tree keeps each verified source's directory tree in Report.Tree, for
	// Compare and CompareReports. (The tree is always checked: a DAG whose
	// directories lie does not verify.)
	Tree bool
}

// Report is what one source really holds.
type Report struct {
	Source    string        `json:"source"`
	Mode      Mode          `json:"mode"`      // how the DAG was fetched in the end
	Reachable bool          `json:"reachable"` // the source answered over HTTP
	Complete  bool          `json:"complete"`  // every block of the DAG arrived
	Verified  bool          `json:"verified"`  // blocks arrived and every one matched its CID
	Latency   time.Duration `json:"latency"`   // until the first response byte
	Duration  time.Duration `json:"duration"`  // whole retrieval
	Bytes     int64         `json:"bytes"`
	Blocks    int           `json:"blocks"`
	// Via names the other hosts (scheme://host) the source redirected to
	// that served bytes; with Gateway.AllowRedirects unset it stays empty,
	// as such a redirect fails with ErrCrossHostRedirect.
	Via  []string `json:"via,omitempty"`
	Err  error    `json:"-"`
	Tree *Tree    `json:"-"`
}

// OK reports whether the source served the complete DAG and every block
// verified.
func (r Report) OK() bool { return r.Err == nil && r.Reachable && r.Complete && r.Verified }

// Check fetches the DAG under root from every gateway concurrently and
// reports, per gateway, what was really there. It never stops early: one
// slow or lying source does not hide what the others hold.
func Check(ctx context.Context, root cid.Cid, gateways []*Gateway, opts CheckOptions) []Report {
	reports := make([]Report, len(gateways))
	var wg sync.WaitGroup
	for i, g := range gateways {
		wg.Go(func() { reports[i] = checkOne(ctx, root, g, opts) })
	}
	wg.Wait()
	return reports
}

func checkOne(ctx context.Context, root cid.Cid, g *Gateway, opts CheckOptions) Report {
	return measure(ctx, g.URL, opts, func(ctx context.Context, rep *Report) (*Result, error) {
		ctx, via := withOrigins(ctx)
		defer func() { rep.Via = via.list() }()
		vo := Options{Limits: opts.Limits}
		fetch := func(mode Mode) (*Result, error) {
			rep.Mode = mode
			if mode == ModeRaw {
				return g.FetchRaw(ctx, root, vo)
			}
			return g.FetchCAR(ctx, root, vo)
		}
		mode := opts.Mode
		if mode == ModeAuto {
			mode = ModeCAR
		}
		res, err := fetch(mode)
		if err != nil && opts.Mode == ModeAuto && carUnsupported(err) {
			res, err = fetch(ModeRaw)
		}
		return res, err
	})
}

// CheckCAR is Check for one source outside the trustless gateway protocol
// that streams the DAG as a CAR over its own API (a Kubo node's RPC
// dag/export, pin.Retriever): open is called once, under the source's
// timeout, and what it returns is verified as a gateway's CAR is (every
// block hashed under the allow-list, the DAG complete, no folder that
// lies, within opts.Limits) and reported the same way. source names it in
// the Report; it must hold no credentials.
func CheckCAR(ctx context.Context, root cid.Cid, source string, open func(context.Context) (io.ReadCloser, error), opts CheckOptions) Report {
	return measure(ctx, source, opts, func(ctx context.Context, rep *Report) (*Result, error) {
		rep.Mode = ModeCAR
		start := time.Now()
		body, err := open(ctx)
		if err != nil {
			return &Result{}, err
		}
		defer body.Close()
		// It answered; an HTTP source's first byte, if traced, is more exact.
		rep.Reachable, rep.Latency = true, time.Since(start)
		return VerifyCAR(body, root, Options{Limits: opts.Limits})
	})
}

// measure runs one source's retrieval under its timeout and fills the
// Report: latency to the first response byte (HTTP sources), duration,
// what was read and verified, the tree when asked for.
func measure(ctx context.Context, source string, opts CheckOptions, retrieve func(context.Context, *Report) (*Result, error)) Report {
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	rep := Report{Source: source}
	start := time.Now()
	var firstByte sync.Once
	var latency time.Duration // set once, by the transport's goroutine
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotFirstResponseByte: func() {
		firstByte.Do(func() { latency = time.Since(start) })
	}})
	res, err := retrieve(ctx, &rep)
	rep.Duration = time.Since(start)
	firstByte.Do(func() {}) // orders the read of latency after the callback's write
	if latency > 0 {
		rep.Reachable, rep.Latency = true, latency
	}
	rep.Bytes, rep.Blocks, rep.Err = res.Bytes, res.Blocks, err
	rep.Complete = err == nil
	rep.Verified = res.Blocks > 0 && !integrityError(err)
	if err == nil && opts.Tree {
		rep.Tree = res.Tree
	}
	return rep
}

// carUnsupported reports whether a CAR request failed because the gateway
// does not serve CARs (so raw blocks may still work), rather than because it
// lacks the content or sent bad data.
func carUnsupported(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		switch se.Status {
		case http.StatusBadRequest, http.StatusNotAcceptable, http.StatusUnsupportedMediaType, http.StatusNotImplemented:
			return true
		}
		return false
	}
	return errors.Is(err, ErrNotServed) // a wrong content type
}

// integrityError reports whether err means bad bytes were received, as
// opposed to bytes that never came.
func integrityError(err error) bool {
	for _, e := range []error{ErrHashMismatch, ErrInsecureHash, ErrUnexpectedBlock, ErrWrongRoot, ErrMalformed, ErrUnsupported, ErrBadDirectory} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
