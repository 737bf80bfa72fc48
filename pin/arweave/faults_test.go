package arweave_test

import (
	"bytes"
	"net/http"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/arweave"
	"github.com/dapp-publish/dapp-publish/pin/pintest"
)

// bigSite has files of several chunks, so that faults land mid-file.
func bigSite() map[string][]byte {
	return map[string][]byte{"index.html": []byte("<p>big</p>"), "a.bin": random(11, 1300<<10+5), "b.bin": random(12, 800<<10)}
}

func pack(t *testing.T, files map[string][]byte) *pintest.Bundle {
	fs := fstest.MapFS{}
	for p, b := range files {
		fs[p] = &fstest.MapFile{Data: b}
	}
	return pintest.PackFS(t, fs)
}

// TestServerErrorsMidChunks: the gateway answers 500 to chunks in the
// middle of the upload; each is retried, and no chunk and no transaction
// is sent twice.
func TestServerErrorsMidChunks(t *testing.T) {
	ar := arlocal(t)
	rec := newRecorder(t, ar.URL)
	var n atomic.Int32
	rec.fault = func(r *http.Request, _ []byte) (int, bool) {
		if r.URL.Path != "/chunk" {
			return 0, false
		}
		k := n.Add(1)
		return http.StatusInternalServerError, k == 5 || k == 6 || k == 14 // 5 and 6: the same chunk twice
	}
	p := provider(t, rec.URL, func(c *arweave.Config) { c.Retry = pin.RetryPolicy{Attempts: 4, Base: time.Millisecond} })
	files := bigSite()
	b := pack(t, files)
	r, err := p.Pin(ctx(t), b.Bundle)
	if err != nil {
		t.Fatal(err)
	}
	if d := rec.duplicates(); len(d) > 0 {
		t.Errorf("chunks sent twice: %v", d)
	}
	if got := rec.count("POST /tx"); got != len(files)+2 {
		t.Errorf("%d transactions posted, want %d (files, CAR, manifest)", got, len(files)+2)
	}
	for path, data := range files {
		if got := get(t, ar.URL+"/"+r.ManifestID+"/"+path); !bytes.Equal(got, data) {
			t.Errorf("%s differs after the faults", path)
		}
	}
	checkCAR(t, ar.URL, r, b)
}

// TestResumeAfterInterruption: the gateway fails every chunk after a few,
// so the run gives up; a new run (a new process: a new provider with the
// same state folder) resumes. It posts no transaction again (nothing is
// paid twice) and no chunk the gateway already accepted.
func TestResumeAfterInterruption(t *testing.T) {
	ar := arlocal(t)
	rec := newRecorder(t, ar.URL)
	var n atomic.Int32
	var down atomic.Bool
	down.Store(true)
	rec.fault = func(r *http.Request, _ []byte) (int, bool) {
		return http.StatusServiceUnavailable, r.URL.Path == "/chunk" && n.Add(1) > 6 && down.Load()
	}
	state := t.TempDir()
	cfg := func(c *arweave.Config) {
		c.StateDir = state
		c.Retry = pin.RetryPolicy{Attempts: 2, Base: time.Millisecond}
	}
	files := bigSite()
	b := pack(t, files)
	if _, err := provider(t, rec.URL, cfg).Pin(ctx(t), b.Bundle); err == nil || pin.IsPermanent(err) {
		t.Fatalf("the interrupted run: %v (want a transient error)", err)
	}
	firstTx := rec.count("POST /tx")
	down.Store(false)
	rec.mu.Lock()
	rec.hits = map[string]int{}
	rec.mu.Unlock()
	r, err := provider(t, rec.URL, cfg).Pin(ctx(t), b.Bundle)
	if err != nil {
		t.Fatal(err)
	}
	if d := rec.duplicates(); len(d) > 0 {
		t.Errorf("chunks sent twice across the two runs: %v", d)
	}
	if total := firstTx + rec.count("POST /tx"); total != len(files)+2 {
		t.Errorf("%d transactions posted over both runs (%d in the first), want %d: something was paid twice", total, firstTx, len(files)+2)
	}
	for path, data := range files {
		if got := get(t, ar.URL+"/"+r.ManifestID+"/"+path); !bytes.Equal(got, data) {
			t.Errorf("%s differs after resuming", path)
		}
	}
	checkCAR(t, ar.URL, r, b)
}
