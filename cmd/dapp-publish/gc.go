package main

import (
	"errors"
	"fmt"

	"github.com/dapp-publish/dapp-publish/internal/safetext"
	"github.com/dapp-publish/dapp-publish/pin/local"
	"github.com/dustin/go-humanize"
	"github.com/urfave/cli/v2"
)

func gcCommand() *cli.Command {
	return &cli.Command{
		Name:  "gc",
		Usage: "free the local store: keep the newest versions, remove the blocks only older ones used",
		Description: "The embedded default keeps every version it published in the local store under\n" +
			"--state-dir (default .dapp-publish), so `serve` and `rollback` can use them; each new\n" +
			"version adds only the blocks that changed. gc keeps the newest --keep versions (by when\n" +
			"they were published), unpins the others and removes every block none of the kept\n" +
			"versions uses. The Records (history) stay. A kept version missing a block stops it\n" +
			"before anything is removed. It waits while another run is storing a version.\n\n" +
			"Exit status: 0 done (or nothing to do), 1 failed, 2 bad usage.",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "keep", Value: 5, Usage: "keep the newest `N` versions (at least 1)"},
			&cli.BoolFlag{Name: "dry-run", Usage: "say what would be removed, remove nothing"},
			&cli.StringFlag{Name: "state-dir", Usage: "the local store's folder `DIR` (default .dapp-publish; env DAPP_PUBLISH_STATE_DIR)"},
			&cli.BoolFlag{Name: "json", Usage: "print the result as JSON"},
		},
		Action: gcAction,
	}
}

// gcResult is gc's --json output.
type gcResult struct {
	Kept        []local.Pin `json:"kept"`
	Removed     []local.Pin `json:"removed"`
	Blocks      int         `json:"blocks"`
	Bytes       int64       `json:"bytes"`
	FreedBlocks int         `json:"freed_blocks"`
	FreedBytes  int64       `json:"freed_bytes"`
	DryRun      bool        `json:"dry_run,omitempty"`
}

func gcAction(c *cli.Context) error {
	if c.NArg() != 0 {
		return usageErr("usage: dapp-publish gc [--keep N] [--dry-run]", "gc takes no arguments, got %d", c.NArg())
	}
	keep := c.Int("keep")
	if keep < 1 {
		return usageErr("keep at least one version: --keep 1 or more", "--keep %d", keep)
	}
	dir := stateDirOf(c)
	if !local.Exists(dir) {
		fmt.Fprintf(c.App.ErrWriter, "no local store in %s: nothing to collect\n", safetext.Term(dir))
		return nil
	}
	s, err := local.Open(dir)
	if err != nil {
		return withHint(err, "pass --state-dir DIR to name the folder publish used")
	}
	defer s.Close()
	st, err := s.GC(c.Context, keep, c.Bool("dry-run"))
	if errors.Is(err, local.ErrIncomplete) {
		return withHint(err, "the store lost a block of a version it keeps; publish that version again (it is re-imported whole), or run gc with a smaller --keep")
	}
	if err != nil {
		return err
	}
	res := gcResult{Kept: st.Kept, Removed: st.Removed, Blocks: st.Blocks, Bytes: st.KeptBytes, FreedBlocks: st.Freed, FreedBytes: st.FreedBytes, DryRun: c.Bool("dry-run")}
	if res.Kept == nil {
		res.Kept = []local.Pin{}
	}
	if res.Removed == nil {
		res.Removed = []local.Pin{}
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, res)
	}
	w := c.App.Writer
	verb := "removed"
	if res.DryRun {
		verb = "would remove"
	}
	fmt.Fprintf(w, "kept      %d version(s), %d blocks (%s)\n", len(st.Kept), st.Blocks, humanize.IBytes(uint64(st.KeptBytes)))
	for _, p := range st.Kept {
		fmt.Fprintf(w, "            %s  %s\n", p.Time.Format("2006-01-02 15:04:05Z"), safetext.Term(p.CID))
	}
	fmt.Fprintf(w, "%-9s %d version(s), %d blocks (%s)\n", verb, len(st.Removed), st.Freed, humanize.IBytes(uint64(st.FreedBytes)))
	for _, p := range st.Removed {
		fmt.Fprintf(w, "            %s  %s\n", p.Time.Format("2006-01-02 15:04:05Z"), safetext.Term(p.CID))
	}
	return nil
}
