package main

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dapp-publish/dapp-publish/ens"
	"github.com/dapp-publish/dapp-publish/internal/testpeers"
)

// verify ar://TX and an ENS name whose contenthash is ar://TX, against a
// real arlocal gateway and real ENS contracts on anvil.
func TestVerifyArweave(t *testing.T) {
	ar := testpeers.StartArlocal(t)
	s := newENSSite(t)
	site := map[string][]byte{"index.html": []byte("<p>permanent</p>"), "assets/app.js": []byte("console.log(1)")}
	dir := t.TempDir()
	for p, b := range site {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, p), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	up := ar.UploadSite(t, site)
	runVerify := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(s.args(append([]string{"verify", "--arweave-gateway=" + ar.URL, "--dir=" + dir}, args...)...), &out, &errb)
		return code, out.String(), errb.String()
	}
	code, out, errOut := runVerify("ar://" + up.Manifest)
	if code != exitOK || !strings.Contains(out, "verify ar://"+up.Manifest) {
		t.Fatalf("ar://: exit %d\n%s\n%s", code, out, errOut)
	}

	tx, _ := base64.RawURLEncoding.DecodeString(up.Manifest)
	content := ens.Content{Namespace: ens.Arweave, ArweaveTx: tx}
	s.a.Call(t, s.a.Key(t, 1), s.e.Resolver, s.e.ResolverABI, "setContenthash", ens.Namehash("app.eth"), content.Contenthash())
	code, out, errOut = runVerify("app.eth")
	if code != exitOK || !strings.Contains(out, "app.eth -> ar://"+up.Manifest) {
		t.Fatalf("name: exit %d\n%s\n%s", code, out, errOut)
	}

	// The folder changed since the upload: the file that differs is named.
	if err := os.WriteFile(filepath.Join(dir, "assets/app.js"), []byte("console.log(2)"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runVerify("app.eth")
	if code != exitCheck || !strings.Contains(out, "different  assets/app.js") {
		t.Fatalf("changed: exit %d\n%s\n%s", code, out, errOut)
	}
}
