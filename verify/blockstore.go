package verify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/dapp-publish/dapp-publish/internal/trustless"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/ipfs/boxo/blockstore"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	format "github.com/ipfs/go-ipld-format"
)

// BlockGetter is a place single blocks can be fetched from: a trustless
// gateway, a local CAR file, a node's store. Nothing it returns is trusted;
// BlockStore checks every block against its CID.
type BlockGetter interface {
	GetBlock(ctx context.Context, c cid.Cid) ([]byte, error)
	String() string // names the source in errors and logs
}

// GetBlock fetches one block with ?format=raw (BlockGetter).
func (g *Gateway) GetBlock(ctx context.Context, c cid.Cid) ([]byte, error) {
	return g.FetchBlock(ctx, c, 0)
}

// BlockStoreOptions controls NewBlockStore.
type BlockStoreOptions struct {
	// CacheBlocks is how many verified blocks stay in memory (LRU); 0 means
	// 256, negative means none.
	CacheBlocks int
	// SourceTimeout bounds one source's attempt at one block; 0 means 30s.
	SourceTimeout time.Duration
	// OnReject, if set, is told about every block a source failed to give,
	// including the corrupt ones (err wraps ErrHashMismatch).
	OnReject func(source string, c cid.Cid, err error)
}

// BlockStore is a read-only blockstore.Blockstore over several untrusted
// sources. Get asks them in turn, starting with the one that last served a
// block, and returns the first copy whose bytes hash to the CID: a source
// that is down, lacks the block or sends corrupt bytes is skipped, and no
// unverified byte is ever returned. This is what keeps `serve` answering
// when holders come and go.
type BlockStore struct {
	sources []BlockGetter
	opts    BlockStoreOptions
	cache   *lru.Cache[cid.Cid, []byte]

	mu        sync.Mutex
	preferred int
}

var _ blockstore.Blockstore = (*BlockStore)(nil)

// ErrReadOnly is returned by the BlockStore's write methods.
var ErrReadOnly = errors.New("verifying block store is read-only")

// NewBlockStore returns a BlockStore over sources, asked in this order at first.
func NewBlockStore(sources []BlockGetter, opts BlockStoreOptions) (*BlockStore, error) {
	if len(sources) == 0 {
		return nil, errors.New("no block sources: give at least one gateway or local store")
	}
	bs := &BlockStore{sources: sources, opts: opts}
	if opts.CacheBlocks >= 0 {
		n := opts.CacheBlocks
		if n == 0 {
			n = 256
		}
		cache, err := lru.New[cid.Cid, []byte](n)
		if err != nil {
			return nil, fmt.Errorf("failed to make the block cache: %w", err)
		}
		bs.cache = cache
	}
	return bs, nil
}

// Get returns the block c from the first source with a verified copy.
func (bs *BlockStore) Get(ctx context.Context, c cid.Cid) (blocks.Block, error) {
	data, err := bs.get(ctx, c)
	if err != nil {
		return nil, err
	}
	return blocks.NewBlockWithCid(data, c)
}

func (bs *BlockStore) get(ctx context.Context, c cid.Cid) ([]byte, error) {
	// Every call checks the context first: a request whose client left, or
	// that ran out of time, stops here even when every block is cached.
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if data, ok := trustless.Inline(c); ok {
		if err := checkBlock(c, data); err != nil {
			return nil, err
		}
		return data, nil
	}
	if bs.cache != nil {
		if data, ok := bs.cache.Get(c); ok {
			return data, nil
		}
	}
	data, err := bs.fetch(ctx, c)
	if err != nil {
		return nil, err
	}
	if bs.cache != nil {
		bs.cache.Add(c, data)
	}
	return data, nil
}

// fetch tries every source once, the preferred one first.
func (bs *BlockStore) fetch(ctx context.Context, c cid.Cid) ([]byte, error) {
	bs.mu.Lock()
	first := bs.preferred
	bs.mu.Unlock()
	var reasons []string
	for k := range bs.sources {
		i := (first + k) % len(bs.sources)
		data, err := bs.try(ctx, bs.sources[i], c)
		if err == nil {
			bs.mu.Lock()
			bs.preferred = i
			bs.mu.Unlock()
			return data, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		reasons = append(reasons, bs.sources[i].String()+": "+err.Error())
	}
	return nil, fmt.Errorf("no source has a valid copy of %s (%s): %w", c, strings.Join(reasons, "; "), format.ErrNotFound{Cid: c})
}

// try asks one source and verifies what it sends.
func (bs *BlockStore) try(ctx context.Context, src BlockGetter, c cid.Cid) ([]byte, error) {
	timeout := bs.opts.SourceTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	data, err := src.GetBlock(ctx, c)
	if err == nil {
		err = checkBlock(c, data) // sources may verify too; we never rely on it
	}
	if err != nil && bs.opts.OnReject != nil {
		bs.opts.OnReject(src.String(), c, err)
	}
	return data, err
}

// Has reports whether some source has a verified copy of c.
func (bs *BlockStore) Has(ctx context.Context, c cid.Cid) (bool, error) {
	_, err := bs.get(ctx, c)
	if format.IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

// GetSize returns the size of the verified block c.
func (bs *BlockStore) GetSize(ctx context.Context, c cid.Cid) (int, error) {
	data, err := bs.get(ctx, c)
	return len(data), err
}

// DeleteBlock, Put and PutMany fail: the store only reads.
func (bs *BlockStore) DeleteBlock(context.Context, cid.Cid) error { return ErrReadOnly }

// Put fails with ErrReadOnly.
func (bs *BlockStore) Put(context.Context, blocks.Block) error { return ErrReadOnly }

// PutMany fails with ErrReadOnly.
func (bs *BlockStore) PutMany(context.Context, []blocks.Block) error { return ErrReadOnly }

// AllKeysChan fails: remote sources cannot be listed.
func (bs *BlockStore) AllKeysChan(context.Context) (<-chan cid.Cid, error) {
	return nil, errors.New("a verifying block store over remote sources cannot list its blocks")
}

// checkBlock is what every block passes before boxo's gateway sees it: its
// bytes hash to its CID under the allow-list, and, if it is a directory, it
// does not lie (trustless.Decode: no duplicate or path-like names, HAMT
// links where lookups find them). These are the per-block rules `verify`
// and `inspect` apply, so `serve` hands out only entries they would list.
func checkBlock(c cid.Cid, data []byte) error {
	if err := trustless.CheckBlock(c, data); err != nil {
		return err
	}
	if c.Type() == cid.Raw {
		return nil
	}
	_, err := trustless.Decode(c, data)
	return err
}
