package ens_test

import (
	"context"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/dapp-publish/dapp-publish/ens"
	"github.com/dapp-publish/dapp-publish/ens/enstest"
	"github.com/dapp-publish/dapp-publish/internal/testpeers"
	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

const testCID = "bafybeibj6lixxzqtsb45ysdjnupvqkufgdvzqbnvmhw2kf7cfkesy7r7d4"

type safeChain struct {
	anvil  *testpeers.Anvil
	ens    *testpeers.ENS
	safe   *testpeers.Safe
	svc    *enstest.SafeService
	client *ens.Client
}

// newSafeChain deploys ENS and a real Safe 1.4.1 owned by accounts 1 and 2
// (threshold 1), gives app.eth to the Safe, and starts a fake service that
// knows the Safe.
func newSafeChain(t *testing.T) *safeChain {
	t.Helper()
	a := testpeers.StartAnvil(t)
	e := testpeers.DeployENS(t, a)
	owners := []common.Address{a.Address(t, 1), a.Address(t, 2)}
	safe := a.DeploySafe(t, owners, 1)
	e.Register(t, "app.eth", e.Resolver, safe.Address)
	e.Register(t, "other.eth", e.Resolver, a.Address(t, 1))
	svc := enstest.NewSafeService(t, big.NewInt(testpeers.AnvilChainID))
	svc.AddSafe(safe.Address, enstest.Safe{Threshold: 1, Owners: owners, Version: "1.4.1"})
	return &safeChain{anvil: a, ens: e, safe: safe, svc: svc, client: ens.NewClient(a.Client, e.Registry)}
}

func (c *safeChain) plan(t *testing.T, ctx context.Context, name, value string) *ens.Change {
	t.Helper()
	content, err := ens.ParseContent(value)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := c.client.Plan(ctx, name, content, testpeers.AnvilChainID)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// onChainHash asks the deployed Safe for getTransactionHash of tx.
func (c *safeChain) onChainHash(t *testing.T, tx ens.SafeTx) common.Hash {
	t.Helper()
	data, err := c.safe.ABI.ABI.Pack("getTransactionHash", tx.To, tx.Value, tx.Data, tx.Operation, tx.SafeTxGas, tx.BaseGas, tx.GasPrice, tx.GasToken, tx.RefundReceiver, tx.Nonce)
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.anvil.Client.CallContract(context.Background(), ethereum.CallMsg{To: &c.safe.Address, Data: data}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return common.BytesToHash(out)
}

func TestSafeProposalExecutesOnRealSafe(t *testing.T) {
	c := newSafeChain(t)
	ctx := ctxT(t)
	ch := c.plan(t, ctx, "app.eth", testCID)
	p, err := c.client.ProposeViaSafe(ctx, ch, c.safe.Address, &ens.SafeService{URL: c.svc.URL}, c.anvil.Key(t, 1), "dapp-publish test")
	if err != nil {
		t.Fatal(err)
	}
	if !p.SenderIsOwner || p.Tx.Nonce.Uint64() != 0 {
		t.Errorf("proposal = %+v", p)
	}
	// The Safe itself computes the same hash.
	if got := c.onChainHash(t, p.Tx); got != p.SafeTxHash {
		t.Fatalf("safeTxHash %s, Safe.getTransactionHash %s", p.SafeTxHash.Hex(), got.Hex())
	}
	acc := c.svc.Accepted()
	if len(acc) != 1 {
		t.Fatalf("%d proposals accepted", len(acc))
	}
	sig, _ := hexutil.Decode(acc[0].Proposal.Signature)
	signer, err := ens.RecoverSafeSigner(p.SafeTxHash, sig)
	if err != nil || signer != c.anvil.Address(t, 1) {
		t.Fatalf("recovered signer %s, %v; want owner %s", signer.Hex(), err, c.anvil.Address(t, 1).Hex())
	}
	// Execute through the real Safe with the proposer's signature, relayed
	// by a non-owner; the name then points at the new CID.
	c.safe.Exec(t, c.anvil, c.anvil.Key(t, 0), p.Tx.To, p.Tx.Data, p.Tx.Operation, sig)
	_, got, err := c.client.Get(ctx, "app.eth")
	if err != nil || got.String() != "ipfs://"+testCID {
		t.Fatalf("after execution: %s, %v", got, err)
	}
	// The next proposal takes the next nonce once the service saw execution.
	c.svc.SetNonce(c.safe.Address, 1)
	ch = c.plan(t, ctx, "app.eth", "ar://ys32Pt8uC7TrVxHdOLByOspfPEq2LO63wREHQIM9SJQ")
	p2, err := c.client.ProposeViaSafe(ctx, ch, c.safe.Address, &ens.SafeService{URL: c.svc.URL}, c.anvil.Key(t, 2), "")
	if err != nil || p2.Tx.Nonce.Uint64() != 1 {
		t.Fatalf("second proposal %+v, %v", p2, err)
	}
}

func TestSafePendingNonce(t *testing.T) {
	c := newSafeChain(t)
	ctx := ctxT(t)
	svc := &ens.SafeService{URL: c.svc.URL}
	for want := uint64(0); want < 2; want++ {
		p, err := c.client.ProposeViaSafe(ctx, c.plan(t, ctx, "app.eth", testCID), c.safe.Address, svc, c.anvil.Key(t, 1), "")
		if err != nil || p.Tx.Nonce.Uint64() != want {
			t.Fatalf("proposal %d: nonce %v, %v", want, p, err)
		}
	}
}

func TestSafeProposalErrors(t *testing.T) {
	c := newSafeChain(t)
	ctx := ctxT(t)
	ch := c.plan(t, ctx, "app.eth", testCID)
	svc := &ens.SafeService{URL: c.svc.URL}

	t.Run("signer not an owner", func(t *testing.T) {
		_, err := c.client.ProposeViaSafe(ctx, ch, c.safe.Address, svc, c.anvil.Key(t, 3), "")
		var se *ens.SafeServiceError
		if !errors.As(err, &se) || se.Status != 422 || !strings.Contains(se.Body, "is not an owner or delegate") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("unknown safe", func(t *testing.T) {
		other := c.anvil.DeploySafe(t, []common.Address{c.anvil.Address(t, 1)}, 1)
		c.ens.Register(t, "app2.eth", c.ens.Resolver, other.Address)
		_, err := c.client.ProposeViaSafe(ctx, c.plan(t, ctx, "app2.eth", testCID), other.Address, svc, c.anvil.Key(t, 1), "")
		var se *ens.SafeServiceError
		if !errors.As(err, &se) || se.Status != 404 {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("missing API key", func(t *testing.T) {
		c.svc.APIKey = "secret-test-key"
		defer func() { c.svc.APIKey = "" }()
		_, err := c.client.ProposeViaSafe(ctx, ch, c.safe.Address, svc, c.anvil.Key(t, 1), "")
		var se *ens.SafeServiceError
		if !errors.As(err, &se) || se.Status != 401 {
			t.Fatalf("err = %v", err)
		}
		withKey := &ens.SafeService{URL: c.svc.URL, APIKey: "secret-test-key"}
		if _, err := c.client.ProposeViaSafe(ctx, ch, c.safe.Address, withKey, c.anvil.Key(t, 1), ""); err != nil {
			t.Fatalf("with key: %v", err)
		}
	})
	t.Run("safe may not write the name", func(t *testing.T) {
		n := len(c.svc.Accepted())
		_, err := c.client.ProposeViaSafe(ctx, c.plan(t, ctx, "other.eth", testCID), c.safe.Address, svc, c.anvil.Key(t, 1), "")
		var nae *ens.NotAuthorisedError
		if !errors.As(err, &nae) || nae.Owner != c.anvil.Address(t, 1) {
			t.Fatalf("err = %v", err)
		}
		if len(c.svc.Accepted()) != n {
			t.Error("a proposal was sent for a Safe that may not write")
		}
	})
}

// The fake refuses a proposal whose hash does not match its fields, as the
// real service does.
func TestFakeServiceRefusesTamperedProposal(t *testing.T) {
	c := newSafeChain(t)
	ctx := ctxT(t)
	ch := c.plan(t, ctx, "app.eth", testCID)
	tx := ens.NewSafeTx(ch, 0)
	h := tx.Hash(big.NewInt(testpeers.AnvilChainID), c.safe.Address, "1.4.1")
	sig, err := ens.SignSafeHash(h, c.anvil.Key(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	p := ens.NewProposal(tx, h, c.anvil.Address(t, 1), sig, "")
	p.To = c.anvil.Address(t, 4).Hex() // redirect the call after signing
	err = (&ens.SafeService{URL: c.svc.URL}).Propose(ctx, c.safe.Address, p)
	var se *ens.SafeServiceError
	if !errors.As(err, &se) || se.Status != 422 || !strings.Contains(se.Body, "does not match") {
		t.Fatalf("err = %v", err)
	}
}
