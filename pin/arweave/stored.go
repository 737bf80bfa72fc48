package arweave

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/dapp-publish/dapp-publish/pin/arweave/arapi"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx"
	"github.com/ipfs/go-cid"
)

// maxCandidates bounds how many earlier manifests for one root are tried.
const maxCandidates = 5

// stored looks for a manifest this wallet posted for root. The manifest is
// posted last, so finding one means the whole copy was stored. Its header
// is checked (signature, owner, data root of the manifest served) before
// it is believed; for data items (Turbo) the item header the gateway's
// GraphQL indexes is checked the same way (owner, signature over the
// manifest served), or, where it indexes none, the owner it reports is
// taken.
func (p *Provider) stored(ctx context.Context, root cid.Cid) (*Copy, error) {
	q := arapi.Query{Owners: []string{p.wallet.Address()}, Tags: []arapi.TagFilter{
		{Name: tagIPFSRoot, Values: []string{root.String()}},
		{Name: tagType, Values: []string{typeManifest}},
		{Name: tagAppName, Values: []string{appName}},
	}}
	found, err := p.newest(ctx, q, maxCandidates)
	if err != nil {
		return nil, p.gatewayError("looking for an earlier copy (GraphQL)", err)
	}
	for _, f := range found {
		if c, err := p.checkStored(ctx, f, root); err == nil {
			return c, nil
		} else if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: %w", p.name, ctx.Err())
		}
	}
	return nil, nil
}

// newest returns at most n transactions matching q, newest first.
func (p *Provider) newest(ctx context.Context, q arapi.Query, n int) ([]arapi.Found, error) {
	var found []arapi.Found
	errEnough := errors.New("enough")
	err := p.do(ctx, func() error {
		found = found[:0]
		err := p.api.Transactions(ctx, q, func(f arapi.Found) error {
			if found = append(found, f); len(found) == n {
				return errEnough
			}
			return nil
		})
		if errors.Is(err, errEnough) {
			return nil
		}
		return err
	})
	return found, err
}

// checkStored checks one candidate manifest and reads its paths.
func (p *Provider) checkStored(ctx context.Context, f arapi.Found, root cid.Cid) (*Copy, error) {
	if f.Owner != "" && f.Owner != p.wallet.Address() {
		return nil, errors.New("another owner")
	}
	tags := f.Tags
	var tx *artx.Transaction
	var item *artx.DataItem
	if p.turbo == nil {
		var err error
		if tx, err = p.ownTx(ctx, f.ID); err != nil {
			return nil, err
		}
		tags = tx.Tags
	} else {
		// A data item: its header from GraphQL, where the gateway indexes
		// it (else the owner the gateway reports is all there is).
		var err error
		switch item, err = p.api.ItemHeader(ctx, f.ID); {
		case errors.Is(err, arapi.ErrNoItemHeader):
			item = nil
		case err != nil:
			return nil, err
		case !bytes.Equal(item.Owner, p.wallet.Owner()):
			return nil, errors.New("another owner")
		default:
			tags = item.Tags
		}
	}
	if v, _ := tagOf(tags, tagIPFSRoot); v != root.String() {
		return nil, errors.New("another root")
	}
	car, _ := tagOf(tags, tagCARTx)
	if !artx.IsTxID(car) {
		return nil, errors.New("no CAR")
	}
	data, err := p.api.RawData(ctx, f.ID, artx.MaxManifest)
	if err != nil {
		return nil, err
	}
	if tx != nil {
		tree, err := artx.BuildTree(bytes.NewReader(data), int64(len(data)))
		if err != nil || tx.DataSize != int64(len(data)) || !bytes.Equal(tree.Root(), tx.DataRoot) {
			return nil, errors.New("the gateway served other bytes for the manifest")
		}
	}
	if item != nil {
		if err := item.Verify(bytes.NewReader(data)); err != nil {
			return nil, errors.New("the gateway served other bytes for the manifest")
		}
	}
	m, err := artx.ParseManifest(data)
	if err != nil {
		return nil, err
	}
	files := make(map[string]string, len(m.Paths))
	for path, e := range m.Paths {
		files[path] = e.ID
	}
	return &Copy{Manifest: f.ID, CAR: car, Files: files}, nil
}

// ownTx fetches a transaction header and checks it is ours and signed.
func (p *Provider) ownTx(ctx context.Context, id string) (*artx.Transaction, error) {
	tx, err := p.api.Tx(ctx, id)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(tx.Owner, p.wallet.Owner()) {
		return nil, errors.New("another owner")
	}
	if err := tx.Verify(); err != nil {
		return nil, err
	}
	return tx, nil
}

func tagOf(tags []artx.Tag, name string) (string, bool) {
	for _, t := range tags {
		if t.Name == name {
			return t.Value, true
		}
	}
	return "", false
}

// dedupeBatch is how many hashes one GraphQL query asks for.
const dedupeBatch = 50

// dedupe marks the files this wallet stored before, with the same bytes,
// size and Content-Type, as reused. For transactions the header is
// fetched and checked: signed by this wallet over the data root computed
// here, so the id cannot stand for other bytes, whatever the gateway says.
// A file over one chunk is reused only if a manifest of this wallet lists
// it too: manifests are posted after every chunk was accepted, so that
// proves its data went up whole (an interrupted run leaves headers without
// data behind).
func (p *Provider) dedupe(ctx context.Context, files []*item) error {
	byHash := map[string][]*item{}
	var hashes []string
	for _, f := range files {
		h := f.fileHash()
		if byHash[h] == nil {
			hashes = append(hashes, h)
		}
		byHash[h] = append(byHash[h], f)
	}
	cands := map[*item][]arapi.Found{}
	for start := 0; start < len(hashes); start += dedupeBatch {
		batch := hashes[start:min(start+dedupeBatch, len(hashes))]
		q := arapi.Query{Owners: []string{p.wallet.Address()}, Tags: []arapi.TagFilter{{Name: tagFileHash, Values: batch}}}
		err := p.do(ctx, func() error {
			return p.api.Transactions(ctx, q, func(f arapi.Found) error {
				for _, it := range byHash[f.Tag(tagFileHash)] {
					if f.Size == it.size && f.Tag(tagContentType) == contentTypeOf(it) {
						cands[it] = append(cands[it], f)
					}
				}
				return nil
			})
		})
		if err != nil {
			return p.gatewayError("looking for files stored before (GraphQL)", err)
		}
	}
	listed, err := p.listedInManifests(ctx, cands)
	if err != nil {
		return err
	}
	return parallel(ctx, p.cfg.ParallelUploads, files, func(it *item) error {
		for _, f := range cands[it] {
			if p.reusable(ctx, it, f, listed) {
				it.id, it.reused = f.ID, true
				return nil
			}
		}
		return ctx.Err()
	})
}

func contentTypeOf(it *item) string { v, _ := tagOf(it.tags, tagContentType); return v }

// reusable checks one candidate for an item.
func (p *Provider) reusable(ctx context.Context, it *item, f arapi.Found, listed map[string]bool) bool {
	if p.turbo != nil {
		return true // a data item is stored whole or not at all
	}
	if it.size > artx.MaxChunkSize && !listed[f.ID] {
		return false
	}
	tx, err := p.ownTx(ctx, f.ID)
	return err == nil && tx.DataSize == it.size && bytes.Equal(tx.DataRoot, it.tree.Root())
}

// listedInManifests returns which candidate ids this wallet's recent
// manifests list (only needed for files of more than one chunk).
func (p *Provider) listedInManifests(ctx context.Context, cands map[*item][]arapi.Found) (map[string]bool, error) {
	need := false
	for it := range cands {
		need = need || it.size > artx.MaxChunkSize
	}
	listed := map[string]bool{}
	if !need || p.turbo != nil {
		return listed, nil
	}
	q := arapi.Query{Owners: []string{p.wallet.Address()}, Tags: []arapi.TagFilter{
		{Name: tagType, Values: []string{typeManifest}}, {Name: tagAppName, Values: []string{appName}}}}
	manifests, err := p.newest(ctx, q, 10)
	if err != nil {
		return nil, p.gatewayError("reading earlier manifests (GraphQL)", err)
	}
	for _, f := range manifests {
		id := f.ID
		tx, err := p.ownTx(ctx, id)
		if err != nil {
			continue
		}
		data, err := p.api.RawData(ctx, id, artx.MaxManifest)
		if err != nil {
			continue
		}
		if tree, err := artx.BuildTree(bytes.NewReader(data), int64(len(data))); err != nil || !bytes.Equal(tree.Root(), tx.DataRoot) {
			continue
		}
		if m, err := artx.ParseManifest(data); err == nil {
			for _, e := range m.Paths {
				listed[e.ID] = true
			}
		}
	}
	return listed, nil
}
