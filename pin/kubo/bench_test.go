package kubo_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/internal/testpeers"
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/pintest"
	carv2 "github.com/ipld/go-car/v2"
)

// benchCAR opens DAPP_PUBLISH_BENCH_CAR, or packs a generated site.
func benchCAR(b *testing.B) *pintest.Bundle {
	path := os.Getenv("DAPP_PUBLISH_BENCH_CAR")
	if path == "" {
		mib := 260
		if v, err := strconv.Atoi(os.Getenv("DAPP_PUBLISH_BENCH_MIB")); err == nil && v > 0 {
			mib = v
		}
		return benchSite(b, mib)
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	br, err := carv2.NewBlockReader(f)
	if err != nil || len(br.Roots) != 1 {
		b.Fatalf("%s: not a one-root CAR: %v", path, err)
	}
	fi, _ := f.Stat()
	return &pintest.Bundle{Bundle: pin.Bundle{Root: br.Roots[0], CAR: f, Size: fi.Size()}, Path: path}
}

// benchSite writes a synthetic site of about mib MiB (files from 1 KiB to
// 4 MiB, random bytes) and packs it into a CAR, like the project's
// benchmark site.
func benchSite(b *testing.B, mib int) *pintest.Bundle {
	dir := b.TempDir()
	rng := rand.NewChaCha8([32]byte{1})
	left := int64(mib) << 20
	for i := 0; left > 0; i++ {
		n := min(int64(1<<10)<<(i%13), left)
		data := make([]byte, n)
		_, _ = rng.Read(data)
		p := filepath.Join(dir, fmt.Sprintf("d%02d", i%37), fmt.Sprintf("f%04d.bin", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			b.Fatal(err)
		}
		left -= n
	}
	carPath := filepath.Join(b.TempDir(), "bench.car")
	f, err := os.Create(carPath)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	res, err := bundle.Pack(context.Background(), os.DirFS(dir), bundle.Options{CAR: f})
	if err != nil {
		b.Fatal(err)
	}
	return &pintest.Bundle{Bundle: pin.Bundle{Root: res.Root, CAR: f, Size: res.CARSize}, Path: carPath}
}

// BenchmarkKuboUpload uploads the benchmark CAR to a real local Kubo
// through the provider, and the same CAR with `curl -F` to dag/import, and
// logs the ratio of their times (>= 1 means the provider is at least as
// fast). The CAR is DAPP_PUBLISH_BENCH_CAR if set, otherwise a generated
// site of DAPP_PUBLISH_BENCH_MIB (default 260) MiB. Before every iteration
// the pin is removed and the repo garbage-collected, so every iteration
// sends and imports the whole CAR. The "repin" case measures a run on a
// pinned root, which must send no CAR bytes.
func BenchmarkKuboUpload(b *testing.B) {
	k := testpeers.StartKubo(b)
	tb := benchCAR(b)
	p := newProvider(b, k)
	u, _ := pin.AsUnpinner(p)
	reset := func(b *testing.B) {
		b.StopTimer()
		if err := u.Unpin(context.Background(), tb.Root); err != nil {
			b.Fatal(err)
		}
		k.MustRun(b, nil, "repo", "gc", "--quiet")
		b.StartTimer()
	}
	if _, err := p.Pin(context.Background(), tb.Bundle); err != nil {
		b.Fatal(err) // also checks the CAR imports at all
	}
	var ours, curls time.Duration      // best
	var oursSum, curlSum time.Duration // totals, for the mean
	var oursN, curlN int
	b.Run("provider", func(b *testing.B) {
		b.SetBytes(tb.Size)
		for b.Loop() {
			reset(b)
			start := time.Now()
			if _, err := p.Pin(context.Background(), tb.Bundle); err != nil {
				b.Fatal(err)
			}
			d := time.Since(start)
			oursSum, oursN = oursSum+d, oursN+1
			if ours == 0 || d < ours {
				ours = d
			}
		}
	})
	b.Run("curl", func(b *testing.B) {
		curl, err := exec.LookPath("curl")
		if err != nil {
			b.Skip("curl not installed")
		}
		b.SetBytes(tb.Size)
		for b.Loop() {
			reset(b)
			start := time.Now()
			out, err := exec.Command(curl, "-sS", "-f", "-o", "/dev/null", "-F", "file=@"+tb.Path,
				k.API+"/api/v0/dag/import?pin-roots=true&stats=true").CombinedOutput()
			if err != nil {
				b.Fatalf("curl: %v: %s", err, out)
			}
			d := time.Since(start)
			curlSum, curlN = curlSum+d, curlN+1
			if curls == 0 || d < curls {
				curls = d
			}
		}
	})
	if oursN > 0 && curlN > 0 {
		meanOurs, meanCurl := oursSum/time.Duration(oursN), curlSum/time.Duration(curlN)
		fmt.Printf("BenchmarkKuboUpload: %.1f MiB CAR: provider mean %v best %v; curl -F mean %v best %v; "+
			"ratio curl/provider: mean %.2f, best %.2f (>= 1.00: provider at least as fast)\n",
			float64(tb.Size)/(1<<20), meanOurs.Round(time.Millisecond), ours.Round(time.Millisecond),
			meanCurl.Round(time.Millisecond), curls.Round(time.Millisecond),
			float64(meanCurl)/float64(meanOurs), float64(curls)/float64(ours))
	}
	b.Run("repin", func(b *testing.B) {
		var sent atomic.Int64
		bb := tb.Bundle
		bb.Progress = func(n int64) { sent.Add(n) }
		for b.Loop() {
			rec, err := p.Pin(context.Background(), bb)
			if err != nil || !rec.Skipped {
				b.Fatalf("repin: %+v, %v", rec, err)
			}
		}
		b.ReportMetric(float64(sent.Load()), "CAR-bytes-sent")
	})
}
