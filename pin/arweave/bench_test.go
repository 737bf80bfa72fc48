package arweave_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/arweave"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx/artxtest"
)

// checkingSink is the upload half of an Arweave node reduced to checking
// and discarding: it verifies every transaction's signature and every
// chunk's proof and bytes against the signed data root, then forgets them.
// arlocal cannot take a large site (it rescans every chunk it holds for
// each new one), so the uploader's speed and memory on a large site are
// measured against this; correctness is shown against arlocal.
type checkingSink struct {
	mu    sync.Mutex
	roots map[string]int64 // data_root -> data_size of the transactions posted
	bytes atomic.Int64     // data bytes checked
	bad   atomic.Int64
}

func (s *checkingSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/tx_anchor":
		io.WriteString(w, base64.RawURLEncoding.EncodeToString(make([]byte, 48)))
	case strings.HasPrefix(r.URL.Path, "/price/"):
		io.WriteString(w, "1000")
	case strings.HasSuffix(r.URL.Path, "/balance"):
		io.WriteString(w, "1000000000000000000000")
	case r.URL.Path == "/graphql":
		io.WriteString(w, `{"data":{"transactions":{"pageInfo":{"hasNextPage":false},"edges":[]}}}`)
	case strings.HasSuffix(r.URL.Path, "/status"):
		io.WriteString(w, `{"block_height":1,"number_of_confirmations":1}`)
	case r.URL.Path == "/tx":
		s.tx(w, r)
	case r.URL.Path == "/chunk":
		s.chunk(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (s *checkingSink) tx(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	tx, err := artx.ParseTransaction(b)
	if err == nil {
		err = tx.Verify()
	}
	if err != nil {
		s.bad.Add(1)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.bytes.Add(int64(len(tx.Data)))
	s.mu.Lock()
	s.roots[string(tx.DataRoot)] = tx.DataSize
	s.mu.Unlock()
}

func (s *checkingSink) chunk(w http.ResponseWriter, r *http.Request) {
	var c struct{ DataRoot, DataPath, Offset, Chunk string }
	err := json.NewDecoder(r.Body).Decode(&struct {
		DataRoot *string `json:"data_root"`
		DataPath *string `json:"data_path"`
		Offset   *string `json:"offset"`
		Chunk    *string `json:"chunk"`
	}{&c.DataRoot, &c.DataPath, &c.Offset, &c.Chunk})
	root, _ := base64.RawURLEncoding.DecodeString(c.DataRoot)
	path, _ := base64.RawURLEncoding.DecodeString(c.DataPath)
	data, _ := base64.RawURLEncoding.DecodeString(c.Chunk)
	off, _ := strconv.ParseInt(c.Offset, 10, 64)
	s.mu.Lock()
	size, ok := s.roots[string(root)]
	s.mu.Unlock()
	var ch artx.Chunk
	if err == nil && ok {
		ch, err = artx.ValidatePath(root, off, size, path)
	}
	if err != nil || !ok || ch.DataHash != sha256.Sum256(data) || ch.Size() != int64(len(data)) {
		s.bad.Add(1)
		http.Error(w, `{"error":"invalid_proof"}`, http.StatusBadRequest)
		return
	}
	s.bytes.Add(int64(len(data)))
}

// largeSite writes a site of files of 1 KB to 8 MiB (and one of 64 MiB) into
// a folder, packs it into a CAR there, and returns the bundle; the bytes
// stay on disk, as a real site's do.
func largeSite(b *testing.B, total int64) pin.Bundle {
	dir := b.TempDir()
	site := filepath.Join(dir, "site")
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 64<<20)
	for i := range buf {
		buf[i] = byte(rng.Uint32())
	}
	var n int64
	for i := 0; n < total; i++ {
		size := int64(1<<10 + rng.IntN(8<<20))
		if i == 0 {
			size = 64 << 20
		}
		p := filepath.Join(site, "d"+strconv.Itoa(i%8), "f"+strconv.Itoa(i)+".bin")
		os.MkdirAll(filepath.Dir(p), 0o755)
		buf[0] = byte(i) // distinct files
		if err := os.WriteFile(p, buf[:size], 0o644); err != nil {
			b.Fatal(err)
		}
		n += size
	}
	os.WriteFile(filepath.Join(site, "index.html"), []byte("<p>big</p>"), 0o644)
	f, err := os.Create(filepath.Join(dir, "site.car"))
	if err != nil {
		b.Fatal(err)
	}
	bd, err := bundle.Pack(context.Background(), os.DirFS(site), bundle.Options{CAR: f})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	return pin.Bundle{Root: bd.Root, CAR: f, Size: bd.CARSize}
}

// BenchmarkPin uploads a 256 MiB site (and its CAR: 512 MiB of data) to a
// checking sink and reports the uploader's throughput and its peak heap,
// which must not grow with the site: chunks are streamed from the CAR.
func BenchmarkPin(b *testing.B) {
	bd := largeSite(b, 256<<20)
	sink := &checkingSink{roots: map[string]int64{}}
	srv := httptest.NewServer(sink)
	b.Cleanup(srv.Close)
	b.SetBytes(2 * bd.Size)
	var peak uint64
	for b.Loop() {
		p, err := arweave.NewProvider("bench", &arweave.Config{Gateway: srv.URL, Wallet: artxtest.Secret(0), StateDir: b.TempDir(),
			PollInterval: time.Millisecond})
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		stop := sampleHeap(&peak)
		_, err = p.Pin(context.Background(), bd)
		stop()
		if err != nil || sink.bad.Load() > 0 {
			b.Fatalf("%v (%d refused)", err, sink.bad.Load())
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

// sampleHeap records the largest heap in use until stopped.
func sampleHeap(peak *uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			*peak = max(*peak, ms.HeapInuse)
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	})
	return func() { close(done); wg.Wait() }
}
