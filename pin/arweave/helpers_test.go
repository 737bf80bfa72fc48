package arweave_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dapp-publish/dapp-publish/internal/testpeers"
	"github.com/dapp-publish/dapp-publish/pin/arweave"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx/artxtest"
)

// arlocal starts a real arlocal that mines a block every 200 ms, and funds
// test wallet 0.
func arlocal(t *testing.T) *testpeers.Arlocal {
	t.Helper()
	ar := testpeers.StartArlocal(t)
	ar.Mint(t, artxtest.Wallet(t, 0).Address(), "1000000000000000000")
	ar.AutoMine(t, 200*time.Millisecond)
	return ar
}

// provider returns an arweave provider for test wallet 0 on gateway, with
// a journal in a fresh folder unless cfg says otherwise.
func provider(t *testing.T, gateway string, edit ...func(*arweave.Config)) *arweave.Provider {
	t.Helper()
	c := arweave.Config{Gateway: gateway, Wallet: artxtest.Secret(0),
		StateDir: t.TempDir(), Confirmations: 1, PollInterval: 100 * time.Millisecond, WaitTimeout: time.Minute}
	for _, e := range edit {
		e(&c)
	}
	p, err := arweave.NewProvider("permaweb", &c)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// recorder is a reverse proxy in front of a gateway that counts requests
// and lets a test fail some of them.
type recorder struct {
	URL   string
	mu    sync.Mutex
	hits  map[string]int // "POST /tx" -> count
	ok    map[string]int // successful POST /chunk per data_root+offset
	fault func(r *http.Request, body []byte) (status int, fail bool)
}

func newRecorder(t *testing.T, target string) *recorder {
	u, _ := url.Parse(target)
	rp := httputil.NewSingleHostReverseProxy(u)
	rec := &recorder{hits: map[string]int{}, ok: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		key := r.Method + " " + r.URL.Path
		if r.Method == http.MethodGet {
			key = "GET"
		}
		rec.mu.Lock()
		rec.hits[key]++
		fault := rec.fault
		rec.mu.Unlock()
		if fault != nil {
			if status, fail := fault(r, body); fail {
				w.WriteHeader(status)
				io.WriteString(w, `{"error":"injected"}`)
				return
			}
		}
		if r.URL.Path == "/chunk" {
			var c struct{ DataRoot, Offset string }
			json.Unmarshal(body, &struct {
				DataRoot *string `json:"data_root"`
				Offset   *string `json:"offset"`
			}{&c.DataRoot, &c.Offset})
			rec.mu.Lock()
			rec.ok[c.DataRoot+"@"+c.Offset]++
			rec.mu.Unlock()
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	rec.URL = srv.URL
	return rec
}

func (r *recorder) count(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hits[key]
}

func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hits, r.ok = map[string]int{}, map[string]int{}
}

// duplicates lists chunks the gateway accepted more than once.
func (r *recorder) duplicates() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var d []string
	for k, n := range r.ok {
		if n > 1 {
			d = append(d, k)
		}
	}
	return d
}

func get(t *testing.T, u string) []byte {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s %s", u, resp.Status, b)
	}
	return b
}
