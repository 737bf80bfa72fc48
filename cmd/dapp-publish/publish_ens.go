package main

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"slices"

	"github.com/dapp-publish/dapp-publish/ens"
	"github.com/dapp-publish/dapp-publish/publish"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ipfs/go-cid"
	"github.com/urfave/cli/v2"
)

// ensNamer is the name stage over the same ENS set-up as `ens set`: one
// connection (dialENS: ens.Dial, the chain checked), the key from loadKey,
// the checks of Client.CheckWriter before anything is uploaded, then a
// transaction waited for like ens set's (exit 75 when not confirmed in
// time), a Safe proposal, or calldata files (writeCalldataFiles).
type ensNamer struct {
	c      *cli.Context
	set    *ensSettings
	conn   *ens.Conn
	name   string            // normalised
	key    *ecdsa.PrivateKey // nil for calldata
	safe   common.Address
	svc    *ens.SafeService
	commit string
	prog   *progress // the run's progress display, for the wait's spinner
}

var _ publish.Namer = (*ensNamer)(nil)

// newENSNamer reads the key (unless the change is only prepared as
// calldata) and connects.
func newENSNamer(c *cli.Context, set *ensSettings, commit string, prog *progress) (*ensNamer, error) {
	name, err := ens.Normalize(set.name)
	if err != nil {
		return nil, ensError(err)
	}
	n := &ensNamer{c: c, set: set, name: name, commit: commit, prog: prog}
	if set.via != "calldata" {
		if n.key, err = loadKey(c, set.keyFile); err != nil {
			return nil, err
		}
	}
	if set.safe != "" {
		if n.safe, err = parseAddress("safe", set.safe); err != nil {
			return nil, err
		}
	}
	if set.via == "safe" && set.safe == "" {
		return nil, usageErr("pass --safe ADDRESS (the Safe that owns the name), or set ens.safe in the config", "via safe needs the Safe's address")
	}
	if n.conn, err = dialENS(c, set, set.chainID); err != nil {
		return nil, err
	}
	if set.via == "safe" {
		if n.svc, err = safeService(c, set, n.conn.ChainID.Uint64()); err != nil {
			n.close()
			return nil, err
		}
	}
	return n, nil
}

func (n *ensNamer) close() { n.conn.Close() }

func (n *ensNamer) Name() string { return n.name }

// writer is who will make the change: the key's address, or the Safe, or
// (calldata without a Safe) the owner.
func (n *ensNamer) writer(ch *ens.Change) common.Address {
	switch {
	case n.set.via == "key":
		return crypto.PubkeyToAddress(n.key.PublicKey)
	case n.safe != (common.Address{}):
		return n.safe
	}
	return ch.Record.Owner
}

// Plan checks the name before anything is uploaded. With ens.content:
// arweave the content (the Arweave copy's manifest id) is made by the
// upload, so the checks run on a stand-in of the same kind (a zero
// transaction id: the same resolver call from the same writer), and
// Retarget plans the real change once a copy is verified.
func (n *ensNamer) Plan(ctx context.Context, root cid.Cid) (*publish.NamePlan, error) {
	if n.set.content == "arweave" {
		plan, err := n.plan(ctx, ens.Content{Namespace: ens.Arweave, ArweaveTx: make([]byte, 32)}, true)
		if err != nil {
			return nil, err
		}
		plan.NoOp = false
		plan.Result.New, plan.Result.Contenthash, plan.Result.Calldata = arweavePending, "", ""
		return plan, nil
	}
	return n.plan(ctx, ens.Content{Namespace: ens.IPFS, CID: cid.NewCidV1(root.Type(), root.Hash())}, false)
}

// arweavePending is what a plan for ens.content: arweave shows as the new
// value before the upload (a dry run, a failed gate).
const arweavePending = "ar://<manifest of the verified Arweave copy>"

var _ publish.Retargeter = (*ensNamer)(nil)

// Retarget implements publish.Retargeter: with ens.content: arweave, the
// name is pointed at ar://<manifest> of the first verified Arweave holder
// (in config order), re-planned and re-checked; ipfs content keeps its plan.
func (n *ensNamer) Retarget(ctx context.Context, p *publish.NamePlan, verified []publish.Receipt) (*publish.NamePlan, error) {
	if n.set.content != "arweave" {
		return p, nil
	}
	for _, r := range verified {
		if r.Network != publish.NetworkArweave || r.IDs["manifest"] == "" {
			continue
		}
		content, err := ens.ParseContent("ar://" + r.IDs["manifest"])
		if err != nil {
			return nil, fmt.Errorf("%s's receipt names manifest %q: %w", r.Holder, r.IDs["manifest"], err)
		}
		return n.plan(ctx, content, false)
	}
	return nil, fmt.Errorf("%w: ens.content is arweave and no Arweave copy was verified, so there is nothing to point %s at", publish.ErrQuorumNotMet, n.name)
}

// plan reads the name, builds the change to content and, unless the name
// already points there (or always, for a stand-in), checks the writer.
func (n *ensNamer) plan(ctx context.Context, content ens.Content, check bool) (*publish.NamePlan, error) {
	ch, err := n.conn.Plan(ctx, n.name, content, n.set.chainID)
	if err != nil {
		return nil, err
	}
	if check || !ch.NoOp {
		if err := n.conn.CheckWriter(ctx, ch, n.writer(ch)); err != nil {
			return nil, err
		}
	}
	plan := &publish.NamePlan{NoOp: ch.NoOp, Impl: ch}
	if ch.Old.Namespace == ens.IPFS {
		plan.Current = ch.Old.CID
	}
	r := newSetResult(ch, n.set.via)
	plan.Result = publish.ENSResult{Name: r.Name, ChainID: r.ChainID, Resolver: r.Resolver, Owner: r.Owner, Via: r.Via,
		Old: r.Old, New: r.New, Contenthash: r.Contenthash, Calldata: r.Calldata, NoOp: r.NoOp}
	if n.safe != (common.Address{}) {
		plan.Result.Safe = n.safe.Hex()
	}
	return plan, nil
}

func (n *ensNamer) Apply(ctx context.Context, plan *publish.NamePlan) (*publish.ENSResult, error) {
	ch := plan.Impl.(*ens.Change)
	res := plan.Result
	if ch.New.Namespace == ens.Arweave && !slices.ContainsFunc(ch.New.ArweaveTx, func(b byte) bool { return b != 0 }) {
		// Plan's stand-in for ens.content: arweave reached Apply without
		// Retarget: never point a name at it.
		return &res, errors.New("no Arweave manifest was chosen for the name (internal error): nothing was sent")
	}
	switch n.set.via {
	case "key":
		need := n.set.confirmations
		if need == 0 {
			need = ens.DefaultConfirmations(ch.ChainID)
		}
		wait := newENSWaitProgressOn(n.c.App.ErrWriter, n.prog, n.name, n.set.confirmTimeout)
		rcpt, err := n.conn.Send(ctx, ch, n.key, ens.SendOptions{Confirmations: need, WaitTimeout: n.set.confirmTimeout, Progress: wait.update})
		wait.stop()
		if rcpt != nil {
			res.Tx, res.Block = rcpt.TxHash.Hex(), rcpt.BlockNumber
		}
		switch {
		case errors.Is(err, ens.ErrPending), errors.Is(err, ens.ErrSignerBusy):
			return &res, fmt.Errorf("%w: %w", publish.ErrNamePending, err)
		case err != nil && rcpt != nil:
			err = fmt.Errorf("%w (transaction %s)", err, rcpt.TxHash.Hex())
		}
		return &res, err
	case "safe":
		p, err := n.conn.ProposeViaSafe(ctx, ch, n.safe, n.svc, n.key, "dapp-publish "+toolVersion())
		if err != nil {
			return &res, err
		}
		nonce := p.Tx.Nonce.Uint64()
		res.SafeTxHash, res.SafeNonce = p.SafeTxHash.Hex(), &nonce
		_ = ghSummary(ens.Summary(ch, ens.SummaryInput{Commit: n.commit, Proposal: p}))
		return &res, nil
	}
	files, err := writeCalldataFiles(n.set.out, n.commit, ch, n.safe)
	res.Files = files
	return &res, err
}

// nameHistory reads name's ContenthashChanged events (current resolver)
// through conn.
func nameHistory(ctx context.Context, conn *ens.Conn, name string) ([]publish.NameChange, error) {
	_, hist, err := conn.History(ctx, name, 0)
	if err != nil {
		return nil, err
	}
	out := make([]publish.NameChange, len(hist))
	for i, h := range hist {
		out[i] = publish.NameChange{Value: h.Content.String(), Time: h.Time, Block: h.Block, Tx: h.TxHash.Hex()}
		switch {
		case len(h.Raw) == 0:
			out[i].Value = "(cleared)"
		case h.Content.IsZero():
			out[i].Value = hexutil.Encode(h.Raw) + " (undecoded)"
		case h.Content.Namespace == ens.IPFS:
			out[i].CID = h.Content.CID
		}
	}
	return out, nil
}

// contenthashOf is the ENS contenthash of an IPFS root (for the "no name
// configured" hint).
func contenthashOf(root cid.Cid) (string, []string) {
	content := ens.Content{Namespace: ens.IPFS, CID: cid.NewCidV1(root.Type(), root.Hash())}
	return hexutil.Encode(content.Contenthash()), content.GatewayLinks()
}
