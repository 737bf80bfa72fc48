package bundle

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"sync"

	"github.com/ipfs/boxo/ipld/unixfs/importer/balanced"
	"github.com/ipfs/boxo/ipld/unixfs/importer/helpers"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
	mh "github.com/multiformats/go-multihash"
)

// packer reads and hashes files; with an output it also writes their leaves
// at their planned offsets (entry.leafAt).
type packer struct {
	fsys     fs.FS
	out      io.WriterAt // nil: hash only
	lw       *leafWriter // writes for out
	p        Profile
	fileHash bool // compute every file's SHA-256 for the manifest
	lb       *leafBuilder
	leafLen  func(int64) int64
	empty    nodeRef   // an empty file's DAG
	bufs     sync.Pool // *[]byte: hdrRoom + one chunk (dag-pb leaves only)
	onBytes  func(int64)
	batch    bool // hash raw leaves in batches (batch.go)
	memMu    sync.Mutex
	mem      []func() // frees the batching workers' buffers
}

// readPiece is how much of a file is read, hashed and written at a time:
// small enough to stay in the core's cache between the hashing and the
// write, and to keep each worker's buffer small (fresh pages are costly).
const readPiece = 256 << 10

// newPacker returns a packer; with an output, leafLen gives the size of the
// leaf block holding n file bytes (leafLengths), as the CAR was planned with.
func newPacker(fsys fs.FS, out io.WriterAt, leafLen func(int64) int64, p Profile, fileHash bool, onBytes func(int64)) (*packer, error) {
	pk := &packer{fsys: fsys, out: out, leafLen: leafLen, p: p, fileHash: fileHash, onBytes: onBytes}
	pk.batch = p.streams() && p.ChunkSize%64 == 0 && batchLeaves.use() // lanes take whole blocks until a file's end
	var err error
	if pk.lb, err = newLeafBuilder(p); err != nil {
		return nil, err
	}
	_, c, tsize, err := emptyFile(p)
	if err != nil {
		return nil, err
	}
	pk.empty = nodeRef{cid: c, tsize: tsize}
	pk.bufs.New = func() any { b := make([]byte, hdrRoom+p.ChunkSize); return &b }
	if out != nil {
		pk.lw = newLeafWriter(out) // started last: nothing can fail after it
	}
	return pk, nil
}

// streams reports whether the profile's files are read in pieces: with raw
// leaves in CIDv1 every leaf's CID is the hash of the file bytes alone, so
// boxo only needs their CIDs, not their bytes, to build the nodes above.
func (p Profile) streams() bool { return p.RawLeaves && p.CIDVersion == 1 }

// scratch is one worker's reusable state.
type scratch struct {
	free   chan []byte // piece buffers (hdrRoom + readPiece) not in the writer's hands
	made   int         // buffers allocated so far
	leafH  hash.Hash
	fileH  hash.Hash
	leaves []cid.Cid
}

// piecesPerWorker buffers let a worker read and hash the next piece while
// the writer still writes the previous ones.
const piecesPerWorker = 3

func newScratch() *scratch {
	w := &scratch{free: make(chan []byte, piecesPerWorker), leafH: sha256.New(), fileH: sha256.New()}
	return w
}

// take returns a free piece buffer, allocating up to piecesPerWorker.
func (w *scratch) take() []byte {
	select {
	case b := <-w.free:
		return b
	default:
	}
	if w.made < piecesPerWorker {
		w.made++
		return make([]byte, hdrRoom+readPiece)
	}
	return <-w.free
}

func (w *scratch) give(b []byte) { w.free <- b }

// file packs one file: e.node, e.inner and e.sha256 get their real values,
// and with an output every leaf is written at e.leafAt.
func (pk *packer) file(e *entry, w *scratch) error {
	f, err := openFile(pk.fsys, srcPath(e.src))
	if err != nil {
		return fmt.Errorf("failed to open %s: %w", e.path, err)
	}
	defer f.Close()
	switch {
	case e.size == 0:
		e.node = pk.empty
		if pk.fileHash {
			sum := sha256.Sum256(nil)
			e.sha256 = sum[:]
		}
	case pk.p.streams():
		err = pk.stream(e, f, w)
	case e.size <= pk.p.ChunkSize:
		err = pk.single(e, f)
	default:
		err = pk.multi(e, f)
	}
	if err != nil {
		return err
	}
	return grewErr(e, f)
}

// packFiles packs files on workers goroutines.
func (pk *packer) packFiles(ctx context.Context, files []*entry, workers int) error {
	switch {
	case pk.batch && pk.fileHash:
		return forFileQueue(ctx, files, workers, pk.laneWork)
	case pk.batch:
		return forFileQueue(ctx, files, workers, pk.batchWork)
	}
	return forFiles(ctx, files, workers, pk.file)
}

func changedErr(path, why string) error {
	return fmt.Errorf("%s changed while packing (%s); pack again", path, why)
}

func readErr(e *entry, err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return changedErr(e.path, "it is shorter now")
	}
	return fmt.Errorf("failed to read %s: %w", e.path, err)
}

// stream packs a file with raw leaves, reading it in pieces: each piece is
// hashed into its leaf's CID (and the file's SHA-256) and written to the CAR
// from the same buffer. boxo's balanced importer then builds the nodes above
// the leaves from their CIDs and sizes (replayBuilder, zeroSplitter).
func (pk *packer) stream(e *entry, f io.Reader, w *scratch) error {
	chunk := pk.p.ChunkSize
	chunks := int((e.size + chunk - 1) / chunk)
	fileH := pk.fileHash && chunks > 1
	if fileH {
		w.fileH.Reset()
	}
	w.leaves = w.leaves[:0]
	var digest [sha256.Size]byte
	for i := range chunks {
		n := min(chunk, e.size-int64(i)*chunk)
		var hdrLen int64
		if pk.out != nil {
			hdrLen = sectionLen(pk.p.dryCIDLen(), n) - n
		}
		w.leafH.Reset()
		var buf, piece []byte
		for pos := int64(0); pos < n; {
			buf = w.take()
			m := min(int64(len(buf)-hdrRoom), n-pos)
			piece = buf[hdrRoom : hdrRoom+m]
			if _, err := io.ReadFull(f, piece); err != nil {
				w.give(buf)
				return readErr(e, err)
			}
			w.leafH.Write(piece)
			if fileH {
				w.fileH.Write(piece)
			}
			if pk.onBytes != nil {
				pk.onBytes(m)
			}
			switch {
			case pk.out == nil:
				w.give(buf)
			case m < n: // a leaf of several pieces: its header goes last
				if err := pk.lw.write(piece, e.leafAt[i]+hdrLen+pos, w.free, buf); err != nil {
					return err
				}
			}
			pos += m
		}
		w.leafH.Sum(digest[:0])
		m, err := mh.Encode(digest[:], mh.SHA2_256)
		if err != nil {
			return err
		}
		c := cid.NewCidV1(cid.Raw, m)
		w.leaves = append(w.leaves, c)
		if pk.out != nil {
			if int64(len(piece)) == n { // the whole leaf is in the buffer: one write
				err = pk.writeLeaf(e, i, c, piece, buf, w.free)
			} else {
				err = pk.writeLeaf(e, i, c, nil, nil, nil)
			}
			if err != nil {
				return err
			}
		}
	}
	var sum []byte
	switch {
	case chunks == 1 && pk.fileHash:
		sum = bytes.Clone(digest[:]) // a one-leaf raw file: the leaf's digest is the file's
	case fileH:
		sum = w.fileH.Sum(nil)
	}
	return pk.rawFileDAG(e, w.leaves, sum)
}

// rawFileDAG sets e's node (and the nodes above its leaves) from the CIDs of
// its raw leaves, and e.sha256 to sum.
func (pk *packer) rawFileDAG(e *entry, leaves []cid.Cid, sum []byte) error {
	e.sha256 = sum
	if len(leaves) == 1 {
		e.node = nodeRef{cid: leaves[0], tsize: uint64(e.size)}
		return nil
	}
	col := &innerCollector{nodes: map[string][]byte{}}
	rs := &replay{leaves: leaves}
	params := helpers.DagBuilderParams{Maxlinks: pk.p.FileWidth, RawLeaves: true, CidBuilder: replayBuilder{st: rs, codec: cid.DagProtobuf}, Dagserv: col}
	db, err := params.New(&zeroSplitter{zero: zeros(pk.p.ChunkSize), left: e.size})
	if err != nil {
		return err
	}
	nd, err := balanced.Layout(db)
	if err != nil {
		return fmt.Errorf("failed to build the DAG of %s: %w", e.path, err)
	}
	if rs.next != len(leaves) {
		return fmt.Errorf("internal error: %s has %d leaves, boxo used %d", e.path, len(leaves), rs.next)
	}
	size, err := nd.Size()
	if err != nil {
		return err
	}
	e.node = nodeRef{cid: nd.Cid(), tsize: size}
	e.inner = col.nodes
	return nil
}

// replayBuilder is the cid.Builder boxo's importer gets in stream: raw leaf
// CIDs are the ones already computed, in order; every other node is hashed.
type replayBuilder struct {
	st    *replay
	codec uint64
}

type replay struct {
	leaves []cid.Cid
	next   int
}

func (b replayBuilder) Sum(data []byte) (cid.Cid, error) {
	if b.codec != cid.Raw {
		return cid.Prefix{Version: 1, Codec: b.codec, MhType: mh.SHA2_256, MhLength: -1}.Sum(data)
	}
	if b.st.next >= len(b.st.leaves) {
		return cid.Undef, errors.New("more leaves than chunks")
	}
	b.st.next++
	return b.st.leaves[b.st.next-1], nil
}

func (b replayBuilder) GetCodec() uint64 { return b.codec }

func (b replayBuilder) WithCodec(c uint64) cid.Builder {
	b.codec = c
	return b
}

// single packs a file of one dag-pb leaf (unixfs-v0-2015).
func (pk *packer) single(e *entry, f io.Reader) error {
	bp := pk.bufs.Get().(*[]byte)
	defer pk.bufs.Put(bp)
	data := (*bp)[hdrRoom : hdrRoom+e.size]
	if _, err := io.ReadFull(f, data); err != nil {
		return readErr(e, err)
	}
	if pk.onBytes != nil {
		pk.onBytes(e.size)
	}
	if pk.fileHash {
		sum := sha256.Sum256(data)
		e.sha256 = sum[:]
	}
	block, c, err := pk.lb.build(data)
	if err != nil {
		return err
	}
	e.node = nodeRef{cid: c, tsize: uint64(len(block))}
	return pk.writeLeaf(e, 0, c, block, nil, nil)
}

// multi packs a file of several dag-pb leaves (unixfs-v0-2015) with boxo's
// balanced importer, which needs their bytes: leaves are written as boxo
// hands them to the DAG service, the nodes above them kept.
func (pk *packer) multi(e *entry, f io.Reader) error {
	var h hash.Hash
	if pk.fileHash {
		h = sha256.New()
	}
	spl := &readSplitter{r: f, e: e, chunk: pk.p.ChunkSize, bufs: &pk.bufs, h: h, onBytes: pk.onBytes}
	ds := &placeDAG{pk: pk, e: e, spl: spl, inner: map[string][]byte{}}
	params := helpers.DagBuilderParams{
		Maxlinks:   pk.p.FileWidth,
		RawLeaves:  pk.p.RawLeaves,
		CidBuilder: pk.p.cidBuilder(),
		Dagserv:    ds,
	}
	db, err := params.New(spl)
	if err != nil {
		return fmt.Errorf("failed to hash %s: %w", e.path, err)
	}
	nd, err := balanced.Layout(db)
	for _, b := range spl.pending {
		pk.bufs.Put(b)
	}
	if spl.err != nil {
		return spl.err
	}
	if err != nil {
		return err
	}
	if pk.out != nil && ds.leaves != len(e.leafAt) || len(spl.pending) != 0 {
		return fmt.Errorf("internal error: %s has %d leaves, %d planned", e.path, ds.leaves, len(e.leafAt))
	}
	size, err := nd.Size()
	if err != nil {
		return err
	}
	e.node = nodeRef{cid: nd.Cid(), tsize: size}
	e.inner = ds.inner
	if h != nil {
		e.sha256 = h.Sum(nil)
	}
	return nil
}

// readSplitter is a chunker.Splitter reading a file into pooled buffers
// (after hdrRoom bytes of headroom) and feeding the file's SHA-256. Buffers
// stay pending until the DAG service has written their leaf.
type readSplitter struct {
	r       io.Reader
	e       *entry
	chunk   int64
	read    int64
	bufs    *sync.Pool
	pending []*[]byte
	h       hash.Hash
	onBytes func(int64)
	err     error
}

func (s *readSplitter) Reader() io.Reader { return nil }

func (s *readSplitter) NextBytes() ([]byte, error) {
	if s.read == s.e.size {
		return nil, io.EOF
	}
	n := min(s.chunk, s.e.size-s.read)
	bp := s.bufs.Get().(*[]byte)
	b := (*bp)[hdrRoom : hdrRoom+n : hdrRoom+n]
	if _, err := io.ReadFull(s.r, b); err != nil {
		s.bufs.Put(bp)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			s.err = changedErr(s.e.path, "it is shorter now")
		} else {
			s.err = fmt.Errorf("failed to read %s: %w", s.e.path, err)
		}
		return nil, s.err
	}
	s.read += n
	if s.h != nil {
		s.h.Write(b)
	}
	if s.onBytes != nil {
		s.onBytes(n)
	}
	s.pending = append(s.pending, bp)
	return b, nil
}

// placeDAG is the ipld.DAGService boxo's importer writes one file's nodes
// to: leaves go to the CAR at once, in file order; nodes above them are kept.
type placeDAG struct {
	addOnly
	pk     *packer
	e      *entry
	spl    *readSplitter
	leaves int
	inner  map[string][]byte
}

func (d *placeDAG) Add(_ context.Context, n ipld.Node) error {
	if len(n.Links()) > 0 {
		d.inner[n.Cid().KeyString()] = n.RawData()
		return nil
	}
	if len(d.spl.pending) == 0 || d.pk.out != nil && d.leaves >= len(d.e.leafAt) {
		return fmt.Errorf("internal error: unexpected leaf in %s", d.e.path)
	}
	bp := d.spl.pending[0]
	d.spl.pending = d.spl.pending[1:]
	defer d.pk.bufs.Put(bp)
	if d.pk.out == nil {
		d.leaves++
		return nil
	}
	block := n.RawData()
	if d.pk.p.RawLeaves {
		// A raw leaf is the pooled buffer itself, reused once this returns,
		// while the write is still queued. (Raw leaves normally take the
		// stream path; this covers a profile of raw leaves in CIDv0.)
		block = bytes.Clone(block)
	}
	i := d.leaves
	d.leaves++
	return d.pk.writeLeaf(d.e, i, n.Cid(), block, nil, nil)
}

func (d *placeDAG) AddMany(ctx context.Context, ns []ipld.Node) error {
	return addEach(ctx, d.Add, ns)
}

// forFiles runs fn over files with up to workers in parallel, largest first
// (so the big files spread over the workers instead of the last one
// finishing alone). Each worker has its own scratch buffer. The first error
// stops the others.
func forFiles(ctx context.Context, files []*entry, workers int, fn func(e *entry, w *scratch) error) error {
	return forFileQueue(ctx, files, workers, func(next func() *entry) error {
		w := newScratch()
		for e := next(); e != nil; e = next() {
			if err := fn(e, w); err != nil {
				return err
			}
		}
		return nil
	})
}

// forFileQueue runs work on workers goroutines, which take files largest
// first by calling next until it returns nil. The first error stops the
// others.
func forFileQueue(ctx context.Context, files []*entry, workers int, work func(next func() *entry) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	queue := make(chan *entry)
	next := func() *entry {
		select {
		case e := <-queue:
			return e // nil once the queue is closed
		case <-ctx.Done():
			return nil
		}
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := work(next); err != nil {
				cancel(err)
			}
		}()
	}
	order := make([]*entry, len(files))
	copy(order, files)
	sortLargestFirst(order)
feed:
	for _, e := range order {
		select {
		case queue <- e:
		case <-ctx.Done():
			break feed
		}
	}
	close(queue)
	wg.Wait()
	return context.Cause(ctx)
}
