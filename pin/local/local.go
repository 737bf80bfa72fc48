// Package local is the embedded default holder: what `dapp-publish publish`
// stores into when no provider is configured, so a newcomer without any
// account sees the whole flow work on their own machine, offline.
//
// A Store is a block store on disk (flatfs, the datastore Kubo keeps its
// blocks in) under the project's state folder, .dapp-publish/, with the
// roots it keeps (pins.json). Import verifies every block of a CAR against
// its CID and that the DAG is complete before anything is pinned. A Gateway
// serves the store over the trustless gateway protocol on 127.0.0.1, so
// verification fetches the bundle back through it like from any remote
// holder, and `serve` shows the last published site from it.
//
// Provider adapts a Store to pin.Provider; it passes the pin/pintest
// conformance suite like every other provider.
package local

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/verify"
	"github.com/ipfs/go-cid"
)

// Type is the provider type.
const Type = "local"

// Provider stores bundles in a local Store.
type Provider struct {
	name    string
	store   *Store
	gateway string // base URL receipts point at ("" for none)
}

var (
	_ pin.Provider = (*Provider)(nil)
	_ pin.Unpinner = (*Provider)(nil)
)

// New returns a provider named name over store. gatewayURL (the store's
// Gateway, usually) is recorded in receipts as where to fetch the bundle back.
func New(name string, store *Store, gatewayURL string) *Provider {
	return &Provider{name: name, store: store, gateway: gatewayURL}
}

// Name implements pin.Provider.
func (p *Provider) Name() string { return p.name }

// Type implements pin.Provider.
func (p *Provider) Type() string { return Type }

// Pin implements pin.Provider: unless root is pinned already, it imports the
// CAR (every block verified, the DAG complete) and pins root.
func (p *Provider) Pin(ctx context.Context, b pin.Bundle) (pin.Receipt, error) {
	rec := pin.NewReceipt(p, b.Root)
	if err := ctx.Err(); err != nil {
		return rec, fmt.Errorf("%s: %w", p.name, context.Cause(ctx))
	}
	// A collection (Store.GC) waits until the root is pinned.
	unlock, err := p.store.sharedLock()
	if err != nil {
		return rec, pin.Permanent(err)
	}
	defer unlock()
	held, err := p.store.Pinned(b.Root)
	if err != nil {
		return rec, pin.Permanent(err)
	}
	if held {
		rec.Skipped = true
	} else if err := p.importCAR(ctx, b); err != nil {
		return rec, err
	}
	rec.Endpoints = p.endpoints(b.Root)
	return rec.Done(pin.StatusPinned), nil
}

func (p *Provider) importCAR(ctx context.Context, b pin.Bundle) error {
	_, err := p.store.Import(ctx, b.Reader(), b.Root)
	switch {
	case err != nil && ctx.Err() != nil:
		return fmt.Errorf("%s: %w", p.name, context.Cause(ctx))
	case errors.Is(err, verify.ErrWrongRoot):
		return pin.Permanent(fmt.Errorf("%s: %w: %w", p.name, pin.ErrWrongCID, err))
	case err != nil:
		return pin.Permanent(fmt.Errorf("%s: %w", p.name, err))
	}
	if err := p.store.AddPin(b.Root, b.Name, time.Now()); err != nil {
		return pin.Permanent(fmt.Errorf("%s: %w", p.name, err))
	}
	return nil
}

// Status implements pin.Provider.
func (p *Provider) Status(ctx context.Context, root cid.Cid) (pin.Receipt, error) {
	rec := pin.NewReceipt(p, root)
	held, err := p.store.Pinned(root)
	if err != nil {
		return rec, pin.Permanent(err)
	}
	if !held {
		return rec.Done(pin.StatusNotFound), nil
	}
	rec.Endpoints = p.endpoints(root)
	return rec.Done(pin.StatusPinned), nil
}

// Unpin implements pin.Unpinner.
func (p *Provider) Unpin(_ context.Context, root cid.Cid) error { return p.store.RemovePin(root) }

func (p *Provider) endpoints(root cid.Cid) []string {
	if p.gateway == "" {
		return nil
	}
	return []string{p.gateway + "/ipfs/" + root.String()}
}
