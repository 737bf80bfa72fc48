package arweave

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/arweave/arapi"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx"
)

// storeTx stores an item as a format-2 transaction: sign it (or take the
// one signed by an interrupted attempt), post it, then post its chunks.
func (p *Provider) storeTx(ctx context.Context, it *item) error {
	key := journalKey(UploaderArweave, it.sum, it.size, it.tags)
	tx, e := p.resumeTx(ctx, key, it)
	if tx == nil {
		var err error
		if tx, e, err = p.signTx(ctx, key, it); err != nil {
			return err
		}
	}
	inline := len(it.tree.Chunks()) <= 1
	if !e.Posted {
		err := p.postTx(ctx, it, tx, inline)
		var ae *arapi.Error
		if err != nil && errors.As(err, &ae) && ae.Status == http.StatusBadRequest {
			// The node refuses the transaction, most likely for its anchor:
			// older than the last 50 blocks (one signed by an interrupted
			// run, or the anchor this run keeps, on a fast chain). It was
			// never accepted, so sign a new one on a fresh anchor, once.
			p.staleAnchor()
			if tx, e, err = p.signTx(ctx, key, it); err == nil {
				err = p.postTx(ctx, it, tx, inline)
			}
		}
		if err != nil {
			return err
		}
		e.Posted = true
		_ = p.jr.put(key, e)
	}
	it.id = tx.IDString()
	it.cost, _ = new(big.Int).SetString(tx.Reward, 10)
	if inline {
		return nil
	}
	return p.postChunks(ctx, it, tx, key, e)
}

// resumeTx returns the transaction an earlier attempt signed for the same
// content and tags, if the journal has one that still fits.
func (p *Provider) resumeTx(ctx context.Context, key string, it *item) (*artx.Transaction, *entry) {
	e := p.jr.get(key)
	if e == nil || e.Tx == nil {
		return nil, nil
	}
	tx, err := artx.ParseTransaction(e.Tx)
	if err != nil || !bytes.Equal(tx.Owner, p.wallet.Owner()) || tx.DataSize != it.size ||
		!bytes.Equal(tx.DataRoot, it.tree.Root()) || tx.Verify() != nil {
		return nil, nil
	}
	if e.Posted {
		if st, err := p.api.Status(ctx, tx.IDString()); err == nil && !st.Known {
			e.Posted, e.Chunks = false, 0 // the node does not know it: post it again
		}
	}
	return tx, e
}

// signTx prices, anchors and signs a new transaction for it, and records it
// before it is posted.
func (p *Provider) signTx(ctx context.Context, key string, it *item) (*artx.Transaction, *entry, error) {
	reward, err := p.price(ctx, it.size)
	if err != nil {
		return nil, nil, err
	}
	anchor, err := p.anchor(ctx)
	if err != nil {
		return nil, nil, err
	}
	tx := artx.NewTransaction(it.tree, nil, it.tags, anchor, reward.String())
	if err := tx.Sign(p.wallet); err != nil {
		return nil, nil, pin.Permanent(fmt.Errorf("%s: %w", p.name, err))
	}
	js, err := json.Marshal(tx)
	if err != nil {
		return nil, nil, err
	}
	e := &entry{Tx: js}
	_ = p.jr.put(key, e) // without a journal an interrupted run only costs a fresh upload
	return tx, e, nil
}

// anchorTTL is how long one anchor is used for new transactions: nodes
// accept anchors of the last 50 blocks (about 100 minutes).
const anchorTTL = 10 * time.Minute

// anchor returns a recent block hash for last_tx, asked once per anchorTTL
// rather than once per transaction.
func (p *Provider) anchor(ctx context.Context) ([]byte, error) {
	p.priceMu.Lock()
	a, at := p.anchorVal, p.anchorAt
	p.priceMu.Unlock()
	if a != nil && time.Since(at) < anchorTTL {
		return a, nil
	}
	if err := p.do(ctx, func() (err error) { a, err = p.api.Anchor(ctx); return err }); err != nil {
		return nil, p.gatewayError("asking for an anchor", err)
	}
	p.priceMu.Lock()
	p.anchorVal, p.anchorAt = a, time.Now()
	p.priceMu.Unlock()
	return a, nil
}

// staleAnchor makes the next transaction ask for a new anchor.
func (p *Provider) staleAnchor() {
	p.priceMu.Lock()
	p.anchorVal = nil
	p.priceMu.Unlock()
}

// price is the fee for size bytes. Nodes price whole chunks, so the answer
// is asked once per number of chunks and kept for the run.
func (p *Provider) price(ctx context.Context, size int64) (*big.Int, error) {
	rounded := (size + artx.MaxChunkSize - 1) / artx.MaxChunkSize * artx.MaxChunkSize
	p.priceMu.Lock()
	v, ok := p.prices[rounded]
	p.priceMu.Unlock()
	if ok {
		return v, nil
	}
	if err := p.do(ctx, func() (err error) { v, err = p.api.Price(ctx, rounded); return err }); err != nil {
		return nil, p.gatewayError("asking the price of storage", err)
	}
	p.priceMu.Lock()
	p.prices[rounded] = v
	p.priceMu.Unlock()
	return v, nil
}

// postTx posts the transaction, with its data when it fits in one chunk.
func (p *Provider) postTx(ctx context.Context, it *item, tx *artx.Transaction, inline bool) error {
	body := *tx
	if inline {
		r, err := it.open()
		if err != nil {
			return pin.Permanent(fmt.Errorf("%s: reading %s: %w", p.name, it.what, err))
		}
		data, err := io.ReadAll(io.LimitReader(r, artx.MaxChunkSize+1))
		if err != nil || int64(len(data)) != it.size || sha256.Sum256(data) != it.sum {
			return pin.Permanent(fmt.Errorf("%s: %s changed while it was being stored (%v)", p.name, it.what, err))
		}
		body.Data = data
	}
	err := p.do(ctx, func() error { return p.api.PostTx(ctx, &body) })
	if err != nil {
		return p.postError(ctx, it, err)
	}
	if inline && it.sent != nil {
		it.sent(it.size)
	}
	return nil
}

// postError explains a refused transaction; an unfunded wallet gets the
// address and the amounts.
func (p *Provider) postError(ctx context.Context, it *item, err error) error {
	var ae *arapi.Error
	if errors.As(err, &ae) && (ae.Status == http.StatusGone || strings.Contains(ae.Body, "overspend") || strings.Contains(ae.Body, "enough")) {
		need, perr := p.price(ctx, it.size)
		bal, berr := p.api.Balance(ctx, p.wallet.Address())
		if perr == nil && berr == nil {
			return pin.Permanent(fmt.Errorf("%s: %w", p.name, &FundsError{Address: p.wallet.Address(), Balance: bal, Needed: need, Uploads: 1}))
		}
		return pin.Permanent(fmt.Errorf("%s: the gateway refused the transaction for %s for lack of funds: %w: %w", p.name, it.what, ErrInsufficientFunds, err))
	}
	return p.gatewayError("posting the transaction for "+it.what, err)
}

// postChunks uploads the chunks the node does not have yet, in order, each
// re-read and re-hashed against the tree the transaction was signed over.
func (p *Provider) postChunks(ctx context.Context, it *item, tx *artx.Transaction, key string, e *entry) error {
	chunks := it.tree.Chunks()
	if e.Chunks >= len(chunks) {
		return nil
	}
	r, err := it.open()
	if err == nil {
		err = skip(r, chunks[e.Chunks].Min)
	}
	if err != nil {
		return pin.Permanent(fmt.Errorf("%s: reading %s: %w", p.name, it.what, err))
	}
	buf := make([]byte, artx.MaxChunkSize)
	for i := e.Chunks; i < len(chunks); i++ {
		c := chunks[i]
		b := buf[:c.Size()]
		if _, err := io.ReadFull(r, b); err != nil || sha256.Sum256(b) != c.DataHash {
			return pin.Permanent(fmt.Errorf("%s: %s changed while it was being stored (chunk %d: %v)", p.name, it.what, i, err))
		}
		ch := arapi.Chunk{DataRoot: tx.DataRoot, DataSize: tx.DataSize, DataPath: it.tree.Proof(i), Offset: c.Max - 1, Data: b}
		if err := p.do(ctx, func() error { return p.api.PostChunk(ctx, ch) }); err != nil {
			return p.gatewayError(fmt.Sprintf("posting chunk %d of %d of %s", i+1, len(chunks), it.what), err)
		}
		e.Chunks = i + 1
		_ = p.jr.put(key, e) // a small file per chunk: a run killed now resends nothing

		if it.sent != nil {
			it.sent(c.Size())
		}
	}
	return nil
}

// skip moves r forward n bytes.
func skip(r io.Reader, n int64) error {
	if n == 0 {
		return nil
	}
	if s, ok := r.(io.Seeker); ok {
		_, err := s.Seek(n, io.SeekCurrent)
		return err
	}
	_, err := io.CopyN(io.Discard, r, n)
	return err
}

// fund checks the wallet can pay for every transaction still to post.
func (p *Provider) fund(ctx context.Context, todo []*item, files int) error {
	if p.turbo != nil {
		return nil // Turbo credits: the service answers 402 if short
	}
	need := new(big.Int)
	n := 0
	for _, it := range append(todo, &item{size: int64(256 + 120*files)}) { // the manifest, roughly
		if e := p.jr.get(journalKey(UploaderArweave, it.sum, it.size, it.tags)); e != nil && e.Posted {
			continue // paid already
		}
		v, err := p.price(ctx, it.size)
		if err != nil {
			return err
		}
		need.Add(need, v)
		n++
	}
	var bal *big.Int
	if err := p.do(ctx, func() (err error) { bal, err = p.api.Balance(ctx, p.wallet.Address()); return err }); err != nil {
		return p.gatewayError("asking the wallet's balance", err)
	}
	if bal.Cmp(need) < 0 {
		return pin.Permanent(fmt.Errorf("%s: %w", p.name, &FundsError{Address: p.wallet.Address(), Balance: bal, Needed: need, Uploads: n}))
	}
	return nil
}

// await polls transactions until the node knows them (pending or mined),
// and with Confirmations > 0 until they are mined that deep.
func (p *Provider) await(ctx context.Context, items []*item) error {
	if p.turbo != nil {
		return nil // each data item came back with a signed receipt
	}
	ctx, cancel := context.WithTimeout(ctx, p.cfg.WaitTimeout)
	defer cancel()
	return parallel(ctx, p.cfg.ParallelUploads, items, func(it *item) error {
		for {
			var st arapi.Status
			err := p.do(ctx, func() (err error) { st, err = p.api.Status(ctx, it.id); return err })
			if err != nil {
				return p.gatewayError("asking the status of "+it.what, err)
			}
			switch {
			case !st.Known && it.reused:
				return pin.Permanent(fmt.Errorf("%s: the gateway no longer knows %s (%s)", p.name, it.what, it.id))
			case st.Known && p.cfg.Confirmations == 0:
				return nil
			case st.Known && !st.Pending && st.Confirmations >= int64(p.cfg.Confirmations-1):
				return nil
			}
			t := time.NewTimer(p.cfg.PollInterval)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				if errors.Is(ctx.Err(), context.DeadlineExceeded) {
					return fmt.Errorf("%s: %s (%s) is not confirmed %d deep after %s: %w", p.name, it.what, it.id, p.cfg.Confirmations, p.cfg.WaitTimeout, pin.ErrTimeout)
				}
				return ctx.Err()
			}
		}
	})
}
