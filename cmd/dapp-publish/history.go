package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dapp-publish/dapp-publish/ens"
	"github.com/dapp-publish/dapp-publish/internal/config"
	"github.com/dapp-publish/dapp-publish/publish"
	"github.com/urfave/cli/v2"
)

func historyCommand() *cli.Command {
	return &cli.Command{
		Name:      "history",
		Usage:     "list the versions a name pointed at: when, by which transaction, which copies were verified",
		ArgsUsage: "NAME",
		Description: "With an RPC endpoint (--rpc, ETH_RPC_URL or ens.rpc) the list is the name's on-chain\n" +
			"history (ContenthashChanged events of its current resolver), each version joined with\n" +
			"its local Record (which holders served it, verified, and the commit). Without one, the\n" +
			"published Records in --state-dir alone. The last line is the current value.",
		Flags: append(ensRunFlags(),
			&cli.BoolFlag{Name: "json", Usage: "print the list as JSON"},
		),
		Action: historyAction,
	}
}

func historyAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return usageErr("usage: dapp-publish history NAME", "history takes one name, got %d arguments", c.NArg())
	}
	name, err := ens.Normalize(strings.TrimSpace(c.Args().First()))
	if err != nil {
		return ensError(err)
	}
	var cfg *config.Config
	if path, derr := config.Discover(c.String("config"), "."); derr == nil {
		if cfg, err = config.Load(path, config.Options{}); err != nil {
			return usageErr("fix the config file", "%v", err)
		}
	}
	records, err := recordsOf(stateDirOf(c)).List()
	if err != nil {
		return err
	}
	var changes []publish.NameChange
	readChain := false
	if e, err := ensFor(c, cfg, name, false); err != nil {
		return err
	} else if e.RPC != "" {
		readChain = true
		e.Via = "calldata" // reading needs no key
		n, err := newENSNamer(c.Context, c, e, "")
		if err != nil {
			return err
		}
		defer n.close()
		if changes, err = n.history(c.Context); err != nil {
			return ensError(err)
		}
	}
	hist := publish.History(name, changes, records)
	if c.Bool("json") {
		return printJSON(c.App.Writer, hist)
	}
	if len(hist) == 0 {
		where := "its resolver has no ContenthashChanged events"
		if !readChain {
			where = "no RPC endpoint to read its on-chain history (--rpc, ETH_RPC_URL or ens.rpc)"
		}
		fmt.Fprintf(c.App.ErrWriter, "%s: no versions found: %s, and no published Records in %s\n", name, where, stateDirOf(c))
		return nil
	}
	tw := tabwriter.NewWriter(c.App.Writer, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "WHEN\tVALUE\tTRANSACTION\tVERIFIED COPIES\tCOMMIT\t")
	for _, h := range hist {
		tx, verified, commit := h.Tx, "-", ""
		if tx == "" {
			tx = "-"
		}
		if h.Record != nil {
			verified, commit = fmt.Sprintf("%d (%s)", len(h.Record.Verified), strings.Join(h.Record.Verified, ", ")), short(h.Record.Commit)
		}
		mark := ""
		if h.Current {
			mark = "<- current"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", h.Time.Format(time.RFC3339), h.Value, tx, verified, commit, mark)
	}
	return tw.Flush()
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
