package verify

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/internal/testpeers"
	"github.com/ipfs/go-cid"
)

var benchSiteMiB = flag.Int("bench-site-mib", 260, "size of the generated site the benchmarks verify")
var benchWorkersFlag = flag.Int("bench-workers", 0, "hashing workers in BenchmarkVerifyKuboGateway (0: GOMAXPROCS)")

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
// page cache after the first run): hashing every block and checking the DAG,
// with the default hashing workers (GOMAXPROCS) and with one.
func BenchmarkVerifyCAR(b *testing.B) {
	root, path := benchBundle(b)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	for _, w := range []struct {
		name    string
		workers int
	}{{"workers=default", 0}, {"workers=1", 1}} {
		b.Run(w.name, func(b *testing.B) {
			b.SetBytes(st.Size())
			for range b.N {
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := VerifyCAR(f, root, Options{Limits: Limits{Workers: w.workers}}); err != nil {
					b.Fatal(err)
				}
				f.Close()
			}
		})
	}
}

// BenchmarkVerifyKuboGateway fetches the benchmark CAR from a real local
// Kubo gateway and verifies it as it streams, and downloads the same CAR
// with curl (untimed by the benchmark clock, measured separately) for
// comparison: curl-MB/s is the plain download rate, ratio is ours over curl's.
func BenchmarkVerifyKuboGateway(b *testing.B) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		b.Skip("curl not installed")
	}
	root, path := benchBundle(b)
	k := testpeers.StartKubo(b)
	k.MustRun(b, nil, "dag", "import", "--pin-roots=true", path)
	gw := &Gateway{URL: k.Gateway}
	url := k.Gateway + "/ipfs/" + root.String() + "?format=car&dag-scope=all&car-version=1&car-order=dfs&car-dups=n"
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	var curlTime time.Duration
	b.ResetTimer()
	curlOnce := func() {
		start := time.Now()
		out, err := exec.Command(curl, "-sSf", "-o", "/dev/null", "-H", "Accept: "+acceptCAR, "-w", "%{size_download}", url).Output()
		curlTime += time.Since(start)
		if err != nil || string(out) != fmt.Sprint(st.Size()) {
			b.Fatalf("curl: %v, %s bytes", err, out)
		}
	}
	for i := range b.N {
		b.StopTimer()
		if i%2 == 1 { // alternate who goes first, so neither always gets a warmer gateway
			curlOnce()
		}
		b.StartTimer()
		res, err := gw.FetchCAR(context.Background(), root, Options{Limits: Limits{Workers: *benchWorkersFlag}})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if res.Bytes != st.Size() {
			b.Fatalf("verified %d bytes, the CAR file has %d", res.Bytes, st.Size())
		}
		if i%2 == 0 {
			curlOnce()
		}
		b.StartTimer()
	}
	b.StopTimer()
	curlMBs := float64(st.Size()) * float64(b.N) / curlTime.Seconds() / 1e6
	oursMBs := float64(st.Size()) * float64(b.N) / b.Elapsed().Seconds() / 1e6
	b.ReportMetric(curlMBs, "curl-MB/s")
	b.ReportMetric(oursMBs/curlMBs, "ratio")
}
