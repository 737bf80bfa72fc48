package ens

import (
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/dapp-publish/dapp-publish/internal/testpeers"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

func TestHistory(t *testing.T) {
	c := newChain(t)
	ctx := ctxT(t)
	c.ens.Register(t, "other.eth", c.ens.Resolver, c.anvil.Address(t, 1))
	values := []string{"ipfs://" + vecIPFSv1, "ar://" + vecArweave, "ipfs://" + vecRawLeafCIDv1}
	var txs []common.Hash
	for i, v := range values {
		ch, err := c.client.Plan(ctx, "app.eth", mustContent(t, v), testpeers.AnvilChainID)
		if err != nil {
			t.Fatal(err)
		}
		r, err := c.client.Send(ctx, ch, c.anvil.Key(t, 1), fast)
		if err != nil {
			t.Fatal(err)
		}
		txs = append(txs, r.TxHash)
		if i == 0 { // a change of another name must not show up
			och, _ := c.client.Plan(ctx, "other.eth", mustContent(t, "ipns://"+vecIPNSLibp2p), testpeers.AnvilChainID)
			if _, err := c.client.Send(ctx, och, c.anvil.Key(t, 1), fast); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, hist, err := c.client.History(ctx, "app.eth", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != len(values) {
		t.Fatalf("%d entries, want %d: %+v", len(hist), len(values), hist)
	}
	for i, e := range hist {
		if e.Content.String() != values[i] || e.TxHash != txs[i] {
			t.Errorf("entry %d = %s in %s, want %s in %s", i, e.Content, e.TxHash.Hex(), values[i], txs[i].Hex())
		}
		h, err := c.anvil.Client.HeaderByNumber(ctx, new(big.Int).SetUint64(e.Block))
		if err != nil || !e.Time.Equal(time.Unix(int64(h.Time), 0)) {
			t.Errorf("entry %d time %s, block %d header %v", i, e.Time, e.Block, err)
		}
	}
}

// The calldata and the Transaction Builder file are only useful if executing
// them does the change: send the file's call as the owner and read back.
func TestCalldataAndTxBuilderFile(t *testing.T) {
	c := newChain(t)
	ctx := ctxT(t)
	ch, err := c.client.Plan(ctx, "app.eth", mustContent(t, vecIPFSv0), testpeers.AnvilChainID)
	if err != nil {
		t.Fatal(err)
	}
	if got := hexutil.Encode(ch.Calldata[:4]); got != "0x304e6ade" {
		t.Errorf("selector %s, want setContenthash 0x304e6ade", got)
	}
	b, err := NewTxBuilderFile(ch, common.Address{}, time.Now()).JSON()
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		ChainID      string `json:"chainId"`
		Transactions []struct{ To, Value, Data string }
	}
	if err := json.Unmarshal(b, &f); err != nil || len(f.Transactions) != 1 || f.ChainID != "31337" {
		t.Fatalf("file %s: %v", b, err)
	}
	call := f.Transactions[0]
	to := common.HexToAddress(call.To)
	if to != c.ens.Resolver || call.Value != "0" {
		t.Fatalf("call to %s value %s", call.To, call.Value)
	}
	c.anvil.Transact(t, c.anvil.Key(t, 1), &to, hexutil.MustDecode(call.Data))
	_, got, err := c.client.Get(ctx, "app.eth")
	if err != nil || got.String() != "ipfs://"+vecIPFSv1 {
		t.Fatalf("after executing the file's call: %s, %v", got, err)
	}

	// The summary for signers names both values, links and the commit.
	next, err := c.client.Plan(ctx, "app.eth", mustContent(t, "ar://"+vecArweave), testpeers.AnvilChainID)
	if err != nil {
		t.Fatal(err)
	}
	md := Summary(next, SummaryInput{Commit: "0123abcd"})
	for _, want := range []string{"ipfs://" + vecIPFSv1, "ar://" + vecArweave, "https://arweave.net/" + vecArweave,
		vecIPFSv1 + ".ipfs.dweb.link", "0123abcd", hexutil.Encode(next.Calldata), c.anvil.Address(t, 1).Hex()} {
		if !strings.Contains(md, want) {
			t.Errorf("summary lacks %q:\n%s", want, md)
		}
	}
}
