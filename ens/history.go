package ens

import (
	"context"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// LogReader is what History needs besides Reader; *ethclient.Client has it.
type LogReader interface {
	FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error)
	HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error)
}

// HistoryEntry is one ContenthashChanged event: when a value was set, by
// which transaction.
type HistoryEntry struct {
	Block   uint64
	Time    time.Time
	TxHash  common.Hash
	Raw     []byte
	Content Content // zero if Raw is empty (cleared) or not decodable
}

// History lists the contenthash changes of name on its current resolver,
// oldest first, from fromBlock on. Changes made on earlier resolvers are not
// included: they are another contract's events.
func (c *Client) History(ctx context.Context, name string, fromBlock uint64) (*Record, []HistoryEntry, error) {
	lr, ok := c.backend.(LogReader)
	if !ok {
		return nil, nil, fmt.Errorf("failed to read history: the backend cannot read logs")
	}
	r, err := c.Lookup(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	ev := resolverABI.Events["ContenthashChanged"]
	logs, err := lr.FilterLogs(ctx, ethereum.FilterQuery{
		FromBlock: new(big.Int).SetUint64(fromBlock),
		Addresses: []common.Address{r.Resolver},
		Topics:    [][]common.Hash{{ev.ID}, {r.Node}},
	})
	if err != nil {
		return r, nil, fmt.Errorf("failed to read ContenthashChanged events of %s: %w", r.Name, err)
	}
	entries := make([]HistoryEntry, 0, len(logs))
	times := map[uint64]time.Time{}
	for _, l := range logs {
		e, err := historyEntry(ctx, lr, l, times)
		if err != nil {
			return r, nil, err
		}
		entries = append(entries, e)
	}
	return r, entries, nil
}

func historyEntry(ctx context.Context, lr LogReader, l types.Log, times map[uint64]time.Time) (HistoryEntry, error) {
	vals, err := resolverABI.Unpack("ContenthashChanged", l.Data)
	if err != nil || len(vals) != 1 {
		return HistoryEntry{}, fmt.Errorf("failed to decode ContenthashChanged in tx %s: %v", l.TxHash.Hex(), err)
	}
	raw, _ := vals[0].([]byte)
	e := HistoryEntry{Block: l.BlockNumber, TxHash: l.TxHash, Raw: raw}
	e.Content, _ = DecodeContenthash(raw)
	t, ok := times[l.BlockNumber]
	if !ok {
		h, err := lr.HeaderByNumber(ctx, new(big.Int).SetUint64(l.BlockNumber))
		if err != nil {
			return HistoryEntry{}, fmt.Errorf("failed to read block %d: %w", l.BlockNumber, err)
		}
		t = time.Unix(int64(h.Time), 0).UTC()
		times[l.BlockNumber] = t
	}
	e.Time = t
	return e, nil
}
