package bundle_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/dapp-publish/dapp-publish/bundle"
)

var (
	benchOnce sync.Once
	benchDir  string
	benchSize int64
)

// benchSite writes, once per process, a 64 MiB site shaped like a build
// output: 600 small text-like files and a few multi-chunk images.
func benchSite(b *testing.B) (string, int64) {
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "dapp-publish-bench")
		if err != nil {
			b.Fatal(err)
		}
		m := map[string]string{}
		for i := range 600 {
			body := pattern(int64(1024+(i*7919)%40000), uint64(i))
			m[fmt.Sprintf("assets/g%02d/chunk-%04d.js", i%12, i)] = string(body)
			benchSize += int64(len(body))
		}
		for i := range 4 {
			body := pattern(12<<20, uint64(1000+i))
			m[fmt.Sprintf("img/hero-%d.png", i)] = string(body)
			benchSize += int64(len(body))
		}
		writeFiles(b, dir, m)
		benchDir = dir
	})
	if benchDir == "" {
		b.Fatal("no benchmark site")
	}
	return benchDir, benchSize
}

func BenchmarkPackOnlyHash(b *testing.B) {
	dir, size := benchSite(b)
	b.SetBytes(size)
	for b.Loop() {
		if _, err := bundle.Pack(context.Background(), os.DirFS(dir), bundle.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPackCARDiscard(b *testing.B) {
	dir, size := benchSite(b)
	b.SetBytes(size)
	for b.Loop() {
		if _, err := bundle.Pack(context.Background(), os.DirFS(dir), bundle.Options{CAR: io.Discard}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPackCARFile(b *testing.B) {
	dir, size := benchSite(b)
	out := filepath.Join(b.TempDir(), "site.car")
	b.SetBytes(size)
	for b.Loop() {
		f, err := os.Create(out)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := bundle.Pack(context.Background(), os.DirFS(dir), bundle.Options{CAR: f}); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}
