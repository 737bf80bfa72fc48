package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/internal/safetext"
	"github.com/urfave/cli/v2"
)

func lintCommand() *cli.Command {
	return &cli.Command{
		Name:      "lint",
		Usage:     "check a site folder for problems on IPFS gateways before publishing",
		ArgsUsage: "DIR",
		Description: "Checks what `pack` would include, for each gateway style (subdomain: CID.ipfs.gw;\n" +
			"path: gw/ipfs/CID/; ens: NAME.eth.limo) and each depth of deep link: a missing\n" +
			"index.html; root-absolute URLs (in HTML, CSS and script bundles) that a path gateway\n" +
			"cannot serve; how the app routes (detected from its scripts, or --routes) and whether\n" +
			"its deep links are served and load their assets; _redirects syntax and its 64 KiB\n" +
			"limit; leaked .env files, .git folders, source maps and private keys; files over\n" +
			"common provider limits. --target limits the checks to the styles the site is for.\n" +
			"Exit 0 with warnings printed; with --strict, exit 3 when there is any warning.",
		Flags: append(siteFlags(), append(lintFlags(),
			&cli.BoolFlag{Name: "strict", Usage: "exit 3 when there is any warning"},
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON: {findings, routes, routes_from, targets}"},
		)...),
		Action: lintAction,
	}
}

// lintFlags are the lint's own flags, shared by lint and pack.
func lintFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "target", Usage: "gateway `STYLE`s the site must work on: subdomain, path, ens (repeatable or comma-separated; default all three)"},
		&cli.StringFlag{Name: "routes", Value: "auto", Usage: "how the app routes: auto (detect from its scripts), none, hash (#/swap) or path (/swap)"},
	}
}

// lintOptions reads the lint flags.
func lintOptions(c *cli.Context) (bundle.LintOptions, error) {
	var lo bundle.LintOptions
	if t := c.StringSlice("target"); len(t) > 0 {
		targets, err := bundle.ParseGateways(t)
		if err != nil {
			return lo, usageErr("e.g. --target subdomain,ens", "%v", err)
		}
		lo.Targets = targets
	}
	switch r := c.String("routes"); r {
	case "auto", "":
	case bundle.RoutesNone, bundle.RoutesHash, bundle.RoutesPath:
		lo.Routes = r
	default:
		return lo, usageErr("use --routes auto, none, hash or path", "unknown route style %q", r)
	}
	return lo, nil
}

func lintAction(c *cli.Context) error {
	lo, err := lintOptions(c)
	if err != nil {
		return err
	}
	dir, fsys, opts, closeSite, err := siteArg(c, "dapp-publish lint DIR")
	if err != nil {
		return err
	}
	defer closeSite()
	report, err := bundle.Lint(fsys, opts, lo)
	if err != nil {
		return siteError(dir, err)
	}
	if report.Findings == nil {
		report.Findings = []bundle.Finding{}
	}
	annotateLint(c.App.ErrWriter, dir, report.Findings)
	if c.Bool("json") {
		if err := printJSON(c.App.Writer, report); err != nil {
			return err
		}
	} else {
		printLint(c.App.Writer, report)
		if len(report.Findings) == 0 {
			fmt.Fprintf(c.App.Writer, "%s: no problems found\n", safetext.Term(dir))
		}
	}
	if c.Bool("strict") && len(report.Findings) > 0 {
		return checkErr(fmt.Errorf("lint found %d problem(s) in %s", len(report.Findings), dir), "fix them, or run without --strict (--target names the gateway styles the site is for)")
	}
	return nil
}

// printLint prints the lint's report: how the app routes, one line per
// finding, and what renders on each targeted gateway style (annotateLint
// makes the GitHub annotations). All the lint's human output is
// printed here; file names come from the site, so every one is escaped.
func printLint(w io.Writer, r *bundle.LintReport) {
	routes := map[string]string{
		bundle.RoutesNone: "no client-side routes",
		bundle.RoutesHash: "routes in the URL fragment (#/swap)",
		bundle.RoutesPath: "routes on the URL path (/swap)",
	}[r.Routes]
	if r.RoutesFrom != "" {
		routes += "; " + r.RoutesFrom
	}
	fmt.Fprintf(w, "app: %s\n", safetext.Term(routes))
	for _, f := range r.Findings {
		fmt.Fprintf(w, "warning: %s\n", safetext.Term(f.String()))
	}
	for _, style := range r.Targets {
		fmt.Fprintf(w, "%s gateways: %s\n", style, readiness(r, style))
	}
}

// readiness sums up, for one gateway style, which links render.
func readiness(r *bundle.LintReport, style string) string {
	links := []string{"the root"}
	switch {
	case r.Routes != bundle.RoutesNone:
		links = append(links, "deep links one level down (/swap)", "deep links two or more levels down (/pool/42)")
	case slices.ContainsFunc(r.Findings, func(f bundle.Finding) bool { return f.Depth > 0 }):
		// A multi-page site whose links to its pages break (extensionless-link).
		links = append(links, "links to pages one level down (/about)", "links to pages two or more levels down (/docs/intro)")
	}
	var ok, broken []string
	for depth, l := range links {
		if bundle.Renders(r.Findings, style, depth) {
			ok = append(ok, l)
		} else {
			broken = append(broken, l)
		}
	}
	switch {
	case len(broken) == 0:
		return "ok (" + strings.Join(ok, ", ") + ")"
	case len(ok) == 0:
		return "broken"
	}
	return strings.Join(ok, ", ") + " ok; " + strings.Join(broken, ", ") + " broken"
}
