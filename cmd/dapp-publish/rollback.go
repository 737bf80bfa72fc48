package main

import (
	"context"

	"github.com/dapp-publish/dapp-publish/ens"
	"github.com/dapp-publish/dapp-publish/internal/config"
	"github.com/dapp-publish/dapp-publish/publish"
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
			"ENS settings come from the config's ens: section (NAME replaces its name), below the\n" +
			"flags: --rpc (ETH_RPC_URL), --registry, --name-wrapper, --chain-id, --via, --safe,\n" +
			"--safe-service, --confirmations, --confirm-timeout, the same as `ens set`. The key comes\n" +
			"from $" + envENSKey + ", --key-file or ens.key_file.\n\n" +
			"Exit status: 0 done, 1 failed, 2 bad usage or config, 3 no earlier version or an ENS\n" +
			"check failed, 4 quorum not met (name untouched), 5 the name update failed, 75 the\n" +
			"transaction was sent but not confirmed in time (run again later), 130/143 interrupted.",
		Flags: append(ensRunFlags(),
			&cli.StringFlag{Name: "to", Usage: "roll back to this `CID` (default: the value before the current one)"},
			&cli.BoolFlag{Name: "json", Usage: "print the Record as JSON"},
			&cli.Uint64Flag{Name: "chain-id", Usage: "refuse to act unless the RPC is on chain `N` (default: ens.chain_id, or 1)"},
			&cli.StringFlag{Name: "via", Usage: "how to write: `MODE` key, safe or calldata (default: ens.via, or key)"},
			&cli.StringFlag{Name: "safe", Usage: "Safe `ADDRESS` that owns the name (via safe; default: ens.safe)"},
			&cli.StringFlag{Name: "safe-service", Usage: "Safe Transaction Service base `URL` (default: ens.safe_service, or api.safe.global for the chain)"},
			&cli.Uint64Flag{Name: "confirmations", Usage: "wait for `N` blocks, counting the transaction's own (default: ens.confirmations, or 1 on dev chains, 2 elsewhere)"},
			&cli.DurationFlag{Name: "confirm-timeout", Value: defaultConfirmTimeout, Usage: "after sending, wait at most `DURATION` for the blocks, then exit 75 (default: ens.confirm_timeout)"},
			&cli.StringFlag{Name: "key-file", Usage: "read the ENS signing key from `PATH` (instead of $" + envENSKey + " or ens.key_file)"},
			&cli.StringFlag{Name: "out", Usage: "write the via calldata files into `DIR` (default: ens.out, or the current folder)"},
			&cli.StringFlag{Name: "commit", EnvVars: []string{"GITHUB_SHA"}, Usage: "source `COMMIT` to record"},
		),
		Action: rollbackAction,
	}
}

// ensRunFlags are the flags of the commands that read a name with the
// config's settings (rollback, history): the config, the state folder and
// the one set of ENS connection flags (ensConnFlags).
func ensRunFlags() []cli.Flag {
	return append([]cli.Flag{
		&cli.StringFlag{Name: "config", Usage: "config `FILE` (default: " + config.DefaultFile + " in the current folder, if any)", EnvVars: []string{"DAPP_PUBLISH_CONFIG"}},
		&cli.StringFlag{Name: "state-dir", Usage: "where the Records (and the local store) are (default .dapp-publish)"},
	}, ensConnFlags()...)
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
	ctx := c.Context // cancelled by SIGINT and SIGTERM (runContext)
	stateDir := stateDirOf(c)
	setup, err := setupHolders(c, stateDir, "")
	if err != nil {
		return err
	}
	defer setup.close()
	set, err := resolveENSSettingsFrom(c, setup.ensSection())
	if err != nil {
		return err
	}
	set.name = c.Args().First()
	if v := set.via; v != "key" && v != "safe" && v != "calldata" {
		return usageErr("use --via key, safe or calldata", "unknown --via %q", v)
	}
	ps, quorum, v, err := setup.checked()
	if err != nil {
		return err
	}
	commit := c.String("commit")
	out := newPublishOutput(c)
	n, err := newENSNamer(c, set, commit, out.prog)
	if err != nil {
		out.done()
		return err
	}
	defer n.close()
	rb := &publish.Rollback{
		Holders: setup.holders, Gateways: ps.Gateways, Gate: quorum, Verify: v, Name: n, To: to,
		Records: scrubbedRecords{recordsOf(stateDir), setup.redact}, Tool: "dapp-publish " + toolVersion(), Commit: commit, Events: out.event,
		History: func(ctx context.Context) ([]publish.NameChange, error) { return nameHistory(ctx, n.conn, n.name) },
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
		githubPublish(rec, ghInfo{recordPath: out.recordPath, local: setup.local != nil})
	}
	return publishError(err)
}
