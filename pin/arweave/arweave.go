package arweave

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/arweave/arapi"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx"
	"github.com/dapp-publish/dapp-publish/pin/arweave/carsite"
	"github.com/ipfs/go-cid"
)

// Provider stores bundles on Arweave with one wallet.
type Provider struct {
	name   string
	cfg    Config
	wallet *artx.Wallet
	api    *arapi.Client
	turbo  *turboClient // set with uploader: turbo
	jr     *journal
	retry  pin.RetryPolicy // per request (a chunk, a post)

	priceMu   sync.Mutex
	prices    map[int64]*big.Int // by size rounded up to whole chunks
	anchorVal []byte
	anchorAt  time.Time
}

var (
	_ pin.Provider  = (*Provider)(nil)
	_ pin.Networker = (*Provider)(nil)
)

// New builds the provider named name from cfg (the registry's
// constructor): it validates cfg and parses the wallet, contacting
// nothing.
func New(name string, cfg *Config) (pin.Provider, error) { return NewProvider(name, cfg) }

// NewProvider is New returning the concrete type (tests, Address).
func NewProvider(name string, cfg *Config) (*Provider, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := *cfg
	api, err := arapi.New(c.Gateway, c.HTTPClient)
	if err != nil {
		return nil, err
	}
	p := &Provider{name: name, cfg: c, wallet: c.wallet, api: api, jr: newJournal(c.StateDir, c.wallet.Address()),
		retry: c.Retry, prices: map[int64]*big.Int{}}
	if c.Uploader == UploaderTurbo {
		p.turbo = &turboClient{base: c.Endpoint, hc: api.HTTP}
	}
	return p, nil
}

// Name implements pin.Provider.
func (p *Provider) Name() string { return p.name }

// Type implements pin.Provider.
func (p *Provider) Type() string { return Type }

// Network implements pin.Networker: the copy is Arweave transactions.
func (p *Provider) Network() string { return pin.NetworkArweave }

// Address is the wallet's address.
func (p *Provider) Address() string { return p.wallet.Address() }

// Pin stores the site and its CAR, or finds them stored by this wallet
// already, and returns a receipt with the manifest id (what ar:// points
// to), the CAR's transaction and each file's.
func (p *Provider) Pin(ctx context.Context, b pin.Bundle) (pin.Receipt, error) {
	rec := pin.NewReceipt(p, b.Root)
	if err := ctx.Err(); err != nil {
		return rec, fmt.Errorf("%s: %w", p.name, err)
	}
	if st, err := p.stored(ctx, b.Root); err != nil {
		return rec, err
	} else if st != nil {
		p.fill(&rec, st)
		rec.Skipped = true
		return rec.Done(pin.StatusPinned), nil
	}
	site, err := carsite.Open(ctx, b.CAR, b.Size)
	if err != nil {
		return rec, pin.Permanent(fmt.Errorf("%s: %w", p.name, err))
	}
	if !pin.SameCID(site.Root, b.Root) {
		return rec, pin.Permanent(fmt.Errorf("%s: the CAR's root is %s, not %s: %w", p.name, site.Root, b.Root, pin.ErrWrongCID))
	}
	up, err := p.publish(ctx, site, b)
	if err != nil {
		return rec, err
	}
	p.fill(&rec, up)
	return rec.Done(pin.StatusPinned), nil
}

// Status reports whether this wallet stored the site whose root is root
// (its manifest, posted last, is the proof of a complete upload).
func (p *Provider) Status(ctx context.Context, root cid.Cid) (pin.Receipt, error) {
	rec := pin.NewReceipt(p, root)
	st, err := p.stored(ctx, root)
	if err != nil {
		return rec, err
	}
	if st == nil {
		return rec.Done(pin.StatusNotFound), nil
	}
	p.fill(&rec, st)
	return rec.Done(pin.StatusPinned), nil
}

// Copy is what an Arweave copy of a site consists of.
type Copy struct {
	Manifest string            // the path manifest's id (ar://Manifest)
	CAR      string            // the CAR's id
	Files    map[string]string // path -> id
	Cost     *big.Int          // winston (Turbo: winston credits) of the transactions this copy created; nil when unknown
	Reused   int               // files found stored before
}

func (p *Provider) fill(rec *pin.Receipt, c *Copy) {
	rec.ManifestID, rec.CARTxID, rec.Files = c.Manifest, c.CAR, c.Files
	if c.Cost != nil {
		rec.CostWinston = c.Cost.String()
		rec.SetID("cost_winston", rec.CostWinston) // publish's Record keeps ids
	}
	rec.Endpoints = []string{p.api.Base + "/" + c.Manifest + "/"}
	// Also in IDs, which every receipt form keeps (publish's Record too):
	// verify.ArweaveCopyOf reads them back.
	rec.SetID("manifest", c.Manifest)
	rec.SetID("car", c.CAR)
	rec.SetID("wallet", p.wallet.Address())
	rec.SetID("uploader", p.cfg.Uploader)
	if c.Reused > 0 {
		rec.SetID("files_reused", fmt.Sprint(c.Reused))
	}
}

// do runs one request with retries of transient errors (per chunk, per
// post): a long upload survives a gateway's hiccups without starting over.
func (p *Provider) do(ctx context.Context, fn func() error) error {
	var err error
	for n := 1; ; n++ {
		if err = p.classify(fn()); err == nil || pin.IsPermanent(err) || n >= p.retry.Attempts || ctx.Err() != nil {
			break
		}
		t := time.NewTimer(p.retry.Backoff(n, err))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, context.Cause(ctx))
		}
	}
	if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		return errors.Join(err, context.Cause(ctx))
	}
	return err
}
