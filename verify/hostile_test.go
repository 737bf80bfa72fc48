package verify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dapp-publish/dapp-publish/internal/trustless"
	"github.com/dapp-publish/dapp-publish/internal/trustless/trustlesstest"
	"github.com/ipfs/go-cid"
)

// corpusRoot is the first root a corpus CAR's header names.
func corpusRoot(t testing.TB, name string) (cid.Cid, []byte) {
	t.Helper()
	car, err := trustlesstest.Read(name)
	if err != nil {
		t.Fatal(err)
	}
	roots, err := trustless.ReadRoots(bytes.NewReader(car), Limits{})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return roots[0], car
}

// Every hostile CAR of the corpus, served by a gateway that sends it as it
// is, fails verification with its reason, fetched as a CAR and block by
// block; the valid ones verify.
func TestVerifyCorpus(t *testing.T) {
	gw, err := trustlesstest.NewCorpusGateway()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	defer srv.Close()
	for _, tc := range trustlesstest.Cases() {
		if tc.Name == "two-roots" {
			continue // a CAR-file case: inspect and pin read both roots
		}
		for _, mode := range []Mode{ModeCAR, ModeRaw} {
			if mode == ModeRaw && tc.Name == "nonminimal-varint" {
				continue // the CAR framing is the fault; blocks are fine
			}
			t.Run(tc.Name+"/"+string(mode), func(t *testing.T) {
				root, _ := corpusRoot(t, tc.Name)
				r := Check(context.Background(), root, []*Gateway{{URL: srv.URL}}, CheckOptions{Mode: mode, Tree: true})[0]
				if tc.Want == nil {
					if !r.OK() {
						t.Fatalf("a valid DAG did not verify: %v", r.Err)
					}
					return
				}
				if r.OK() || !errors.Is(r.Err, tc.Want) || !strings.Contains(r.Err.Error(), tc.Reason) {
					t.Fatalf("got OK=%v err=%v; want %v saying %q", r.OK(), r.Err, tc.Want, tc.Reason)
				}
				if r.Tree != nil {
					t.Errorf("a refused source kept its tree for comparison")
				}
			})
		}
	}
}

// A gateway that redirects to another host fails by default, naming both
// hosts, and with AllowRedirects the report names where the bytes came from.
func TestVerifyRedirects(t *testing.T) {
	root, car := corpusRoot(t, "identity-link")
	holder := httptest.NewServer(trustlesstest.NewGateway(car))
	defer holder.Close()
	redirector := httptest.NewServer(trustlesstest.Redirect(holder.URL))
	defer redirector.Close()
	for _, mode := range []Mode{ModeCAR, ModeRaw} {
		r := Check(context.Background(), root, []*Gateway{{URL: redirector.URL}}, CheckOptions{Mode: mode})[0]
		if r.OK() || !errors.Is(r.Err, ErrCrossHostRedirect) || !strings.Contains(r.Err.Error(), holder.URL) {
			t.Errorf("%s: a cross-host redirect was followed silently: OK=%v err=%v", mode, r.OK(), r.Err)
		}
		r = Check(context.Background(), root, []*Gateway{{URL: redirector.URL, AllowRedirects: true}}, CheckOptions{Mode: mode})[0]
		if !r.OK() || len(r.Via) != 1 || r.Via[0] != holder.URL {
			t.Errorf("%s: with AllowRedirects: OK=%v via=%v err=%v, want the holder %s named", mode, r.OK(), r.Via, r.Err, holder.URL)
		}
	}
	// A subdomain gateway sends /ipfs/{cid} on to {cid}.ipfs.{host}: the
	// same operator, followed, and named.
	sub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.Host, ".ipfs.localhost:"+strings.Split(r.Host, ":")[1]) && !strings.HasPrefix(r.Host, "localhost") {
			trustlesstest.NewGateway(car).ServeHTTP(w, r)
			return
		}
		http.Redirect(w, r, "http://"+root.String()+".ipfs."+r.Host+r.URL.RequestURI(), http.StatusMovedPermanently)
	}))
	defer sub.Close()
	port := strings.Split(sub.Listener.Addr().String(), ":")[1]
	toSub := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, sub.Listener.Addr().String()) // *.localhost is this server
	}}}
	r := Check(context.Background(), root, []*Gateway{{URL: "http://localhost:" + port, Client: toSub}}, CheckOptions{})[0]
	if !r.OK() || len(r.Via) != 1 || !strings.HasPrefix(r.Via[0], "http://"+root.String()+".ipfs.localhost:") {
		t.Errorf("subdomain redirect: OK=%v via=%v err=%v", r.OK(), r.Via, r.Err)
	}
	// Redirects within the gateway's own host are followed and not noted.
	same := httptest.NewServer(nil)
	defer same.Close()
	same.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/moved/") {
			r.URL.Path = strings.TrimPrefix(r.URL.Path, "/moved")
			trustlesstest.NewGateway(car).ServeHTTP(w, r)
			return
		}
		http.Redirect(w, r, "/moved"+r.URL.RequestURI(), http.StatusMovedPermanently)
	})
	if r := Check(context.Background(), root, []*Gateway{{URL: same.URL}}, CheckOptions{})[0]; !r.OK() || len(r.Via) != 0 {
		t.Errorf("same-host redirect: OK=%v via=%v err=%v", r.OK(), r.Via, r.Err)
	}
}

// countingCAR is a block source over a corpus CAR that, like a local file
// or a warm cache, answers at once and never looks at the context; it
// counts what it is asked.
type countingCAR struct {
	blocks map[string][]byte
	gets   atomic.Int64
	delay  time.Duration
}

func newCountingCAR(t testing.TB, car []byte) *countingCAR {
	cr, err := trustless.NewCARReader(bytes.NewReader(car), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	s := &countingCAR{blocks: map[string][]byte{}}
	for {
		c, data, _, err := cr.Next()
		if err == io.EOF {
			return s
		}
		if err != nil {
			t.Fatal(err)
		}
		s.blocks[c.KeyString()] = bytes.Clone(data)
	}
}

func (s *countingCAR) GetBlock(_ context.Context, c cid.Cid) ([]byte, error) {
	s.gets.Add(1)
	time.Sleep(s.delay)
	if b, ok := s.blocks[c.KeyString()]; ok {
		return b, nil
	}
	return nil, fmt.Errorf("no block %s", c)
}

func (s *countingCAR) String() string { return "corpus" }

// serveCorpus runs the serve handler over one corpus CAR.
func serveCorpus(t testing.TB, name string, opts GatewayOptions) (*httptest.Server, cid.Cid, *countingCAR) {
	t.Helper()
	root, car := corpusRoot(t, name)
	src := newCountingCAR(t, car)
	bs, err := NewBlockStore([]BlockGetter{src}, BlockStoreOptions{CacheBlocks: -1})
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewGatewayHandler(bs, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, root, src
}

// serve never answers a lying directory: the block store refuses the
// directory block (or the weak-hash block) before boxo sees it, so neither
// the verified page nor the attacker's comes out, whichever entry boxo
// would have picked.
func TestServeCorpus(t *testing.T) {
	for _, tc := range trustlesstest.Cases() {
		if tc.Serve == "" {
			continue
		}
		t.Run(tc.Name, func(t *testing.T) {
			srv, root, _ := serveCorpus(t, tc.Name, GatewayOptions{})
			p := "/ipfs/" + root.String() + "/"
			if tc.Serve != "/" {
				p += tc.Serve
			}
			code, body := getHost(t, srv.URL, "127.0.0.1", p)
			if code == http.StatusOK || bytes.Contains(body, trustlesstest.Evil.Data) {
				t.Fatalf("GET %s: %d %q", p, code, body)
			}
		})
	}
	// The valid ones are served.
	srv, root, _ := serveCorpus(t, "hamt-valid", GatewayOptions{})
	if code, body := getHost(t, srv.URL, "127.0.0.1", "/ipfs/"+root.String()+"/many/file-000.txt"); code != 200 || string(body) != "file-000.txt" {
		t.Fatalf("valid HAMT: %d %q", code, body)
	}
}

// A 4,000-segment path into a 4,096-deep DAG is refused at once, before any
// block is read (it ran for over a minute before).
func TestServeDeepPath(t *testing.T) {
	srv, root, src := serveCorpus(t, "deep-chain", GatewayOptions{})
	p := "/ipfs/" + root.String() + strings.Repeat("/a", 4000)
	client := &http.Client{Timeout: 10 * time.Second}
	start := time.Now()
	resp, err := client.Get(srv.URL + p)
	if err != nil {
		t.Fatalf("after %v: %v", time.Since(start), err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestURITooLong || time.Since(start) > time.Second || src.gets.Load() != 0 {
		t.Fatalf("status %d after %v, %d blocks read", resp.StatusCode, time.Since(start), src.gets.Load())
	}
}

// deepPath is the longest path the gateway resolves into the deep chain.
func deepPath(root cid.Cid) string {
	return "/ipfs/" + root.String() + strings.Repeat("/a", DefaultMaxPathSegments-2)
}

// When the client goes away, the request's work stops: the block store
// reads no more blocks (before, resolution went on to the end).
func TestServeStopsWhenClientLeaves(t *testing.T) {
	srv, root, src := serveCorpus(t, "deep-chain", GatewayOptions{})
	src.delay = time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+deepPath(root), nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	time.Sleep(300 * time.Millisecond)
	if src.gets.Load() == 0 {
		t.Fatal("the request read no block in 300ms; the test proves nothing")
	}
	cancel()
	<-done
	time.Sleep(200 * time.Millisecond) // the server notices the closed connection
	before := src.gets.Load()
	time.Sleep(500 * time.Millisecond)
	if after := src.gets.Load(); after != before {
		t.Fatalf("the server read %d more blocks in the 500ms after the client left", after-before)
	}
	t.Logf("%d blocks read before the client left", before)
}

// A request that runs past RequestTimeout is cut off and its work stops.
func TestServeRequestTimeout(t *testing.T) {
	srv, root, src := serveCorpus(t, "deep-chain", GatewayOptions{RequestTimeout: 300 * time.Millisecond})
	src.delay = time.Millisecond
	start := time.Now()
	code, _ := getHost(t, srv.URL, "127.0.0.1", deepPath(root))
	took := time.Since(start)
	before := src.gets.Load()
	time.Sleep(300 * time.Millisecond)
	if code == http.StatusOK || took > 5*time.Second || src.gets.Load() != before {
		t.Fatalf("status %d after %v; %d blocks read after the answer", code, took, src.gets.Load()-before)
	}
}

// While hostile requests keep the gateway busy (deep paths at the segment
// limit, over-long paths, whole-DAG CARs of the diamond), a normal request
// is still answered in well under a second.
func TestServeBusy(t *testing.T) {
	deep, deepRoot, _ := serveCorpus(t, "deep-chain", GatewayOptions{RequestTimeout: 20 * time.Second})
	ok, okRoot, _ := serveCorpus(t, "hamt-valid", GatewayOptions{})
	_ = ok
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for ctx.Err() == nil {
				p := deepPath(deepRoot)
				if i%2 == 1 {
					p = "/ipfs/" + deepRoot.String() + strings.Repeat("/a", 4000)
				}
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, deep.URL+p, nil)
				if resp, err := http.DefaultClient.Do(req); err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		})
	}
	defer func() { cancel(); wg.Wait() }()
	time.Sleep(500 * time.Millisecond) // let the hostile requests get going
	var worst time.Duration
	for range 10 {
		start := time.Now()
		code, body := getHost(t, ok.URL, "127.0.0.1", "/ipfs/"+okRoot.String()+"/many/file-001.txt")
		took := time.Since(start)
		worst = max(worst, took)
		if code != 200 || string(body) != "file-001.txt" {
			t.Fatalf("normal request: %d %q", code, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("slowest normal request while hostile ones ran: %v", worst)
	if worst > time.Second {
		t.Fatalf("a normal request took %v while hostile requests ran", worst)
	}
}

func TestSameOperator(t *testing.T) {
	for _, tc := range []struct {
		to, base string
		want     bool
	}{
		{"https://dweb.link/ipfs/x", "https://dweb.link", true},
		{"https://bafy.ipfs.dweb.link/", "https://dweb.link", true},
		{"https://DWEB.link/", "https://dweb.link", true},
		{"https://evil-dweb.link/", "https://dweb.link", false},
		{"https://dweb.link.evil.com/", "https://dweb.link", false},
		{"https://ipfs.io/", "https://dweb.link", false},
		{"https://dweb.link/", "http://dweb.link", true},
		{"http://dweb.link/", "https://dweb.link", false},
		{"http://127.0.0.1:9/", "http://127.0.0.1:8/", false},
		{"http://a.localhost:8/", "http://localhost:8/", true},
		{"https://dweb.link:8443/", "http://dweb.link", false},
	} {
		to, _ := url.Parse(tc.to)
		base, _ := url.Parse(tc.base)
		if got := sameOperator(to, base); got != tc.want {
			t.Errorf("%s from %s: %v, want %v", tc.to, tc.base, got, tc.want)
		}
	}
}
