package main

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dapp-publish/dapp-publish/ens"
	"github.com/dapp-publish/dapp-publish/internal/atomicfile"
	"github.com/dapp-publish/dapp-publish/internal/config"
	"github.com/dapp-publish/dapp-publish/publish"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ipfs/go-cid"
	"github.com/urfave/cli/v2"
)

// ensNamer is the name stage over package ens: the checks of `ens set`
// (chain id, resolver with contenthash, the writer's authorisation, a
// simulated call) before anything is uploaded, then a transaction read back,
// a Safe proposal or calldata files.
type ensNamer struct {
	settings *config.ENS
	name     string // normalised
	rpc      *ethclient.Client
	client   *ens.Client
	chainID  *big.Int
	key      *ecdsa.PrivateKey // nil for calldata
	safe     common.Address
	svc      *ens.SafeService
	commit   string
	out      io.Writer // for GitHub masks
}

var _ publish.Namer = (*ensNamer)(nil)

// newENSNamer connects to the RPC and checks the chain id; the key is read
// (and masked in GitHub Actions) unless the change is only prepared as
// calldata.
func newENSNamer(ctx context.Context, c *cli.Context, e *config.ENS, commit string) (*ensNamer, error) {
	name, err := ens.Normalize(e.Name)
	if err != nil {
		return nil, ensError(err)
	}
	n := &ensNamer{settings: e, name: name, commit: commit, out: c.App.Writer}
	if e.Via != "calldata" {
		if n.key, err = publishKey(c, e.KeyFile); err != nil {
			return nil, err
		}
	}
	registry := ens.DefaultRegistry
	if e.Registry != "" {
		registry = common.HexToAddress(e.Registry)
	}
	if n.rpc, err = ethclient.DialContext(ctx, e.RPC); err != nil {
		return nil, usageErr("check ens.rpc (or ETH_RPC_URL)", "failed to use the RPC endpoint %s: %v", redactURL(e.RPC), redactErr(err, e.RPC))
	}
	n.client = ens.NewClient(n.rpc, registry)
	if n.chainID, err = n.client.CheckChain(ctx, e.ChainID); err != nil {
		n.close()
		return nil, ensError(redactErr(err, e.RPC))
	}
	n.client.NameWrapper = publishNameWrapper(e, n.chainID)
	if e.Safe != "" {
		n.safe = common.HexToAddress(e.Safe)
	}
	if e.Via == "safe" {
		if n.svc, err = publishSafeService(c, e, n.chainID); err != nil {
			n.close()
			return nil, err
		}
	}
	return n, nil
}

func (n *ensNamer) close() { n.rpc.Close() }

// publishNameWrapper is the NameWrapper address: the config's, or the
// official one on mainnet and Sepolia.
func publishNameWrapper(e *config.ENS, chainID *big.Int) common.Address {
	if e.NameWrapper != "" {
		return common.HexToAddress(e.NameWrapper)
	}
	switch chainID.Uint64() {
	case 1:
		return ens.MainnetNameWrapper
	case 11155111:
		return ens.SepoliaNameWrapper
	}
	return common.Address{}
}

func publishSafeService(c *cli.Context, e *config.ENS, chainID *big.Int) (*ens.SafeService, error) {
	u := e.SafeService
	if u == "" {
		var err error
		if u, err = ens.SafeServiceURL(chainID.Uint64()); err != nil {
			return nil, usageErr("set ens.safe_service to the Safe Transaction Service URL", "%v", err)
		}
	}
	apiKey := strings.TrimSpace(os.Getenv(envSafeAPIKey))
	if apiKey != "" && inGitHubActions() {
		fmt.Fprintf(c.App.Writer, "::add-mask::%s\n", apiKey)
	}
	return &ens.SafeService{URL: u, APIKey: apiKey}, nil
}

// publishKey reads the signer's key from $DAPP_PUBLISH_ENS_KEY, --key-file
// or ens.key_file; it is never printed and is masked in GitHub Actions.
func publishKey(c *cli.Context, cfgFile string) (*ecdsa.PrivateKey, error) {
	env, file := os.Getenv(envENSKey), c.String("key-file")
	if file == "" && env == "" {
		file = cfgFile
	}
	var raw string
	switch {
	case env != "" && c.String("key-file") != "":
		return nil, usageErr("unset "+envENSKey+" or drop --key-file", "both %s and --key-file are set; which key to use is ambiguous", envENSKey)
	case file != "":
		b, err := readKeyFile(file)
		if err != nil {
			return nil, usageErr("pass a readable key file of 64 hex characters", "failed to read the key file %s: %v", file, err)
		}
		raw = string(b)
	case env != "":
		raw = env
	default:
		return nil, usageErr("set "+envENSKey+" (hex private key), pass --key-file PATH or set ens.key_file, or use ens.via: calldata to sign nothing",
			"no signing key for the ENS update")
	}
	hexKey := strings.TrimPrefix(strings.TrimSpace(raw), "0x")
	if inGitHubActions() && hexKey != "" {
		fmt.Fprintf(c.App.Writer, "::add-mask::%s\n", hexKey)
	}
	key, err := crypto.HexToECDSA(hexKey)
	if err != nil {
		return nil, usageErr("the key must be 64 hex characters (32 bytes), optionally 0x-prefixed", "the signing key is not a valid hex private key")
	}
	return key, nil
}

// readKeyFile reads at most a few hundred bytes: a key file is 64 hex
// characters, and /dev/zero or a huge file must not be read whole.
func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 257))
	if err != nil {
		return nil, err
	}
	if len(b) > 256 {
		return nil, fmt.Errorf("it is larger than a key")
	}
	return b, nil
}

func (n *ensNamer) Name() string { return n.name }

// writer is who will make the change: the key's address, or the Safe, or
// (calldata without a Safe) the owner.
func (n *ensNamer) writer(ch *ens.Change) common.Address {
	switch {
	case n.settings.Via == "key":
		return crypto.PubkeyToAddress(n.key.PublicKey)
	case n.safe != (common.Address{}):
		return n.safe
	}
	return ch.Record.Owner
}

func (n *ensNamer) Plan(ctx context.Context, root cid.Cid) (*publish.NamePlan, error) {
	content := ens.Content{Namespace: ens.IPFS, CID: cid.NewCidV1(root.Type(), root.Hash())}
	ch, err := n.client.Plan(ctx, n.name, content, n.settings.ChainID)
	if err != nil {
		return nil, err
	}
	if !ch.NoOp {
		w := n.writer(ch)
		if err := n.client.Authorise(ctx, ch.Record, w); err != nil {
			return nil, err
		}
		if err := n.client.Simulate(ctx, ch, w); err != nil {
			return nil, err
		}
	}
	plan := &publish.NamePlan{NoOp: ch.NoOp, Impl: ch}
	if ch.Old.Namespace == ens.IPFS {
		plan.Current = ch.Old.CID
	}
	r := newSetResult(ch, n.settings.Via)
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
	switch n.settings.Via {
	case "key":
		rcpt, err := n.client.Send(ctx, ch, n.key, ens.SendOptions{Confirmations: n.settings.Confirmations})
		if rcpt != nil {
			res.Tx, res.Block = rcpt.TxHash.Hex(), rcpt.BlockNumber
		}
		if err != nil && rcpt != nil {
			err = fmt.Errorf("%w (transaction %s)", err, rcpt.TxHash.Hex())
		}
		return &res, err
	case "safe":
		p, err := n.client.ProposeViaSafe(ctx, ch, n.safe, n.svc, n.key, "dapp-publish "+toolVersion())
		if err != nil {
			return &res, err
		}
		nonce := p.Tx.Nonce.Uint64()
		res.SafeTxHash, res.SafeNonce = p.SafeTxHash.Hex(), &nonce
		_ = ghSummary(ens.Summary(ch, ens.SummaryInput{Commit: n.commit, Proposal: p}))
		return &res, nil
	}
	files, err := n.writeCalldata(ch)
	res.Files = files
	return &res, err
}

// writeCalldata writes the Safe Transaction Builder file and the signers'
// summary into ens.out (default: the current folder).
func (n *ensNamer) writeCalldata(ch *ens.Change) ([]string, error) {
	dir := n.settings.Out
	if dir == "" {
		dir = "."
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("failed to create %s: %w", dir, err)
	}
	builder, err := ens.NewTxBuilderFile(ch, n.safe, time.Now()).JSON()
	if err != nil {
		return nil, err
	}
	md := ens.Summary(ch, ens.SummaryInput{Commit: n.commit})
	base := filepath.Join(dir, "ens-"+safeFileName(ch.Record.Name))
	files := []string{base + ".safe-tx-builder.json", base + ".md"}
	for i, data := range [][]byte{append(builder, '\n'), []byte(md)} {
		if err := atomicfile.Write(files[i], func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
			return nil, err
		}
	}
	_ = ghSummary(md)
	return files, nil
}

// history reads the name's ContenthashChanged events (current resolver).
func (n *ensNamer) history(ctx context.Context) ([]publish.NameChange, error) {
	_, hist, err := n.client.History(ctx, n.name, 0)
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
