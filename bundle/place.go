package bundle

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/ipfs/boxo/ipld/unixfs/importer/balanced"
	"github.com/ipfs/boxo/ipld/unixfs/importer/helpers"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
)

// CARWriteError is returned by Pack when writing the CAR fails (a full disk,
// a closed pipe, ...), as opposed to reading the site.
type CARWriteError struct{ Err error }

func (e *CARWriteError) Error() string { return "failed to write the CAR: " + e.Err.Error() }
func (e *CARWriteError) Unwrap() error { return e.Err }

// hdrRoom is the space kept in front of every read buffer for the section
// header (varint length and CID), so a raw leaf's whole section goes out in
// one write from the buffer it was read and hashed in.
const hdrRoom = 64

// carStats is what packCAR reports besides the DAG.
type carStats struct {
	size      int64
	blocks    int
	predicted bool // the planned layout held: no block was moved
}

// packCAR hashes every file and writes the CAR to out, reading each file
// once (see "Writing the CAR in one pass").
func packCAR(ctx context.Context, fsys fs.FS, root *entry, files []*entry, p Profile, workers int, out io.Writer, onBytes func(int64)) (carStats, error) {
	var st carStats
	leafLen, err := leafLengths(p)
	if err != nil {
		return st, err
	}
	dryDirs, known, err := dryRun(ctx, root, files, p, leafLen)
	if err != nil {
		return st, err
	}
	plan, err := planCAR(root, dryDirs, known, p, leafLen)
	if err != nil {
		return st, err
	}
	if !plan.placeLeaves(p.ChunkSize) {
		return st, errors.New("internal error: a leaf was planned twice")
	}

	// Place into out itself when it is an empty regular file that takes
	// positioned writes; otherwise into a temporary file copied out at the end.
	dst, direct := out.(*os.File)
	if direct {
		fi, err := dst.Stat()
		_, werr := dst.WriteAt(nil, 0) // fails for O_APPEND files
		direct = err == nil && fi.Mode().IsRegular() && fi.Size() == 0 && werr == nil
	}
	if !direct {
		dst, err = os.CreateTemp("", "dapp-publish-*.car")
		if err != nil {
			return st, &CARWriteError{err}
		}
		defer func() {
			dst.Close()
			os.Remove(dst.Name())
		}()
	}

	pk := &placer{fsys: fsys, out: dst, p: p, leafLen: leafLen, onBytes: onBytes}
	if pk.lb, err = newLeafBuilder(p); err != nil {
		return st, err
	}
	pk.bufs.New = func() any { b := make([]byte, hdrRoom+p.ChunkSize); return &b }
	if err := forFiles(ctx, files, workers, pk.file); err != nil {
		return st, err
	}

	dirs := &dirCollector{nodes: map[string][]byte{}}
	if err := buildDir(ctx, root, p, dirs); err != nil {
		return st, err
	}
	actual, err := planCAR(root, dirs.nodes, known, p, leafLen)
	if err != nil {
		return st, err
	}
	st = carStats{size: actual.size, blocks: len(actual.sections), predicted: sameLayout(plan, actual)}

	if st.predicted {
		if err := writeNodes(dst, actual); err != nil {
			return st, &CARWriteError{err}
		}
		if direct {
			_, err = dst.Seek(actual.size, io.SeekStart)
		} else {
			err = copyOut(out, io.NewSectionReader(dst, 0, actual.size))
		}
		return st, err
	}
	if !direct {
		return st, assemble(out, dst, actual, p.ChunkSize)
	}
	return st, reassemble(dst, plan.size, actual, p.ChunkSize)
}

func copyOut(w io.Writer, r io.Reader) error {
	if _, err := io.Copy(w, r); err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) && pe.Op == "read" {
			return err
		}
		return &CARWriteError{err}
	}
	return nil
}

// placer reads, hashes and writes files to their planned places.
type placer struct {
	fsys    fs.FS
	out     io.WriterAt
	p       Profile
	lb      *leafBuilder
	leafLen func(int64) int64
	bufs    sync.Pool // *[]byte: hdrRoom + one chunk
	onBytes func(int64)
}

// file packs one file: e.node, e.inner and e.sha256 get their real values,
// and every leaf is written at e.leafAt.
func (pk *placer) file(e *entry, scratch *[]byte) error {
	f, err := pk.fsys.Open(srcPath(e.src))
	if err != nil {
		return fmt.Errorf("failed to open %s: %w", e.path, err)
	}
	defer f.Close()
	switch {
	case e.size == 0: // its block is known already (dryRun)
		var b [1]byte
		if n, _ := f.Read(b[:]); n != 0 {
			return changedErr(e.path, "it is no longer empty")
		}
		sum := sha256.Sum256(nil)
		e.sha256 = sum[:]
	case e.size <= pk.p.ChunkSize:
		err = pk.single(e, f, scratch)
	default:
		err = pk.multi(e, f)
	}
	if err != nil {
		return err
	}
	if fi, err := f.Stat(); err != nil || fi.Size() != e.size {
		return changedErr(e.path, "its size changed")
	}
	return nil
}

func changedErr(path, why string) error {
	return fmt.Errorf("%s changed while packing (%s); pack again", path, why)
}

// single packs a file of one chunk, read whole into the worker's buffer.
func (pk *placer) single(e *entry, f io.Reader, scratch *[]byte) error {
	if int64(cap(*scratch)) < hdrRoom+pk.p.ChunkSize+1 {
		*scratch = make([]byte, hdrRoom+pk.p.ChunkSize+1)
	}
	buf := *scratch
	data := buf[hdrRoom : hdrRoom+e.size+1] // one byte more, to notice a file that grew
	n, err := io.ReadFull(f, data)
	if err != io.ErrUnexpectedEOF && err != io.EOF && err != nil {
		return fmt.Errorf("failed to read %s: %w", e.path, err)
	}
	if int64(n) != e.size {
		return changedErr(e.path, fmt.Sprintf("size was %d, read %d bytes", e.size, n))
	}
	data = data[:n]
	if pk.onBytes != nil {
		pk.onBytes(int64(n))
	}
	if pk.p.RawLeaves {
		c, err := pk.lb.prefix.Sum(data)
		if err != nil {
			return err
		}
		e.sha256 = []byte(c.Hash()[2:]) // a one-leaf raw file: the leaf's digest is the file's
		e.node = nodeRef{cid: c, tsize: uint64(n)}
		return pk.writeLeaf(e, 0, c, data, buf[:hdrRoom+n])
	}
	sum := sha256.Sum256(data)
	e.sha256 = sum[:]
	block, c, err := pk.lb.build(data)
	if err != nil {
		return err
	}
	e.node = nodeRef{cid: c, tsize: uint64(len(block))}
	return pk.writeLeaf(e, 0, c, block, nil)
}

// multi packs a file of several chunks with boxo's balanced importer; leaves
// are written as boxo hands them to the DAG service, inner nodes kept.
func (pk *placer) multi(e *entry, f io.Reader) error {
	spl := &readSplitter{r: f, e: e, chunk: pk.p.ChunkSize, bufs: &pk.bufs, h: sha256.New(), onBytes: pk.onBytes}
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
	if ds.leaves != len(e.leafAt) || len(spl.pending) != 0 {
		return fmt.Errorf("internal error: %s has %d leaves, %d planned", e.path, ds.leaves, len(e.leafAt))
	}
	size, err := nd.Size()
	if err != nil {
		return err
	}
	e.node = nodeRef{cid: nd.Cid(), tsize: size}
	e.inner = ds.inner
	e.sha256 = spl.h.Sum(nil)
	return nil
}

// writeLeaf writes leaf i of e (block, with CID c) at its planned offset. When
// buf is set, block sits at buf[hdrRoom:] and the header is put in front of
// it, so the section goes out in one write.
func (pk *placer) writeLeaf(e *entry, i int, c cid.Cid, block, buf []byte) error {
	var h [hdrRoom]byte
	cb := c.Bytes()
	hdr := binary.AppendUvarint(h[:0], uint64(len(cb)+len(block)))
	hdr = append(hdr, cb...)
	if want := sectionLen(pk.p.dryCIDLen(), pk.leafLen(pk.leafDataLen(e, i))); int64(len(hdr)+len(block)) != want {
		return fmt.Errorf("internal error: leaf %d of %s is %d bytes, %d planned", i, e.path, len(hdr)+len(block), want)
	}
	off := e.leafAt[i]
	var err error
	if buf != nil {
		start := hdrRoom - len(hdr)
		copy(buf[start:], hdr)
		_, err = pk.out.WriteAt(buf[start:hdrRoom+len(block)], off)
	} else if _, err = pk.out.WriteAt(hdr, off); err == nil {
		_, err = pk.out.WriteAt(block, off+int64(len(hdr)))
	}
	if err != nil {
		return &CARWriteError{err}
	}
	return nil
}

// leafDataLen is the number of file bytes in leaf i of e.
func (pk *placer) leafDataLen(e *entry, i int) int64 {
	return min(pk.p.ChunkSize, e.size-int64(i)*pk.p.ChunkSize)
}

// dryCIDLen is the length of every CID of the profile's DAG.
func (p Profile) dryCIDLen() int {
	if p.CIDVersion == 0 {
		return 34
	}
	return 36
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
	s.h.Write(b)
	if s.onBytes != nil {
		s.onBytes(n)
	}
	s.pending = append(s.pending, bp)
	return b, nil
}

// placeDAG is the ipld.DAGService boxo's importer writes one file's nodes
// to: leaves go to the CAR at once, in file order; nodes above them are kept.
type placeDAG struct {
	pk     *placer
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
	if len(d.spl.pending) == 0 || d.leaves >= len(d.e.leafAt) {
		return fmt.Errorf("internal error: unexpected leaf in %s", d.e.path)
	}
	bp := d.spl.pending[0]
	d.spl.pending = d.spl.pending[1:]
	defer d.pk.bufs.Put(bp)
	block := n.RawData()
	var buf []byte
	if d.pk.p.RawLeaves {
		if len(block) == 0 || &block[0] != &(*bp)[hdrRoom] {
			return fmt.Errorf("internal error: leaves of %s out of order", d.e.path)
		}
		buf = (*bp)[:hdrRoom+len(block)]
	}
	i := d.leaves
	d.leaves++
	return d.pk.writeLeaf(d.e, i, n.Cid(), block, buf)
}

func (d *placeDAG) AddMany(ctx context.Context, ns []ipld.Node) error {
	for _, n := range ns {
		if err := d.Add(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

func (d *placeDAG) Get(context.Context, cid.Cid) (ipld.Node, error) { return nil, errNotStored }
func (d *placeDAG) GetMany(context.Context, []cid.Cid) <-chan *ipld.NodeOption {
	ch := make(chan *ipld.NodeOption)
	close(ch)
	return ch
}
func (d *placeDAG) Remove(context.Context, cid.Cid) error       { return nil }
func (d *placeDAG) RemoveMany(context.Context, []cid.Cid) error { return nil }

// appendSection appends one CAR section for a block held in memory.
func appendSection(b []byte, c cid.Cid, data []byte) []byte {
	cb := c.Bytes()
	b = binary.AppendUvarint(b, uint64(len(cb)+len(data)))
	b = append(b, cb...)
	return append(b, data...)
}

// writeNodes writes the header and every section held in memory at their
// offsets; the leaves are in place already. Adjacent sections go out in one
// write.
func writeNodes(out io.WriterAt, cp *carPlan) error {
	run := carHeader(cp.root)
	runOff := int64(0)
	off := cp.headerLen
	for _, s := range cp.sections {
		if s.file == nil {
			if len(run) == 0 {
				runOff = off
			}
			run = appendSection(run, s.cid, s.data)
		} else if len(run) > 0 {
			if _, err := out.WriteAt(run, runOff); err != nil {
				return err
			}
			run = run[:0]
		}
		off += s.size
	}
	if len(run) > 0 {
		_, err := out.WriteAt(run, runOff)
		return err
	}
	return nil
}

// assemble writes the CAR in the layout cp to w: sections in memory from
// memory, leaves copied from where they were placed in src.
func assemble(w io.Writer, src io.ReaderAt, cp *carPlan, chunk int64) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	werr := func(err error) error {
		if err != nil {
			return &CARWriteError{err}
		}
		return nil
	}
	if _, err := bw.Write(carHeader(cp.root)); err != nil {
		return werr(err)
	}
	var from, n int64 // pending copy from src
	flush := func() error {
		if n == 0 {
			return nil
		}
		_, err := io.Copy(bw, io.NewSectionReader(src, from, n))
		n = 0
		return err
	}
	for _, s := range cp.sections {
		if s.file == nil {
			if err := flush(); err != nil {
				return werr(err)
			}
			if _, err := bw.Write(appendSection(nil, s.cid, s.data)); err != nil {
				return werr(err)
			}
			continue
		}
		at := s.file.leafAt[s.off/chunk]
		if n > 0 && from+n == at {
			n += s.size
			continue
		}
		if err := flush(); err != nil {
			return werr(err)
		}
		from, n = at, s.size
	}
	if err := flush(); err != nil {
		return werr(err)
	}
	return werr(bw.Flush())
}

// reassemble rewrites f, which holds size bytes in the planned layout, into
// the layout cp: the planned bytes are moved to a temporary file beside f
// first.
func reassemble(f *os.File, size int64, cp *carPlan, chunk int64) error {
	tmp, err := os.CreateTemp(filepath.Dir(f.Name()), ".dapp-publish-layout-*")
	if err != nil {
		if tmp, err = os.CreateTemp("", "dapp-publish-layout-*"); err != nil {
			return &CARWriteError{err}
		}
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return &CARWriteError{err}
	}
	if _, err := io.Copy(tmp, &io.LimitedReader{R: f, N: size}); err != nil {
		return &CARWriteError{err}
	}
	if err := f.Truncate(0); err != nil {
		return &CARWriteError{err}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return &CARWriteError{err}
	}
	return assemble(f, tmp, cp, chunk)
}

// forFiles runs fn over files with up to workers in parallel, largest first
// (so the big files spread over the workers instead of the last one
// finishing alone). Each worker has its own scratch buffer. The first error
// stops the others.
func forFiles(ctx context.Context, files []*entry, workers int, fn func(e *entry, scratch *[]byte) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	work := make(chan *entry)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var scratch []byte
			for e := range work {
				if err := fn(e, &scratch); err != nil {
					cancel(err)
				}
			}
		}()
	}
	order := make([]*entry, len(files))
	copy(order, files)
	sortLargestFirst(order)
feed:
	for _, e := range order {
		select {
		case work <- e:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	return context.Cause(ctx)
}
