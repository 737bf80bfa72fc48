package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dapp-publish/dapp-publish/internal/trustless"
	"github.com/dapp-publish/dapp-publish/internal/trustless/trustlesstest"
)

// publish's verify stage refuses a gateway that sends the request on to
// another host, unless verify.allow_redirects is set; then the Record names
// the host the bytes came from.
func TestVerifierRedirects(t *testing.T) {
	car, err := trustlesstest.Read("hamt-valid")
	if err != nil {
		t.Fatal(err)
	}
	roots, err := trustless.ReadRoots(bytes.NewReader(car), trustless.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	holder := httptest.NewServer(trustlesstest.NewGateway(car))
	defer holder.Close()
	redirector := httptest.NewServer(trustlesstest.Redirect(holder.URL))
	defer redirector.Close()

	for _, allow := range []bool{false, true} {
		v := &verifier{timeout: time.Minute, allowRedirects: allow, redact: func(s string) string { return s }}
		got := v.VerifyGateway(context.Background(), roots[0], redirector.URL)
		switch {
		case !allow && (got.OK || !strings.Contains(got.Error, holder.URL)):
			t.Errorf("default: a cross-host redirect counted: %+v", got)
		case allow && (!got.OK || len(got.Via) != 1 || got.Via[0] != holder.URL):
			t.Errorf("allow_redirects: %+v, want verified with Via %s", got, holder.URL)
		}
	}
}
