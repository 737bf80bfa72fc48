package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/internal/safetext"
	"github.com/urfave/cli/v2"
)

func diffCommand() *cli.Command {
	return &cli.Command{
		Name:      "diff",
		Usage:     "explain why two bundles differ: folders, CAR files or manifests",
		ArgsUsage: "A B",
		Description: "A and B are each a site folder, a CAR file or a manifest (.json). Prints the paths\n" +
			"only in one of them, the files whose content differs, and the settings (CID profile,\n" +
			"sharding) that make the same bytes get a different root CID. A folder is packed\n" +
			"with the profile of the other side when that side records or implies one.\n" +
			"Exit 0 when the roots are equal, 3 when they differ.",
		Flags: append(siteFlags(),
			&cli.BoolFlag{Name: "json", Usage: "print the differences as JSON"},
		),
		Action: diffAction,
	}
}

func diffAction(c *cli.Context) error {
	if c.NArg() != 2 {
		return usageErr("usage: dapp-publish diff A B (folders, CARs or manifests)", "diff takes two arguments, got %d", c.NArg())
	}
	argA, argB := c.Args().Get(0), c.Args().Get(1)
	// A folder is packed with the other side's profile, so read the other
	// side first when only A is a folder.
	var a, b *bundle.Listing
	var err error
	if isDir(argA) && !isDir(argB) {
		if b, err = loadListing(c, argB, ""); err == nil {
			a, err = loadListing(c, argA, b.Profile)
		}
	} else if a, err = loadListing(c, argA, ""); err == nil {
		b, err = loadListing(c, argB, a.Profile)
	}
	if err != nil {
		return err
	}
	d := bundle.Compare(a, b)
	if c.Bool("json") {
		if err := printJSON(c.App.Writer, diffJSON(d)); err != nil {
			return err
		}
	} else {
		printDiff(c, d)
	}
	if !d.Equal() {
		return &cliError{err: fmt.Errorf("roots differ: %s != %s", a.Root, b.Root), code: exitCheck}
	}
	return nil
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// loadListing reads a folder (packed with profile, or --profile), a CAR or a manifest.
func loadListing(c *cli.Context, arg, profile string) (*bundle.Listing, error) {
	fi, err := os.Stat(arg)
	if err != nil {
		return nil, usageErr("pass a site folder, a CAR file or a manifest JSON", "%s: %v", arg, err)
	}
	if fi.IsDir() {
		return listFolder(c, arg, profile)
	}
	f, err := os.Open(arg)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if strings.HasSuffix(arg, ".json") {
		m, err := bundle.ReadManifest(f)
		if err != nil {
			return nil, usageErr("pass a manifest written by `dapp-publish pack`", "%s: %v", arg, err)
		}
		return bundle.ListingFromManifest(arg, m), nil
	}
	in, err := bundle.Inspect(f)
	if err != nil {
		return nil, checkErr(fmt.Errorf("%s: %w", arg, err), "pass a valid CAR file, a folder or a manifest")
	}
	if !in.OK() {
		return nil, checkErr(fmt.Errorf("%s: %w", arg, in.Err), "diff compares valid bundles only; `dapp-publish inspect "+arg+"` lists what is wrong")
	}
	if len(in.Roots) != 1 {
		return nil, checkErr(fmt.Errorf("%s names %d roots; a bundle has exactly one", arg, len(in.Roots)), "inspect each root's DAG with `dapp-publish inspect`")
	}
	return bundle.ListingFromInspection(arg, in), nil
}

func listFolder(c *cli.Context, dir, profile string) (*bundle.Listing, error) {
	opts, err := packOptions(c)
	if err != nil {
		return nil, err
	}
	if profile != "" && !c.IsSet("profile") {
		if opts.Profile, err = bundle.LookupProfile(profile); err != nil {
			return nil, err
		}
	}
	fsys, closeSite, err := openSite(dir)
	if err != nil {
		return nil, err
	}
	defer closeSite()
	opts.FileHashes = true // to tell "same bytes, other settings" from "changed"
	b, err := bundle.Pack(c.Context, fsys, opts)
	if err != nil {
		return nil, siteError(dir, err)
	}
	return bundle.ListingFromManifest(dir, b.Manifest), nil
}

func printDiff(c *cli.Context, d *bundle.Diff) {
	w := c.App.Writer
	fmt.Fprintf(w, "A  %s  %s (%s)\n", d.A.Root, safetext.Term(d.A.Source), safetext.Term(orUnknown(d.A.Profile)))
	fmt.Fprintf(w, "B  %s  %s (%s)\n", d.B.Root, safetext.Term(d.B.Source), safetext.Term(orUnknown(d.B.Profile)))
	if d.Equal() {
		fmt.Fprintln(w, "same root: identical bundles")
		return
	}
	for _, p := range d.OnlyA {
		fmt.Fprintf(w, "only in A  %s\n", safetext.Term(p))
	}
	for _, p := range d.OnlyB {
		fmt.Fprintf(w, "only in B  %s\n", safetext.Term(p))
	}
	for _, ch := range d.Changed {
		fmt.Fprintf(w, "changed    %s  (%d -> %d bytes; %s -> %s)\n", safetext.Term(ch.Path), ch.SizeA, ch.SizeB, ch.CIDA, ch.CIDB)
	}
	if n := len(d.SameBytes); n > 0 {
		fmt.Fprintf(w, "same bytes, different CID: %d file(s), e.g. %s\n", n, safetext.Term(d.SameBytes[0]))
	}
	for _, e := range d.Explanation {
		fmt.Fprintf(w, "why        %s\n", safetext.Term(e))
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "profile unknown"
	}
	return s
}

func diffJSON(d *bundle.Diff) map[string]any {
	return map[string]any{
		"a":           map[string]string{"source": d.A.Source, "root": d.A.Root, "profile": d.A.Profile},
		"b":           map[string]string{"source": d.B.Source, "root": d.B.Root, "profile": d.B.Profile},
		"equal":       d.Equal(),
		"only_a":      nonNil(d.OnlyA),
		"only_b":      nonNil(d.OnlyB),
		"changed":     d.Changed,
		"same_bytes":  nonNil(d.SameBytes),
		"explanation": nonNil(d.Explanation),
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
