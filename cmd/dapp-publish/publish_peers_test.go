package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dapp-publish/dapp-publish/internal/testpeers"
	"github.com/rogpeppe/go-internal/testscript"
)

// Sentinel secrets of the publish scripts: tests search every output and
// every file written for them.
const (
	sentinelClusterPass = "SENTINEL-cluster-pass-4d1f9"
	sentinelRPCKey      = "SENTINELrpckey93b2"
	sentinelBadToken    = "SENTINEL-wrong-token-77ac"
)

// TestPublishPeerScripts runs testdata/peerscript/publish: publish,
// rollback and history against real peers in the loopback-only namespace.
// Each script gets:
//
//   - a Kubo node ($KUBO_API, $KUBO_GATEWAY, $IPFS with IPFS_PATH set),
//   - an IPFS Cluster with its own Kubo ($CLUSTER_API, $CLUSTER_GATEWAY),
//     basic auth "dp:<sentinel>" ($CLUSTER_TOKEN),
//   - anvil with the real ENS registry and public resolver, app.eth owned by
//     account 1 ($ETH_RPC_URL, $ENS_REGISTRY, $DAPP_PUBLISH_ENS_KEY), and
//     $KEYED_RPC_URL, the same chain behind a hosted-provider-style URL
//     that carries an API key in its path;
//   - $BAD_GATEWAY, a proxy in front of the Kubo gateway that flips a byte
//     in every CAR and block it relays;
//   - the command `stoppeer kubo`, which stops the Kubo node.
func TestPublishPeerScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/peerscript/publish",
		Setup:               publishPeers,
		Cmds:                map[string]func(ts *testscript.TestScript, neg bool, args []string){"setenvfile": cmdSetenvFile, "httpget": cmdHTTPGet, "stoppeer": cmdStopPeer},
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
	})
}

func publishPeers(env *testscript.Env) error {
	tb := env.T().(testing.TB)
	testpeers.RequireIsolated(tb)
	k := testpeers.StartKubo(tb)
	cl := testpeers.StartCluster(tb, testpeers.ClusterOptions{BasicAuth: [2]string{"dp", sentinelClusterPass}})
	a := testpeers.StartAnvil(tb)
	e := testpeers.DeployENS(tb, a)
	e.Register(tb, "app.eth", e.Resolver, a.Address(tb, 1))
	env.Values["kubo"] = k
	for k, v := range map[string]string{
		"IPFS_PATH": k.Path, "IPFS": k.Bin, "KUBO_API": k.API, "KUBO_GATEWAY": k.Gateway,
		"CLUSTER_API": cl.REST, "CLUSTER_GATEWAY": cl.Kubo.Gateway, "CLUSTER_TOKEN": "dp:" + sentinelClusterPass,
		"ETH_RPC_URL": a.URL, "KEYED_RPC_URL": keyedRPC(tb, a.URL, sentinelRPCKey), "ENS_REGISTRY": e.Registry.Hex(),
		"DAPP_PUBLISH_ENS_KEY": a.KeyHex(1), "ENS_KEY": a.KeyHex(1), "OTHER_KEY": a.KeyHex(2),
		"BAD_GATEWAY": flippingProxy(tb, k.Gateway), "WRONG_TOKEN": "dp:" + sentinelBadToken, "RPC_KEY": sentinelRPCKey,
		"SENTINELS":  strings.Join([]string{sentinelClusterPass, sentinelRPCKey, sentinelBadToken, a.KeyHex(1)}, "|"),
		"SERVE_PORT": fmt.Sprint(testpeers.FreePort(tb)), "GITHUB_ACTIONS": "", "GITHUB_SHA": "", "NO_COLOR": "1",
	} {
		env.Setenv(k, v)
	}
	return nil
}

// cmdStopPeer: stoppeer kubo stops the script's Kubo node (a holder going
// away after the publish).
func cmdStopPeer(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 || args[0] != "kubo" {
		ts.Fatalf("usage: stoppeer kubo")
	}
	ts.Value("kubo").(*testpeers.Kubo).Stop()
}

// keyedRPC is an Ethereum RPC endpoint the way hosted providers offer them:
// the API key is in the URL path (https://host/v3/KEY), and requests
// without it are refused. It forwards to the real node.
func keyedRPC(t testing.TB, upstream, key string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v3/"+key {
			http.Error(w, "invalid project id", http.StatusUnauthorized)
			return
		}
		req, _ := http.NewRequestWithContext(r.Context(), r.Method, upstream, r.Body)
		req.Header.Set("Content-Type", r.Header.Get("Content-Type"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/v3/" + key
}
