package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

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
			env.Setenv("SERVE_PORT", fmt.Sprint(testpeers.FreePort(tb)))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"setenvfile": cmdSetenvFile,
			"httpget":    cmdHTTPGet,
		},
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
	})
}

// flippingProxy relays requests to upstream and flips the last byte of every
// CAR (inside its last block) and raw block it relays, keeping status 200.
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
		ct := resp.Header.Get("Content-Type")
		if (strings.HasPrefix(ct, "application/vnd.ipld.car") || strings.HasPrefix(ct, "application/vnd.ipld.raw")) && len(body) > 0 {
			body[len(body)-1] ^= 0x01
		}
		w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
		w.WriteHeader(resp.StatusCode)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// cmdSetenvFile: setenvfile VAR FILE sets VAR to FILE's contents, trimmed.
func cmdSetenvFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: setenvfile VAR FILE")
	}
	ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile(args[1])))
}

// cmdHTTPGet: httpget [-host HOST] URL [FILE] GETs URL (retrying for up to
// 10s while the server is not listening yet), without following redirects,
// prints "STATUS Location" to stdout and writes the body to FILE. It fails
// on a status of 400 or more (with !, on anything less).
func cmdHTTPGet(ts *testscript.TestScript, neg bool, args []string) {
	host := ""
	if len(args) > 2 && args[0] == "-host" {
		host, args = args[1], args[2:]
	}
	if len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: httpget [-host HOST] URL [FILE]")
	}
	client := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var resp *http.Response
	var err error
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		req, _ := http.NewRequest(http.MethodGet, args[0], nil)
		if host != "" {
			req.Host = host
		}
		if resp, err = client.Do(req); err == nil || time.Now().After(deadline) {
			break
		}
	}
	ts.Check(err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	ts.Check(err)
	fmt.Fprintf(ts.Stdout(), "%d %s\n", resp.StatusCode, resp.Header.Get("Location"))
	if len(args) == 2 {
		ts.Check(os.WriteFile(ts.MkAbs(args[1]), body, 0o644))
	}
	if ok := resp.StatusCode < 400; ok == neg {
		ts.Fatalf("GET %s: status %d", args[0], resp.StatusCode)
	}
}
