package kubo

import (
	"context"
	"io"
	"net/url"

	"github.com/dapp-publish/dapp-publish/internal/redact"
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/ipfs/go-cid"
)

var (
	_ pin.Retriever       = (*Provider)(nil)
	_ pin.PartialCARTaker = (*Provider)(nil)
)

// TakesPartialCAR implements pin.PartialCARTaker: dag/import pins a root
// whose other blocks are already in the node's store. Filebase, served by
// this Go type too, stores per upload and gets the whole CAR.
func (p *Provider) TakesPartialCAR() bool { return p.typ == Type }

// RetrievalSource implements pin.Retriever.
func (p *Provider) RetrievalSource() string { return redact.URL(p.base) + " (RPC)" }

// RetrieveCAR implements pin.Retriever: POST /api/v0/dag/export, offline,
// so the node exports from its own store and never fetches from the
// network: what arrives is what this holder has.
func (p *Provider) RetrieveCAR(ctx context.Context, root cid.Cid) (io.ReadCloser, error) {
	return p.offline(ctx, "dag/export", root)
}

// RetrieveBlock implements pin.Retriever: POST /api/v0/block/get, offline.
func (p *Provider) RetrieveBlock(ctx context.Context, c cid.Cid) (io.ReadCloser, error) {
	return p.offline(ctx, "block/get", c)
}

// offline runs an RPC command with one CID argument and offline=true and
// returns the body of a successful answer (errors classified and scrubbed
// as every call's).
func (p *Provider) offline(ctx context.Context, cmd string, c cid.Cid) (io.ReadCloser, error) {
	resp, err := p.call(ctx, cmd, url.Values{"arg": {c.String()}, "offline": {"true"}}, nil, "")
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}
