package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/ens"
	"github.com/dapp-publish/dapp-publish/internal/testpeers"
	"github.com/ipfs/go-cid"
)

// ensSite is a real ENS registry and resolver on anvil, app.eth owned by
// account 1, and a Kubo node whose gateway holds the sites the test makes.
type ensSite struct {
	a    *testpeers.Anvil
	e    *testpeers.ENS
	kubo *testpeers.Kubo
}

func newENSSite(t *testing.T) *ensSite {
	a := testpeers.StartAnvil(t)
	e := testpeers.DeployENS(t, a)
	e.Register(t, "app.eth", e.Resolver, a.Address(t, 1))
	t.Setenv("ETH_RPC_URL", "")
	return &ensSite{a: a, e: e, kubo: testpeers.StartKubo(t)}
}

// publish packs files, imports the CAR into Kubo and points app.eth at it.
func (s *ensSite) publish(t *testing.T, files fstest.MapFS) cid.Cid {
	var car bytes.Buffer
	b, err := bundle.Pack(context.Background(), files, bundle.Options{CAR: &car})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "site.car")
	if err := os.WriteFile(p, car.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	s.kubo.MustRun(t, nil, "dag", "import", "--pin-roots=true", p)
	content, err := ens.ParseContent("ipfs://" + b.Root.String())
	if err != nil {
		t.Fatal(err)
	}
	s.a.Call(t, s.a.Key(t, 1), s.e.Resolver, s.e.ResolverABI, "setContenthash", ens.Namehash("app.eth"), content.Contenthash())
	return b.Root
}

func (s *ensSite) args(extra ...string) []string {
	return append([]string{"dapp-publish"}, append(extra, "--rpc="+s.a.URL, "--registry="+s.e.Registry.Hex())...)
}

func TestVerifyENSName(t *testing.T) {
	s := newENSSite(t)
	root := s.publish(t, fstest.MapFS{"index.html": {Data: []byte("<p>v1</p>")}})
	var out, errb bytes.Buffer
	code := run(s.args("verify", "--gateway="+s.kubo.Gateway, "app.eth"), &out, &errb)
	if code != exitOK || !strings.Contains(out.String(), "verify app.eth -> "+root.String()) {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	out.Reset()
	errb.Reset()
	code = run(s.args("verify", "--gateway="+s.kubo.Gateway, "nobody.eth"), &out, &errb)
	if code == exitOK || !strings.Contains(errb.String(), "nobody.eth") {
		t.Fatalf("an unregistered name: exit %d\n%s", code, errb.String())
	}
	if strings.Contains(errb.String(), s.a.URL) {
		t.Errorf("the RPC URL was printed in full: %s", errb.String())
	}
	t.Logf("unregistered: %s", errb.String())
}

// serve NAME follows the name: when the contenthash changes, the new site is
// served once --name-ttl has passed.
func TestServeENSNameReresolves(t *testing.T) {
	s := newENSSite(t)
	s.publish(t, fstest.MapFS{"index.html": {Data: []byte("<p>v1</p>")}})
	port := testpeers.FreePort(t)
	done := make(chan int, 1)
	var out, errb bytes.Buffer
	go func() {
		done <- run(s.args("serve", fmt.Sprintf("--listen=127.0.0.1:%d", port), "--gateway="+s.kubo.Gateway, "--name-ttl=1s", "app.eth"), &out, &errb)
	}()
	host := fmt.Sprintf("app.eth.localhost:%d", port)
	get := func() string {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/", port), nil)
			req.Host = host
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				return fmt.Sprintf("%d %s", resp.StatusCode, body)
			}
			if time.Now().After(deadline) {
				t.Fatalf("serve never answered: %v\n%s", err, errb.String())
			}
		}
	}
	if got := get(); got != "200 <p>v1</p>" {
		t.Fatalf("first: %q", got)
	}
	s.publish(t, fstest.MapFS{"index.html": {Data: []byte("<p>v2</p>")}})
	time.Sleep(1100 * time.Millisecond)
	if got := get(); got != "200 <p>v2</p>" {
		t.Fatalf("after the contenthash changed: %q", got)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil { // serve stops on Ctrl-C
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != exitOK || !strings.Contains(out.String(), "open http://"+host+"/") {
			t.Errorf("serve: exit %d\n%s\n%s", code, out.String(), errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop on SIGINT")
	}
}
