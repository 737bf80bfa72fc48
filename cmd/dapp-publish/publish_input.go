package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/ens"
	"github.com/dapp-publish/dapp-publish/internal/atomicfile"
	"github.com/dapp-publish/dapp-publish/publish"
	"github.com/dustin/go-humanize"
	"github.com/ipfs/go-cid"
	"github.com/urfave/cli/v2"
)

// What publish takes besides the pipeline's own flags: a CAR instead of a
// folder (the CAR a fork's pull request packed, published by a trusted
// workflow_run), a preview (a pull request's: IPFS holders only, never the
// name), and a copy of the CAR to keep (the workflow's artifact).

func publishInputFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "preview", Usage: "publish a preview (a pull request's): store and verify on IPFS holders only, " +
			"leaving out holders that spend from a wallet (filecoin, arweave), and never touch the name"},
		&cli.BoolFlag{Name: "no-name", Usage: "store and verify, but leave the ENS name alone (even with an ens: section)"},
		&cli.StringFlag{Name: "calldata-for", Usage: "with no ens: section, also print the calldata that would point `NAME` at the site (computed here: nothing is read from or sent to a chain)"},
		&cli.StringFlag{Name: "via", Usage: "how to point the name: key, safe or calldata (default: ens.via, else key)"},
		&cli.StringFlag{Name: "max-car-size", Usage: "refuse a CAR argument larger than `SIZE` (e.g. 512MiB), before reading it: for previews of a fork's CAR"},
		&cli.StringFlag{Name: "keep-car", Usage: "also keep the CAR at `FILE` (written in place of any file there when the run ends; not for a dry run)"},
	}
}

// checkPublishInput checks the flags of this file that the config does not.
func checkPublishInput(c *cli.Context) error {
	if n := c.String("calldata-for"); n != "" {
		if _, _, err := ens.NormalizedNode(n); err != nil {
			return usageErr("give an ENS name such as app.eth", "--calldata-for: %v", err)
		}
	}
	switch v := c.String("via"); v {
	case "", "key", "safe", "calldata":
		return nil
	default:
		return usageErr("use --via key, safe or calldata", "unknown --via %q", v)
	}
}

// skipName: --preview and --no-name leave the name alone.
func skipName(c *cli.Context) bool { return c.Bool("preview") || c.Bool("no-name") }

// applyPreview leaves out, for --preview, the holders that spend from a
// wallet per upload (Filecoin, Arweave) and their networks' quorum
// entries: a preview is for looking at, not for keeping.
func applyPreview(c *cli.Context, s *holderSetup) error {
	if !c.Bool("preview") {
		return nil
	}
	var keep []publish.Holder
	left := map[string]bool{}
	for _, h := range s.holders {
		if h.Network() == publish.NetworkIPFS {
			keep = append(keep, h)
			continue
		}
		left[h.Network()] = true
		if !c.Bool("json") {
			fmt.Fprintf(c.App.ErrWriter, "preview: leaving out %s (%s): a preview spends nothing\n", h.Name(), h.Type())
		}
	}
	if len(keep) == 0 {
		return usageErr("add an IPFS holder (kubo, cluster, psa, pinata, filebase) to the config for previews",
			"--preview: every holder of the config spends from a wallet (filecoin, arweave), and a preview spends nothing")
	}
	s.holders = keep
	if s.cfg != nil && len(left) > 0 {
		q := maps.Clone(s.cfg.Publish.Quorum)
		for net := range left {
			delete(q, net)
		}
		s.cfg.Publish.Quorum = q
	}
	return nil
}

// carInput reports whether publish's argument is a CAR file, not a folder.
func carInput(dir string) bool {
	fi, err := os.Stat(dir)
	return err == nil && fi.Mode().IsRegular()
}

// carPacker is the pack stage for a CAR made elsewhere (`dapp-publish pack`
// in a fork's pull request): it comes from outside, so before anything is
// stored every block is hashed against its CID, the DAG under its one root
// must be complete, and it must be a CARv1, as pack writes.
type carPacker struct {
	path string
	max  uint64 // bytes; 0: no limit
}

func (p *carPacker) Pack(ctx context.Context, _ bool) (*publish.Bundle, error) {
	f, err := os.Open(p.path)
	if err != nil {
		return nil, usageErr("pass a CAR written by `dapp-publish pack`, or the site folder", "cannot open %s: %v", p.path, errors.Unwrap(err))
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	bad := func(why string) error {
		return checkErr(fmt.Errorf("%s: %s", p.path, why), "publish a CAR written by `dapp-publish pack DIR -o FILE`, or the site folder")
	}
	if p.max > 0 && uint64(fi.Size()) > p.max {
		return nil, bad(fmt.Sprintf("%s, over --max-car-size %s", humanBytes(fi.Size()), humanBytes(int64(p.max))))
	}
	in, err := bundle.InspectWithPiece(f)
	switch {
	case err != nil:
		return nil, bad(err.Error())
	case in.Version != 1:
		return nil, bad(fmt.Sprintf("a CARv%d; publish takes a CARv1", in.Version))
	case len(in.Roots) != 1:
		return nil, bad(fmt.Sprintf("it names %d roots; a bundle has exactly one", len(in.Roots)))
	case !in.OK():
		return nil, bad(fmt.Sprintf("%d block(s) do not match their CID, %d missing under the root", len(in.Bad), len(in.Missing)))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	root, err := cid.Decode(in.Roots[0])
	if err != nil {
		return nil, bad(err.Error())
	}
	b := &publish.Bundle{Root: root, CAR: p.path, CARSize: fi.Size(), Blocks: in.Blocks, PieceCID: in.PieceCID, Lint: []bundle.Finding{}}
	for _, e := range in.Entries {
		if e.Type == "file" || e.Type == "raw" {
			b.Files++
			b.Bytes += int64(e.Size)
		}
	}
	return b, nil
}

// publishPacker is the pack stage for publish's argument: the folder
// (packed and linted, like pack) or a CAR.
type publishPacker interface {
	publish.Packer
	carPath() string // the CAR the run made or took ("" when only hashed)
	cleanup()
}

func (p *carPacker) carPath() string { return p.path }
func (p *carPacker) cleanup()        {}
func (p *sitePacker) carPath() string {
	return p.car
}

// newPublishPacker is the pack stage of publish's argument.
func newPublishPacker(c *cli.Context, dir string, opts bundle.Options, lo bundle.LintOptions) (publishPacker, error) {
	if carInput(dir) {
		p := &carPacker{path: dir}
		if s := c.String("max-car-size"); s != "" {
			n, err := humanize.ParseBytes(s)
			if err != nil {
				return nil, usageErr("e.g. --max-car-size 512MiB", "--max-car-size %q: %v", s, err)
			}
			p.max = n
		}
		return p, nil
	}
	tmp, err := keepCARDir(c)
	if err != nil {
		return nil, err
	}
	return &sitePacker{c: c, dir: dir, opts: opts, lint: lo, policy: lintPolicy(c.Bool("strict"), true), tmpDir: tmp}, nil
}

// keepCAR moves (a folder's) or copies (a CAR argument's) CAR to --keep-car
// once the run is over. The temporary CAR was written beside the target
// (sitePacker.tmpDir), so the move is a rename.
func keepCAR(c *cli.Context, p publishPacker, rec *publish.Record) (string, error) {
	target := c.String("keep-car")
	src := p.carPath()
	if _, isCAR := p.(*carPacker); isCAR && target == "" {
		return src, nil // the argument itself
	}
	if target == "" || src == "" || rec == nil || rec.Outcome == publish.OutcomeDryRun {
		return "", nil
	}
	if sp, ok := p.(*sitePacker); ok {
		if err := os.Rename(src, target); err != nil {
			return "", fmt.Errorf("failed to keep the CAR at %s: %w", target, err)
		}
		atomicfile.RemoveTemp(src) // only forgets it: the name is gone
		sp.car = ""
		return target, os.Chmod(target, 0o644)
	}
	if same(src, target) {
		return target, nil
	}
	err := atomicfile.Write(target, func(w io.Writer) error {
		f, err := os.Open(src)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(w, f)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("failed to keep the CAR at %s: %w", target, err)
	}
	return target, nil
}

// same reports whether a and b name one file.
func same(a, b string) bool {
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}

// keepCARDir is where the temporary CAR goes so --keep-car can rename it
// into place: the target's folder ("" for the default temporary folder).
func keepCARDir(c *cli.Context) (string, error) {
	target := c.String("keep-car")
	if target == "" {
		return "", nil
	}
	dir := filepath.Dir(target)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return "", usageErr("create the folder first, or pass another --keep-car path", "--keep-car %s: the folder %s does not exist", target, dir)
	}
	if fi, err := os.Stat(target); err == nil && fi.IsDir() {
		return "", usageErr("pass a file name", "--keep-car %s is a folder", target)
	}
	return dir, nil
}
