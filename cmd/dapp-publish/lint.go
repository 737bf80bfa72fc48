package main

import (
	"fmt"
	"io"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/internal/safetext"
	"github.com/urfave/cli/v2"
)

func lintCommand() *cli.Command {
	return &cli.Command{
		Name:      "lint",
		Usage:     "check a site folder for problems on IPFS gateways before publishing",
		ArgsUsage: "DIR",
		Description: "Checks what `pack` would include: a missing index.html; absolute asset URLs\n" +
			"(/assets/...) that break on path gateways (/ipfs/<cid>/); _redirects syntax and its\n" +
			"64 KiB limit; a single-page app without a fallback; leaked .env files, .git folders,\n" +
			"source maps and private keys; files over common provider limits.\n" +
			"Exit 0 with warnings printed; with --strict, exit 3 when there is any warning.",
		Flags: append(siteFlags(),
			&cli.BoolFlag{Name: "strict", Usage: "exit 3 when there is any warning"},
			&cli.BoolFlag{Name: "json", Usage: "print the findings as JSON"},
		),
		Action: lintAction,
	}
}

func lintAction(c *cli.Context) error {
	dir, fsys, opts, closeSite, err := siteArg(c, "dapp-publish lint DIR")
	if err != nil {
		return err
	}
	defer closeSite()
	findings, err := bundle.Lint(fsys, opts)
	if err != nil {
		return siteError(dir, err)
	}
	if findings == nil {
		findings = []bundle.Finding{}
	}
	if c.Bool("json") {
		if err := printJSON(c.App.Writer, map[string]any{"findings": findings}); err != nil {
			return err
		}
	} else {
		printFindings(c.App.Writer, findings)
		if len(findings) == 0 {
			fmt.Fprintf(c.App.Writer, "%s: no problems found\n", safetext.Term(dir))
		}
	}
	if c.Bool("strict") && len(findings) > 0 {
		return checkErr(fmt.Errorf("lint found %d problem(s) in %s", len(findings), dir), "fix them, or run without --strict")
	}
	return nil
}

// printFindings prints one line per finding, and a GitHub annotation each
// when running in Actions.
func printFindings(w io.Writer, findings []bundle.Finding) {
	for _, f := range findings {
		fmt.Fprintf(w, "warning: %s\n", safetext.Term(f.String()))
		ghWarning(w, f.Path, "dapp-publish lint: "+f.Code, f.Message)
	}
}
