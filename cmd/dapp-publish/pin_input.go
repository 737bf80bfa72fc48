package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/internal/atomicfile"
	"github.com/dapp-publish/dapp-publish/internal/config"
	"github.com/dapp-publish/dapp-publish/internal/trustless"
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/ipfs/go-cid"
	"github.com/urfave/cli/v2"
)

// packForPin packs a site folder into a temporary CAR that is removed when
// the command ends. The config's profile applies unless --profile is given.
func packForPin(c *cli.Context, dir string, cfg *config.Config) (*pinInput, error) {
	opts, err := packOptions(c)
	if err != nil {
		return nil, err
	}
	if !c.IsSet("profile") && cfg.Profile != "" {
		if opts.Profile, err = bundle.LookupProfile(cfg.Profile); err != nil {
			return nil, usageErr("fix profile: in the config file", "%s: %v", cfg.Path, err)
		}
	}
	fsys, closeSite, err := openSite(dir)
	if err != nil {
		return nil, err
	}
	defer closeSite()
	tree, err := bundle.Walk(fsys, opts)
	if err != nil {
		return nil, siteError(dir, err)
	}
	// A scratch file has no name once created: an interrupted or killed
	// run leaves nothing behind.
	tmp, err := atomicfile.Scratch("", "dapp-publish-*.car")
	if err != nil {
		return nil, fmt.Errorf("failed to create a temporary CAR: %w", err)
	}
	cleanup := func() { tmp.Close(); os.Remove(tmp.Name()) }
	b, err := packWithProgress(c.Context, c, tree, opts, tmp)
	if err != nil {
		cleanup()
		return nil, err
	}
	return &pinInput{bundle: pin.Bundle{Root: b.Root, Name: dir, CAR: tmp, Size: b.CARSize}, close: cleanup}, nil
}

// openCARForPin opens a CAR and reads its header: it must name exactly one
// root. The whole CAR is checked by the returned input's check
// (trustless.CheckBundle: every block, the DAG complete, no lying folder,
// within the limits), which runs before anything is uploaded (runPins).
func openCARForPin(path string) (*pinInput, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usageErr("pass a CAR file made by `dapp-publish pack`", "cannot open %s: %v", path, errors.Unwrap(err))
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	root, err := carRoot(f)
	if err != nil {
		f.Close()
		return nil, checkErr(fmt.Errorf("%s is not a valid CAR: %w", path, err), "re-create it with `dapp-publish pack DIR -o "+path+"`, or pass the site folder instead")
	}
	in := &pinInput{bundle: pin.Bundle{Root: root, Name: path, CAR: f, Size: fi.Size()}, close: func() { f.Close() }}
	in.check = func() error {
		_, err := trustless.CheckBundle(io.NewSectionReader(f, 0, fi.Size()), trustless.Limits{})
		return err
	}
	return in, nil
}

// carRoot reads the CAR header's single root.
func carRoot(f *os.File) (cid.Cid, error) {
	roots, err := trustless.ReadRoots(io.NewSectionReader(f, 0, 1<<62), trustless.Limits{})
	if err != nil {
		return cid.Undef, err
	}
	if len(roots) != 1 {
		return cid.Undef, fmt.Errorf("it names %d roots; a bundle has exactly one", len(roots))
	}
	return roots[0], nil
}
