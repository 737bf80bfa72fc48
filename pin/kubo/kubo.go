// Package kubo stores bundles on a Kubo node through its RPC API: the CAR is
// streamed to /api/v0/dag/import, which imports every block and pins the
// root recursively. It also serves any Kubo-compatible RPC (Filebase).
package kubo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/ipfs/go-cid"
)

// Type is the registered provider type.
const Type = "kubo"

// Provider is a Kubo RPC holder.
type Provider struct {
	name string
	cfg  Config
	base string // endpoint without trailing slash
	typ  string
}

var (
	_ pin.Provider = (*Provider)(nil)
	_ pin.Unpinner = (*Provider)(nil)
)

// New returns a provider named name for the Kubo RPC at cfg.Endpoint (for
// example http://127.0.0.1:5001). cfg.Token, if set, is sent as a Bearer
// token, or as Basic credentials ("user:password") when cfg.Auth is "basic".
func New(name string, cfg *Config) (pin.Provider, error) { return NewType(name, Type, *cfg) }

// NewType is New for Kubo-compatible services registered under another type
// (filebase), so receipts name the type the user configured.
func NewType(name, typ string, cfg Config) (*Provider, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	base, err := cfg.Base("the RPC address, e.g. http://127.0.0.1:5001")
	if err != nil {
		return nil, err
	}
	if cfg.Client() == http.DefaultClient {
		cfg.HTTPClient = defaultClient
	}
	return &Provider{name: name, cfg: cfg, base: base, typ: typ}, nil
}

// Name implements pin.Provider.
func (p *Provider) Name() string { return p.name }

// Type implements pin.Provider.
func (p *Provider) Type() string { return p.typ }

// Pin implements pin.Provider: unless the root is already pinned
// recursively, it streams the CAR to dag/import with pin-roots and checks
// that the root Kubo reports is ours.
func (p *Provider) Pin(ctx context.Context, b pin.Bundle) (pin.Receipt, error) {
	rec := pin.NewReceipt(p, b.Root)
	held, err := p.pinned(ctx, b.Root)
	if err != nil {
		return rec, err
	}
	if held {
		rec.Skipped = true
	} else if err := p.importCAR(ctx, b); err != nil {
		return rec, err
	}
	if p.cfg.Provide {
		if err := p.provide(ctx, b.Root); err != nil {
			rec.Warnings = append(rec.Warnings, err.Error())
		}
	}
	rec.Endpoints = p.cfg.Endpoints(b.Root.String())
	return rec.Done(pin.StatusPinned), nil
}

// Status implements pin.Provider.
func (p *Provider) Status(ctx context.Context, root cid.Cid) (pin.Receipt, error) {
	rec := pin.NewReceipt(p, root)
	held, err := p.pinned(ctx, root)
	if err != nil {
		return rec, err
	}
	if !held {
		return rec.Done(pin.StatusNotFound), nil
	}
	rec.Endpoints = p.cfg.Endpoints(root.String())
	return rec.Done(pin.StatusPinned), nil
}

// Unpin implements pin.Unpinner.
func (p *Provider) Unpin(ctx context.Context, root cid.Cid) error {
	resp, err := p.call(ctx, "pin/rm", url.Values{"arg": {root.String()}, "recursive": {"true"}}, nil, "")
	if err != nil {
		if isNotPinned(err) {
			return nil
		}
		return err
	}
	resp.Body.Close()
	return nil
}

// pinned reports whether root is pinned recursively. A recursive pin in Kubo
// means every block of the DAG is in its blockstore (pinning fetches or
// fails), so the bundle is complete there and need not be sent again.
func (p *Provider) pinned(ctx context.Context, root cid.Cid) (bool, error) {
	resp, err := p.call(ctx, "pin/ls", url.Values{"arg": {root.String()}, "type": {"recursive"}}, nil, "")
	if err != nil {
		if isNotPinned(err) {
			return false, nil
		}
		return false, err
	}
	defer resp.Body.Close()
	var out struct {
		Keys map[string]struct{ Type string }
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out); err != nil {
		return false, pin.ReadError(p.name, "pin/ls", err)
	}
	for k, v := range out.Keys {
		if c, err := cid.Decode(k); err == nil && pin.SameCID(c, root) && v.Type == "recursive" {
			return true, nil
		}
	}
	return false, nil
}

func isNotPinned(err error) bool {
	var he *pin.HTTPError
	return errors.As(err, &he) && strings.Contains(he.Message, "not pinned")
}

func (p *Provider) provide(ctx context.Context, root cid.Cid) error {
	resp, err := p.call(ctx, "provide/once", url.Values{"arg": {root.String()}}, nil, "")
	if err != nil {
		return fmt.Errorf("announcing %s to the routing system failed (the bundle is stored): %w", root, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return nil
}

// call POSTs to /api/v0/<cmd> (the RPC is POST-only).
func (p *Provider) call(ctx context.Context, cmd string, q url.Values, body io.Reader, contentType string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.base+"/api/v0/"+cmd+"?"+q.Encode(), body)
	if err != nil {
		return nil, pin.Permanent(fmt.Errorf("%s: %w", p.name, err))
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := p.cfg.Do(p.name, req, cmd, kuboMessage)
	if err != nil {
		return nil, reclassify(err)
	}
	return resp, nil
}

// kuboMessage decodes Kubo's error body {"Message":..., "Code":..., "Type":"error"}.
func kuboMessage(body []byte) string {
	var e struct{ Message, Type string }
	if json.Unmarshal(body, &e) == nil && e.Type == "error" {
		return e.Message
	}
	return ""
}

// reclassify: Kubo answers 500 for every command error, most of which (a
// malformed CAR, a bad argument) are permanent. Only a 500 whose body is not
// Kubo's error object (a proxy in between, a crash) is worth retrying.
func reclassify(err error) error {
	var he *pin.HTTPError
	if errors.As(err, &he) && he.StatusCode == http.StatusInternalServerError && he.Structured {
		return pin.Permanent(he)
	}
	return err
}
