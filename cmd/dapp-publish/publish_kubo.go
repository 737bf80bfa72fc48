package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/publish"
	"github.com/dapp-publish/dapp-publish/verify"
	"github.com/ipfs/go-cid"
)

// Retrieval through a holder's own API (pin.Retriever: a Kubo node's RPC,
// asked offline), for holders configured without a gateway: what arrives is
// what the holder itself has, and every block is verified like a gateway's
// (verify.CheckCAR, verify.BlockStore).

// viaRetriever verifies root as the holder's own API streams it.
func (v *verifier) viaRetriever(ctx context.Context, root cid.Cid, holder string, r pin.Retriever) publish.Verification {
	open := func(ctx context.Context) (io.ReadCloser, error) { return r.RetrieveCAR(ctx, root) }
	rep := verify.CheckCAR(ctx, root, r.RetrievalSource(), open, verify.CheckOptions{Timeout: v.timeout})
	out := v.fromReport(holder, rep)
	out.Mode = "rpc" // the Record's name for a holder's own API
	return out
}

// retrievedBlocks reads single blocks through a pin.Retriever, bounded to
// the largest block a CAR may carry (a verify.BlockGetter; verify.BlockStore
// checks what it returns).
type retrievedBlocks struct{ r pin.Retriever }

func (b retrievedBlocks) GetBlock(ctx context.Context, c cid.Cid) ([]byte, error) {
	body, err := b.r.RetrieveBlock(ctx, c)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	max := verify.DefaultLimits.MaxSectionSize
	data, err := io.ReadAll(io.LimitReader(body, int64(max)+1))
	if err != nil {
		return nil, err
	}
	if len(data) > max {
		return nil, fmt.Errorf("block %s is larger than %d bytes", c, max)
	}
	return data, nil
}

func (b retrievedBlocks) String() string { return b.r.RetrievalSource() }

// previousBlocks is where an incremental upload reads the previous
// version's folders from: the holders that reported holding it, through
// their gateway or their own API, every block verified.
func (s *holderSetup) previousBlocks(_ context.Context, _ cid.Cid, holders []publish.Holder) (publish.BlockGetter, error) {
	var srcs []verify.BlockGetter
	for _, h := range holders {
		if e, ok := s.entries[h.Name()]; ok {
			if hs, ok := httpSettings(e); ok && hs.Gateway != "" {
				srcs = append(srcs, &verify.Gateway{URL: strings.TrimRight(hs.Gateway, "/")})
			}
		}
		if r, ok := holderCapability[pin.Retriever](h); ok {
			srcs = append(srcs, retrievedBlocks{r})
		}
	}
	bs, err := verify.NewBlockStore(srcs, verify.BlockStoreOptions{CacheBlocks: -1})
	if err != nil {
		return nil, err
	}
	return verifiedBlocks{bs}, nil
}

// verifiedBlocks reads blocks through a verify.BlockStore.
type verifiedBlocks struct{ bs *verify.BlockStore }

func (v verifiedBlocks) GetBlock(ctx context.Context, c cid.Cid) ([]byte, error) {
	b, err := v.bs.Get(ctx, c)
	if err != nil {
		return nil, err
	}
	return b.RawData(), nil
}
