// Command benchsite writes a deterministic synthetic frontend build for
// benchmarks: by default about 3,000 files and 260 MiB, shaped like a large
// Vite/Next dist/ folder (many 1-50 KB JS/CSS/HTML files, fonts, a few
// 5-20 MiB images). The same flags always produce the same bytes.
//
//	go run ./scripts/benchsite -o /tmp/site [-scale 1] [-seed 1]
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
)

func main() {
	out := flag.String("o", "", "output folder (must not exist or be empty)")
	scale := flag.Float64("scale", 1, "multiply the number of large images by this (22 gives about 4 GiB)")
	seed := flag.Uint64("seed", 1, "content seed")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "usage: benchsite -o DIR [-scale N] [-seed N]")
		os.Exit(2)
	}
	if err := generate(*out, *scale, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "benchsite:", err)
		os.Exit(1)
	}
}

type fileSpec struct {
	dir, ext string
	count    int
	min, max int
	text     bool
}

func generate(out string, scale float64, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	specs := []fileSpec{
		{"assets", ".js", 1400, 1 << 10, 50 << 10, true},
		{"assets", ".css", 500, 1 << 10, 30 << 10, true},
		{"pages", ".html", 900, 1 << 10, 20 << 10, true},
		{"fonts", ".woff2", 60, 20 << 10, 120 << 10, false},
		{"img", ".webp", 130, 10 << 10, 400 << 10, false},
		{"img/hero", ".png", int(15 * scale), 5 << 20, 20 << 20, false},
	}
	total, files := int64(0), 0
	for _, s := range specs {
		for i := range s.count {
			size := s.min + rng.IntN(s.max-s.min+1)
			sub := filepath.Join(out, s.dir, fmt.Sprintf("g%02d", i%16))
			name := filepath.Join(sub, fmt.Sprintf("chunk-%05d-%08x%s", i, rng.Uint32(), s.ext))
			if err := os.MkdirAll(sub, 0o755); err != nil {
				return err
			}
			if err := writeFile(name, size, s.text, rng); err != nil {
				return err
			}
			total += int64(size)
			files++
		}
	}
	index := `<!doctype html><html><head><script type="module" src="./assets/g00/app.js"></script></head><body><div id="root"></div></body></html>`
	if err := os.WriteFile(filepath.Join(out, "index.html"), []byte(index), 0o644); err != nil {
		return err
	}
	redirects := "/*  /index.html  200\n"
	if err := os.WriteFile(filepath.Join(out, "_redirects"), []byte(redirects), 0o644); err != nil {
		return err
	}
	fmt.Printf("%d files, %d bytes\n", files+2, total+int64(len(index)+len(redirects)))
	return nil
}

// writeFile writes size bytes: text-like for JS/CSS/HTML (compressible, as
// real bundles are), random for binary formats.
func writeFile(name string, size int, text bool, rng *rand.Rand) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	const words = "function return const export import default async await class extends this props state render useEffect "
	buf := make([]byte, 8)
	for n := 0; n < size; {
		if text {
			k := rng.IntN(len(words) - 16)
			chunk := words[k : k+16]
			if size-n < len(chunk) {
				chunk = chunk[:size-n]
			}
			w.WriteString(chunk)
			n += len(chunk)
			continue
		}
		v := rng.Uint64()
		for i := range buf {
			buf[i] = byte(v >> (8 * i))
		}
		k := min(8, size-n)
		w.Write(buf[:k])
		n += k
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
