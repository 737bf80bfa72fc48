package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/internal/sitefs"
	"github.com/urfave/cli/v2"
)

// Flags shared by the commands that read a site folder (pack, lint, diff).
func siteFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "profile", Value: bundle.DefaultProfile.Name, Usage: "CID profile: " + strings.Join(bundle.ProfileNames(), " or ")},
		&cli.BoolFlag{Name: "include-hidden", Usage: "also pack files and folders whose names start with '.' (.well-known/ is always packed)"},
		&cli.StringSliceFlag{Name: "ignore", Usage: "leave out paths matching this gitignore-style `PATTERN` (repeatable; added to " + bundle.IgnoreFile + ")"},
		&cli.StringFlag{Name: "symlinks", Value: "follow", Usage: "symlinks: follow (pack the target, which must be inside the folder), skip, or error"},
	}
}

// openSite opens dir as an fs.FS confined to it: symlinks cannot lead outside
// (sitefs, over os.Root, refuses such paths), which backs the bundle's
// symlink policy.
func openSite(dir string) (fs.FS, func(), error) {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil, &cliError{err: fmt.Errorf("site folder %s does not exist", dir), code: exitUsage,
			hint: "build the frontend first (e.g. `npm run build`) and pass the folder that holds index.html, such as dist/"}
	case err != nil:
		return nil, nil, fmt.Errorf("failed to open site folder %s: %w", dir, err)
	case !fi.IsDir():
		return nil, nil, usageErr("pass the folder that holds the built site (index.html and assets), not a single file",
			"%s is a file, not a folder", dir)
	}
	site, err := sitefs.Open(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("failed to open site folder %s: %w", dir, err)
	}
	return site, func() { site.Close() }, nil
}

// packOptions builds bundle options from the site flags.
func packOptions(c *cli.Context) (bundle.Options, error) {
	p, err := bundle.LookupProfile(c.String("profile"))
	if err != nil {
		return bundle.Options{}, usageErr("", "%v", err)
	}
	sym, err := bundle.ParseSymlinkPolicy(c.String("symlinks"))
	if err != nil {
		return bundle.Options{}, usageErr("", "%v", err)
	}
	ig := &bundle.Ignore{}
	for i, pat := range c.StringSlice("ignore") {
		if err := ig.Add(pat, i+1); err != nil {
			return bundle.Options{}, usageErr("", "--ignore %q: %v", pat, err)
		}
	}
	return bundle.Options{
		Profile:       p,
		IncludeHidden: c.Bool("include-hidden"),
		Ignore:        ig,
		Symlinks:      sym,
		ToolVersion:   toolVersion(),
	}, nil
}

// siteError turns a bundle error into a message that names the path and says
// what to do.
func siteError(dir string, err error) error {
	switch {
	case errors.Is(err, bundle.ErrSpecialFile):
		return usageErr("remove it or list it in "+bundle.IgnoreFile, "in %s: %v", dir, err)
	case errors.Is(err, bundle.ErrOutsideLink):
		return usageErr("copy the target into the site folder, or use --symlinks skip", "in %s: %v", dir, err)
	case errors.Is(err, fs.ErrPermission):
		return withHint(fmt.Errorf("in %s: %w", dir, err), "make the file readable (chmod) or leave it out with --ignore")
	}
	return fmt.Errorf("in %s: %w", dir, err)
}

// insideDir reports whether path p lies inside folder dir (after resolving
// symlinks of both), so an output file is never written into the site.
func insideDir(dir, p string) (bool, error) {
	d, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return false, err
	}
	d, err = filepath.Abs(d)
	if err != nil {
		return false, err
	}
	parent, err := filepath.EvalSymlinks(filepath.Dir(p))
	if err != nil {
		return false, nil // the output folder does not exist: creating the file will say so
	}
	full, err := filepath.Abs(filepath.Join(parent, filepath.Base(p)))
	if err != nil {
		return false, err
	}
	rel, err := filepath.Rel(d, full)
	if err != nil {
		return false, nil
	}
	return rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)), nil
}

// siteArg opens the single folder argument of a command that reads a site,
// with the options from the site flags. close must be called when done.
func siteArg(c *cli.Context, usage string) (dir string, fsys fs.FS, opts bundle.Options, close func(), err error) {
	if c.NArg() != 1 {
		return "", nil, opts, nil, usageErr("usage: "+usage, "%s takes exactly one folder, got %d arguments", c.Command.Name, c.NArg())
	}
	dir = c.Args().First()
	if opts, err = packOptions(c); err != nil {
		return "", nil, opts, nil, err
	}
	fsys, close, err = openSite(dir)
	return dir, fsys, opts, close, err
}
