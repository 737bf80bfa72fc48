// Command benchceiling prints this machine's SHA-256 ceiling, the figure
// every speed of make bench is compared with: Go's crypto/sha256 over 1 MiB
// messages on one core and on every core at once, the CPU features that
// decide how fast SHA-256 can be, and the rate of the sixteen-lane hashing
// dapp-publish uses where the CPU has AVX-512 (internal/sha256mb). With
// -env it prints only shell assignments for scripts/bench.sh.
//
//	go run ./scripts/benchceiling [-env]
package main

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/dapp-publish/dapp-publish/internal/sha256mb"
)

const msg = 1 << 20

func main() {
	env := flag.Bool("env", false, "print CEIL1, CEILN, CORES and MB16 as shell assignments")
	flag.Parse()
	cores := runtime.NumCPU()
	one := rate(1, hashStd)
	all := rate(cores, hashStd)
	mb := rate(1, hashLanes)
	if *env {
		fmt.Printf("CEIL1=%.0f CEILN=%.0f CORES=%d MB16=%.0f\n", one, all, cores, mb)
		return
	}
	fmt.Printf("cpu: %s; %d cores; %s\n", model(), cores, flags())
	fmt.Printf("SHA-256 ceiling (Go crypto/sha256, 1 MiB messages): one core %.0f MB/s, %d cores %.0f MB/s\n", one, cores, all)
	if sha256mb.Accelerated() {
		fmt.Printf("sixteen messages at once (AVX-512, internal/sha256mb), one core: %.0f MB/s (%.1fx crypto/sha256)\n", mb, mb/one)
	} else {
		fmt.Println("no AVX-512: dapp-publish hashes one message at a time with crypto/sha256")
	}
}

// rate runs hash on n goroutines for about half a second after a warm-up
// and returns the MB/s of all of them together (best of three).
func rate(n int, hash func(bufs [][]byte)) float64 {
	best := 0.0
	for range 3 {
		var wg sync.WaitGroup
		var mu sync.Mutex
		total := 0
		start := time.Now()
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				bufs := make([][]byte, sha256mb.Lanes)
				for i := range bufs {
					bufs[i] = make([]byte, msg)
				}
				hash(bufs) // warm-up: pages and caches
				done := 0
				for t := time.Now(); time.Since(t) < 150*time.Millisecond; {
					hash(bufs)
					done += len(bufs) * msg
				}
				mu.Lock()
				total += done
				mu.Unlock()
			}()
		}
		wg.Wait()
		best = max(best, float64(total)/time.Since(start).Seconds()/1e6)
	}
	return best
}

func hashStd(bufs [][]byte) {
	for _, b := range bufs {
		sha256.Sum256(b)
	}
}

func hashLanes(bufs [][]byte) {
	out := make([][sha256mb.Size]byte, len(bufs))
	sha256mb.Sum(out, bufs)
}

func cpuinfo() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return string(b)
}

func model() string {
	for _, l := range strings.Split(cpuinfo(), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// flags lists the CPU features that matter for SHA-256, present or absent.
func flags() string {
	have := map[string]bool{}
	for _, l := range strings.Split(cpuinfo(), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && (strings.TrimSpace(k) == "flags" || strings.TrimSpace(k) == "Features") {
			for _, f := range strings.Fields(v) {
				have[f] = true
			}
			break
		}
	}
	var out []string
	for _, f := range []string{"sha_ni", "avx2", "avx512f", "avx512bw", "avx512vl", "avx512dq", "sha2"} {
		if have[f] {
			out = append(out, f)
		} else if f != "sha2" {
			out = append(out, "no "+f)
		}
	}
	return "flags: " + strings.Join(out, " ")
}
