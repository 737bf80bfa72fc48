package main

import (
	"fmt"
	"os"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/urfave/cli/v2"
)

func inspectCommand() *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "list and verify the contents of a CAR file",
		ArgsUsage: "CAR",
		Description: "Reads a CAR (v1 or v2), re-hashes every block against its CID, checks that\n" +
			"every block the root links to is present, and lists the UnixFS tree and the\n" +
			"file's Filecoin piece CID (v2, and v1 with the padded piece size).\n" +
			"Exit 3 when a block does not match its CID or the DAG is incomplete.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print the result as JSON"},
			&cli.BoolFlag{Name: "tree", Value: true, Usage: "list every file and folder"},
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
	in, err := bundle.InspectWithPiece(f)
	if err != nil {
		return checkErr(fmt.Errorf("%s: %w", path, err), "the file is not a valid CAR, or it is truncated")
	}
	w := c.App.Writer
	if c.Bool("json") {
		if err := printJSON(w, in); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(w, "CARv%d, %d blocks, %s of block data\n", in.Version, in.Blocks, humanBytes(in.Bytes))
		for _, r := range in.Roots {
			fmt.Fprintf(w, "root  %s\n", r)
		}
		printPiece(w, "piece ", in.PieceInfo)
		if c.Bool("tree") {
			for _, e := range in.Entries {
				name := e.Path
				if name == "" {
					name = "."
				}
				fmt.Fprintf(w, "%-7s %12d  %s  %s\n", e.Type, e.Size, e.CID, name)
			}
		}
		for _, b := range in.Bad {
			fmt.Fprintf(w, "BAD     block %s does not match its hash\n", b)
		}
		for _, m := range in.Missing {
			fmt.Fprintf(w, "MISSING block %s\n", m)
		}
	}
	if !in.OK() {
		return checkErr(fmt.Errorf("%s: %d block(s) do not match their CID, %d missing", path, len(in.Bad), len(in.Missing)), "the CAR is corrupt or incomplete: pack or export it again")
	}
	return nil
}
