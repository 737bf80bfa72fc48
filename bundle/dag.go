package bundle

import (
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"slices"

	chunker "github.com/ipfs/boxo/chunker"
	mdag "github.com/ipfs/boxo/ipld/merkledag"
	"github.com/ipfs/boxo/ipld/unixfs/importer/balanced"
	"github.com/ipfs/boxo/ipld/unixfs/importer/helpers"
	uio "github.com/ipfs/boxo/ipld/unixfs/io"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
)

// nodeRef is what a parent needs to link to a node: its CID and the
// cumulative size of the DAG below it (the link's Tsize).
type nodeRef struct {
	cid   cid.Cid
	tsize uint64
}

// The DAG is built with boxo's own importer (balanced layout) and directory
// code (basic directories that switch to HAMT shards), so our CIDs come from
// the same code Kubo runs. What we add around it:
//
//   - files are hashed in parallel, each import with explicit parameters
//     (never boxo's process globals);
//   - leaves are not kept: only the nodes above them (a few per GiB) and the
//     directory nodes are held in memory; the CAR writer reads leaf bytes from
//     the folder again and checks them against their CIDs;
//   - a full-file SHA-256 is computed for the Manifest on the same read.

// innerCollector is the ipld.DAGService handed to boxo's importer for one
// file. It keeps the non-leaf nodes and drops leaves.
type innerCollector struct {
	nodes map[string][]byte
}

func (c *innerCollector) Add(_ context.Context, n ipld.Node) error {
	if len(n.Links()) > 0 {
		c.nodes[n.Cid().KeyString()] = n.RawData()
	}
	return nil
}

func (c *innerCollector) AddMany(ctx context.Context, ns []ipld.Node) error {
	for _, n := range ns {
		if err := c.Add(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

var errNotStored = errors.New("node not kept in memory")

func (c *innerCollector) Get(context.Context, cid.Cid) (ipld.Node, error) { return nil, errNotStored }
func (c *innerCollector) GetMany(context.Context, []cid.Cid) <-chan *ipld.NodeOption {
	ch := make(chan *ipld.NodeOption)
	close(ch)
	return ch
}
func (c *innerCollector) Remove(context.Context, cid.Cid) error       { return nil }
func (c *innerCollector) RemoveMany(context.Context, []cid.Cid) error { return nil }

// hashFile imports one file with the profile's settings, filling e.node,
// e.inner and (when fileHash) e.sha256. Large files are memory-mapped and
// hashed in place; others are read.
func hashFile(fsys fs.FS, e *entry, p Profile, fileHash bool, scratch *[]byte, onBytes func(int64)) error {
	f, err := fsys.Open(srcPath(e.src))
	if err != nil {
		return fmt.Errorf("failed to open %s: %w", e.path, err)
	}
	defer f.Close()
	// For a one-leaf raw file the leaf's own SHA-256 is the file's (importDAG).
	fileHash = fileHash && !p.leafIsFile(e.size)
	if e.size < minMap {
		err = hashSmall(e, f, p, fileHash, scratch, onBytes)
	} else if w := newWindow(f, e.size); w != nil {
		defer w.close()
		err = withFaultsAsErrors(e.path, func() error { return hashMapped(e, f, w, p, fileHash, onBytes) })
	} else {
		err = hashRead(e, f, p, fileHash, onBytes)
	}
	if err != nil {
		return err
	}
	if fi, err := f.Stat(); err != nil || fi.Size() != e.size {
		return fmt.Errorf("%s changed while packing (its size changed); pack again", e.path)
	}
	return nil
}

// hashSmall reads a small file whole into the worker's scratch buffer and
// hashes it from there: no per-file allocation, no copy into chunk buffers.
func hashSmall(e *entry, f io.Reader, p Profile, fileHash bool, scratch *[]byte, onBytes func(int64)) error {
	if int64(cap(*scratch)) < e.size+1 {
		*scratch = make([]byte, minMap+1)
	}
	buf := (*scratch)[:e.size+1] // one byte more, to notice a file that grew
	n, err := io.ReadFull(f, buf)
	if err != io.ErrUnexpectedEOF && err != io.EOF && err != nil {
		return fmt.Errorf("failed to read %s: %w", e.path, err)
	}
	if int64(n) != e.size {
		return fmt.Errorf("%s changed while packing (size was %d, read %d bytes); pack again", e.path, e.size, n)
	}
	data := buf[:n]
	if onBytes != nil {
		onBytes(int64(n))
	}
	if fileHash {
		d := sha256.Sum256(data)
		e.sha256 = d[:]
	}
	return importDAG(e, &bytesSplitter{data: data, size: int(p.ChunkSize)}, p)
}

// hashRead hashes a file through read(2), teeing the bytes into the
// file's SHA-256 when one is wanted.
func hashRead(e *entry, f io.Reader, p Profile, fileHash bool, onBytes func(int64)) error {
	var h hash.Hash
	cr := &countingReader{r: f, onBytes: onBytes}
	var r io.Reader = cr
	if fileHash {
		h = sha256.New()
		r = io.TeeReader(r, h)
	}
	if err := importDAG(e, chunker.NewSizeSplitter(r, p.ChunkSize), p); err != nil {
		return err
	}
	if cr.n != e.size {
		return fmt.Errorf("%s changed while packing (size was %d, read %d bytes); pack again", e.path, e.size, cr.n)
	}
	if h != nil {
		e.sha256 = h.Sum(nil)
	}
	return nil
}

// hashMapped hashes a mapped file in place. The file's own SHA-256, when
// wanted, runs beside the DAG import on another goroutine (another core),
// through a window of its own.
func hashMapped(e *entry, f fs.File, w *window, p Profile, fileHash bool, onBytes func(int64)) error {
	var sum chan error
	if fileHash {
		sum = make(chan error, 1)
		go func() { sum <- withFaultsAsErrors(e.path, func() error { return fileSHA256(e, f) }) }()
	}
	err := importDAG(e, &windowSplitter{w: w, size: int(p.ChunkSize), onNew: onBytes}, p)
	if sum != nil {
		if serr := <-sum; err == nil {
			err = serr
		}
	}
	return err
}

// fileSHA256 hashes a whole mapped file into e.sha256.
func fileSHA256(e *entry, f fs.File) error {
	w := newWindow(f, e.size)
	if w == nil {
		return fmt.Errorf("failed to map %s", e.path)
	}
	defer w.close()
	h := sha256.New()
	for {
		b, err := w.next(mapWindow)
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("failed to read %s: %w", e.path, err)
		}
		h.Write(b)
	}
	e.sha256 = h.Sum(nil)
	return nil
}

// importDAG runs boxo's balanced importer over the chunks of one file and
// records its root and inner nodes in e.
func importDAG(e *entry, spl chunker.Splitter, p Profile) error {
	col := &innerCollector{nodes: map[string][]byte{}}
	params := helpers.DagBuilderParams{
		Maxlinks:   p.FileWidth,
		RawLeaves:  p.RawLeaves,
		CidBuilder: p.cidBuilder(),
		Dagserv:    col,
	}
	db, err := params.New(spl)
	if err != nil {
		return fmt.Errorf("failed to hash %s: %w", e.path, err)
	}
	root, err := balanced.Layout(db)
	if err != nil {
		return fmt.Errorf("failed to read %s: %w", e.path, err)
	}
	size, err := root.Size()
	if err != nil {
		return err
	}
	e.node = nodeRef{cid: root.Cid(), tsize: size}
	e.inner = col.nodes
	if e.sha256 == nil && p.leafIsFile(e.size) {
		e.sha256 = []byte(root.Cid().Hash()[2:]) // sha2-256 multihash: 0x12 0x20 <digest>
	}
	return nil
}

type countingReader struct {
	r       io.Reader
	n       int64
	onBytes func(int64)
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	if c.onBytes != nil && n > 0 {
		c.onBytes(int64(n))
	}
	return n, err
}

// hashFiles hashes all files (no CAR) with up to workers in parallel.
func hashFiles(ctx context.Context, fsys fs.FS, files []*entry, p Profile, workers int, fileHash bool, onBytes func(int64)) error {
	return forFiles(ctx, files, workers, func(e *entry, scratch *[]byte) error {
		return hashFile(fsys, e, p, fileHash, scratch, onBytes)
	})
}

func sortLargestFirst(files []*entry) {
	slices.SortStableFunc(files, func(a, b *entry) int { return cmp.Compare(b.size, a.size) })
}

// linkNode stands for an already-built child when it is added to a boxo
// directory: directories only need a child's CID and cumulative size.
type linkNode struct {
	ipld.Node // nil: any other method would panic, and none is called
	ref       nodeRef
}

func (l linkNode) Cid() cid.Cid             { return l.ref.cid }
func (l linkNode) Size() (uint64, error)    { return l.ref.tsize, nil }
func (l linkNode) Links() []*ipld.Link      { return nil }
func (l linkNode) RawData() []byte          { return nil }
func (l linkNode) String() string           { return l.ref.cid.String() }
func (l linkNode) Loggable() map[string]any { return nil }

// dirCollector keeps every directory and HAMT shard node boxo produces.
type dirCollector struct {
	nodes map[string][]byte
}

func (c *dirCollector) Add(_ context.Context, n ipld.Node) error {
	if _, ok := n.(linkNode); !ok {
		c.nodes[n.Cid().KeyString()] = n.RawData()
	}
	return nil
}

func (c *dirCollector) AddMany(ctx context.Context, ns []ipld.Node) error {
	for _, n := range ns {
		_ = c.Add(ctx, n)
	}
	return nil
}

func (c *dirCollector) Get(_ context.Context, k cid.Cid) (ipld.Node, error) {
	b, ok := c.nodes[k.KeyString()]
	if !ok {
		return nil, ipld.ErrNotFound{Cid: k}
	}
	return mdag.DecodeProtobuf(b)
}

func (c *dirCollector) GetMany(ctx context.Context, ks []cid.Cid) <-chan *ipld.NodeOption {
	ch := make(chan *ipld.NodeOption, len(ks))
	for _, k := range ks {
		n, err := c.Get(ctx, k)
		ch <- &ipld.NodeOption{Node: n, Err: err}
	}
	close(ch)
	return ch
}
func (c *dirCollector) Remove(context.Context, cid.Cid) error       { return nil }
func (c *dirCollector) RemoveMany(context.Context, []cid.Cid) error { return nil }

// buildDir builds directory e (after its children) with boxo's dynamic
// directory, which becomes a HAMT shard above the profile's threshold.
func buildDir(ctx context.Context, e *entry, p Profile, col *dirCollector) error {
	for _, c := range e.children {
		if c.isDir {
			if err := buildDir(ctx, c, p, col); err != nil {
				return err
			}
		}
	}
	dir, err := uio.NewDirectory(col,
		uio.WithCidBuilder(p.cidBuilder()),
		uio.WithSizeEstimationMode(p.HAMTEstimation),
		uio.WithMaxHAMTFanout(p.HAMTFanout),
	)
	if err != nil {
		return err
	}
	dir.SetHAMTShardingSize(p.HAMTThreshold)
	for _, c := range e.children {
		if err := dir.AddChild(ctx, c.name, linkNode{ref: c.node}); err != nil {
			return fmt.Errorf("failed to add %s to its folder: %w", c.path, err)
		}
	}
	nd, err := dir.GetNode()
	if err != nil {
		return fmt.Errorf("failed to build folder %s: %w", display(e.path), err)
	}
	size, err := nd.Size()
	if err != nil {
		return err
	}
	col.nodes[nd.Cid().KeyString()] = nd.RawData()
	e.node = nodeRef{cid: nd.Cid(), tsize: size}
	return nil
}
