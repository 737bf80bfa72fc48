package local

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/ipfs/boxo/blockservice"
	"github.com/ipfs/boxo/exchange/offline"
	"github.com/ipfs/boxo/gateway"
	"github.com/ipfs/boxo/namesys"
	"github.com/ipfs/boxo/path"
	ci "github.com/libp2p/go-libp2p/core/crypto"
)

// Gateway is an in-process trustless gateway over a Store: boxo's gateway
// answering GET /ipfs/{cid}?format=car and ?format=raw (and nothing that
// needs the network: no DNSLink, no IPNS, no deserialised pages) on
// 127.0.0.1 and a free port. Verification fetches the bundle back through it
// like through any other gateway, so the embedded default is checked by the
// same code as a remote holder.
type Gateway struct {
	URL string // http://127.0.0.1:PORT
	srv *http.Server
	err chan error
}

// StartGateway serves s on 127.0.0.1:0 until Close.
func (s *Store) StartGateway() (*Gateway, error) {
	bsvc := blockservice.New(s.bs, offline.Exchange(s.bs))
	backend, err := gateway.NewBlocksBackend(bsvc, gateway.WithNameSystem(noNames{}))
	if err != nil {
		return nil, fmt.Errorf("failed to make the local gateway: %w", err)
	}
	h := gateway.NewHandler(gateway.Config{NoDNSLink: true, DisableHTMLErrors: true}, backend)
	mux := http.NewServeMux()
	mux.Handle("/ipfs/", h)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("failed to start the local gateway: %w", err)
	}
	g := &Gateway{
		URL: "http://" + ln.Addr().String(),
		srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second},
		err: make(chan error, 1),
	}
	go func() { g.err <- g.srv.Serve(ln) }()
	return g, nil
}

// Close stops the gateway.
func (g *Gateway) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := g.srv.Shutdown(ctx)
	if serr := <-g.err; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

// noNames is a name system that resolves nothing: the local gateway serves
// content by CID only and never looks anything up on the network.
type noNames struct{}

var errNoNames = errors.New("the local gateway serves /ipfs/ only")

func (noNames) Resolve(context.Context, path.Path, ...namesys.ResolveOption) (namesys.Result, error) {
	return namesys.Result{}, errNoNames
}

func (noNames) ResolveAsync(context.Context, path.Path, ...namesys.ResolveOption) <-chan namesys.AsyncResult {
	ch := make(chan namesys.AsyncResult, 1)
	ch <- namesys.AsyncResult{Err: errNoNames}
	close(ch)
	return ch
}

func (noNames) Publish(context.Context, ci.PrivKey, path.Path, ...namesys.PublishOption) error {
	return errNoNames
}
