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
	"sync"

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
		Flags: append(siteFlags(),
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the CAR to `FILE` (default: <DIR name>.car in the current folder)"},
			&cli.StringFlag{Name: "manifest", Usage: "write the manifest to `FILE` (default: the CAR's name with .manifest.json)"},
			&cli.BoolFlag{Name: "only-hash", Usage: "compute the root CID only; write nothing and skip the lint (unless --strict)"},
			&cli.BoolFlag{Name: "strict", Usage: "fail (exit 3) on any lint warning, before writing"},
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
}

func packAction(c *cli.Context) error {
	dir, fsys, opts, closeSite, err := siteArg(c, "dapp-publish pack DIR [-o FILE]")
	if err != nil {
		return err
	}
	defer closeSite()

	// Lint runs beside the hashing (it reads only text files) and gates the
	// commit: with --strict nothing is renamed into place when it finds
	// anything, and a finding cancels the pack early.
	ctx, cancel := context.WithCancel(c.Context)
	defer cancel()
	// One walk of the folder serves both.
	tree, err := bundle.Walk(fsys, opts)
	if err != nil {
		return siteError(dir, err)
	}
	lint := startLint(c, dir, tree, cancel, !c.Bool("only-hash") || c.Bool("strict"))
	res := packResult{}
	var b *bundle.Bundle
	if c.Bool("only-hash") {
		b, err = packWithProgress(ctx, c, tree, opts, nil)
	} else {
		b, res.CAR, res.Manifest, err = packToFiles(ctx, c, dir, tree, opts, lint.wait)
	}
	if lerr := lint.wait(); lerr != nil {
		return lerr // the lint failure explains a cancelled pack
	}
	if err != nil {
		return err
	}
	res.Lint = lint.findings
	res.CID, res.Profile, res.Files, res.Dirs, res.Bytes = b.Root.String(), b.Profile.Name, b.Files, b.Dirs, b.Bytes
	res.CARSize, res.Blocks, res.Skipped = b.CARSize, b.Blocks, b.Skipped
	return reportPack(c, dir, res)
}

// packToFiles writes the CAR and the manifest, each through a temporary file
// renamed into place only when everything succeeded.
func packToFiles(ctx context.Context, c *cli.Context, dir string, tree *bundle.Tree, opts bundle.Options, gate func() error) (*bundle.Bundle, string, string, error) {
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
		return nil, "", "", usageErr("give --manifest another name, or leave it out (default: the CAR's name with .manifest.json)",
			"--manifest and -o both name %s: the manifest would overwrite the CAR", out)
	}
	for _, p := range []string{out, man} {
		inside, err := insideDir(dir, p)
		if err != nil {
			return nil, "", "", err
		}
		if inside {
			return nil, "", "", usageErr("write it outside the site folder, e.g. -o site.car", "output %s is inside the site folder %s: it would be packed into the next bundle", p, dir)
		}
	}
	carFile, err := atomicfile.Create(out)
	if err != nil {
		return nil, "", "", withHint(err, "check that the output folder exists and is writable")
	}
	defer carFile.Abort()
	// The *os.File itself, so Pack can write every block at its place.
	b, err := packWithProgress(ctx, c, tree, opts, carFile.File)
	if we := (*bundle.CARWriteError)(nil); errors.As(err, &we) {
		return nil, "", "", writeErr(out, we.Err)
	}
	if err != nil {
		return nil, "", "", err
	}
	manFile, err := atomicfile.Create(man)
	if err != nil {
		return nil, "", "", err
	}
	defer manFile.Abort()
	if err := b.Manifest.WriteJSON(manFile); err != nil {
		return nil, "", "", writeErr(man, err)
	}
	if err := gate(); err != nil {
		return nil, "", "", err
	}
	if err := carFile.Commit(); err != nil {
		return nil, "", "", withHint(err, "check free disk space in the output folder")
	}
	if err := manFile.Commit(); err != nil {
		return nil, "", "", withHint(err, "check free disk space in the output folder")
	}
	return b, out, man, nil
}

func packWithProgress(ctx context.Context, c *cli.Context, tree *bundle.Tree, opts bundle.Options, car io.Writer) (*bundle.Bundle, error) {
	opts.CAR = car
	var prog *byteProgress
	if !c.Bool("json") {
		prog = newByteProgress(c.App.ErrWriter, -1, "packing")
		opts.Progress = func(_ string, n int64) { prog.add(n) }
		defer prog.finish()
	}
	b, err := bundle.PackTree(ctx, tree, opts)
	if err != nil {
		return nil, siteError(c.Args().First(), err)
	}
	return b, nil
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
	return ghSummary(fmt.Sprintf("### dapp-publish pack\n\n| | |\n|---|---|\n| root CID | `%s` |\n| profile | %s |\n| files | %d (%s) |\n", res.CID, res.Profile, res.Files, humanBytes(res.Bytes)))
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

// lintRun is a lint running beside the pack.
type lintRun struct {
	done     chan struct{}
	findings []bundle.Finding
	err      error
	print    sync.Once
	show     func([]bundle.Finding)
}

// startLint lints beside the pack; when enabled is false (only hashing, where
// the CID is all that is wanted) it reports no findings without reading.
func startLint(c *cli.Context, dir string, tree *bundle.Tree, cancel func(), enabled bool) *lintRun {
	l := &lintRun{done: make(chan struct{}), show: func([]bundle.Finding) {}}
	if !enabled {
		l.findings = []bundle.Finding{}
		close(l.done)
		return l
	}
	if !c.Bool("json") {
		l.show = func(f []bundle.Finding) { printFindings(c.App.ErrWriter, f) }
	}
	go func() {
		defer close(l.done)
		findings, err := bundle.LintTree(tree)
		if findings == nil {
			findings = []bundle.Finding{}
		}
		l.findings = findings
		switch {
		case err != nil:
			l.err = siteError(dir, err)
		case c.Bool("strict") && len(findings) > 0:
			l.err = checkErr(fmt.Errorf("lint found %d problem(s) in %s", len(findings), dir), "fix them, or pack without --strict")
		}
		if l.err != nil {
			cancel()
		}
	}()
	return l
}

// wait waits for the lint, prints its findings once (not with --json), and
// returns its verdict.
func (l *lintRun) wait() error {
	<-l.done
	l.print.Do(func() { l.show(l.findings) })
	return l.err
}
