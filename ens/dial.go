package ens

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strings"

	"github.com/dapp-publish/dapp-publish/internal/redact"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"
)

// ErrRPC wraps a failure to reach or use the RPC endpoint.
var ErrRPC = errors.New("failed to use the RPC endpoint")

// DialOptions say how to reach ENS.
type DialOptions struct {
	// RPC is the JSON-RPC URL (http, https, ws or wss). It often carries an
	// API key in its path, query or user info: Dial never puts it in an
	// error (see Dial).
	RPC string
	// Registry is the ENS registry; zero means DefaultRegistry.
	Registry common.Address
	// NameWrapper is the NameWrapper contract; nil means the official one
	// of the chain (KnownNameWrapper), none on other chains.
	NameWrapper *common.Address
	// ChainID, when not 0, must be the chain the RPC is on (ErrWrongChain).
	ChainID uint64
	// HTTPClient is used for http(s) RPCs; nil means http.DefaultClient.
	HTTPClient *http.Client
}

// Conn is a Client connected to an RPC endpoint, on a known chain.
type Conn struct {
	*Client
	ChainID *big.Int
	// Eth is the connection, for callers that need more of the chain.
	Eth *ethclient.Client
}

// Close closes the connection.
func (c *Conn) Close() { c.Eth.Close() }

// Dial connects to the RPC, reads (and, with ChainID, checks) the chain id,
// and returns a Client for the registry with the chain's NameWrapper.
//
// The URL never reaches an error message: for http(s) the JSON-RPC client
// only knows a form of the URL without its credentials (user info, query
// values and key-like path segments read REDACTED), and the real URL is
// put back into each request on its way out; for ws(s), the dial error is
// scrubbed.
func Dial(ctx context.Context, o DialOptions) (*Conn, error) {
	rc, err := dialRPC(ctx, o)
	if err != nil {
		return nil, err
	}
	eth := ethclient.NewClient(rc)
	reg := o.Registry
	if reg == (common.Address{}) {
		reg = DefaultRegistry
	}
	c := &Conn{Client: NewClient(eth, reg), Eth: eth}
	if c.ChainID, err = c.CheckChain(ctx, o.ChainID); err != nil {
		eth.Close()
		return nil, err
	}
	c.NameWrapper = KnownNameWrapper(c.ChainID.Uint64())
	if o.NameWrapper != nil {
		c.NameWrapper = *o.NameWrapper
	}
	return c, nil
}

// KnownNameWrapper returns the official NameWrapper of a chain: mainnet's
// and Sepolia's; none (zero) elsewhere, where a name is never treated as
// wrapped unless the caller names a NameWrapper.
func KnownNameWrapper(chainID uint64) common.Address {
	switch chainID {
	case 1:
		return MainnetNameWrapper
	case 11155111:
		return SepoliaNameWrapper
	}
	return common.Address{}
}

func dialRPC(ctx context.Context, o DialOptions) (*rpc.Client, error) {
	u, err := url.Parse(o.RPC)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("%w: %s is not a URL like https://host/path", ErrRPC, redact.URL(o.RPC))
	}
	switch u.Scheme {
	case "http", "https":
		hc := o.HTTPClient
		if hc == nil {
			hc = http.DefaultClient
		}
		shown := cleanURL(u)
		cl := *hc
		cl.Transport = &realURL{base: transport(hc), real: u, shown: shown}
		rc, err := rpc.DialOptions(ctx, shown.String(), rpc.WithHTTPClient(&cl))
		if err != nil {
			return nil, fmt.Errorf("%w %s: %w", ErrRPC, shown, err)
		}
		return rc, nil
	case "ws", "wss":
		rc, err := rpc.DialOptions(ctx, o.RPC)
		if err != nil {
			var scrub redact.Set
			scrub.AddURL(o.RPC)
			return nil, fmt.Errorf("%w %s: %w", ErrRPC, redact.URL(o.RPC), scrub.Error(err))
		}
		return rc, nil
	}
	return nil, fmt.Errorf("%w: %s is not an http(s) or ws(s) URL", ErrRPC, redact.URL(o.RPC))
}

func transport(hc *http.Client) http.RoundTripper {
	if hc.Transport != nil {
		return hc.Transport
	}
	return http.DefaultTransport
}

// cleanURL is u without anything that may be a credential: no user info,
// key-like path segments and query values replaced by REDACTED.
func cleanURL(u *url.URL) *url.URL {
	shown, _ := url.Parse(strings.ReplaceAll(redact.URL(u.String()), redact.Mask, "REDACTED"))
	if shown == nil {
		shown = &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/REDACTED"}
	}
	shown.User = nil
	return shown
}

// realURL sends requests made for the shown URL to the real one, with the
// real URL's user info as Basic auth (as net/http does for a URL with user
// info).
type realURL struct {
	base  http.RoundTripper
	real  *url.URL
	shown *url.URL
}

func (t *realURL) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != t.shown.Host || req.URL.Path != t.shown.Path {
		return t.base.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	u := *t.real
	u.User = nil
	r.URL, r.Host = &u, u.Host
	if t.real.User != nil && r.Header.Get("Authorization") == "" {
		pass, _ := t.real.User.Password()
		r.SetBasicAuth(t.real.User.Username(), pass)
	}
	return t.base.RoundTrip(r)
}
