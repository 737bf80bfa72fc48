package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dapp-publish/dapp-publish/internal/trustless"
	"github.com/dapp-publish/dapp-publish/internal/trustless/trustlesstest"
	"github.com/rogpeppe/go-internal/testscript"
)

// setupCorpus gives a script the hostile-CAR corpus (internal/trustless/
// trustlesstest): $CORPUS is its folder, $ROOT_<NAME> each CAR's first root
// (dup-name: $ROOT_DUP_NAME), $CORPUS_GATEWAY a trustless gateway serving
// every CAR as it is, $REDIRECT_GATEWAY one that redirects every request
// there, and $DEEP_PATH a 4,000-segment path.
func setupCorpus(env *testscript.Env) error {
	tb := env.T().(testing.TB)
	gw, err := trustlesstest.NewCorpusGateway()
	if err != nil {
		return err
	}
	srv := httptest.NewServer(gw)
	tb.Cleanup(srv.Close)
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, srv.URL+r.URL.RequestURI(), http.StatusFound)
	}))
	tb.Cleanup(redirect.Close)
	env.Setenv("CORPUS", trustlesstest.CorpusDir())
	env.Setenv("CORPUS_GATEWAY", srv.URL)
	env.Setenv("REDIRECT_GATEWAY", redirect.URL)
	env.Setenv("DEEP_PATH", strings.Repeat("/a", 4000))
	for _, tc := range trustlesstest.Cases() {
		car, err := trustlesstest.Read(tc.Name)
		if err != nil {
			return err
		}
		roots, err := trustless.ReadRoots(bytes.NewReader(car), trustless.Limits{})
		if err != nil {
			continue // a CAR whose header is the fault
		}
		env.Setenv("ROOT_"+strings.ToUpper(strings.ReplaceAll(tc.Name, "-", "_")), roots[0].String())
	}
	return nil
}
