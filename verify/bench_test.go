package verify

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/ipfs/go-cid"
)

var benchSiteMiB = flag.Int("bench-site-mib", 260, "size of the generated site the benchmarks verify")

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

var (
	benchOnce sync.Once
	benchDir  string
	benchCAR  string
	benchRoot cid.Cid
	benchErr  error
)

// benchBundle generates (once per test binary) a synthetic site of about
// -bench-site-mib MiB, the shape of a large DApp: a few thousand files from
// a few hundred bytes to several MiB, and packs it into a CAR file on disk.
func benchBundle(b *testing.B) (cid.Cid, string) {
	benchOnce.Do(func() {
		benchDir, benchErr = os.MkdirTemp("", "verify-bench-")
		if benchErr != nil {
			return
		}
		site := filepath.Join(benchDir, "site")
		if benchErr = writeSyntheticSite(site, int64(*benchSiteMiB)<<20); benchErr != nil {
			return
		}
		benchCAR = filepath.Join(benchDir, "site.car")
		benchRoot, benchErr = packToFile(site, benchCAR)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchRoot, benchCAR
}

func writeSyntheticSite(dir string, total int64) error {
	rng := rand.New(rand.NewChaCha8([32]byte{1}))
	buf := make([]byte, 8<<20)
	for i := 0; total > 0; i++ {
		size := min(total, int64(256+rng.IntN(180<<10)))
		if i%100 == 0 {
			size = min(total, int64(1<<20+rng.IntN(7<<20)))
		}
		p := filepath.Join(dir, fmt.Sprintf("d%02d", i%37), fmt.Sprintf("f%05d.bin", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		data := buf[:size]
		for j := 0; j < len(data); j += 8 {
			v := rng.Uint64()
			for k := 0; k < 8 && j+k < len(data); k++ {
				data[j+k] = byte(v >> (8 * k))
			}
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
		total -= size
	}
	return os.WriteFile(filepath.Join(dir, "index.html"), []byte("<!doctype html>"), 0o644)
}

func packToFile(site, carPath string) (cid.Cid, error) {
	f, err := os.Create(carPath)
	if err != nil {
		return cid.Undef, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	bd, err := bundle.Pack(context.Background(), os.DirFS(site), bundle.Options{CAR: w})
	if err != nil {
		return cid.Undef, err
	}
	return bd.Root, w.Flush()
}

// BenchmarkVerifyCAR verifies the benchmark CAR from a local file (in the
// page cache after the first run): hashing every block and checking the DAG.
func BenchmarkVerifyCAR(b *testing.B) {
	root, path := benchBundle(b)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ResetTimer()
	for range b.N {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := VerifyCAR(f, root, Options{}); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}
