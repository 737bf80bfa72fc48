package verify

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/dapp-publish/dapp-publish/bundle"
)

// ArweaveGateway is an Arweave HTTP gateway (https://arweave.net, or arlocal
// in tests). A site on Arweave is a path manifest transaction: the gateway
// serves its files at /{manifest}/{path}. Nothing it sends is trusted: each
// file's bytes are hashed and compared with the bundle manifest.
type ArweaveGateway struct {
	URL    string
	Client *http.Client // nil: DefaultClient
}

// ArweaveReport is what one Arweave gateway really serves for a manifest.
type ArweaveReport struct {
	Source    string        `json:"source"`
	Manifest  string        `json:"manifest"`  // transaction id
	Reachable bool          `json:"reachable"` // the gateway answered over HTTP
	Complete  bool          `json:"complete"`  // every expected path was served
	Verified  bool          `json:"verified"`  // files were served and every one matched its SHA-256
	Latency   time.Duration `json:"latency"`
	Duration  time.Duration `json:"duration"`
	Bytes     int64         `json:"bytes"`
	Files     int           `json:"files"`               // files that matched
	Missing   []string      `json:"missing,omitempty"`   // expected paths not served
	Different []string      `json:"different,omitempty"` // served with other bytes
	Err       error         `json:"-"`
}

// OK reports whether every file was served and matched.
func (r ArweaveReport) OK() bool { return r.Err == nil && r.Reachable && r.Complete && r.Verified }

// ErrContentMismatch: a file served by an Arweave gateway differs from the
// bundle manifest (size or SHA-256).
var ErrContentMismatch = errors.New("file does not match the manifest")

// ErrArweaveTxID means a string is not an Arweave transaction id.
var ErrArweaveTxID = errors.New("not an Arweave transaction id (43 base64url characters)")

// CheckArweaveTxID checks the form of a transaction id: 32 bytes, unpadded
// base64url. It keeps ids from smuggling path segments into URLs.
func CheckArweaveTxID(id string) error {
	b, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil || len(b) != 32 {
		return fmt.Errorf("%w: %q", ErrArweaveTxID, id)
	}
	return nil
}

// CheckArweave fetches every file of want from each gateway through the
// manifest transaction (GET /{manifest}/{path}), a few at a time, and
// compares each file's SHA-256 and size with want. Gateways are checked
// concurrently; one Report per gateway.
func CheckArweave(ctx context.Context, manifestTx string, want *bundle.Manifest, gws []*ArweaveGateway, opts CheckOptions) []ArweaveReport {
	reports := make([]ArweaveReport, len(gws))
	var wg sync.WaitGroup
	for i, g := range gws {
		wg.Go(func() { reports[i] = g.check(ctx, manifestTx, want, opts) })
	}
	wg.Wait()
	return reports
}

func (g *ArweaveGateway) check(ctx context.Context, tx string, want *bundle.Manifest, opts CheckOptions) ArweaveReport {
	rep := ArweaveReport{Source: g.URL, Manifest: tx}
	if err := CheckArweaveTxID(tx); err != nil {
		rep.Err = err
		return rep
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	var first sync.Once
	var latency time.Duration
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotFirstResponseByte: func() {
		first.Do(func() { latency = time.Since(start) })
	}})
	results := g.checkFiles(ctx, tx, want.Files)
	rep.Duration = time.Since(start)
	first.Do(func() {})
	rep.Reachable, rep.Latency = latency > 0, latency
	summarizeArweave(&rep, want.Files, results)
	return rep
}

type fileResult struct {
	n   int64
	err error
}

// checkFiles checks the files with a few concurrent requests.
func (g *ArweaveGateway) checkFiles(ctx context.Context, tx string, files []bundle.FileEntry) []fileResult {
	results := make([]fileResult, len(files))
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, f := range files {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			results[i].n, results[i].err = g.checkFile(ctx, tx, f)
		})
	}
	wg.Wait()
	return results
}

func summarizeArweave(rep *ArweaveReport, files []bundle.FileEntry, results []fileResult) {
	var firstErr error
	for i, r := range results {
		rep.Bytes += r.n
		switch {
		case r.err == nil:
			rep.Files++
			continue
		case errors.Is(r.err, ErrContentMismatch):
			rep.Different = append(rep.Different, files[i].Path)
		default:
			rep.Missing = append(rep.Missing, files[i].Path)
		}
		if firstErr == nil {
			firstErr = r.err
		}
	}
	rep.Complete = len(rep.Missing) == 0
	rep.Verified = rep.Files > 0 && len(rep.Different) == 0
	if firstErr != nil {
		rep.Err = fmt.Errorf("%d missing, %d different of %d files; first: %w", len(rep.Missing), len(rep.Different), len(files), firstErr)
	}
}

// checkFile fetches one path and compares its SHA-256 with the manifest's.
func (g *ArweaveGateway) checkFile(ctx context.Context, tx string, f bundle.FileEntry) (int64, error) {
	u := strings.TrimRight(g.URL, "/") + "/" + tx + "/" + escapePath(f.Path)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, fmt.Errorf("bad Arweave gateway URL %q: %w", g.URL, err)
	}
	client := g.Client
	if client == nil {
		client = DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", f.Path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return 0, fmt.Errorf("%s: %w", f.Path, &StatusError{Status: resp.StatusCode, Body: strings.TrimSpace(string(body))})
	}
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(resp.Body, f.Size+1)) // more than expected is already wrong
	if err != nil {
		return n, fmt.Errorf("%s: failed to read: %w", f.Path, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); n != f.Size || got != f.SHA256 {
		return n, fmt.Errorf("%w: %s: served %d bytes with sha256 %.12s, the manifest says %d bytes with %.12s", ErrContentMismatch, f.Path, n, got, f.Size, f.SHA256)
	}
	return n, nil
}

// escapePath escapes each segment of a slash-separated path for a URL.
func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}
