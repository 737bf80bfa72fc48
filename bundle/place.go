package bundle

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/dapp-publish/dapp-publish/bundle/piece"
	"github.com/dapp-publish/dapp-publish/internal/atomicfile"
	"github.com/ipfs/go-cid"
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
	predicted bool              // the planned layout held: no block was moved
	piece     *piece.Commitment // nil without withPiece
}

// packCAR hashes every file and writes the CAR to out, reading each file
// once (see "Writing the CAR in one pass").
func packCAR(ctx context.Context, fsys fs.FS, root *entry, files []*entry, p Profile, workers int, out io.Writer, withPiece bool, onBytes func(int64)) (carStats, error) {
	var st carStats
	leafLen, err := leafLengths(p)
	if err != nil {
		return st, err
	}
	dryDirs, known, err := dryRun(ctx, root, files, p, leafLen)
	if err != nil {
		return st, err
	}
	blocks := len(dryDirs) + len(files)/4 // a size hint: folders, files, leaves, some nodes above
	for _, f := range files {
		blocks += 1 + int(f.size/p.ChunkSize)
	}
	plan, err := planCAR(root, dryDirs, known, p, leafLen, blocks)
	if err != nil {
		return st, err
	}
	if !plan.placeLeaves(p.ChunkSize) {
		return st, errors.New("internal error: a leaf was planned twice")
	}

	// Place into out itself when it is an empty regular file that takes
	// positioned writes and can be read back (a rewrite reads it); otherwise
	// into a temporary file copied out at the end.
	dst, direct := out.(*os.File)
	if direct {
		fi, err := dst.Stat()
		_, werr := dst.WriteAt(nil, 0)            // fails for O_APPEND files
		_, rerr := dst.ReadAt(make([]byte, 1), 0) // io.EOF when empty and readable
		direct = err == nil && fi.Mode().IsRegular() && fi.Size() == 0 && werr == nil && rerr == io.EOF
	}
	if !direct {
		dst, err = atomicfile.Scratch("", "dapp-publish-*.car")
		if err != nil {
			return st, &CARWriteError{err}
		}
		defer func() {
			dst.Close()
			os.Remove(dst.Name())
		}()
	}

	if err := preallocate(dst, plan.size); err != nil {
		return st, &CARWriteError{err}
	}
	// The piece CID's spans are hashed as the writes complete them.
	pt, err := newPieceTracker(dst, plan.size, withPiece)
	if err != nil {
		return st, err
	}
	defer pt.stop()
	if err := pt.later(plan); err != nil {
		return st, err
	}
	pk, err := newPacker(fsys, pt.writer(), leafLen, p, true, onBytes)
	if err != nil {
		return st, err
	}
	err = pk.packFiles(ctx, files, workers)
	werr := pk.lw.close()
	pk.freeLeafMemory() // the workers and the writer are done with them
	if werr != nil {
		return st, werr // the cause of a worker's errWriteFailed
	}
	if err != nil {
		return st, err
	}

	dirs := &dirCollector{nodes: map[string][]byte{}}
	if err := buildDir(ctx, root, p, dirs); err != nil {
		return st, err
	}
	actual, err := planCAR(root, dirs.nodes, known, p, leafLen, len(plan.sections))
	if err != nil {
		return st, err
	}
	st = carStats{size: actual.size, blocks: len(actual.sections), predicted: sameLayout(plan, actual)}

	if st.predicted {
		if err := writeNodes(pt.writer(), actual); err != nil {
			return st, &CARWriteError{err}
		}
		if st.piece, err = pt.sum(); err != nil {
			return st, err
		}
		if direct {
			_, err = dst.Seek(actual.size, io.SeekStart)
		} else {
			err = copyOut(out, io.NewSectionReader(dst, 0, actual.size))
		}
		return st, err
	}
	pt.stop()
	if !direct {
		st.piece, err = pieceOf(withPiece, out, func(w io.Writer) error { return assemble(w, dst, actual, p.ChunkSize) })
		return st, err
	}
	if err := reassemble(dst, plan.size, actual, p.ChunkSize); err != nil {
		return st, err
	}
	st.piece, err = pieceOfFile(ctx, withPiece, dst, actual.size)
	return st, err
}

func copyOut(w io.Writer, r io.Reader) error {
	if _, err := io.Copy(w, r); err != nil {
		return &CARWriteError{err}
	}
	return nil
}

// writeLeaf writes leaf i of e (block, with CID c) at its planned offset;
// block nil writes only the section's header. When buf is set, block sits at
// buf[hdrRoom:] and the header is put in front of it, so the section goes
// out in one write. Without an output it does nothing.
func (pk *packer) writeLeaf(e *entry, i int, c cid.Cid, block, buf []byte, back chan<- []byte) error {
	if pk.out == nil {
		return nil
	}
	cb := c.Bytes()
	blockLen := pk.leafLen(pk.leafDataLen(e, i))
	if (block != nil && int64(len(block)) != blockLen) || len(cb) != pk.p.dryCIDLen() {
		if back != nil {
			back <- buf // the worker's buffer is not lost with the write
		}
		return fmt.Errorf("internal error: leaf %d of %s is %d bytes with a %d-byte CID; %d bytes and %d planned", i, e.path, len(block), len(cb), blockLen, pk.p.dryCIDLen())
	}
	off := e.leafAt[i]
	if buf != nil { // the header goes into the room in front of the block
		var h [hdrRoom]byte
		hdr := binary.AppendUvarint(h[:0], uint64(int64(len(cb))+blockLen))
		hdr = append(hdr, cb...)
		start := hdrRoom - len(hdr)
		copy(buf[start:], hdr)
		return pk.lw.write(buf[start:hdrRoom+len(block)], off, back, buf)
	}
	hdr := binary.AppendUvarint(make([]byte, 0, hdrRoom), uint64(int64(len(cb))+blockLen))
	hdr = append(hdr, cb...)
	if err := pk.lw.write(hdr, off, nil, nil); err != nil || block == nil {
		return err
	}
	return pk.lw.write(block, off+int64(len(hdr)), nil, nil)
}

// leafWriter makes every write of the leaves from one goroutine. Buffered
// writes to one file serialise on its inode lock in the kernel, and a second
// writer waits by spinning: two writers here burn 1.7 times the CPU of one
// for the same bytes. Workers hand over full buffers and get them back, on
// their own free list, once written.
type leafWriter struct {
	out    io.WriterAt
	reqs   chan writeReq
	done   chan struct{}
	err    error // the first write error, read after done is closed
	failed atomic.Bool
}

type writeReq struct {
	b    []byte
	off  int64
	back chan<- []byte // where buf goes once b is written (nil: nothing to return)
	buf  []byte
}

func newLeafWriter(out io.WriterAt) *leafWriter {
	lw := &leafWriter{out: out, reqs: make(chan writeReq, 16), done: make(chan struct{})}
	go func() {
		defer close(lw.done)
		for r := range lw.reqs {
			if !lw.failed.Load() {
				if _, err := lw.out.WriteAt(r.b, r.off); err != nil {
					lw.err = err
					lw.failed.Store(true)
				}
			}
			if r.back != nil {
				r.back <- r.buf
			}
		}
	}()
	return lw
}

// write queues b for writing at off; buf goes back to back afterwards.
func (lw *leafWriter) write(b []byte, off int64, back chan<- []byte, buf []byte) error {
	if lw.failed.Load() {
		if back != nil {
			back <- buf
		}
		return errWriteFailed
	}
	lw.reqs <- writeReq{b: b, off: off, back: back, buf: buf}
	return nil
}

// errWriteFailed stops the workers once a write failed; close returns the
// write's own error.
var errWriteFailed = errors.New("writing the CAR failed")

// close waits for the queued writes and returns the first error.
func (lw *leafWriter) close() error {
	close(lw.reqs)
	<-lw.done
	if lw.err != nil {
		return &CARWriteError{lw.err}
	}
	return nil
}

// leafDataLen is the number of file bytes in leaf i of e.
func (pk *packer) leafDataLen(e *entry, i int) int64 {
	return min(pk.p.ChunkSize, e.size-int64(i)*pk.p.ChunkSize)
}

// dryCIDLen is the length of every CID of the profile's DAG.
func (p Profile) dryCIDLen() int {
	if p.CIDVersion == 0 {
		return 34
	}
	return 36
}

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
	tmp, err := atomicfile.Scratch(filepath.Dir(f.Name()), ".dapp-publish-layout-*")
	if err != nil {
		if tmp, err = atomicfile.Scratch("", "dapp-publish-layout-*"); err != nil {
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
