package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/internal/config"
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/ipfs/go-cid"
	carv2 "github.com/ipld/go-car/v2"
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
	tmp, err := os.CreateTemp("", "dapp-publish-*.car")
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
// root. The blocks are verified by the returned input's check, which runs
// while the CAR uploads (runPins).
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
	in.check = func() error { return checkCAR(f, root) }
	return in, nil
}

// carRoot reads the CAR header's single root.
func carRoot(f *os.File) (cid.Cid, error) {
	br, err := carv2.NewBlockReader(io.NewSectionReader(f, 0, 1<<62))
	if err != nil {
		return cid.Undef, err
	}
	if len(br.Roots) != 1 {
		return cid.Undef, fmt.Errorf("it names %d roots; a bundle has exactly one", len(br.Roots))
	}
	return br.Roots[0], nil
}

// checkCAR verifies every block against its CID and that the root block is
// there. Holders check that the DAG is complete when they pin the root.
func checkCAR(f *os.File, root cid.Cid) error {
	br, err := carv2.NewBlockReader(bufio.NewReaderSize(io.NewSectionReader(f, 0, 1<<62), 1<<20))
	if err != nil {
		return err
	}
	sawRoot, blocks := false, 0
	for {
		blk, err := br.Next() // verifies the block against its CID
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("after %d blocks: %w", blocks, err)
		}
		blocks++
		sawRoot = sawRoot || pin.SameCID(blk.Cid(), root)
	}
	if !sawRoot {
		return fmt.Errorf("it does not contain its root block %s", root)
	}
	return nil
}
