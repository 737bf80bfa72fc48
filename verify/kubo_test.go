package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dapp-publish/dapp-publish/internal/testpeers"
	"github.com/ipfs/go-cid"
)

// importCAR imports a CAR into a Kubo node through its CLI.
func importCAR(t testing.TB, k *testpeers.KuboRepo, car []byte) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "import.car")
	if err := os.WriteFile(p, car, 0o644); err != nil {
		t.Fatal(err)
	}
	k.MustRun(t, nil, "dag", "import", "--pin-roots=true", p)
}

// kuboBlocks asks Kubo how many blocks the DAG under root has: the
// expectation computed independently of our verifier.
func kuboBlocks(t testing.TB, k *testpeers.KuboRepo, root cid.Cid) int {
	t.Helper()
	out := k.MustRun(t, nil, "dag", "stat", "--progress=false", "--enc=json", root.String())
	var st struct{ DagStats []struct{ NumBlocks int } }
	if err := json.Unmarshal(out, &st); err != nil || len(st.DagStats) != 1 {
		t.Fatalf("ipfs dag stat: %v: %s", err, out)
	}
	return st.DagStats[0].NumBlocks
}

// corruptingProxy sits in front of a real gateway and rewrites every CAR
// it relays with fn (and, if rawFn is set, every raw block).
func corruptingProxy(t testing.TB, upstream string, fn func([]byte) []byte, rawFn func(c string, b []byte) []byte) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequestWithContext(r.Context(), r.Method, upstream+r.URL.RequestURI(), nil)
		req.Header.Set("Accept", r.Header.Get("Accept"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		ct := resp.Header.Get("Content-Type")
		switch {
		case resp.StatusCode == 200 && strings.HasPrefix(ct, carType) && fn != nil:
			body = fn(body)
		case resp.StatusCode == 200 && strings.HasPrefix(ct, rawType) && rawFn != nil:
			body = rawFn(strings.TrimPrefix(r.URL.Path, "/ipfs/"), body)
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(resp.StatusCode) // 200 even for a broken CAR, like a real gateway mid-stream
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestKuboGatewayVerifies(t *testing.T) {
	k := testpeers.StartKubo(t)
	root, car, _ := packCAR(t, testSite(1))
	importCAR(t, k.KuboRepo, car)
	want := kuboBlocks(t, k.KuboRepo, root)
	for _, mode := range []Mode{ModeCAR, ModeRaw} {
		t.Run(string(mode), func(t *testing.T) {
			reps := Check(context.Background(), root, []*Gateway{{URL: k.Gateway}}, CheckOptions{Mode: mode, Tree: true})
			r := reps[0]
			if !r.OK() {
				t.Fatalf("not OK: %+v", r)
			}
			if r.Blocks != want {
				t.Errorf("verified %d blocks, Kubo's dag stat says %d", r.Blocks, want)
			}
			if r.Latency <= 0 || r.Bytes == 0 {
				t.Errorf("latency %v, bytes %d", r.Latency, r.Bytes)
			}
		})
	}
}

func TestKuboGatewayCorruptions(t *testing.T) {
	k := testpeers.StartKubo(t)
	root, car, _ := packCAR(t, testSite(1))
	otherRoot, otherCAR, _ := packCAR(t, testSite(2))
	importCAR(t, k.KuboRepo, car)
	importCAR(t, k.KuboRepo, otherCAR)
	// What Kubo itself serves for the other DAG, for the splice cases.
	other := fetchRawCAR(t, k.Gateway, otherRoot)
	for _, tc := range corruptions {
		t.Run(tc.name, func(t *testing.T) {
			p := corruptingProxy(t, k.Gateway, func(b []byte) []byte { return tc.fn(t, b, other) }, nil)
			r := Check(context.Background(), root, []*Gateway{{URL: p.URL}}, CheckOptions{Mode: ModeCAR})[0]
			if r.OK() || !errors.Is(r.Err, tc.want) {
				t.Fatalf("got OK=%v err=%v, want %v", r.OK(), r.Err, tc.want)
			}
			if !r.Reachable {
				t.Errorf("the proxy answered, but Reachable is false")
			}
			t.Logf("caught: %v", r.Err)
		})
	}
	t.Run("raw block flipped", func(t *testing.T) {
		p := corruptingProxy(t, k.Gateway, nil, func(c string, b []byte) []byte {
			if len(b) > 100 {
				b[len(b)-1] ^= 0x80
			}
			return b
		})
		r := Check(context.Background(), root, []*Gateway{{URL: p.URL}}, CheckOptions{Mode: ModeRaw})[0]
		if !errors.Is(r.Err, ErrHashMismatch) || r.Verified {
			t.Fatalf("got verified=%v err=%v, want ErrHashMismatch", r.Verified, r.Err)
		}
	})
	t.Run("not held", func(t *testing.T) {
		empty := testpeers.StartKubo(t)
		r := Check(context.Background(), root, []*Gateway{{URL: empty.Gateway}}, CheckOptions{Timeout: 5e9})[0]
		if r.OK() || r.Complete || r.Verified {
			t.Fatalf("an empty offline node verified: %+v", r)
		}
		t.Logf("not held: %v", r.Err)
	})
}

// fetchRawCAR downloads a CAR without verifying it (test set-up only).
func fetchRawCAR(t testing.TB, gw string, root cid.Cid) []byte {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, gw+"/ipfs/"+root.String()+"?format=car", nil)
	req.Header.Set("Accept", acceptCAR)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, resp.Body); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp.Status, err)
	}
	return buf.Bytes()
}

// Raw-block retrieval through a gateway that lacks one block (404 for it)
// fails and names the block, instead of reporting a complete DAG.
func TestKuboRawMissingBlock(t *testing.T) {
	k := testpeers.StartKubo(t)
	root, car, _ := packCAR(t, testSite(1))
	importCAR(t, k.KuboRepo, car)
	p := splitCAR(t, car)
	victim := p.sections[len(p.sections)-1].cid.String()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, victim) {
			http.NotFound(w, r)
			return
		}
		http.Redirect(w, r, k.Gateway+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	// The test server redirects every other block to Kubo: allowed here.
	r := Check(context.Background(), root, []*Gateway{{URL: srv.URL, AllowRedirects: true}}, CheckOptions{Mode: ModeRaw})[0]
	if r.OK() || r.Complete || !strings.Contains(fmt.Sprint(r.Err), victim) {
		t.Fatalf("got OK=%v complete=%v err=%v", r.OK(), r.Complete, r.Err)
	}
	if r.Blocks == 0 || r.Blocks >= kuboBlocks(t, k.KuboRepo, root) || !r.Verified {
		t.Errorf("verified=%v with %d blocks; want the blocks that came verified, fewer than the DAG's", r.Verified, r.Blocks)
	}
}
