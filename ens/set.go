package ens

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
)

// Errors of the write path.
var (
	ErrSimulationFailed = errors.New("simulated setContenthash call reverted")
	ErrReverted         = errors.New("transaction reverted")
	ErrReadBack         = errors.New("contenthash read back after the transaction differs")
)

// Writer is what sending a transaction needs; *ethclient.Client has it.
type Writer interface {
	Reader
	PendingNonceAt(ctx context.Context, account common.Address) (uint64, error)
	SuggestGasTipCap(ctx context.Context) (*big.Int, error)
	HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error)
	EstimateGas(ctx context.Context, call ethereum.CallMsg) (uint64, error)
	SendTransaction(ctx context.Context, tx *types.Transaction) error
	TransactionReceipt(ctx context.Context, txHash common.Hash) (*types.Receipt, error)
	BlockNumber(ctx context.Context) (uint64, error)
}

// Change is a planned contenthash update: what is there, what will be, and
// the exact call that makes it so. NoOp is true when nothing needs doing.
type Change struct {
	Record   *Record
	ChainID  *big.Int
	Old      Content // zero if unset or not decodable (see OldRaw)
	OldRaw   []byte
	New      Content
	Calldata []byte // setContenthash(node, new) for Record.Resolver
	NoOp     bool
}

// Plan checks the chain id (wantChainID 0 skips the check), looks the name
// up, reads the current record and builds the calldata. It sends nothing.
func (c *Client) Plan(ctx context.Context, name string, content Content, wantChainID uint64) (*Change, error) {
	id, err := c.CheckChain(ctx, wantChainID)
	if err != nil {
		return nil, err
	}
	r, err := c.Lookup(ctx, name)
	if err != nil {
		return nil, err
	}
	raw, err := c.Contenthash(ctx, r)
	if err != nil {
		return nil, err
	}
	ch := &Change{Record: r, ChainID: id, OldRaw: raw, New: content}
	ch.Old, _ = DecodeContenthash(raw) // an unknown old value is replaced, not an error
	newRaw := content.Contenthash()
	ch.NoOp = bytes.Equal(raw, newRaw)
	if ch.Calldata, err = resolverABI.Pack("setContenthash", r.Node, newRaw); err != nil {
		return nil, fmt.Errorf("failed to encode setContenthash: %w", err)
	}
	return ch, nil
}

// Simulate runs the call with eth_call from `from`, so a call that would
// revert is caught before anything is signed.
func (c *Client) Simulate(ctx context.Context, ch *Change, from common.Address) error {
	to := ch.Record.Resolver
	_, err := c.backend.CallContract(ctx, ethereum.CallMsg{From: from, To: &to, Data: ch.Calldata}, nil)
	if err == nil {
		return nil
	}
	if isRevert(err) {
		return fmt.Errorf("%w: %w", ErrSimulationFailed, err)
	}
	return fmt.Errorf("failed to simulate setContenthash: %w", err)
}

// SendOptions tune Send.
type SendOptions struct {
	// Confirmations is how many blocks, counting the one with the
	// transaction, must exist before the write counts as done (minimum 1).
	Confirmations uint64
	// Poll is how often to ask for the receipt and new blocks (default 2s).
	Poll time.Duration
	// beforeSend, for tests, runs after every check and before sending.
	beforeSend func()
}

// Receipt says how a write ended.
type Receipt struct {
	TxHash      common.Hash
	BlockNumber uint64
	GasUsed     uint64
}

// Send writes the planned change with key: it checks authorisation and
// simulates first (nothing is signed if either fails), sends an EIP-1559
// transaction with estimated gas, waits for the receipt and the
// confirmations, and reads the record back. A NoOp change sends nothing.
func (c *Client) Send(ctx context.Context, ch *Change, key *ecdsa.PrivateKey, opts SendOptions) (*Receipt, error) {
	if ch.NoOp {
		return nil, nil
	}
	w, ok := c.backend.(Writer)
	if !ok {
		return nil, errors.New("failed to send: the backend cannot send transactions")
	}
	from := crypto.PubkeyToAddress(key.PublicKey)
	if err := c.Authorise(ctx, ch.Record, from); err != nil {
		return nil, err
	}
	if err := c.Simulate(ctx, ch, from); err != nil {
		return nil, err
	}
	tx, err := c.buildTx(ctx, w, ch, from)
	if err != nil {
		return nil, err
	}
	signed, err := types.SignTx(tx, types.LatestSignerForChainID(ch.ChainID), key)
	if err != nil {
		return nil, fmt.Errorf("failed to sign the transaction: %w", err)
	}
	if opts.beforeSend != nil {
		opts.beforeSend()
	}
	if err := w.SendTransaction(ctx, signed); err != nil {
		return nil, fmt.Errorf("failed to send the transaction: %w", err)
	}
	return c.finish(ctx, w, ch, signed.Hash(), opts)
}

// buildTx prices an EIP-1559 transaction: the node's suggested tip, a fee cap
// of twice the current base fee plus the tip (room for six full blocks of
// base-fee growth), and the node's gas estimate plus 20%.
func (c *Client) buildTx(ctx context.Context, w Writer, ch *Change, from common.Address) (*types.Transaction, error) {
	to := ch.Record.Resolver
	gas, err := w.EstimateGas(ctx, ethereum.CallMsg{From: from, To: &to, Data: ch.Calldata})
	if err != nil {
		return nil, fmt.Errorf("failed to estimate gas: %w", err)
	}
	tip, err := w.SuggestGasTipCap(ctx)
	if err != nil {
		return nil, fmt.Errorf("failed to get a gas tip suggestion: %w", err)
	}
	head, err := w.HeaderByNumber(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("failed to read the latest block: %w", err)
	}
	if head.BaseFee == nil {
		return nil, errors.New("failed to price the transaction: the chain has no EIP-1559 base fee")
	}
	nonce, err := w.PendingNonceAt(ctx, from)
	if err != nil {
		return nil, fmt.Errorf("failed to read the nonce of %s: %w", from.Hex(), err)
	}
	feeCap := new(big.Int).Add(new(big.Int).Mul(head.BaseFee, big.NewInt(2)), tip)
	return types.NewTx(&types.DynamicFeeTx{
		ChainID: ch.ChainID, Nonce: nonce, To: &to, Data: ch.Calldata,
		Gas: gas + gas/5, GasTipCap: tip, GasFeeCap: feeCap,
	}), nil
}

// finish waits for the receipt and confirmations, then reads back.
func (c *Client) finish(ctx context.Context, w Writer, ch *Change, h common.Hash, opts SendOptions) (*Receipt, error) {
	poll := opts.Poll
	if poll == 0 {
		poll = 2 * time.Second
	}
	rcpt, err := waitReceipt(ctx, w, h, poll)
	if err != nil {
		return nil, err
	}
	out := &Receipt{TxHash: h, BlockNumber: rcpt.BlockNumber.Uint64(), GasUsed: rcpt.GasUsed}
	if rcpt.Status != types.ReceiptStatusSuccessful {
		return out, fmt.Errorf("%w: %s in block %d", ErrReverted, h.Hex(), out.BlockNumber)
	}
	if err := waitConfirmations(ctx, w, out.BlockNumber, opts.Confirmations, poll); err != nil {
		return out, err
	}
	return out, c.readBack(ctx, ch)
}

// waitReceipt polls for the receipt, quickly at first (dev chains and fast
// L2s mine within a second) and then every poll.
func waitReceipt(ctx context.Context, w Writer, h common.Hash, poll time.Duration) (*types.Receipt, error) {
	wait := min(poll, 100*time.Millisecond)
	for {
		r, err := w.TransactionReceipt(ctx, h)
		if err == nil {
			return r, nil
		}
		if !errors.Is(err, ethereum.NotFound) {
			return nil, fmt.Errorf("failed to get the receipt of %s: %w", h.Hex(), err)
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("failed to wait for %s to be mined: %w", h.Hex(), err)
		}
		wait = min(2*wait, poll)
	}
}

func waitConfirmations(ctx context.Context, w Writer, block, confirmations uint64, poll time.Duration) error {
	for confirmations > 1 {
		head, err := w.BlockNumber(ctx)
		if err != nil {
			return fmt.Errorf("failed to read the block number: %w", err)
		}
		if head+1 >= block+confirmations {
			return nil
		}
		if err := sleep(ctx, poll); err != nil {
			return fmt.Errorf("failed to wait for %d confirmations: %w", confirmations, err)
		}
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// readBack compares the stored bytes with what was meant to be written.
func (c *Client) readBack(ctx context.Context, ch *Change) error {
	got, err := c.Contenthash(ctx, ch.Record)
	if err != nil {
		return err
	}
	if want := ch.New.Contenthash(); !bytes.Equal(got, want) {
		return fmt.Errorf("%w: got 0x%x, want 0x%x", ErrReadBack, got, want)
	}
	return nil
}
