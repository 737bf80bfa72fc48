package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pack --json, inspect --json and piece agree on the piece CID, and
// piece --fetch checks a copy served over HTTP.
func TestPieceAgrees(t *testing.T) {
	dir := t.TempDir()
	site := filepath.Join(dir, "site")
	os.MkdirAll(filepath.Join(site, "a"), 0o755)
	os.WriteFile(filepath.Join(site, "index.html"), []byte("<p>hi"), 0o644)
	os.WriteFile(filepath.Join(site, "a", "big.bin"), bytes.Repeat([]byte("dapp-publish "), 300000), 0o644)
	car := filepath.Join(dir, "site.car")
	get := func(args ...string) map[string]any {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(append([]string{"dapp-publish"}, args...), &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		m := map[string]any{}
		if err := json.Unmarshal(out.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	pack := get("pack", site, "-o", car, "--json")
	insp := get("inspect", car, "--json", "--tree=false")
	pc := get("piece", car, "--json")
	for _, k := range []string{"piece_cid", "piece_cid_v1", "padded_piece_size"} {
		if pack[k] == nil || pack[k] != insp[k] || pack[k] != pc[k] {
			t.Errorf("%s: pack %v, inspect %v, piece %v", k, pack[k], insp[k], pc[k])
		}
	}
	data, _ := os.ReadFile(car)
	corrupt := bytes.Clone(data)
	corrupt[len(corrupt)/2] ^= 1
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/piece/good":
			w.Write(data)
		case "/piece/bad":
			w.Write(corrupt)
		case "/piece/short":
			w.Write(data[:len(data)-1])
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	want := pack["piece_cid"].(string)
	for path, code := range map[string]int{"good": 0, "bad": exitCheck, "short": exitCheck, "missing": exitFailed} {
		var out, errb bytes.Buffer
		got := run([]string{"dapp-publish", "piece", "--fetch", srv.URL + "/piece/" + path, "--expect", want}, &out, &errb)
		if got != code {
			t.Errorf("%s: exit %d, want %d: %s", path, got, code, errb.String())
		}
		if code == 0 && !strings.Contains(out.String(), "verified") {
			t.Errorf("%s: %s", path, out.String())
		}
	}
}
