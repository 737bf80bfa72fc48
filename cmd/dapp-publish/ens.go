package main

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dapp-publish/dapp-publish/ens"
	"github.com/dapp-publish/dapp-publish/internal/atomicfile"
	"github.com/dapp-publish/dapp-publish/internal/config"
	"github.com/dapp-publish/dapp-publish/internal/safetext"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/urfave/cli/v2"
)

// defaultConfirmTimeout bounds the wait for a sent transaction to be mined
// and confirmed (--confirm-timeout, ens.confirm_timeout).
const defaultConfirmTimeout = 10 * time.Minute

func ensCommand() *cli.Command {
	return &cli.Command{
		Name:  "ens",
		Usage: "read or set the contenthash of an ENS name (what eth.limo and ENS-aware browsers open)",
		Description: "Names are normalised with ENSIP-15; a name that is invalid or confusable is refused\n" +
			"with the reason. The resolver is found through the ENS registry (--registry, mainnet\n" +
			"address by default). The RPC endpoint comes from --rpc, ETH_RPC_URL or ens.rpc in the\n" +
			"config file; flags win over the config's ens: section.",
		Subcommands: []*cli.Command{ensGetCommand(), ensSetCommand(), ensHistoryCommand()},
	}
}

func ensReadFlags() []cli.Flag {
	return append(ensConnFlags(),
		&cli.StringFlag{Name: "config", EnvVars: []string{"DAPP_PUBLISH_CONFIG"}, Usage: "read the ens: section of config `FILE` (default: " + config.DefaultFile + " in the current folder, if any)"},
		&cli.DurationFlag{Name: "timeout", Value: 15 * time.Minute, Usage: "give up after `DURATION` (for ens set, see also --confirm-timeout)"},
		&cli.BoolFlag{Name: "json", Usage: "print the result as JSON"},
	)
}

func ensGetCommand() *cli.Command {
	return &cli.Command{
		Name:      "get",
		Usage:     "print the content an ENS name points to",
		ArgsUsage: "NAME",
		Description: "Prints the contenthash of NAME in text form: ipfs://<CIDv1 base32>, ipns://<key>\n" +
			"or ar://<transaction id>. Prints nothing (and says so on stderr) when it is unset.",
		Flags:  ensReadFlags(),
		Action: ensGetAction,
	}
}

func ensSetCommand() *cli.Command {
	return &cli.Command{
		Name:      "set",
		Usage:     "point an ENS name at a CID or Arweave transaction, after every safety check",
		ArgsUsage: "NAME VALUE",
		Description: "VALUE is a CID, ipfs://CID, ipns://NAME or ar://TXID; CIDs are stored as CIDv1.\n\n" +
			"Before anything is signed: the RPC's chain id must equal --chain-id; the name must have\n" +
			"a resolver that supports contenthash; the writer (the key's address, or the Safe) must\n" +
			"be the name's owner (registry owner, or NameWrapper owner for wrapped names) or an\n" +
			"operator/delegate approved on the resolver; and the call is simulated with eth_call.\n" +
			"If the name already points at VALUE nothing is sent.\n\n" +
			"--via key (default): sign and send an EIP-1559 transaction, read the record back as\n" +
			"  soon as it is mined, and wait for --confirmations blocks (default: 1 on dev chains\n" +
			"  31337 and 1337, 2 elsewhere), printing what it waits for. After --confirm-timeout it\n" +
			"  stops waiting, prints the transaction hash and exits 75 without sending anything\n" +
			"  again; run the same command later to see the record set. While the key has a\n" +
			"  transaction waiting to be mined, nothing is sent (exit 75). The key comes from\n" +
			"  $" + envENSKey + " (hex) or --key-file; it is never printed.\n" +
			"--via safe: propose the call to the Safe --safe through the Safe Transaction Service\n" +
			"  (--safe-service, hosted service by default; API key from $" + envSafeAPIKey + "),\n" +
			"  signed by an owner or delegate key (same sources as above). Signers then confirm\n" +
			"  and execute it in the Safe app.\n" +
			"--via calldata: sign nothing; print the calldata and write, into --out, a Safe\n" +
			"  Transaction Builder JSON file and a Markdown summary for signers (old and new\n" +
			"  content, gateway links, commit, exact call).",
		Flags: append(ensReadFlags(),
			&cli.StringFlag{Name: "via", Value: "key", Usage: "how to write: `MODE` key, safe or calldata"},
			&cli.Uint64Flag{Name: "chain-id", Value: 1, Usage: "refuse to act unless the RPC is on chain `N`"},
			&cli.Uint64Flag{Name: "confirmations", Usage: "wait for `N` blocks, counting the transaction's own (--via key; default: 1 on dev chains, 2 elsewhere; ens.confirmations)"},
			&cli.DurationFlag{Name: "confirm-timeout", Value: defaultConfirmTimeout, Usage: "after sending, wait at most `DURATION` for the blocks, then exit 75 with the transaction hash (ens.confirm_timeout)"},
			&cli.StringFlag{Name: "key-file", Usage: "read the hex private key from `PATH` instead of $" + envENSKey},
			&cli.StringFlag{Name: "safe", Usage: "Safe `ADDRESS` that owns the name (--via safe; optional for calldata)"},
			&cli.StringFlag{Name: "safe-service", Usage: "Safe Transaction Service base `URL` (default: api.safe.global for the chain)"},
			&cli.StringFlag{Name: "commit", EnvVars: []string{"GITHUB_SHA"}, Usage: "source `COMMIT` to show in the summary"},
			&cli.StringFlag{Name: "out", Value: ".", Usage: "write the --via calldata files into `DIR`"},
		),
		Action: ensSetAction,
	}
}

func ensHistoryCommand() *cli.Command {
	return &cli.Command{
		Name:      "history",
		Usage:     "list when the name's contenthash was set, to what, by which transaction",
		ArgsUsage: "NAME",
		Description: "Reads ContenthashChanged events of NAME from its current resolver (changes made\n" +
			"on earlier resolvers are not shown). Some RPC providers limit how many blocks one\n" +
			"log query may cover; use --from-block to narrow it.",
		Flags: append(ensReadFlags(),
			&cli.Uint64Flag{Name: "from-block", Usage: "search from block `N`"},
		),
		Action: ensHistoryAction,
	}
}

// ensEnv is what every ens subcommand sets up: a context bounded by
// --timeout, the settings and the connection.
type ensEnv struct {
	ctx    context.Context
	cancel context.CancelFunc
	set    *ensSettings
	conn   *ens.Conn
}

// newENSEnv resolves the settings and connects; chainID (0: any) is checked
// on connecting.
func newENSEnv(c *cli.Context, checkChain bool) (*ensEnv, error) {
	set, err := resolveENSSettings(c)
	if err != nil {
		return nil, err
	}
	e := &ensEnv{set: set}
	e.ctx, e.cancel = context.WithTimeout(c.Context, c.Duration("timeout"))
	want := uint64(0)
	if checkChain {
		want = set.chainID
	}
	if e.conn, err = dialENS(c, set, want); err != nil {
		e.cancel()
		return nil, err
	}
	return e, nil
}

func (e *ensEnv) close() {
	e.conn.Close()
	e.cancel()
}

// ensGetResult is the --json output of ens get.
type ensGetResult struct {
	Name        string `json:"name"`
	Node        string `json:"node"`
	Resolver    string `json:"resolver"`
	Owner       string `json:"owner"`
	Value       string `json:"value"`
	Contenthash string `json:"contenthash"`
}

func ensGetAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return usageErr("usage: dapp-publish ens get NAME", "ens get takes one name, got %d arguments", c.NArg())
	}
	e, err := newENSEnv(c, false)
	if err != nil {
		return err
	}
	defer e.close()
	r, content, err := e.conn.Get(e.ctx, strings.TrimSpace(c.Args().First()))
	if err != nil {
		return ensError(err)
	}
	res := ensGetResult{Name: r.Name, Node: r.Node.Hex(), Resolver: r.Resolver.Hex(), Owner: r.Owner.Hex(), Contenthash: "0x"}
	if !content.IsZero() {
		res.Value, res.Contenthash = content.String(), hexutil.Encode(content.Contenthash())
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, res)
	}
	if content.IsZero() {
		fmt.Fprintf(c.App.ErrWriter, "%s has no contenthash set\n", safetext.Term(r.Name))
		return nil
	}
	fmt.Fprintln(c.App.Writer, res.Value)
	return nil
}

// ensSetResult is the --json output of ens set.
type ensSetResult struct {
	Name        string `json:"name"`
	Node        string `json:"node"`
	ChainID     uint64 `json:"chain_id"`
	Resolver    string `json:"resolver"`
	Owner       string `json:"owner"`
	Old         string `json:"old"`
	New         string `json:"new"`
	Contenthash string `json:"contenthash"`
	Via         string `json:"via"`
	NoOp        bool   `json:"noop"`
	// Status: "unchanged" (already set), "confirmed" (--via key, done),
	// "pending" (sent, not confirmed by the deadline: exit 75),
	// "proposed" (--via safe) or "calldata".
	Status        string   `json:"status"`
	Calldata      string   `json:"calldata"`
	Tx            string   `json:"tx,omitempty"`
	Block         uint64   `json:"block,omitempty"`
	GasUsed       uint64   `json:"gas_used,omitempty"`
	Confirmations uint64   `json:"confirmations,omitempty"`
	Safe          string   `json:"safe,omitempty"`
	SafeTxHash    string   `json:"safe_tx_hash,omitempty"`
	SafeNonce     *uint64  `json:"safe_nonce,omitempty"`
	Proposer      string   `json:"proposer,omitempty"`
	Files         []string `json:"files,omitempty"`
}

func ensSetAction(c *cli.Context) error {
	if c.NArg() != 2 {
		return usageErr("usage: dapp-publish ens set NAME VALUE", "ens set takes a name and a value, got %d arguments", c.NArg())
	}
	via := c.String("via")
	if via != "key" && via != "safe" && via != "calldata" {
		return usageErr("use --via key, --via safe or --via calldata", "unknown --via %q", via)
	}
	content, err := ens.ParseContent(c.Args().Get(1))
	if err != nil {
		return usageErr("VALUE is a CID, ipfs://CID, ipns://NAME or ar://TXID", "%v", err)
	}
	set, err := resolveENSSettings(c)
	if err != nil {
		return err
	}
	if via = set.via; via != "key" && via != "safe" && via != "calldata" {
		return usageErr("use --via key, --via safe or --via calldata", "unknown via %q", via)
	}
	var key *ecdsa.PrivateKey
	if via != "calldata" {
		if key, err = loadKey(c, set.keyFile); err != nil {
			return err
		}
	}
	e, err := newENSEnv(c, true)
	if err != nil {
		return err
	}
	defer e.close()
	ch, err := e.conn.Plan(e.ctx, strings.TrimSpace(c.Args().First()), content, e.set.chainID)
	if err != nil {
		return ensError(err)
	}
	res := newSetResult(ch, via)
	if ch.NoOp {
		res.Status = "unchanged"
		return reportSet(c, res, fmt.Sprintf("%s already points to %s; nothing to do (no transaction sent)", res.Name, res.New))
	}
	switch via {
	case "key":
		err = setWithKey(c, e, ch, key, &res)
	case "safe":
		err = setViaSafe(c, e, ch, key, &res)
	default:
		err = setViaCalldata(c, e, ch, &res)
	}
	return err
}

func newSetResult(ch *ens.Change, via string) ensSetResult {
	old := "unset"
	if !ch.Old.IsZero() {
		old = ch.Old.String()
	} else if len(ch.OldRaw) > 0 {
		old = hexutil.Encode(ch.OldRaw)
	}
	r := ch.Record
	return ensSetResult{
		Name: r.Name, Node: r.Node.Hex(), ChainID: ch.ChainID.Uint64(), Resolver: r.Resolver.Hex(),
		Owner: r.Owner.Hex(), Old: old, New: ch.New.String(), Contenthash: hexutil.Encode(ch.New.Contenthash()),
		Via: via, NoOp: ch.NoOp, Calldata: hexutil.Encode(ch.Calldata),
	}
}

func reportSet(c *cli.Context, res ensSetResult, human string) error {
	if c.Bool("json") {
		return printJSON(c.App.Writer, res)
	}
	for _, line := range strings.Split(human, "\n") {
		fmt.Fprintln(c.App.Writer, safetext.Term(line))
	}
	return nil
}

func setWithKey(c *cli.Context, e *ensEnv, ch *ens.Change, key *ecdsa.PrivateKey, res *ensSetResult) error {
	need := e.set.confirmations
	if need == 0 {
		need = ens.DefaultConfirmations(ch.ChainID)
	}
	fmt.Fprintf(c.App.ErrWriter, "%s: %s -> %s (signer %s)\n",
		safetext.Term(res.Name), safetext.Term(res.Old), safetext.Term(res.New), crypto.PubkeyToAddress(key.PublicKey).Hex())
	prog := newENSWaitProgress(c.App.ErrWriter, res.Name, e.set.confirmTimeout)
	rcpt, err := e.conn.Send(e.ctx, ch, key, ens.SendOptions{
		Confirmations: need, WaitTimeout: e.set.confirmTimeout, Progress: prog.update,
	})
	prog.stop()
	if rcpt != nil {
		res.Tx, res.Block, res.GasUsed, res.Confirmations = rcpt.TxHash.Hex(), rcpt.BlockNumber, rcpt.GasUsed, rcpt.Confirmations
		_ = ghOutput("ens_tx", res.Tx)
	}
	if errors.Is(err, ens.ErrPending) {
		res.Status = "pending"
		if c.Bool("json") {
			_ = printJSON(c.App.Writer, *res)
		}
		return ensError(err)
	}
	if err != nil {
		if rcpt != nil {
			err = fmt.Errorf("%w (transaction %s)", err, rcpt.TxHash.Hex())
		}
		return ensError(err)
	}
	res.Status = "confirmed"
	return reportSet(c, *res, fmt.Sprintf("%s now points to %s (was %s)\ntransaction %s in block %d, %d confirmation(s), read back: ok",
		res.Name, res.New, res.Old, res.Tx, res.Block, res.Confirmations))
}

func setViaSafe(c *cli.Context, e *ensEnv, ch *ens.Change, key *ecdsa.PrivateKey, res *ensSetResult) error {
	if e.set.safe == "" {
		return usageErr("pass --safe ADDRESS (the Safe that owns the name), or set ens.safe in the config", "--via safe needs --safe")
	}
	safe, err := parseAddress("safe", e.set.safe)
	if err != nil {
		return err
	}
	svc, err := safeService(c, e.set, e.conn.ChainID.Uint64())
	if err != nil {
		return err
	}
	p, err := e.conn.ProposeViaSafe(e.ctx, ch, safe, svc, key, "dapp-publish "+toolVersion())
	if err != nil {
		return ensError(err)
	}
	nonce := p.Tx.Nonce.Uint64()
	res.Status = "proposed"
	res.Safe, res.SafeTxHash, res.SafeNonce, res.Proposer = safe.Hex(), p.SafeTxHash.Hex(), &nonce, p.Sender.Hex()
	_ = ghSummary(ens.Summary(ch, ens.SummaryInput{Commit: c.String("commit"), Proposal: p}))
	_ = ghOutput("ens_safe_tx_hash", res.SafeTxHash)
	msg := fmt.Sprintf("proposed to Safe %s: %s -> %s\nsafeTxHash %s, nonce %d; %d signature(s) needed, confirm and execute it in the Safe app",
		res.Safe, res.Old, res.New, res.SafeTxHash, nonce, p.Threshold)
	if !p.SenderIsOwner {
		msg += "\nnote: the proposer " + p.Sender.Hex() + " is a delegate, not an owner: its signature does not count toward the threshold"
	}
	return reportSet(c, *res, msg)
}

// safeService is the Safe Transaction Service of the chain: --safe-service
// (or ens.safe_service), else the hosted one; its API key is a secret.
func safeService(c *cli.Context, set *ensSettings, chainID uint64) (*ens.SafeService, error) {
	url := set.safeService
	if url == "" {
		var err error
		if url, err = ens.SafeServiceURL(chainID); err != nil {
			return nil, usageErr("pass --safe-service URL (or set ens.safe_service)", "%v", err)
		}
	}
	addURLSecrets(c, url)
	apiKey, err := safeAPIKey(c)
	if err != nil {
		return nil, err
	}
	return &ens.SafeService{URL: url, APIKey: apiKey}, nil
}

// setViaCalldata signs nothing. It still checks what it can: that the owner
// (or the given Safe) may write and that the call succeeds from it.
func setViaCalldata(c *cli.Context, e *ensEnv, ch *ens.Change, res *ensSetResult) error {
	writer := ch.Record.Owner
	var safe common.Address
	if e.set.safe != "" {
		var err error
		if safe, err = parseAddress("safe", e.set.safe); err != nil {
			return err
		}
		writer, res.Safe = safe, safe.Hex()
	}
	if err := e.conn.CheckWriter(e.ctx, ch, writer); err != nil {
		return ensError(err)
	}
	files, err := writeCalldataFiles(e.set.out, c.String("commit"), ch, safe)
	if err != nil {
		return err
	}
	res.Files, res.Status = files, "calldata"
	if c.Bool("json") {
		return printJSON(c.App.Writer, res)
	}
	fmt.Fprintf(c.App.Writer, "%s: %s -> %s\nto:   %s (resolver)\ndata: %s\n", safetext.Term(res.Name), safetext.Term(res.Old), safetext.Term(res.New), res.Resolver, res.Calldata)
	fmt.Fprintf(c.App.ErrWriter, "wrote %s\n", safetext.Term(strings.Join(files, ", ")))
	return nil
}

// writeCalldataFiles writes, into dir, the Safe Transaction Builder file
// and the Markdown summary for signers of ch (commit: the source commit to
// show), each through internal/atomicfile, and adds the summary to the job
// summary. It is the one writer of calldata files (ens set --via calldata,
// publish and rollback with via calldata).
func writeCalldataFiles(dir, commit string, ch *ens.Change, safe common.Address) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, withHint(fmt.Errorf("failed to create %s: %w", dir, err), "pass a writable --out folder (or ens.out)")
	}
	builder, err := ens.NewTxBuilderFile(ch, safe, time.Now()).JSON()
	if err != nil {
		return nil, err
	}
	md := ens.Summary(ch, ens.SummaryInput{Commit: commit})
	base := filepath.Join(dir, "ens-"+safeFileName(ch.Record.Name))
	files := []string{base + ".safe-tx-builder.json", base + ".md"}
	for i, data := range [][]byte{append(builder, '\n'), []byte(md)} {
		err := atomicfile.Write(files[i], func(w io.Writer) error { _, err := w.Write(data); return err })
		if err != nil {
			return nil, withHint(err, "pass a writable --out folder (or ens.out)")
		}
	}
	_ = ghSummary(md)
	return files, nil
}

// safeFileName keeps a normalised name usable as a file name.
func safeFileName(name string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 {
			return '_'
		}
		return r
	}, name)
}

// ensHistoryEntry is one line of ens history --json.
type ensHistoryEntry struct {
	Block       uint64    `json:"block"`
	Time        time.Time `json:"time"`
	Tx          string    `json:"tx"`
	Value       string    `json:"value"`
	Contenthash string    `json:"contenthash"`
}

func ensHistoryAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return usageErr("usage: dapp-publish ens history NAME", "ens history takes one name, got %d arguments", c.NArg())
	}
	e, err := newENSEnv(c, false)
	if err != nil {
		return err
	}
	defer e.close()
	r, hist, err := e.conn.History(e.ctx, strings.TrimSpace(c.Args().First()), c.Uint64("from-block"))
	if err != nil {
		return ensError(err)
	}
	out := make([]ensHistoryEntry, len(hist))
	for i, h := range hist {
		out[i] = ensHistoryEntry{Block: h.Block, Time: h.Time, Tx: h.TxHash.Hex(), Value: h.Content.String(), Contenthash: hexutil.Encode(h.Raw)}
		if h.Content.IsZero() && len(h.Raw) > 0 {
			out[i].Value = "(undecoded)"
		} else if len(h.Raw) == 0 {
			out[i].Value = "(cleared)"
		}
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, out)
	}
	if len(out) == 0 {
		fmt.Fprintf(c.App.ErrWriter, "%s: no contenthash changes on resolver %s\n", safetext.Term(r.Name), r.Resolver.Hex())
	}
	for _, h := range out {
		fmt.Fprintf(c.App.Writer, "%s  block %d  %s  %s\n", h.Time.Format(time.RFC3339), h.Block, h.Tx, h.Value)
	}
	return nil
}

// ensError maps ens errors to exit codes and hints. Checks that failed before
// anything was signed exit 3; bad input or configuration exits 2.
func ensError(err error) error {
	var nae *ens.NotAuthorisedError
	var sse *ens.SafeServiceError
	switch {
	case errors.As(err, &nae):
		return checkErr(err, "sign with the owner's key, have the owner approve this address on the resolver (setApprovalForAll, or approve for this name), or use --via safe / --via calldata")
	case errors.Is(err, ens.ErrInvalidName):
		return usageErr("ENS names are normalised with ENSIP-15; check for look-alike or invalid characters", "%w", err)
	case errors.Is(err, ens.ErrWrongChain):
		return usageErr("point --rpc / ETH_RPC_URL at the intended network, or pass the right --chain-id", "%w", err)
	case errors.Is(err, ens.ErrNoRegistry):
		return usageErr("check --registry and that the RPC is on the network you mean", "%w", err)
	case errors.Is(err, ens.ErrNoResolver):
		return checkErr(err, "set a resolver for the name first (in the ENS app: Edit resolver, choose the Public Resolver)")
	case errors.Is(err, ens.ErrNoContenthash):
		return checkErr(err, "switch the name to the current ENS Public Resolver, which supports contenthash")
	case errors.Is(err, ens.ErrSimulationFailed):
		return checkErr(err, "nothing was sent; the resolver refused the call for this writer")
	case errors.Is(err, ens.ErrReverted):
		return withHint(err, "the name may have changed hands after the checks; run `dapp-publish ens get` and retry")
	case errors.Is(err, ens.ErrReadBack):
		return checkErr(err, "another write may have raced this one; run `dapp-publish ens history` to see it")
	case errors.As(err, &sse) && sse.Status == 401:
		return withHint(err, "set "+envSafeAPIKey+" to a Safe API key (developer.safe.global)")
	case errors.As(err, &sse) && sse.Status == 422:
		return checkErr(err, "the key must belong to an owner or a registered delegate of the Safe")
	case errors.As(err, &sse):
		return withHint(err, "check --safe-service and --safe")
	case errors.Is(err, ens.ErrUnsupportedNamespace), errors.Is(err, ens.ErrInvalidContent):
		return checkErr(err, "the record holds a value dapp-publish does not decode (it reads ipfs, ipns and arweave); the raw bytes are in the message")
	case errors.Is(err, ens.ErrPending):
		return &cliError{err: err, code: exitPending, hint: "nothing will be sent again: the transaction may still be mined. Check it later " +
			"(`dapp-publish ens get NAME`, or the hash on a block explorer) and run the same command again: it reports the record once it is set. " +
			"Raise --confirm-timeout to wait longer"}
	case errors.Is(err, ens.ErrSignerBusy):
		return &cliError{err: err, code: exitPending, hint: "a previous transaction of this key is still waiting to be mined: wait for it " +
			"(or replace it with your wallet), then run the same command again"}
	case errors.Is(err, context.DeadlineExceeded):
		return withHint(err, "raise --timeout, or check the RPC endpoint")
	case errors.Is(err, ens.ErrRPC):
		return withHint(err, "check --rpc / ETH_RPC_URL (or ens.rpc in the config)")
	}
	return withHint(err, "check that the RPC endpoint (--rpc / ETH_RPC_URL) is reachable and synced")
}
