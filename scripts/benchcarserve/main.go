// Command benchcarserve serves one CAR file as a trustless gateway would
// answer GET /ipfs/{root}?format=car for it, on 127.0.0.1 (a free port,
// printed on the first line of its output), so that make bench can time
// `dapp-publish verify` of a local CAR as a whole process, without a
// gateway's own cost in the figure. It serves only the root given, and
// stops when its standard input closes.
//
//	go run ./scripts/benchcarserve -car site.car -root CID
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
)

func main() {
	car := flag.String("car", "", "CAR file")
	root := flag.String("root", "", "root CID it holds")
	flag.Parse()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("http://" + ln.Addr().String())
	go func() { io.Copy(io.Discard, os.Stdin); os.Exit(0) }()
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
		w.Header().Set("Content-Type", "application/vnd.ipld.car; version=1; order=dfs; dups=n")
		io.Copy(w, f)
	}))
}
