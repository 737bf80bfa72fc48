package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// packSite packs a small site whose index.html says body, and returns its
// CAR's bytes, root and piece CID.
func packSite(t *testing.T, body string) (car []byte, root, pieceCID string) {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "index.html"), []byte(body), 0o644)
	out := filepath.Join(t.TempDir(), "site.car")
	code, stdout, stderr := runCLI(t, "pack", dir, "-o", out, "--json")
	if code != exitOK {
		t.Fatalf("pack: exit %d\n%s", code, stderr)
	}
	var res struct {
		Root  string `json:"cid"`
		Piece string `json:"piece_cid"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || res.Root == "" || res.Piece == "" {
		t.Fatalf("pack --json: %v\n%s", err, stdout)
	}
	car, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return car, res.Root, res.Piece
}

// TestVerifyPiece: verify --piece checks a Filecoin copy as a storage
// provider serves it (/piece/<piece CID>): the bytes must be the CAR of
// the root, every block checked, and hash to the piece CID the URL names.
// Alone, --piece asks no public gateway.
func TestVerifyPiece(t *testing.T) {
	car, root, pc := packSite(t, "<p>on filecoin</p>")
	other, _, otherPC := packSite(t, "<p>something else</p>")
	_, _, thirdPC := packSite(t, "<p>a third site</p>")
	var mu sync.Mutex
	// thirdPC's URL serves the right CAR under a piece CID it does not hash to.
	pieces := map[string][]byte{pc: car, otherPC: other, thirdPC: car}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		data, ok := pieces[strings.TrimPrefix(r.URL.Path, "/piece/")]
		mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
	}))
	defer srv.Close()
	at := func(p string) string { return srv.URL + "/piece/" + p }

	code, out, errOut := runCLI(t, "verify", root, "--piece", at(pc), "--json")
	var res verifyResult
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != exitOK || !res.OK || len(res.Sources) != 1 || res.Sources[0].Mode != "piece" || res.Sources[0].Bytes != int64(len(car)) {
		t.Fatalf("good piece: exit %d %v\n%s\n%s", code, err, out, errOut)
	}
	for _, tc := range []struct {
		name, root, url, want string
		code                  int
	}{
		{"another site's piece", root, at(otherPC), "wrong root", exitCheck},
		{"the right CAR under another piece CID", root, at(thirdPC), "not the piece the URL names", exitCheck},
		{"no such piece", root, at("bafkzcibcaapao7tnbtngvkhrxi5hobfw2ryibq4ay2kxkqkodn3h4sfzxm5wn7a"), "404", exitCheck},
		{"not a piece URL", root, srv.URL + "/ipfs/" + root, "does not end in a piece CID", exitUsage},
		{"ar:// content", "ar://ys32Pt8uC7TrVxHdOLByOspfPEq2LO63wREHQIM9SJQ", at(pc), "is Arweave content", exitUsage},
	} {
		code, out, errOut := runCLI(t, "verify", tc.root, "--piece", tc.url)
		if code != tc.code || !strings.Contains(out+errOut, tc.want) {
			t.Errorf("%s: exit %d, want %d and %q\n%s\n%s", tc.name, code, tc.code, tc.want, out, errOut)
		}
	}
	// A flipped byte in the served CAR.
	bad := append([]byte(nil), car...)
	bad[len(bad)-1] ^= 1
	mu.Lock()
	pieces[pc] = bad
	mu.Unlock()
	if code, out, errOut := runCLI(t, "verify", root, "--piece", at(pc)); code != exitCheck || !strings.Contains(out, "FAILED") {
		t.Errorf("flipped byte: exit %d\n%s\n%s", code, out, errOut)
	}
}
