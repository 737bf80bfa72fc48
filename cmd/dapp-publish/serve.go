package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/dapp-publish/dapp-publish/internal/safetext"
	"github.com/dapp-publish/dapp-publish/internal/trustless"
	"github.com/dapp-publish/dapp-publish/verify"
	"github.com/ipfs/go-cid"
	"github.com/urfave/cli/v2"
)

func serveCommand() *cli.Command {
	return &cli.Command{
		Name:      "serve",
		Usage:     "run a local gateway that fetches from many IPFS gateways and verifies every byte",
		ArgsUsage: "[CID|NAME]",
		Description: "Serves IPFS content on this machine, for when the usual gateway or CDN is down or\n" +
			"cannot be trusted. Blocks come from the --car file, then the --gateway list (any\n" +
			"trustless gateway, asked with ?format=raw), starting with the one that answered\n" +
			"last; a source that is down, lacks a block or sends bytes that do not hash to the\n" +
			"block's CID is skipped, so nothing unverified is ever served.\n\n" +
			"Open a site at http://CID.ipfs.localhost:PORT/ (subdomain mode: each site gets its\n" +
			"own origin and its _redirects file is honoured), or by path at\n" +
			"http://127.0.0.1:PORT/ipfs/CID/. With --rpc, ENS names work too:\n" +
			"http://app.eth.localhost:PORT/ is resolved through ENS and re-resolved every\n" +
			"--name-ttl. Given CID or NAME, / redirects to that site.\n\n" +
			"Each request is bounded: a path of more than 260 segments is refused (414), a\n" +
			"request stops after --request-timeout, and its work stops as soon as its client\n" +
			"goes away. A folder that lies (two entries of one name, a name holding '/', a\n" +
			"HAMT entry where lookups never look) or a block under a weak hash is never served.\n\n" +
			"Listens on 127.0.0.1 only unless --listen says otherwise. Stop with Ctrl-C.",
		Flags: append([]cli.Flag{
			&cli.StringSliceFlag{Name: "gateway", Aliases: []string{"g"}, Usage: "trustless gateway `URL` to fetch blocks from (repeatable; default: " + strings.Join(defaultGateways, ", ") + ")"},
			&cli.StringFlag{Name: "listen", Value: "127.0.0.1:8080", Usage: "`ADDR` to listen on (host:port; port 0 picks a free one)"},
			&cli.StringFlag{Name: "car", Usage: "also take blocks from the local CAR `FILE` (e.g. the one pack wrote); they are verified too"},
			&cli.DurationFlag{Name: "name-ttl", Value: time.Minute, Usage: "resolve ENS names again after this long"},
			&cli.DurationFlag{Name: "request-timeout", Value: verify.DefaultRequestTimeout, Usage: "stop working on one request after this long (a client that leaves stops its request at once)"},
			redirectsFlag(),
		}, nameFlags()...),
		Action: serveAction,
	}
}

func serveAction(c *cli.Context) error {
	if c.NArg() > 1 {
		return usageErr("usage: dapp-publish serve [CID|NAME] [--gateway URL]... [--listen ADDR]", "serve takes at most one CID or name, got %d arguments", c.NArg())
	}
	srcs, closeSrcs, err := serveSources(c)
	if err != nil {
		return err
	}
	defer closeSrcs()
	var t target
	if c.NArg() == 1 {
		if t, err = parseTarget(c, c.Args().First(), false); err != nil {
			return err
		}
		if err := trustless.CheckCID(t.Root); err != nil {
			return checkErr(fmt.Errorf("%s: %w", t.what(), err), "no bytes can prove such a CID: serve a CID made with sha2-256")
		}
	} else if ls, lt, closeLocal, ok, err := lastPublished(c); err != nil {
		return err
	} else if ok { // no arguments: the site publish stored last
		defer closeLocal()
		srcs, t = ls, lt
	}
	names, err := serveNames(c)
	if err != nil {
		return err
	}
	bs, err := verify.NewBlockStore(srcs, verify.BlockStoreOptions{OnReject: rejectLogger(c.App.ErrWriter)})
	if err != nil {
		return usageErr("pass --gateway URL or --car FILE", "%v", err)
	}
	h, err := verify.NewGatewayHandler(bs, verify.GatewayOptions{Names: names, NameTTL: c.Duration("name-ttl"), RequestTimeout: c.Duration("request-timeout")})
	if err != nil {
		return err
	}
	return listenAndServe(c, h, t)
}

// serveSources builds the block sources: the local CAR first, then gateways.
func serveSources(c *cli.Context) ([]verify.BlockGetter, func(), error) {
	gws, err := gatewayList(c.StringSlice("gateway"), c.Bool("allow-redirects"))
	if err != nil {
		return nil, nil, err
	}
	var srcs []verify.BlockGetter
	closeFn := func() {}
	if p := c.String("car"); p != "" {
		f, err := verify.OpenCARFile(p)
		if err != nil {
			return nil, nil, withHint(err, "pass a CAR file written by `dapp-publish pack`")
		}
		srcs, closeFn = append(srcs, f), func() { f.Close() }
	}
	for _, g := range gws {
		srcs = append(srcs, g)
	}
	return srcs, closeFn, nil
}

// serveNames returns a caching ENS resolver when an RPC is configured.
func serveNames(c *cli.Context) (verify.NameResolver, error) {
	if c.String("rpc") == "" {
		return nil, nil
	}
	r, err := ensResolver(c)
	if err != nil {
		return nil, err
	}
	return &verify.CachingResolver{Resolver: r, TTL: c.Duration("name-ttl")}, nil
}

// rejectLogger reports sources that sent bad bytes; missing blocks are the
// normal case for a gateway that lacks the site and are not logged.
func rejectLogger(w io.Writer) func(string, cid.Cid, error) {
	return func(src string, c cid.Cid, err error) {
		for _, bad := range []error{verify.ErrHashMismatch, verify.ErrMalformed, verify.ErrInsecureHash, verify.ErrBadDirectory, verify.ErrUnsupported} {
			if errors.Is(err, bad) {
				fmt.Fprintf(w, "dapp-publish: warning: rejected block %s from %s: %s\n", c, safetext.Term(src), safetext.Term(err.Error()))
				return
			}
		}
	}
}

func listenAndServe(c *cli.Context, h http.Handler, t target) error {
	ln, err := net.Listen("tcp", c.String("listen"))
	if err != nil {
		return withHint(fmt.Errorf("failed to listen on %s: %w", c.String("listen"), err), "pick a free port, e.g. --listen 127.0.0.1:8081")
	}
	addr := ln.Addr().(*net.TCPAddr)
	if !addr.IP.IsLoopback() {
		fmt.Fprintf(c.App.ErrWriter, "dapp-publish: warning: listening on %s, reachable from other machines\n", addr)
	}
	site := siteURL(t, addr.Port)
	fmt.Fprintf(c.App.Writer, "serving on http://%s\n", addr)
	if site != "" {
		fmt.Fprintf(c.App.Writer, "open %s\n", site)
	}
	srv := &http.Server{Handler: rootRedirect(h, site), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("gateway stopped: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// siteURL is where the served site opens in a browser.
func siteURL(t target, port int) string {
	switch {
	case t.Name != "":
		return fmt.Sprintf("http://%s.%s:%d/", t.Name, verify.LocalSuffix, port)
	case t.Root.Defined():
		return fmt.Sprintf("http://%s.ipfs.%s:%d/", cid.NewCidV1(t.Root.Type(), t.Root.Hash()), verify.LocalSuffix, port)
	}
	return ""
}

// rootRedirect sends / on the bare listen address to the site, if one was named.
func rootRedirect(h http.Handler, site string) http.Handler {
	if site == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.Host)
		if host == "" {
			host = r.Host
		}
		if r.URL.Path == "/" && (net.ParseIP(host) != nil || host == verify.LocalSuffix) {
			http.Redirect(w, r, site, http.StatusFound)
			return
		}
		h.ServeHTTP(w, r)
	})
}
