// Package carsite reads the files of a UnixFS site straight out of a CAR
// (v1 or v2) without unpacking it: the CAR is indexed once (block offsets
// only), and each file is streamed from its leaves with boxo's UnixFS
// reader. Every block is hashed against its CID as it is read, so a file's
// bytes are the bytes the root CID names.
//
// A site is a folder (basic or HAMT-sharded). Its paths are checked as a
// path manifest needs them: no empty, ".", ".." or "/"-bearing names, no
// name twice in a folder, nesting and entry counts bounded.
package carsite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"

	mdag "github.com/ipfs/boxo/ipld/merkledag"
	ft "github.com/ipfs/boxo/ipld/unixfs"
	uio "github.com/ipfs/boxo/ipld/unixfs/io"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
	car "github.com/ipld/go-car/v2"
	"github.com/ipld/go-car/v2/blockstore"
	mh "github.com/multiformats/go-multihash"
)

// Limits on the site a CAR may hold.
const (
	MaxFiles = 1 << 20
	MaxDepth = 512
	maxBlock = 4 << 20

	// MaxFileSize bounds what a file may claim: a CAR can name a file far
	// larger than itself (repeated blocks), and reading it costs time and
	// a hash per chunk.
	MaxFileSize = 1 << 40
)

// File is one file of the site.
type File struct {
	Path string // slash-separated, relative to the site root
	Size int64
	CID  cid.Cid
}

// Site is an indexed CAR holding a UnixFS folder.
type Site struct {
	Root  cid.Cid
	Files []File // sorted by path
	bs    *blockstore.ReadOnly
	dag   ipld.DAGService
}

// Errors of Open.
var (
	ErrNotASite = errors.New("the CAR's root is not a UnixFS folder")
	ErrBadBlock = errors.New("a block of the CAR does not match its CID")
	ErrBadPath  = errors.New("the site has a path a path manifest cannot hold")
)

// Open indexes the CAR in r (size bytes) and lists the site under its
// single root.
func Open(ctx context.Context, r io.ReaderAt, size int64) (*Site, error) {
	bs, err := blockstore.NewReadOnly(io.NewSectionReader(r, 0, size), nil,
		car.UseWholeCIDs(true), car.MaxAllowedSectionSize(maxBlock), car.MaxAllowedHeaderSize(1<<20))
	if err != nil {
		return nil, fmt.Errorf("failed to index the CAR: %w", err)
	}
	roots, err := bs.Roots()
	if err != nil {
		return nil, fmt.Errorf("failed to read the CAR's roots: %w", err)
	}
	if len(roots) != 1 {
		return nil, fmt.Errorf("the CAR names %d roots, want 1", len(roots))
	}
	s := &Site{Root: roots[0], bs: bs}
	s.dag = mdag.NewReadOnlyDagService(getter{s})
	if err := s.list(ctx); err != nil {
		return nil, err
	}
	sort.Slice(s.Files, func(i, j int) bool { return s.Files[i].Path < s.Files[j].Path })
	return s, nil
}

// Profile names the CID profile the root was made with, from its CID
// version: the two profiles bundle knows differ there ("" if unknown).
func (s *Site) Profile() string {
	switch {
	case s.Root.Version() == 0:
		return "unixfs-v0-2015"
	case s.Root.Type() == cid.DagProtobuf:
		return "unixfs-v1-2025"
	}
	return ""
}

// Open streams a file's bytes. Each block is verified as it is read; a
// mismatch fails the read with ErrBadBlock. Leaves are read one at a time,
// in order: memory holds one leaf and the links of the nodes above it.
// (boxo's DagReader prefetches many leaves ahead, which pays on a network
// and only costs memory on a local CAR.)
func (s *Site) Open(ctx context.Context, f File) (io.Reader, error) {
	return &fileReader{ctx: ctx, s: s, todo: []cid.Cid{f.CID}}, nil
}

// fileReader reads a UnixFS file depth first: a node's own data, then its
// children's, in link order.
type fileReader struct {
	ctx  context.Context
	s    *Site
	todo []cid.Cid // blocks still to read, the next last
	cur  []byte
}

// maxPending bounds the links waiting to be read (a file of 1 TiB in
// 256 KiB leaves under 174-link nodes needs a few thousand).
const maxPending = 1 << 20

func (r *fileReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if len(r.todo) == 0 {
			return 0, io.EOF
		}
		if err := r.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

func (r *fileReader) next() error {
	c := r.todo[len(r.todo)-1]
	r.todo = r.todo[:len(r.todo)-1]
	nd, err := r.s.dag.Get(r.ctx, c)
	if err != nil {
		return err
	}
	switch n := nd.(type) {
	case *mdag.RawNode:
		r.cur = n.RawData()
		return nil
	case *mdag.ProtoNode:
		fsn, err := ft.FSNodeFromBytes(n.Data())
		if err != nil {
			return fmt.Errorf("block %s: %w", c, err)
		}
		if t := fsn.Type(); t != ft.TFile && t != ft.TRaw {
			return fmt.Errorf("%w: block %s is a UnixFS %s inside a file", ErrBadPath, c, t)
		}
		links := n.Links()
		if len(r.todo)+len(links) > maxPending {
			return fmt.Errorf("%w: a file of more than %d blocks", ErrBadPath, maxPending)
		}
		for i := len(links) - 1; i >= 0; i-- {
			r.todo = append(r.todo, links[i].Cid)
		}
		r.cur = fsn.Data()
		return nil
	}
	return fmt.Errorf("block %s is not UnixFS", c)
}

// block reads and verifies one block.
func (s *Site) block(ctx context.Context, c cid.Cid) (blocks.Block, error) {
	blk, err := s.bs.Get(ctx, c)
	if err != nil {
		return nil, err
	}
	if err := check(c, blk.RawData()); err != nil {
		return nil, err
	}
	return blk, nil
}

func check(c cid.Cid, data []byte) error {
	pre := c.Prefix()
	if pre.MhType == mh.IDENTITY {
		return nil
	}
	if pre.MhType != mh.SHA2_256 || pre.MhLength != 32 {
		return fmt.Errorf("%w: block %s is not named by a full SHA-256 (what bundles use)", ErrBadBlock, c)
	}
	got, err := pre.Sum(data)
	if err != nil || !got.Equals(c) {
		return fmt.Errorf("%w: %s", ErrBadBlock, c)
	}
	return nil
}

// getter is the verified ipld.NodeGetter over the CAR.
type getter struct{ s *Site }

func (g getter) Get(ctx context.Context, c cid.Cid) (ipld.Node, error) {
	blk, err := g.s.block(ctx, c)
	if err != nil {
		return nil, err
	}
	switch c.Type() {
	case cid.DagProtobuf:
		return mdag.DecodeProtobufBlock(blk)
	case cid.Raw:
		return mdag.DecodeRawBlock(blk)
	}
	return nil, fmt.Errorf("block %s: codec %#x is not UnixFS", c, c.Type())
}

func (g getter) GetMany(ctx context.Context, cs []cid.Cid) <-chan *ipld.NodeOption {
	out := make(chan *ipld.NodeOption, len(cs))
	go func() {
		defer close(out)
		for _, c := range cs {
			nd, err := g.Get(ctx, c)
			select {
			case out <- &ipld.NodeOption{Node: nd, Err: err}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// list walks the folders from the root.
func (s *Site) list(ctx context.Context) error {
	nd, err := s.dag.Get(ctx, s.Root)
	if err != nil {
		return fmt.Errorf("failed to read the root: %w", err)
	}
	if !isDir(nd) {
		return ErrNotASite
	}
	return s.walk(ctx, nd, "", 0)
}

func isDir(nd ipld.Node) bool {
	pn, ok := nd.(*mdag.ProtoNode)
	if !ok {
		return false
	}
	fsn, err := ft.FSNodeFromBytes(pn.Data())
	return err == nil && (fsn.Type() == ft.TDirectory || fsn.Type() == ft.THAMTShard)
}

func (s *Site) walk(ctx context.Context, nd ipld.Node, prefix string, depth int) error {
	if depth > MaxDepth {
		return fmt.Errorf("%w: folders nested more than %d deep", ErrBadPath, MaxDepth)
	}
	dir, err := uio.NewDirectoryFromNode(s.dag, nd)
	if err != nil {
		return fmt.Errorf("folder %q: %w", prefix, err)
	}
	seen := map[string]bool{}
	var links []*ipld.Link
	err = dir.ForEachLink(ctx, func(l *ipld.Link) error {
		if err := checkName(l.Name, prefix, seen); err != nil {
			return err
		}
		if len(s.Files)+len(links) >= MaxFiles {
			return fmt.Errorf("%w: more than %d files", ErrBadPath, MaxFiles)
		}
		links = append(links, l)
		return nil
	})
	if err != nil {
		return err
	}
	for _, l := range links {
		if err := s.entry(ctx, l, join(prefix, l.Name), depth); err != nil {
			return err
		}
	}
	return nil
}

func (s *Site) entry(ctx context.Context, l *ipld.Link, p string, depth int) error {
	child, err := s.dag.Get(ctx, l.Cid)
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	if isDir(child) {
		return s.walk(ctx, child, p, depth+1)
	}
	size, err := fileSize(child)
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	s.Files = append(s.Files, File{Path: p, Size: size, CID: l.Cid})
	return nil
}

func fileSize(nd ipld.Node) (int64, error) {
	switch n := nd.(type) {
	case *mdag.RawNode:
		return int64(len(n.RawData())), nil
	case *mdag.ProtoNode:
		fsn, err := ft.FSNodeFromBytes(n.Data())
		if err != nil {
			return 0, err
		}
		if t := fsn.Type(); t != ft.TFile && t != ft.TRaw {
			return 0, fmt.Errorf("%w: a UnixFS %s, not a file or folder", ErrBadPath, t)
		}
		if fsn.FileSize() > MaxFileSize {
			return 0, fmt.Errorf("%w: claims %d bytes", ErrBadPath, fsn.FileSize())
		}
		return int64(fsn.FileSize()), nil
	}
	return 0, fmt.Errorf("%w: not a UnixFS node", ErrBadPath)
}

func checkName(name, prefix string, seen map[string]bool) error {
	bad := name == "" || name == "." || name == ".." || len(name) > 255
	for i := 0; i < len(name) && !bad; i++ {
		bad = name[i] == '/' || name[i] == 0
	}
	if bad {
		return fmt.Errorf("%w: folder %q has an entry named %.80q", ErrBadPath, prefix, name)
	}
	if seen[name] {
		return fmt.Errorf("%w: folder %q lists %q twice", ErrBadPath, prefix, name)
	}
	seen[name] = true
	return nil
}

func join(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}
