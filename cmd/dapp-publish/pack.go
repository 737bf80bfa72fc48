package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/internal/atomicfile"
	"github.com/dapp-publish/dapp-publish/internal/safetext"
	"github.com/urfave/cli/v2"
)

func packCommand() *cli.Command {
	return &cli.Command{
		Name:      "pack",
		Usage:     "pack a built site folder into a content-addressed bundle (CAR + manifest)",
		ArgsUsage: "DIR",
		Description: "Turns DIR (e.g. dist/) into a UnixFS DAG whose root CID Kubo and any IPIP-499\n" +
			"implementation compute identically for the same profile, and writes it as a CARv1\n" +
			"file plus a JSON manifest (every file's path, size, CID and SHA-256) beside it.\n" +
			"The same folder gives the same CID and the same CAR bytes on any machine.\n\n" +
			"Included: every file and folder except names starting with '.' (but .well-known/),\n" +
			"and paths matched by DIR/" + bundle.IgnoreFile + " (gitignore syntax) or --ignore.\n" +
			"Symlinks are followed when they point inside DIR; one pointing outside is an error.\n" +
			"The site is linted while it is packed (see `dapp-publish lint`); with --strict a warning\nis a failure and nothing is written.",
		Flags: append(append(siteFlags(), lintFlags()...),
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the CAR to `FILE` (default: <DIR name>.car in the current folder)"},
			&cli.StringFlag{Name: "manifest", Usage: "write the manifest to `FILE` (default: the CAR's name with .manifest.json)"},
			&cli.BoolFlag{Name: "only-hash", Usage: "compute the root CID only; write nothing and skip the lint (unless --strict)"},
			&cli.BoolFlag{Name: "strict", Usage: "fail (exit 3) on any lint warning, before writing"},
			&cli.BoolFlag{Name: "no-piece-cid", Usage: "skip the CAR's Filecoin piece CID (computed while the CAR is written)"},
			&cli.BoolFlag{Name: "json", Usage: "print the result as JSON"},
		),
		Action: packAction,
	}
}

// packResult is the --json output of pack.
type packResult struct {
	CID      string           `json:"cid"`
	Profile  string           `json:"profile"`
	Files    int              `json:"files"`
	Dirs     int              `json:"dirs"`
	Bytes    int64            `json:"bytes"`
	CAR      string           `json:"car,omitempty"`
	CARSize  int64            `json:"car_size,omitempty"`
	Blocks   int              `json:"blocks,omitempty"`
	Manifest string           `json:"manifest,omitempty"`
	Skipped  []string         `json:"skipped,omitempty"`
	Lint     []bundle.Finding `json:"lint"`

	bundle.PieceInfo // the CAR's Filecoin piece CID
}

func packAction(c *cli.Context) error {
	lo, err := lintOptions(c)
	if err != nil {
		return err
	}
	dir, fsys, opts, closeSite, err := siteArg(c, "dapp-publish pack DIR [-o FILE]")
	if err != nil {
		return err
	}
	defer closeSite()
	// One walk of the folder serves the pack and its lint, which runs beside
	// the hashing (it reads only text files) and gates the commit: with
	// --strict nothing is renamed into place when it finds anything.
	tree, err := bundle.Walk(fsys, opts)
	if err != nil {
		return siteError(dir, err)
	}
	policy := lintPolicy(c.Bool("strict"), !c.Bool("only-hash"))
	res := packResult{}
	var b *bundle.Bundle
	var report *bundle.LintReport
	if c.Bool("only-hash") {
		b, report, err = packTree(c, dir, tree, opts, nil, lo, policy)
	} else {
		b, report, res.CAR, res.Manifest, err = packToFiles(c, dir, tree, opts, lo, policy)
	}
	res.Lint = []bundle.Finding{}
	if report != nil && report.Findings != nil {
		res.Lint = report.Findings
	}
	if !c.Bool("json") && len(res.Lint) > 0 {
		printLint(c.App.ErrWriter, report)
	}
	annotateLint(c.App.ErrWriter, dir, res.Lint)
	if err != nil {
		return err
	}
	res.CID, res.Profile, res.Files, res.Dirs, res.Bytes = b.Root.String(), b.Profile.Name, b.Files, b.Dirs, b.Bytes
	res.CARSize, res.Blocks, res.Skipped = b.CARSize, b.Blocks, b.Skipped
	res.PieceInfo = bundle.NewPieceInfo(b.Piece)
	return reportPack(c, dir, res)
}

// lintPolicy: --strict fails on any finding; otherwise the lint warns, unless
// only the CID is wanted.
func lintPolicy(strict, lint bool) bundle.LintPolicy {
	switch {
	case strict:
		return bundle.LintStrict
	case lint:
		return bundle.LintWarn
	}
	return bundle.LintOff
}

// packToFiles writes the CAR and the manifest, each through a temporary file
// renamed into place only when the pack and its lint both succeeded.
func packToFiles(c *cli.Context, dir string, tree *bundle.Tree, opts bundle.Options, lo bundle.LintOptions, policy bundle.LintPolicy) (*bundle.Bundle, *bundle.LintReport, string, string, error) {
	out, man, err := packOutputs(c, dir)
	if err != nil {
		return nil, nil, "", "", err
	}
	carFile, err := atomicfile.Create(out)
	if err != nil {
		return nil, nil, "", "", withHint(err, "check that the output folder exists and is writable")
	}
	defer carFile.Abort()
	// The *os.File itself, so Pack can write every block at its place.
	b, findings, err := packTree(c, dir, tree, opts, carFile.File, lo, policy)
	if we := (*bundle.CARWriteError)(nil); errors.As(err, &we) {
		return nil, findings, "", "", writeErr(out, we.Err)
	}
	if err != nil {
		return nil, findings, "", "", err
	}
	manFile, err := atomicfile.Create(man)
	if err != nil {
		return nil, findings, "", "", err
	}
	defer manFile.Abort()
	if err := b.Manifest.WriteJSON(manFile); err != nil {
		return nil, findings, "", "", writeErr(man, err)
	}
	if err := carFile.Commit(); err != nil {
		return nil, findings, "", "", withHint(err, "check free disk space in the output folder")
	}
	if err := manFile.Commit(); err != nil {
		return nil, findings, "", "", withHint(err, "check free disk space in the output folder")
	}
	return b, findings, out, man, nil
}

// packOutputs names the CAR and manifest files and refuses paths inside the
// site folder.
func packOutputs(c *cli.Context, dir string) (string, string, error) {
	out := c.String("output")
	if out == "" {
		name := filepath.Base(filepath.Clean(dir))
		if name == "." || name == "/" || name == "" {
			name = "site"
		}
		out = name + ".car"
	}
	man := c.String("manifest")
	if man == "" {
		man = strings.TrimSuffix(out, ".car") + ".manifest.json"
	}
	if sameFile(out, man) {
		return "", "", usageErr("give --manifest another name, or leave it out (default: the CAR's name with .manifest.json)",
			"--manifest and -o both name %s: the manifest would overwrite the CAR", out)
	}
	for _, p := range []string{out, man} {
		inside, err := insideDir(dir, p)
		if err != nil {
			return "", "", err
		}
		if inside {
			return "", "", usageErr("write it outside the site folder, e.g. -o site.car", "output %s is inside the site folder %s: it would be packed into the next bundle", p, dir)
		}
	}
	return out, man, nil
}

// packWithProgress packs the tree without a lint (pin's folder argument).
func packWithProgress(_ context.Context, c *cli.Context, tree *bundle.Tree, opts bundle.Options, car io.Writer) (*bundle.Bundle, error) {
	b, _, err := packTree(c, c.Args().First(), tree, opts, car, bundle.LintOptions{}, bundle.LintOff)
	return b, err
}

// packTree packs and lints the tree (bundle.PackChecked) with a progress bar
// on a terminal.
func packTree(c *cli.Context, dir string, tree *bundle.Tree, opts bundle.Options, car io.Writer, lo bundle.LintOptions, policy bundle.LintPolicy) (*bundle.Bundle, *bundle.LintReport, error) {
	opts.CAR = car
	opts.NoPieceCID = c.Bool("no-piece-cid")
	if !c.Bool("json") {
		prog := newProgress(c.App.ErrWriter)
		bar := prog.bar("packing", -1)
		opts.Progress = func(_ string, n int64) { bar.add(n) }
		defer prog.wait()
		defer bar.done()
	}
	b, findings, err := bundle.PackChecked(c.Context, tree, opts, lo, policy)
	var lf *bundle.LintFailure
	switch {
	case errors.As(err, &lf):
		return nil, findings, checkErr(fmt.Errorf("lint found %d problem(s) in %s", len(lf.Findings), dir), "fix them, or pack without --strict (--target names the gateway styles the site is for)")
	case err != nil:
		return nil, findings, siteError(dir, err)
	}
	return b, findings, nil
}

func reportPack(c *cli.Context, dir string, res packResult) error {
	w := c.App.Writer
	if c.Bool("json") {
		return printJSON(w, res)
	}
	fmt.Fprintf(w, "packed %s: %d files, %d folders, %s (profile %s)\n", safetext.Term(dir), res.Files, res.Dirs, humanBytes(res.Bytes), res.Profile)
	fmt.Fprintf(w, "root      %s\n", res.CID)
	if res.CAR != "" {
		fmt.Fprintf(w, "car       %s (%s, %d blocks)\n", safetext.Term(res.CAR), humanBytes(res.CARSize), res.Blocks)
		printPiece(w, "piece    ", res.PieceInfo)
		fmt.Fprintf(w, "manifest  %s\n", safetext.Term(res.Manifest))
	}
	if len(res.Skipped) > 0 {
		fmt.Fprintf(w, "left out  %d path(s): %s\n", len(res.Skipped), safetext.Term(summarize(res.Skipped, 5)))
	}
	if err := ghOutput("cid", res.CID); err != nil {
		return err
	}
	if res.CAR != "" {
		if err := ghOutput("car", res.CAR); err != nil {
			return err
		}
	}
	if res.PieceCID != "" {
		if err := ghOutput("piece_cid", res.PieceCID); err != nil {
			return err
		}
	}
	summary := fmt.Sprintf("### dapp-publish pack\n\n| | |\n|---|---|\n| root CID | `%s` |\n| profile | %s |\n| files | %d (%s) |\n", res.CID, res.Profile, res.Files, humanBytes(res.Bytes))
	if res.PieceCID != "" {
		summary += fmt.Sprintf("| Filecoin piece CID | `%s` |\n", res.PieceCID)
	}
	return ghSummary(summary)
}

// printPiece prints a piece CID line (nothing when there is none).
func printPiece(w io.Writer, label string, pi bundle.PieceInfo) {
	if pi.PieceCID != "" {
		fmt.Fprintf(w, "%s %s (v1 %s, padded size %d)\n", label, pi.PieceCID, pi.PieceCIDv1, pi.PaddedPieceSize)
	}
}

// sameFile reports whether paths a and b name one file: the same path once
// cleaned and made absolute, or, when both exist, the same file on disk (a
// link or another spelling).
func sameFile(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	if err1 == nil && err2 == nil && aa == bb {
		return true
	}
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}

func summarize(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(" and %d more", len(items)-n)
}

func writeErr(name string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return withHint(fmt.Errorf("failed to write %s: %w", name, err), "check free disk space in the output folder; nothing was written")
}
