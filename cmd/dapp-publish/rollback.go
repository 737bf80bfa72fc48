package main

import (
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/dapp-publish/dapp-publish/ens"
	"github.com/dapp-publish/dapp-publish/internal/config"
	"github.com/dapp-publish/dapp-publish/publish"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ipfs/go-cid"
	"github.com/urfave/cli/v2"
)

func rollbackCommand() *cli.Command {
	return &cli.Command{
		Name:      "rollback",
		Usage:     "point the name back at an earlier version, after checking the holders still serve it whole",
		ArgsUsage: "NAME",
		Description: "Picks the version before the name's current one, from its on-chain history (the\n" +
			"resolver's ContenthashChanged events) or, without them, from the Records in\n" +
			"--state-dir; --to CID picks one yourself. Then, like publish: asks every configured\n" +
			"holder for it, fetches it back and hashes every block, applies the quorum, and only\n" +
			"then points NAME at it (ens.via: key, safe or calldata). Nothing is uploaded: a\n" +
			"version the holders no longer keep is not switched to (exit 4).\n\n" +
			"ENS settings come from the config's ens: section (NAME replaces its name), or from\n" +
			"--rpc (ETH_RPC_URL), --registry, --chain-id and --via. The key comes from $" + envENSKey + "\n" +
			"or --key-file.\n\n" +
			"Exit status: 0 done, 1 failed, 2 bad usage or config, 3 no earlier version or an ENS\n" +
			"check failed, 4 quorum not met (name untouched), 5 the name update failed.",
		Flags: append(ensRunFlags(),
			&cli.StringFlag{Name: "to", Usage: "roll back to this `CID` (default: the value before the current one)"},
			&cli.BoolFlag{Name: "json", Usage: "print the Record as JSON"},
			&cli.StringFlag{Name: "key-file", Usage: "read the ENS signing key from `PATH`"},
			&cli.StringFlag{Name: "commit", EnvVars: []string{"GITHUB_SHA"}, Usage: "source `COMMIT` to record"},
		),
		Action: rollbackAction,
	}
}

// ensRunFlags are the flags of commands that read or write a name with the
// config's settings as defaults.
func ensRunFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "config", Usage: "config `FILE` (default: " + config.DefaultFile + " in the current folder, if any)", EnvVars: []string{"DAPP_PUBLISH_CONFIG"}},
		&cli.StringFlag{Name: "state-dir", Usage: "where the Records (and the local store) are (default .dapp-publish)"},
		&cli.StringFlag{Name: "rpc", EnvVars: []string{"ETH_RPC_URL"}, Usage: "Ethereum JSON-RPC `URL` (default: ens.rpc)"},
		&cli.StringFlag{Name: "registry", Usage: "ENS registry `ADDRESS` (default: ens.registry, or mainnet's)"},
		&cli.Uint64Flag{Name: "chain-id", Usage: "refuse to act unless the RPC is on chain `N` (default: ens.chain_id, or 1)"},
		&cli.StringFlag{Name: "via", Usage: "how to write: `MODE` key, safe or calldata (default: ens.via, or key)"},
		&cli.StringFlag{Name: "safe", Usage: "Safe `ADDRESS` (via safe)"},
	}
}

// ensFor is the ENS settings for name: the config's ens: section with name
// in place of its own, each flag given overriding the config.
func ensFor(c *cli.Context, cfg *config.Config, name string, needRPC bool) (*config.ENS, error) {
	e := config.ENS{ChainID: config.DefaultChainID, Via: "key", Confirmations: config.DefaultConfirmations, Content: "ipfs"}
	if cfg != nil && cfg.Publish.ENS != nil {
		e = *cfg.Publish.ENS
	}
	e.Name = name
	if c.IsSet("rpc") || e.RPC == "" {
		e.RPC = c.String("rpc")
	}
	for _, f := range []struct {
		flag string
		out  *string
	}{{"registry", &e.Registry}, {"via", &e.Via}, {"safe", &e.Safe}} {
		if c.IsSet(f.flag) {
			*f.out = c.String(f.flag)
		}
	}
	if c.IsSet("chain-id") {
		e.ChainID = c.Uint64("chain-id")
	}
	switch {
	case e.RPC == "" && needRPC:
		return nil, usageErr("pass --rpc URL, set ETH_RPC_URL, or add ens: {rpc: ...} to "+config.DefaultFile, "%s needs an Ethereum RPC endpoint", c.Command.Name)
	case e.Via != "key" && e.Via != "safe" && e.Via != "calldata":
		return nil, usageErr("use --via key, safe or calldata", "unknown --via %q", e.Via)
	case e.Via == "safe" && e.Safe == "":
		return nil, usageErr("pass --safe ADDRESS or set ens.safe", "--via safe needs the Safe's address")
	}
	for _, a := range []string{e.Registry, e.Safe} {
		if a != "" && (!strings.HasPrefix(a, "0x") || !common.IsHexAddress(a)) {
			return nil, usageErr("pass a 0x-prefixed 20-byte hex address", "%q is not an address", a)
		}
	}
	return &e, nil
}

func rollbackAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return usageErr("usage: dapp-publish rollback NAME [--to CID]", "rollback takes one name, got %d arguments", c.NArg())
	}
	var to cid.Cid
	if s := c.String("to"); s != "" {
		content, err := ens.ParseContent(s)
		if err != nil || content.Namespace != ens.IPFS {
			return usageErr("pass an IPFS CID (bafy...) or ipfs://CID", "--to %q is not an IPFS CID", s)
		}
		to = content.CID
	}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	stateDir := stateDirOf(c)
	setup, err := setupHolders(c, stateDir, "")
	if err != nil {
		return err
	}
	defer setup.close()
	e, err := ensFor(c, setup.cfg, c.Args().First(), true)
	if err != nil {
		return err
	}
	ps, quorum, v, err := setup.checked()
	if err != nil {
		return err
	}
	commit := c.String("commit")
	n, err := newENSNamer(ctx, c, e, commit)
	if err != nil {
		return err
	}
	defer n.close()
	out := newPublishOutput(c)
	rb := &publish.Rollback{
		Holders: setup.holders, Gateways: ps.Gateways, Gate: quorum, Verify: v, Name: n, History: n.history, To: to,
		Records: recordsOf(stateDir), Tool: "dapp-publish " + toolVersion(), Commit: commit, Events: out.event,
	}
	rec, err := rb.Run(ctx)
	out.done()
	if rec != nil {
		scrubRecord(rec, setup.redact)
		if c.Bool("json") {
			if werr := rec.WriteJSON(c.App.Writer); werr != nil && err == nil {
				err = werr
			}
		} else {
			printRecordSummary(c.App.Writer, rec, out.recordPath)
		}
		githubPublish(rec, out.recordPath)
	}
	return publishError(err)
}
