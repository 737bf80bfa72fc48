package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/publish"
	"github.com/dapp-publish/dapp-publish/verify"
	"github.com/ipfs/go-cid"
)

// Retrieval through a Kubo node's own RPC, for holders configured without a
// gateway: POST /api/v0/dag/export streams the DAG as a CAR and
// /api/v0/block/get one block, both with offline=true so the node answers
// from its own store and never fetches from the network: what arrives is
// what this holder itself has. Every block is verified like a gateway's.

// viaRPC verifies root as exported by the node's RPC.
func (v *verifier) viaRPC(ctx context.Context, root cid.Cid, holder string, cfg pin.Config) publish.Verification {
	out := publish.Verification{Holder: holder, Source: redactURL(cfg.Endpoint) + " (RPC dag/export)", Mode: "rpc"}
	ctx, cancel := context.WithTimeout(ctx, v.timeout)
	defer cancel()
	start := time.Now()
	var first sync.Once
	var latency time.Duration
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotFirstResponseByte: func() { first.Do(func() { latency = time.Since(start) }) }})
	body, err := kuboRPC(ctx, cfg, "dag/export", root)
	if err != nil {
		out.Error = v.redact(err.Error())
		return out
	}
	defer body.Close()
	res, err := verify.VerifyCAR(body, root, verify.Options{})
	first.Do(func() {})
	out.Reachable, out.LatencyMS = true, float64(latency.Microseconds())/1000
	out.Seconds, out.Bytes, out.Blocks = time.Since(start).Seconds(), res.Bytes, res.Blocks
	out.Complete, out.Verified = err == nil, res.Blocks > 0 && err == nil
	out.OK = err == nil
	if err != nil {
		out.Error = v.redact(sourceError(err))
	}
	return out
}

// kuboRPC POSTs an offline RPC command with one CID argument and returns
// the body of a successful answer.
func kuboRPC(ctx context.Context, cfg pin.Config, cmd string, c cid.Cid) (io.ReadCloser, error) {
	q := url.Values{"arg": {c.String()}, "offline": {"true"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(cfg.Endpoint, "/")+"/api/v0/"+cmd+"?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := cfg.Do(req, cmd, nil)
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// rpcBlocks reads single blocks through a Kubo node's RPC (a
// verify.BlockGetter; verify.BlockStore checks what it returns).
type rpcBlocks struct{ cfg pin.Config }

func (r rpcBlocks) GetBlock(ctx context.Context, c cid.Cid) ([]byte, error) {
	body, err := kuboRPC(ctx, r.cfg, "block/get", c)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	data, err := io.ReadAll(io.LimitReader(body, int64(verify.DefaultLimits.MaxSectionSize)+1))
	if err != nil {
		return nil, err
	}
	if len(data) > verify.DefaultLimits.MaxSectionSize {
		return nil, fmt.Errorf("block %s is larger than %d bytes", c, verify.DefaultLimits.MaxSectionSize)
	}
	return data, nil
}

func (r rpcBlocks) String() string { return redactURL(r.cfg.Endpoint) + " (RPC)" }

// previousBlocks is where an incremental upload reads the previous
// version's folders from: the holders that reported holding it, through
// their gateway or RPC, every block verified.
func (s *holderSetup) previousBlocks(_ context.Context, _ cid.Cid, holders []publish.Holder) (publish.BlockGetter, error) {
	var srcs []verify.BlockGetter
	for _, h := range holders {
		cfg, ok := s.entries[h.Name()]
		if !ok {
			continue
		}
		if cfg.Gateway != "" {
			srcs = append(srcs, &verify.Gateway{URL: strings.TrimRight(cfg.Gateway, "/")})
		}
		if cfg.Type == "kubo" {
			srcs = append(srcs, rpcBlocks{cfg: cfg})
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
