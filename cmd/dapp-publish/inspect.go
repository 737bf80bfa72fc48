package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/internal/safetext"
	"github.com/dapp-publish/dapp-publish/internal/trustless"
	"github.com/urfave/cli/v2"
)

func inspectCommand() *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "list and verify the contents of a CAR file",
		ArgsUsage: "CAR",
		Description: "Reads a CAR (v1 or v2, blocks in any order), re-hashes every block against its\n" +
			"CID (only hashes on the allow-list, at full length), checks that every block each\n" +
			"root links to is present and that no folder lies (two entries of one name, a name\n" +
			"holding '/' or NUL or equal to . or .., a HAMT entry where lookups never look),\n" +
			"and lists the UnixFS tree within the limits (README: \"Untrusted DAGs\") and the\n" +
			"file's Filecoin piece CID (v2, and v1 with the padded piece size).\n" +
			"Exit 3, with the reason, when the CAR is refused.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print the result as JSON"},
			&cli.BoolFlag{Name: "tree", Value: true, Usage: "list every file and folder"},
			&cli.BoolFlag{Name: "no-piece-cid", Usage: "skip the file's Filecoin piece CID (the check alone is then about twice as fast)"},
		},
		Action: inspectAction,
	}
}

func inspectAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return usageErr("usage: dapp-publish inspect FILE.car", "inspect takes exactly one CAR file, got %d arguments", c.NArg())
	}
	path := c.Args().First()
	f, err := os.Open(path)
	if err != nil {
		return withHint(fmt.Errorf("failed to open %s: %w", path, err), "pass a CAR file written by `dapp-publish pack` or `ipfs dag export`")
	}
	defer f.Close()
	inspect := bundle.InspectWithPiece
	if c.Bool("no-piece-cid") {
		inspect = bundle.Inspect
	}
	in, err := inspect(f)
	if errors.Is(err, trustless.ErrTooLarge) {
		return checkErr(fmt.Errorf("%s: %w", path, err), "the CAR is refused: it holds more blocks than a site has (README: \"Untrusted DAGs\")")
	}
	if err != nil {
		return checkErr(fmt.Errorf("%s: %w", path, err), "the file is not a valid CAR, or it is truncated")
	}
	if c.Bool("json") {
		if err := printJSON(c.App.Writer, in); err != nil {
			return err
		}
	} else {
		printInspection(c.App.Writer, in, c.Bool("tree"))
	}
	if !in.OK() {
		return checkErr(fmt.Errorf("%s: %w", path, in.Err), "the CAR is refused: pack or export it again from the site, and do not trust a copy that fails this check")
	}
	return nil
}

func printInspection(w io.Writer, in *bundle.Inspection, tree bool) {
	fmt.Fprintf(w, "CARv%d, %d blocks, %s of block data\n", in.Version, in.Blocks, humanBytes(in.Bytes))
	for _, r := range in.Roots {
		fmt.Fprintf(w, "root  %s\n", r)
	}
	printPiece(w, "piece ", in.PieceInfo)
	if tree {
		for _, e := range in.Entries {
			name := e.Path
			if name == "" {
				name = "."
			}
			if e.Root != "" {
				name = e.Root + "/" + e.Path
			}
			fmt.Fprintf(w, "%-7s %12d  %s  %s\n", e.Type, e.Size, e.CID, safetext.Term(name))
		}
	}
	for _, b := range in.BadBlocks {
		fmt.Fprintf(w, "BAD     block %s: %s\n", b.Cid, safetext.Term(b.Err.Error()))
	}
	for _, m := range in.Missing {
		fmt.Fprintf(w, "MISSING block %s\n", m)
	}
	if in.Extra > 0 {
		fmt.Fprintf(w, "note: %d blocks are not under any root\n", in.Extra)
	}
}
