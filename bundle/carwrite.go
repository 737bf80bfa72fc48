package bundle

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"sync"

	chunker "github.com/ipfs/boxo/chunker"
	mdag "github.com/ipfs/boxo/ipld/merkledag"
	ft "github.com/ipfs/boxo/ipld/unixfs"
	"github.com/ipfs/boxo/ipld/unixfs/importer/helpers"
	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
)

// The CAR is CARv1 with the root CID in its header and every block exactly
// once, in depth-first pre-order following links in the order they are
// serialised: the same bytes `ipfs dag export` writes for the same root.
//
// Writing happens in a second pass over the folder: a planner walks the DAG in
// that order and emits items; directory and inner file nodes come from memory,
// leaves are read from the files again by a pool of workers, checked against
// the CIDs computed in the first pass, and handed to the single writer in
// order. At most `depth` items are in flight, so memory stays bounded by a
// few chunks whatever the size of the site.
//
// The CARv1 encoding is hand-written (header plus length-prefixed sections,
// about 30 lines): go-car's writers either keep an index of every block in
// memory (storage.NewWritable) or walk a blockstore, and we have neither the
// need for the index nor a blockstore holding the leaves.

// carHeader returns the CARv1 header for a single root: the varint length
// and the DAG-CBOR map {"roots": [root], "version": 1}, keys in canonical
// order, the CID as tag 42 over a 0x00-prefixed byte string.
func carHeader(root cid.Cid) []byte {
	cb := root.Bytes()
	var h []byte
	h = append(h, 0xa2)                          // map(2)
	h = append(h, 0x65, 'r', 'o', 'o', 't', 's') // text(5) "roots"
	h = append(h, 0x81, 0xd8, 0x2a)              // array(1), tag(42)
	h = appendCBORBytesHead(h, len(cb)+1)
	h = append(h, 0x00)
	h = append(h, cb...)
	h = append(h, 0x67, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0x01) // "version": 1
	return append(binary.AppendUvarint(nil, uint64(len(h))), h...)
}

func appendCBORBytesHead(b []byte, n int) []byte {
	switch {
	case n < 24:
		return append(b, 0x40|byte(n))
	case n < 256:
		return append(b, 0x58, byte(n))
	default:
		return append(b, 0x59, byte(n>>8), byte(n))
	}
}

// carItem is one block to write: known bytes, or a leaf to read from a file.
type carItem struct {
	cid  cid.Cid
	data []byte // known node bytes; nil for leaves
	file *entry // leaf source
	off  int64
	n    int64
}

type carJob struct {
	item carItem
	data []byte
	free func() // releases what holds data (pooled buffer or mapping) after writing
	err  error
	done chan struct{}
}

// writeCAR writes the CAR for the packed tree to w. It returns the number of
// bytes written.
func writeCAR(ctx context.Context, w io.Writer, fsys fs.FS, root *entry, dirs map[string][]byte, p Profile, workers int, onBytes func(int64)) (int64, int, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	depth := 4 * workers
	queue := make(chan *carJob, depth)
	work := make(chan *carJob, depth)
	pool := &sync.Pool{New: func() any { b := make([]byte, p.ChunkSize); return &b }}
	leafer, err := newLeafBuilder(p)
	if err != nil {
		return 0, 0, err
	}

	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				j.data, j.free, j.err = readLeaf(fsys, j.item, leafer, pool)
				close(j.done)
			}
		}()
	}
	go func() {
		defer close(queue)
		defer close(work)
		pl := &planner{dirs: dirs, files: fileIndex(root), seen: map[string]bool{}}
		err := pl.walk(root.node.cid, func(it carItem) bool {
			j := &carJob{item: it, done: make(chan struct{})}
			if it.data != nil {
				j.data = it.data
				close(j.done)
			} else {
				select {
				case work <- j:
				case <-ctx.Done():
					return false
				}
			}
			select {
			case queue <- j:
				return true
			case <-ctx.Done():
				return false
			}
		})
		if err != nil {
			cancel(err)
		}
	}()

	n, blocks, err := drainCAR(ctx, w, root.node.cid, queue, onBytes)
	if err != nil {
		cancel(err)
	}
	for j := range queue { // let the planner finish; release what was read ahead
		<-j.done
		if j.free != nil {
			j.free()
		}
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil && err != context.Canceled {
		return n, blocks, err
	}
	return n, blocks, err
}

// drainCAR writes the header and then each job's block as it completes, in order.
func drainCAR(ctx context.Context, out io.Writer, root cid.Cid, queue <-chan *carJob, onBytes func(int64)) (n int64, blocks int, err error) {
	bw := bufio.NewWriterSize(out, 1<<20)
	cw := &countingWriter{w: &sectionWriter{bw: bw, out: out}}
	if _, err := cw.Write(carHeader(root)); err != nil {
		return cw.n, 0, err
	}
	var lenBuf [binary.MaxVarintLen64]byte
	for j := range queue {
		select {
		case <-j.done:
		case <-ctx.Done():
			return cw.n, blocks, context.Cause(ctx)
		}
		if j.err != nil {
			return cw.n, blocks, j.err
		}
		err := writeSection(cw, lenBuf[:], j)
		if j.free != nil {
			j.free()
		}
		if err != nil {
			return cw.n, blocks, err
		}
		blocks++
		if onBytes != nil && j.item.file != nil {
			onBytes(j.item.n)
		}
	}
	if err := context.Cause(ctx); err != nil {
		return cw.n, blocks, err
	}
	return cw.n, blocks, bw.Flush()
}

// writeSection writes one CAR section: varint length, CID, block bytes.
func writeSection(w io.Writer, lenBuf []byte, j *carJob) error {
	cb := j.item.cid.Bytes()
	l := binary.PutUvarint(lenBuf, uint64(len(cb)+len(j.data)))
	if _, err := w.Write(lenBuf[:l]); err != nil {
		return err
	}
	if _, err := w.Write(cb); err != nil {
		return err
	}
	_, err := w.Write(j.data)
	return err
}

// sectionWriter buffers small writes and sends large ones (leaf data, often
// straight from a file mapping) to the output directly, after flushing what
// is buffered, so leaf bytes are not copied through the buffer.
type sectionWriter struct {
	bw  *bufio.Writer
	out io.Writer
}

const directWrite = 64 << 10

func (s *sectionWriter) Write(b []byte) (int, error) {
	if len(b) < directWrite {
		return s.bw.Write(b)
	}
	if err := s.bw.Flush(); err != nil {
		return 0, err
	}
	return s.out.Write(b)
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// planner walks the DAG in CAR order.
type planner struct {
	dirs  map[string][]byte
	files map[string]*entry // file root CID key -> a file with that content
	seen  map[string]bool
}

func fileIndex(root *entry) map[string]*entry {
	idx := map[string]*entry{}
	var walk func(e *entry)
	walk = func(e *entry) {
		for _, c := range e.children {
			if c.isDir {
				walk(c)
			} else if _, ok := idx[c.node.cid.KeyString()]; !ok {
				idx[c.node.cid.KeyString()] = c
			}
		}
	}
	walk(root)
	return idx
}

// walk emits c and everything below it not yet emitted. emit returns false
// to stop early (the writer failed).
func (pl *planner) walk(c cid.Cid, emit func(carItem) bool) error {
	k := c.KeyString()
	if pl.seen[k] {
		return nil
	}
	if b, ok := pl.dirs[k]; ok {
		pl.seen[k] = true
		if !emit(carItem{cid: c, data: b}) {
			return nil
		}
		nd, err := mdag.DecodeProtobuf(b)
		if err != nil {
			return err
		}
		for _, l := range nd.Links() {
			if err := pl.walk(l.Cid, emit); err != nil {
				return err
			}
		}
		return nil
	}
	f, ok := pl.files[k]
	if !ok {
		return fmt.Errorf("internal error: block %s is neither a folder nor a file", c)
	}
	_, err := pl.file(f, c, 0, f.size, emit)
	return err
}

// file emits the part of f's DAG rooted at c, which covers bytes
// [off, off+size) of the file.
func (pl *planner) file(f *entry, c cid.Cid, off, size int64, emit func(carItem) bool) (bool, error) {
	k := c.KeyString()
	if pl.seen[k] {
		return true, nil
	}
	pl.seen[k] = true
	b, inner := f.inner[k]
	if !inner {
		return emit(carItem{cid: c, file: f, off: off, n: size}), nil
	}
	if !emit(carItem{cid: c, data: b}) {
		return false, nil
	}
	nd, err := mdag.DecodeProtobuf(b)
	if err != nil {
		return false, err
	}
	fsn, err := ft.FSNodeFromBytes(nd.Data())
	if err != nil {
		return false, err
	}
	for i, l := range nd.Links() {
		n := int64(fsn.BlockSize(i))
		ok, err := pl.file(f, l.Cid, off, n, emit)
		if err != nil || !ok {
			return ok, err
		}
		off += n
	}
	return true, nil
}

// leafBuilder turns chunk bytes into the leaf block the profile uses.
type leafBuilder struct {
	raw    bool
	prefix cid.Prefix
	db     *helpers.DagBuilderHelper
}

func newLeafBuilder(p Profile) (*leafBuilder, error) {
	lb := &leafBuilder{raw: p.RawLeaves}
	if p.RawLeaves {
		lb.prefix = cid.Prefix{Version: 1, Codec: cid.Raw, MhType: mh.SHA2_256, MhLength: -1}
		return lb, nil
	}
	params := helpers.DagBuilderParams{Maxlinks: p.FileWidth, CidBuilder: p.cidBuilder(), Dagserv: &innerCollector{nodes: map[string][]byte{}}}
	// NewLeafNode only reads the helper's settings; the splitter is never used.
	db, err := params.New(chunker.NewSizeSplitter(bytes.NewReader(nil), p.ChunkSize))
	if err != nil {
		return nil, err
	}
	lb.db = db
	return lb, nil
}

// build returns the leaf block for data and its CID.
func (lb *leafBuilder) build(data []byte) ([]byte, cid.Cid, error) {
	if lb.raw {
		c, err := lb.prefix.Sum(data)
		return data, c, err
	}
	nd, err := lb.db.NewLeafNode(data, ft.TFile)
	if err != nil {
		return nil, cid.Undef, err
	}
	return nd.RawData(), nd.Cid(), nil
}

// readLeaf reads a leaf's bytes from its file and checks them against the CID
// the first pass computed. release frees what holds the bytes (a pooled
// buffer or a mapping) once they are written; it is nil when nothing does.
func readLeaf(fsys fs.FS, it carItem, lb *leafBuilder, pool *sync.Pool) ([]byte, func(), error) {
	data, release, err := leafBytes(fsys, it, pool)
	if err != nil {
		return nil, nil, err
	}
	var block []byte
	var c cid.Cid
	block, c, err = lb.build(data)
	if err == nil && !c.Equals(it.cid) {
		err = fmt.Errorf("%s changed while packing (bytes %d-%d no longer match); pack again", it.file.path, it.off, it.off+it.n)
	}
	if err != nil || !lb.raw {
		release() // a dag-pb leaf is a fresh encoding: the bytes are free now
		release = nil
	}
	return block, release, err
}

// leafBytes returns the bytes of a leaf, read into a pooled buffer. They are
// deliberately copied, not mapped: the copy is what gets hashed and what gets
// written, so a file edited between the two cannot put unverified bytes into
// the CAR (a shared mapping would show the edit to the writer).
func leafBytes(fsys fs.FS, it carItem, pool *sync.Pool) ([]byte, func(), error) {
	if it.n == 0 {
		return nil, func() {}, nil // as boxo builds an empty file: no Data field at all
	}
	f, err := fsys.Open(srcPath(it.file.src))
	if err != nil {
		return nil, nil, fmt.Errorf("failed to open %s: %w", it.file.path, err)
	}
	defer f.Close()
	buf := pool.Get().(*[]byte)
	data := (*buf)[:it.n]
	if err := readAt(f, it.file.path, data, it.off); err != nil {
		pool.Put(buf)
		return nil, nil, err
	}
	return data, func() { pool.Put(buf) }, nil
}

func readAt(f fs.File, name string, data []byte, off int64) error {
	var err error
	if ra, ok := f.(io.ReaderAt); ok {
		_, err = ra.ReadAt(data, off)
	} else {
		if _, err = io.CopyN(io.Discard, f, off); err == nil {
			_, err = io.ReadFull(f, data)
		}
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("%s changed while packing (it is shorter now); pack again", name)
	}
	if err != nil {
		return fmt.Errorf("failed to read %s: %w", name, err)
	}
	return nil
}
