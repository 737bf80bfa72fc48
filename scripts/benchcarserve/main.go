// Command benchcarserve serves one CAR file as a trustless gateway would
// answer GET /ipfs/{root}?format=car for it, on 127.0.0.1 (a free port,
// printed on the first line of its output), so that make bench can time
// `dapp-publish verify` of a local CAR as a whole process, without a
// gateway's own cost in the figure: the response has a Content-Length, so
// Go's server sends the file with sendfile(2) instead of copying it through
// a chunked body. It serves only the root given, and stops when its
// standard input closes, printing the CPU time it spent per request, the
// share of the machine the figure of the client does not show.
//
// With -get it is the other end instead: it fetches a URL once, reads the
// body in large reads and throws it away, the cost of the loopback
// transport alone.
//
//	go run ./scripts/benchcarserve -car site.car -root CID
//	benchcarserve -get URL
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	car := flag.String("car", "", "CAR file")
	root := flag.String("root", "", "root CID it holds")
	get := flag.String("get", "", "fetch this URL and discard the body")
	flag.Parse()
	if *get != "" {
		if err := fetch(*get); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("http://" + ln.Addr().String())
	var requests atomic.Int64
	go func() {
		io.Copy(io.Discard, os.Stdin)
		if n := requests.Load(); n > 0 {
			fmt.Printf("server: %d requests, CPU (user+sys) %s per request\n", n, (cpuTime() / time.Duration(n)).Round(time.Millisecond))
		}
		os.Exit(0)
	}()
	http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ipfs/"+*root || !strings.Contains(r.URL.RawQuery, "format=car") {
			http.NotFound(w, r)
			return
		}
		f, err := os.Open(*car)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		requests.Add(1)
		w.Header().Set("Content-Type", "application/vnd.ipld.car; version=1; order=dfs; dups=n")
		w.Header().Set("Content-Length", fmt.Sprint(fi.Size()))
		io.Copy(w, f)
	}))
}

func fetch(url string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	buf := make([]byte, 4<<20)
	for {
		if _, err := resp.Body.Read(buf); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
