// Package faults is an HTTP reverse proxy that injects failures in front of
// a real holder (Kubo, IPFS Cluster) or a fake one: an error status, a 429
// with Retry-After, a hang, a connection closed in the middle of an upload,
// a response whose CID was swapped. Tests use it to check that providers
// and their wrappers classify, retry and refuse as they must.
//
// The proxy listens on 127.0.0.1 on a port of its own and stops when the
// test ends.
package faults

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Fault is one injected failure.
type Fault func(p *Proxy, w http.ResponseWriter, r *http.Request)

// Proxy forwards requests to a target, applying faults to matching ones.
type Proxy struct {
	URL     string // the proxy's base URL
	target  *httputil.ReverseProxy
	mu      sync.Mutex
	rules   []*rule
	hits    map[string]int
	closing chan struct{}
}

type rule struct {
	path  string // path prefix
	times int    // how many more requests it applies to
	fault Fault
}

// New starts a proxy to target (a base URL) that is stopped when t ends.
func New(t testing.TB, target string) *Proxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{target: httputil.NewSingleHostReverseProxy(u), hits: map[string]int{}, closing: make(chan struct{})}
	p.target.FlushInterval = -1 // stream answers (NDJSON) as they come
	srv := httptest.NewServer(p)
	p.URL = srv.URL
	t.Cleanup(func() { close(p.closing); srv.CloseClientConnections(); srv.Close() })
	return p
}

// Add makes the next times requests whose path starts with path fail with f.
// Rules apply in the order added.
func (p *Proxy) Add(path string, times int, f Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = append(p.rules, &rule{path: path, times: times, fault: f})
}

// Hits returns how many requests for paths starting with prefix arrived.
func (p *Proxy) Hits(prefix string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for path, c := range p.hits {
		if strings.HasPrefix(path, prefix) {
			n += c
		}
	}
	return n
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f := p.match(r.URL.Path); f != nil {
		f(p, w, r)
		return
	}
	p.target.ServeHTTP(w, r)
}

func (p *Proxy) match(path string) Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hits[path]++
	for _, r := range p.rules {
		if r.times > 0 && strings.HasPrefix(path, r.path) {
			r.times--
			return r.fault
		}
	}
	return nil
}

// Status answers with code, the given headers and body, after reading the
// request body (as a real server that failed late would).
func Status(code int, header map[string]string, body string) Fault {
	return func(_ *Proxy, w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

// Hang never answers: it holds the request until the client gives up or the
// test ends.
func Hang() Fault {
	return func(p *Proxy, _ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-p.closing:
		}
	}
}

// CloseAfter reads n bytes of the request body, then drops the connection
// without an answer: an upload cut in the middle.
func CloseAfter(n int64) Fault {
	return func(_ *Proxy, w http.ResponseWriter, r *http.Request) {
		_, _ = io.CopyN(io.Discard, r.Body, n)
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic("faults: connection cannot be hijacked")
		}
		conn, _, err := hj.Hijack()
		if err == nil {
			conn.Close()
		}
	}
}

// Rewrite forwards the request and replaces old with new in the answer
// body: a holder that reports a CID other than the one it was sent.
func Rewrite(old, new string) Fault {
	return func(p *Proxy, w http.ResponseWriter, r *http.Request) { p.forwardRewritten(w, r, old, new) }
}

// Swap forwards the request with a replaced by b in its body, and answers
// with b replaced by a: a server that, asked about a, answers with what it
// holds for b, labelled as a (a GraphQL gateway handing out another
// item's header).
func Swap(a, b string) Fault {
	return func(p *Proxy, w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = bytes.ReplaceAll(body, []byte(a), []byte(b))
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		p.forwardRewritten(w, r, b, a)
	}
}

// forwardRewritten forwards r and answers with old replaced by new in the
// answer's body.
func (p *Proxy) forwardRewritten(w http.ResponseWriter, r *http.Request, old, new string) {
	rec := httptest.NewRecorder()
	p.target.ServeHTTP(rec, r)
	for k, vs := range rec.Header() {
		if k != "Content-Length" {
			w.Header()[k] = vs
		}
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(bytes.ReplaceAll(rec.Body.Bytes(), []byte(old), []byte(new)))
}

// String describes a proxy for test logs.
func (p *Proxy) String() string { return fmt.Sprintf("faults proxy at %s", p.URL) }

// Delay holds the request for d, then forwards it: a slow holder.
func Delay(d time.Duration) Fault {
	return func(p *Proxy, w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
		p.target.ServeHTTP(w, r)
	}
}

// Echo answers with code and a body that quotes what the request carried:
// its URL (with the query) and its Authorization header, as some holders
// and proxies do in their error messages. Secret-scrubbing tests use it to
// make credentials come back in every encoding they were sent in.
func Echo(code int) Fault {
	return func(_ *Proxy, w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(code)
		user, pass, _ := r.BasicAuth()
		fmt.Fprintf(w, "refused %s %s with Authorization %q (user %q, password %q)\n", r.Method, r.URL.RequestURI(), r.Header.Get("Authorization"), user, pass)
	}
}
