package ens

import (
	"context"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/dapp-publish/dapp-publish/internal/testpeers"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
)

// chain is anvil with the real ENS registry and PublicResolver deployed, and
// app.eth owned by account 1.
type chain struct {
	anvil  *testpeers.Anvil
	ens    *testpeers.ENS
	client *Client
	owner  int // anvil account owning app.eth
}

func newChain(t *testing.T) *chain {
	t.Helper()
	a := testpeers.StartAnvil(t)
	e := testpeers.DeployENS(t, a)
	e.Register(t, "app.eth", e.Resolver, a.Address(t, 1))
	return &chain{anvil: a, ens: e, client: NewClient(a.Client, e.Registry), owner: 1}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func mustContent(t *testing.T, s string) Content {
	t.Helper()
	c, err := ParseContent(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var fast = SendOptions{Confirmations: 1, Poll: 20 * time.Millisecond}

func (c *chain) nonce(t *testing.T, i int) uint64 {
	t.Helper()
	n, err := c.anvil.Client.NonceAt(context.Background(), c.anvil.Address(t, i), nil)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSetGetNoOp(t *testing.T) {
	c := newChain(t)
	ctx := ctxT(t)
	want := mustContent(t, vecIPFSv0)

	_, before, err := c.client.Get(ctx, "App.eth")
	if err != nil || !before.IsZero() {
		t.Fatalf("before: %v %v", before, err)
	}
	ch, err := c.client.Plan(ctx, "App.eth", want, testpeers.AnvilChainID)
	if err != nil {
		t.Fatal(err)
	}
	if ch.NoOp || ch.Record.Name != "app.eth" || ch.Record.Owner != c.anvil.Address(t, 1) {
		t.Fatalf("plan = %+v", ch)
	}
	rcpt, err := c.client.Send(ctx, ch, c.anvil.Key(t, 1), fast)
	if err != nil {
		t.Fatal(err)
	}
	if rcpt == nil || rcpt.GasUsed == 0 {
		t.Fatalf("receipt = %+v", rcpt)
	}
	_, got, err := c.client.Get(ctx, "app.eth")
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != "ipfs://"+vecIPFSv1 {
		t.Errorf("get = %s, want ipfs://%s", got, vecIPFSv1)
	}

	// Same value again: planned as a no-op and nothing is sent.
	n := c.nonce(t, 1)
	ch, err = c.client.Plan(ctx, "app.eth", mustContent(t, "ipfs://"+vecIPFSv1), testpeers.AnvilChainID)
	if err != nil {
		t.Fatal(err)
	}
	if !ch.NoOp {
		t.Fatal("second plan is not a no-op")
	}
	if r, err := c.client.Send(ctx, ch, c.anvil.Key(t, 1), fast); r != nil || err != nil {
		t.Fatalf("no-op send = %v, %v", r, err)
	}
	if c.nonce(t, 1) != n {
		t.Error("a transaction was sent for a no-op")
	}
}

func TestSetArweaveAndConfirmations(t *testing.T) {
	c := newChain(t)
	ctx := ctxT(t)
	want := mustContent(t, "ar://"+vecArweave)
	ch, err := c.client.Plan(ctx, "app.eth", want, testpeers.AnvilChainID)
	if err != nil {
		t.Fatal(err)
	}
	// anvil mines only on demand: Send must wait until 3 blocks exist.
	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(300 * time.Millisecond)
		c.anvil.Mine(t, 2)
	}()
	start := time.Now()
	rcpt, err := c.client.Send(ctx, ch, c.anvil.Key(t, 1), SendOptions{Confirmations: 3, Poll: 20 * time.Millisecond})
	<-done
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < 300*time.Millisecond {
		t.Error("Send returned before the confirmations were mined")
	}
	head, _ := c.anvil.Client.BlockNumber(ctx)
	if head < rcpt.BlockNumber+2 {
		t.Errorf("head %d, tx block %d: fewer than 3 confirmations", head, rcpt.BlockNumber)
	}
	_, got, err := c.client.Get(ctx, "app.eth")
	if err != nil || got.String() != "ar://"+vecArweave {
		t.Errorf("get = %s, %v", got, err)
	}
}

func TestUnauthorisedRefusedBeforeSending(t *testing.T) {
	c := newChain(t)
	ctx := ctxT(t)
	ch, err := c.client.Plan(ctx, "app.eth", mustContent(t, vecIPFSv1), testpeers.AnvilChainID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.client.Send(ctx, ch, c.anvil.Key(t, 2), fast)
	var nae *NotAuthorisedError
	if !errors.As(err, &nae) {
		t.Fatalf("err = %v, want NotAuthorisedError", err)
	}
	if nae.Owner != c.anvil.Address(t, 1) || !strings.Contains(err.Error(), c.anvil.Address(t, 1).Hex()) {
		t.Errorf("error does not name the owner: %v", err)
	}
	if c.nonce(t, 2) != 0 {
		t.Error("the unauthorised signer sent a transaction")
	}
}

// The 0.3.1 PublicResolver's per-node setAuthorisation makes a delegate.
func TestDelegateMayWrite(t *testing.T) {
	c := newChain(t)
	ctx := ctxT(t)
	delegate := c.anvil.Address(t, 2)
	c.anvil.Call(t, c.anvil.Key(t, 1), c.ens.Resolver, c.ens.ResolverABI, "setAuthorisation", Namehash("app.eth"), delegate, true)
	ch, err := c.client.Plan(ctx, "app.eth", mustContent(t, vecIPFSv1), testpeers.AnvilChainID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.client.Send(ctx, ch, c.anvil.Key(t, 2), fast); err != nil {
		t.Fatalf("delegate refused: %v", err)
	}
}

func TestWrongChainID(t *testing.T) {
	c := newChain(t)
	_, err := c.client.Plan(ctxT(t), "app.eth", mustContent(t, vecIPFSv1), 1)
	if !errors.Is(err, ErrWrongChain) || !strings.Contains(err.Error(), "31337") {
		t.Fatalf("err = %v, want ErrWrongChain naming 31337", err)
	}
}

func TestNameWithoutResolver(t *testing.T) {
	c := newChain(t)
	c.ens.Register(t, "bare.eth", common.Address{}, c.anvil.Address(t, 1))
	_, err := c.client.Plan(ctxT(t), "bare.eth", mustContent(t, vecIPFSv1), testpeers.AnvilChainID)
	if !errors.Is(err, ErrNoResolver) {
		t.Fatalf("err = %v, want ErrNoResolver", err)
	}
}

func TestResolverWithoutContenthash(t *testing.T) {
	c := newChain(t)
	// The registry contract itself has no supportsInterface: a resolver
	// that cannot take a contenthash.
	c.ens.Register(t, "odd.eth", c.ens.Registry, c.anvil.Address(t, 1))
	_, err := c.client.Plan(ctxT(t), "odd.eth", mustContent(t, vecIPFSv1), testpeers.AnvilChainID)
	if !errors.Is(err, ErrNoContenthash) {
		t.Fatalf("err = %v, want ErrNoContenthash", err)
	}
}

func TestWrongRegistry(t *testing.T) {
	c := newChain(t)
	client := NewClient(c.anvil.Client, DefaultRegistry) // nothing deployed there on anvil
	_, err := client.Plan(ctxT(t), "app.eth", mustContent(t, vecIPFSv1), testpeers.AnvilChainID)
	if !errors.Is(err, ErrNoRegistry) {
		t.Fatalf("err = %v, want ErrNoRegistry", err)
	}
}

func TestRPCUnreachable(t *testing.T) {
	c := newChain(t)
	c.anvil.Stop()
	_, err := c.client.Plan(ctxT(t), "app.eth", mustContent(t, vecIPFSv1), testpeers.AnvilChainID)
	if err == nil || !strings.Contains(err.Error(), "failed to read the chain id") {
		t.Fatalf("err = %v, want a chain id read failure", err)
	}
}

// The name changes hands between the checks and the send: the transaction
// is mined, reverts, and Send says so.
func TestTransactionReverted(t *testing.T) {
	c := newChain(t)
	ctx := ctxT(t)
	ch, err := c.client.Plan(ctx, "app.eth", mustContent(t, vecIPFSv1), testpeers.AnvilChainID)
	if err != nil {
		t.Fatal(err)
	}
	opts := fast
	opts.beforeSend = func() {
		// Account 0 owns eth and takes app.eth back.
		label := crypto.Keccak256Hash([]byte("app"))
		c.anvil.Call(t, c.anvil.Key(t, 0), c.ens.Registry, c.ens.RegistryABI, "setSubnodeOwner", Namehash("eth"), label, c.anvil.Address(t, 3))
	}
	rcpt, err := c.client.Send(ctx, ch, c.anvil.Key(t, 1), opts)
	if !errors.Is(err, ErrReverted) || rcpt == nil || rcpt.TxHash == (common.Hash{}) {
		t.Fatalf("send = %+v, %v; want ErrReverted with the tx hash", rcpt, err)
	}
}

// stubNameWrapper returns EVM runtime code that answers any call whose first
// argument is node with owner, and anything else with the zero address: the
// smallest stand-in for NameWrapper.ownerOf(uint256) (no NameWrapper artifact
// is published on npm in a form these tests can deploy).
func stubNameWrapper(node common.Hash, owner common.Address) []byte {
	code := []byte{0x60, 0x04, 0x35, 0x7f} // CALLDATALOAD(4), PUSH32
	code = append(code, node[:]...)
	code = append(code, 0x14, 0x60, 0x2d, 0x57) // EQ, PUSH1 0x2d, JUMPI
	code = append(code, 0x60, 0x20, 0x60, 0x00, 0xf3, 0x5b, 0x73)
	code = append(code, owner[:]...)
	return append(code, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3)
}

// A wrapped name: the registry owner is the NameWrapper, the writer is
// NameWrapper.ownerOf(node). The 0.3.1 PublicResolver predates NameWrapper,
// so the eth_call simulation refuses the write before anything is signed.
func TestWrappedName(t *testing.T) {
	c := newChain(t)
	ctx := ctxT(t)
	wrapper := common.HexToAddress("0x00000000000000000000000000000000000a11ce")
	node := Namehash("wrapped.eth")
	holder := c.anvil.Address(t, 2)
	if err := c.anvil.RPC.Call(nil, "anvil_setCode", wrapper, hexutil.Encode(stubNameWrapper(node, holder))); err != nil {
		t.Fatal(err)
	}
	c.ens.Register(t, "wrapped.eth", c.ens.Resolver, wrapper)
	c.client.NameWrapper = wrapper
	r, err := c.client.Lookup(ctx, "wrapped.eth")
	if err != nil {
		t.Fatal(err)
	}
	if !r.Wrapped || r.Owner != holder || r.RegistryOwner != wrapper {
		t.Fatalf("record = %+v, want wrapped, owner %s", r, holder.Hex())
	}
	if err := c.client.Authorise(ctx, r, c.anvil.Address(t, 1)); err == nil || !strings.Contains(err.Error(), "NameWrapper owner "+holder.Hex()) {
		t.Errorf("authorise non-holder: %v", err)
	}
	ch, err := c.client.Plan(ctx, "wrapped.eth", mustContent(t, vecIPFSv1), testpeers.AnvilChainID)
	if err != nil {
		t.Fatal(err)
	}
	n := c.nonce(t, 2)
	if _, err := c.client.Send(ctx, ch, c.anvil.Key(t, 2), fast); !errors.Is(err, ErrSimulationFailed) {
		t.Fatalf("send = %v, want ErrSimulationFailed", err)
	}
	if c.nonce(t, 2) != n {
		t.Error("a transaction was sent")
	}
}

func TestDefaultConfirmations(t *testing.T) {
	for id, want := range map[int64]uint64{31337: 1, 1337: 1, 1: 2, 11155111: 2, 10: 2} {
		if got := DefaultConfirmations(big.NewInt(id)); got != want {
			t.Errorf("chain %d: %d, want %d", id, got, want)
		}
	}
}

// TestSendDeadlineAndProgress: with mining paused, Send reports the
// transaction as sent and returns a *PendingError with its hash at the
// deadline; a second Send refuses to add another transaction.
func TestSendDeadlineAndProgress(t *testing.T) {
	c := newChain(t)
	ctx := ctxT(t)
	if err := c.anvil.RPC.Call(nil, "evm_setAutomine", false); err != nil {
		t.Fatal(err)
	}
	ch, err := c.client.Plan(ctx, "app.eth", mustContent(t, vecIPFSv0), testpeers.AnvilChainID)
	if err != nil {
		t.Fatal(err)
	}
	var seen []Progress
	opts := SendOptions{WaitTimeout: 500 * time.Millisecond, Poll: 50 * time.Millisecond, Progress: func(p Progress) { seen = append(seen, p) }}
	rcpt, err := c.client.Send(ctx, ch, c.anvil.Key(t, 1), opts)
	var pe *PendingError
	if !errors.As(err, &pe) || !errors.Is(err, ErrPending) || pe.Mined || rcpt == nil || pe.TxHash != rcpt.TxHash {
		t.Fatalf("Send = %+v, %v", rcpt, err)
	}
	if len(seen) < 2 || seen[0].Stage != StageSent || seen[0].TxHash != pe.TxHash || seen[0].Needed != 1 {
		t.Errorf("progress: %+v", seen)
	}
	_, err = c.client.Send(ctx, ch, c.anvil.Key(t, 1), opts)
	var busy *SignerBusyError
	if !errors.As(err, &busy) || !busy.AlreadyPending || busy.Pending != busy.Mined+1 {
		t.Fatalf("second Send: %v", err)
	}
}
