package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dapp-publish/dapp-publish/internal/testpeers"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestPeerScripts runs the scripts in testdata/peerscript, which need real
// peers: each script gets its own offline Kubo node (IPFS_PATH, $IPFS and
// $GATEWAY point at it; `exec $IPFS dag import x.car` fills it), a second,
// empty Kubo node ($EMPTY_GATEWAY), and $BAD_GATEWAY, a proxy in front of the
// first that flips one byte in the last block of every CAR it relays.
func TestPeerScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/peerscript",
		Setup: func(env *testscript.Env) error {
			tb := env.T().(testing.TB) // the script's own *testing.T: peers stop when it ends
			k := testpeers.StartKubo(tb)
			empty := testpeers.StartKubo(tb)
			env.Setenv("IPFS_PATH", k.Path)
			env.Setenv("IPFS", k.Bin)
			env.Setenv("GATEWAY", k.Gateway)
			env.Setenv("EMPTY_GATEWAY", empty.Gateway)
			env.Setenv("BAD_GATEWAY", flippingProxy(tb, k.Gateway))
			env.Setenv("GITHUB_ACTIONS", "")
			env.Setenv("NO_COLOR", "1")
			env.Setenv("ETH_RPC_URL", "")
			return nil
		},
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
	})
}

// flippingProxy relays requests to upstream and flips a byte near the end of
// every CAR body (inside the last block), keeping status 200.
func flippingProxy(t testing.TB, upstream string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequestWithContext(r.Context(), r.Method, upstream+r.URL.RequestURI(), nil)
		req.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/vnd.ipld.car") && len(body) > 0 {
			body[len(body)-1] ^= 0x01
		}
		w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
		w.WriteHeader(resp.StatusCode)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
