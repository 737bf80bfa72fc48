package ens

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"github.com/dapp-publish/dapp-publish/internal/ctxtime"
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
	NonceAt(ctx context.Context, account common.Address, blockNumber *big.Int) (uint64, error)
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

// CheckWriter is the check every write path makes before anything is signed
// or proposed: writer (a key's address, a Safe, or the owner a calldata
// file is meant for) may write the record (Authorise), and the call succeeds
// when simulated from it (Simulate).
func (c *Client) CheckWriter(ctx context.Context, ch *Change, writer common.Address) error {
	if err := c.Authorise(ctx, ch.Record, writer); err != nil {
		return err
	}
	return c.Simulate(ctx, ch, writer)
}

// DefaultConfirmations is how many blocks, counting the transaction's own,
// Send waits for when SendOptions.Confirmations is 0. Dev chains (anvil and
// hardhat's 31337, geth --dev's 1337) make blocks only when there are
// transactions, so the receipt's block is all there will be. Elsewhere a
// block can still be reorganised away for a short while after it is made;
// two blocks make that unlikely for a record that can be set again at any
// time (full finality on Ethereum takes about 13 minutes: pass 64 for it).
func DefaultConfirmations(chainID *big.Int) uint64 {
	if chainID != nil && chainID.IsUint64() {
		switch chainID.Uint64() {
		case 31337, 1337:
			return 1
		}
	}
	return 2
}

// SendOptions tune Send.
type SendOptions struct {
	// Confirmations is how many blocks, counting the one with the
	// transaction, must exist before the write counts as done; 0 means
	// DefaultConfirmations of the chain.
	Confirmations uint64
	// WaitTimeout bounds the wait after the transaction is sent (for the
	// receipt and the confirmations); 0 means no bound but ctx's. When it
	// passes, or ctx ends, Send returns a *PendingError with the hash.
	WaitTimeout time.Duration
	// Poll is how often to ask for the receipt and new blocks (default 2s).
	Poll time.Duration
	// Progress, if set, is called when the wait changes state (sent, mined,
	// read back, each confirmation) and at least every Poll while waiting.
	Progress func(Progress)
	// beforeSend, for tests, runs after every check and before sending.
	beforeSend func()
}

// Stage is where a write stands.
type Stage string

// Stages of a write, in order.
const (
	StageSent      Stage = "sent"      // in the node's pool, not in a block yet
	StageMined     Stage = "mined"     // in a block, record read back
	StageConfirmed Stage = "confirmed" // enough blocks on top
)

// Progress is the state of a write while Send waits.
type Progress struct {
	Stage         Stage
	TxHash        common.Hash
	Block         uint64 // the transaction's block, once mined
	Confirmations uint64 // blocks seen, counting the transaction's own
	Needed        uint64
	Waited        time.Duration
}

// Receipt says how a write ended.
type Receipt struct {
	TxHash        common.Hash
	BlockNumber   uint64
	GasUsed       uint64
	Confirmations uint64 // blocks seen, counting the transaction's own
}

// Errors of waiting.
var (
	// ErrPending: a transaction was sent but is not mined and confirmed
	// yet. Returned as *PendingError.
	ErrPending = errors.New("transaction not confirmed yet")
	// ErrSignerBusy: the signer has transactions waiting in the node's pool,
	// perhaps a previous run's; nothing was sent. Returned as
	// *SignerBusyError.
	ErrSignerBusy = errors.New("the signer has transactions waiting to be mined")
)

// PendingError is returned when the wait for a sent transaction ended
// (WaitTimeout, or ctx) before it was mined and confirmed. Nothing is sent
// again; the transaction may still be mined.
type PendingError struct {
	TxHash        common.Hash
	Mined         bool   // in a block, and the record read back as written
	Block         uint64 // when mined
	Confirmations uint64 // blocks seen, counting the transaction's own
	Needed        uint64
	Waited        time.Duration
	Cause         error // the deadline or ctx's error
}

func (e *PendingError) Error() string {
	if e.Mined {
		return fmt.Sprintf("transaction %s is in block %d and the record reads back as written, but %d of %d confirmation(s) came in %s",
			e.TxHash.Hex(), e.Block, e.Confirmations, e.Needed, e.Waited.Round(time.Second))
	}
	return fmt.Sprintf("transaction %s was sent but not mined within %s", e.TxHash.Hex(), e.Waited.Round(time.Second))
}

// Is makes a *PendingError match ErrPending.
func (e *PendingError) Is(target error) bool { return target == ErrPending }

// Unwrap returns the cause (a deadline or a cancellation).
func (e *PendingError) Unwrap() error { return e.Cause }

// SignerBusyError says that the signer has transactions in the node's pool
// that are not mined yet, so Send sent nothing: one of them may be a
// previous run's update, and another would only queue behind it.
type SignerBusyError struct {
	Signer         common.Address
	Mined, Pending uint64 // nonces: next mined, next pending
	AlreadyPending bool   // the pool's pending state already holds the new record
}

func (e *SignerBusyError) Error() string {
	n := e.Pending - e.Mined
	msg := fmt.Sprintf("%s has %d transaction(s) waiting to be mined (nonce %d", e.Signer.Hex(), n, e.Mined)
	if n > 1 {
		msg += fmt.Sprintf(" to %d", e.Pending-1)
	}
	msg += "); nothing was sent"
	if e.AlreadyPending {
		msg += ", and one of them already sets this record"
	}
	return msg
}

// Is makes a *SignerBusyError match ErrSignerBusy.
func (e *SignerBusyError) Is(target error) bool { return target == ErrSignerBusy }

// Send writes the planned change with key: it checks the writer
// (CheckWriter) and that the key has no transaction still waiting in the
// node's pool (*SignerBusyError), sends an EIP-1559 transaction with
// estimated gas, waits for the receipt, reads the record back at once, and
// waits for the confirmations. A NoOp change sends nothing.
//
// After the transaction is sent every error is returned with a Receipt
// holding its hash; a wait that ends first returns a *PendingError.
func (c *Client) Send(ctx context.Context, ch *Change, key *ecdsa.PrivateKey, opts SendOptions) (*Receipt, error) {
	if ch.NoOp {
		return nil, nil
	}
	w, ok := c.backend.(Writer)
	if !ok {
		return nil, errors.New("failed to send: the backend cannot send transactions")
	}
	from := crypto.PubkeyToAddress(key.PublicKey)
	if err := c.CheckWriter(ctx, ch, from); err != nil {
		return nil, err
	}
	if err := c.checkIdle(ctx, w, ch, from); err != nil {
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
	return c.wait(ctx, w, ch, signed.Hash(), opts)
}

// checkIdle refuses to send while from has transactions in the pool: a
// re-run after a deadline must not send the update a second time.
func (c *Client) checkIdle(ctx context.Context, w Writer, ch *Change, from common.Address) error {
	mined, err := w.NonceAt(ctx, from, nil)
	if err != nil {
		return fmt.Errorf("failed to read the nonce of %s: %w", from.Hex(), err)
	}
	pending, err := w.PendingNonceAt(ctx, from)
	if err != nil {
		return fmt.Errorf("failed to read the pending nonce of %s: %w", from.Hex(), err)
	}
	if pending <= mined {
		return nil
	}
	busy := &SignerBusyError{Signer: from, Mined: mined, Pending: pending}
	var raw []byte
	// Not every node serves the "pending" state; without it the answer is
	// only less specific.
	if err := callContract(ctx, c.backend, common.Address{}, ch.Record.Resolver, resolverABI, "contenthash", &raw, pendingBlock, ch.Record.Node); err == nil {
		busy.AlreadyPending = bytes.Equal(raw, ch.New.Contenthash())
	}
	return busy
}

// pendingBlock asks a node for its pending state (ethclient: "pending").
var pendingBlock = big.NewInt(-1)

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

// waiter follows one sent transaction.
type waiter struct {
	c     *Client
	w     Writer
	ch    *Change
	opts  SendOptions
	start time.Time
	p     Progress
}

// wait waits for the receipt, reads the record back as soon as it is in,
// then waits for the confirmations, reporting progress all along.
func (c *Client) wait(ctx context.Context, w Writer, ch *Change, h common.Hash, opts SendOptions) (*Receipt, error) {
	if opts.Poll <= 0 {
		opts.Poll = 2 * time.Second
	}
	if opts.Confirmations == 0 {
		opts.Confirmations = DefaultConfirmations(ch.ChainID)
	}
	wctx := ctx
	if opts.WaitTimeout > 0 {
		var cancel context.CancelFunc
		wctx, cancel = context.WithTimeoutCause(ctx, opts.WaitTimeout, fmt.Errorf("waited %s (the deadline)", opts.WaitTimeout))
		defer cancel()
	}
	wt := &waiter{c: c, w: w, ch: ch, opts: opts, start: time.Now(),
		p: Progress{Stage: StageSent, TxHash: h, Needed: opts.Confirmations}}
	wt.report()
	out := &Receipt{TxHash: h}
	rcpt, err := wt.receipt(wctx)
	if err != nil {
		return out, wt.stopped(wctx, err)
	}
	out.BlockNumber, out.GasUsed = rcpt.BlockNumber.Uint64(), rcpt.GasUsed
	if rcpt.Status != types.ReceiptStatusSuccessful {
		return out, fmt.Errorf("%w: %s in block %d", ErrReverted, h.Hex(), out.BlockNumber)
	}
	if err := c.readBack(wctx, ch, rcpt.BlockNumber); err != nil {
		return out, wt.stopped(wctx, err)
	}
	wt.p.Stage, wt.p.Block, wt.p.Confirmations = StageMined, out.BlockNumber, 1
	wt.report()
	err = wt.confirmations(wctx)
	out.Confirmations = wt.p.Confirmations
	if err != nil {
		return out, wt.stopped(wctx, err)
	}
	wt.p.Stage = StageConfirmed
	wt.report()
	return out, nil
}

func (wt *waiter) report() {
	if wt.opts.Progress != nil {
		wt.p.Waited = time.Since(wt.start)
		wt.opts.Progress(wt.p)
	}
}

// stopped turns a wait that ended by the deadline or ctx into a
// *PendingError; other errors pass through.
func (wt *waiter) stopped(ctx context.Context, err error) error {
	if ctx.Err() == nil {
		return err
	}
	return &PendingError{TxHash: wt.p.TxHash, Mined: wt.p.Block > 0, Block: wt.p.Block,
		Confirmations: wt.p.Confirmations, Needed: wt.p.Needed, Waited: time.Since(wt.start), Cause: context.Cause(ctx)}
}

// receipt polls for the receipt, quickly at first (dev chains and fast L2s
// mine within a second) and then every Poll.
func (wt *waiter) receipt(ctx context.Context) (*types.Receipt, error) {
	wait := min(wt.opts.Poll, 100*time.Millisecond)
	for {
		r, err := wt.w.TransactionReceipt(ctx, wt.p.TxHash)
		if err == nil {
			return r, nil
		}
		if !errors.Is(err, ethereum.NotFound) {
			return nil, fmt.Errorf("failed to get the receipt of %s: %w", wt.p.TxHash.Hex(), err)
		}
		if err := ctxtime.Sleep(ctx, wait); err != nil {
			return nil, err
		}
		wt.report()
		wait = min(2*wait, wt.opts.Poll)
	}
}

// confirmations waits until Needed blocks exist, counting the
// transaction's own.
func (wt *waiter) confirmations(ctx context.Context) error {
	for wt.p.Confirmations < wt.p.Needed {
		if err := ctxtime.Sleep(ctx, wt.opts.Poll); err != nil {
			return err
		}
		head, err := wt.w.BlockNumber(ctx)
		if err != nil {
			return fmt.Errorf("failed to read the block number: %w", err)
		}
		if head >= wt.p.Block {
			wt.p.Confirmations = min(head-wt.p.Block+1, wt.p.Needed)
		}
		wt.report()
	}
	return nil
}

// readBack compares the bytes stored as of block (the transaction's; nil:
// latest) with what was meant to be written. Reading at the transaction's
// block gives the answer even from a node behind a load balancer whose
// "latest" lags the receipt.
func (c *Client) readBack(ctx context.Context, ch *Change, block *big.Int) error {
	var got []byte
	if err := callContract(ctx, c.backend, common.Address{}, ch.Record.Resolver, resolverABI, "contenthash", &got, block, ch.Record.Node); err != nil {
		return fmt.Errorf("failed to read back the contenthash of %s: %w", ch.Record.Name, err)
	}
	if want := ch.New.Contenthash(); !bytes.Equal(got, want) {
		return fmt.Errorf("%w: got 0x%x, want 0x%x", ErrReadBack, got, want)
	}
	return nil
}
