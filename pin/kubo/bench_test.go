package kubo_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/internal/testpeers"
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/pintest"
)

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

// BenchmarkKuboUpload uploads the benchmark CAR (DAPP_PUBLISH_BENCH_MIB,
// default 260 MiB) to a real local Kubo through the provider. Between
// iterations the pin is removed and the repo garbage-collected, so every
// iteration sends and imports the whole CAR. The "repin" case measures a
// second run on a pinned root, which must send no CAR bytes.
func BenchmarkKuboUpload(b *testing.B) {
	mib := 260
	if v, err := strconv.Atoi(os.Getenv("DAPP_PUBLISH_BENCH_MIB")); err == nil && v > 0 {
		mib = v
	}
	k := testpeers.StartKubo(b)
	tb := benchSite(b, mib)
	p := newProvider(b, k)
	u, _ := pin.AsUnpinner(p)
	b.Run("upload", func(b *testing.B) {
		b.SetBytes(tb.Size)
		for b.Loop() {
			b.StopTimer()
			if err := u.Unpin(context.Background(), tb.Root); err != nil {
				b.Fatal(err)
			}
			k.MustRun(b, nil, "repo", "gc", "--quiet")
			b.StartTimer()
			if _, err := p.Pin(context.Background(), tb.Bundle); err != nil {
				b.Fatal(err)
			}
		}
	})
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
