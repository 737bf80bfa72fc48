package bundle

import (
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"math/bits"

	"github.com/dapp-publish/dapp-publish/internal/sha256mb"
	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
)

// Hashing files in lanes, when every file's SHA-256 is wanted (a pack that
// writes the CAR and its manifest): on a CPU that hashes sixteen messages at
// once (sha256mb.Accelerated: AVX-512), a worker reads up to sixteen files
// side by side, a piece (lanePiece) of each at a time, and hashes the pieces in
// the lanes of a sha256mb.Streams: one lane per file for its current leaf
// and, for a file of several leaves whose SHA-256 the manifest wants, a
// second lane for the whole file, fed the same piece. So the whole-file
// hashes run in lanes too, instead of one stream at a time, and a worker
// holds a few pieces per file instead of sixteen whole leaves. Each piece
// is written to the CAR from the buffer it was read and hashed in (the
// bytes written are the bytes hashed); a leaf's section header goes last,
// once its CID is known, or with the leaf in one write when the leaf is one
// piece. Lanes are refilled as files end, largest files first, so they stay
// busy; when the queue is empty and only a few lanes are left busy, their
// files go on in crypto/sha256 (a lane alone hashes at a sixteenth of the
// kernel's speed). Elsewhere stream hashes each file as it reads it, which
// is then as fast. Without the files' SHA-256 (--only-hash) the leaves are
// hashed in batches instead (batch.go): a large file's leaves then go side
// by side, where here a file's leaves follow its whole-file hash, in order.

// lanePiece is how much of a file a lane is given at a time, so a worker's
// pieces (two per lane: one being hashed, one being written) take 4 MiB.
// 128 KiB pieces cost the same CPU as 256 KiB ones on the bench site and
// 6 MiB less peak RSS; at 64 KiB the reads start to cost more.
const lanePiece = 128 << 10

// lanePieces is how many piece buffers a lane worker has.
const lanePieces = 2 * sha256mb.Lanes

// laneFile is a file being read by a lane worker.
type laneFile struct {
	e       *entry
	f       fs.File
	leaves  []cid.Cid
	leaf    int   // the leaf being read
	leafLen int64 // its length
	pos     int64 // bytes of it read
	buf     []byte
	piece   []byte // the part of buf[hdrRoom:] not hashed yet
	at      int64  // where in the leaf buf[hdrRoom:] starts
	lane    int    // hashes the leaf
	whole   int    // hashes the whole file; -1: none
}

// laneWorker is one worker's state.
type laneWorker struct {
	pk    *packer
	next  func() *entry
	s     sha256mb.Streams
	files [sha256mb.Lanes]*laneFile // by leaf lane
	free  uint16                    // idle lanes
	wait  *entry                    // a file taken from the queue that waits for two lanes
	done  bool                      // the queue is empty
	bufs  chan []byte               // piece buffers not in use
	mem   []byte                    // buffer memory not handed out yet
	made  int
}

// laneWork is a worker of forFileQueue: it packs the files next gives it.
func (pk *packer) laneWork(next func() *entry) error {
	w := &laneWorker{pk: pk, next: next, free: 1<<sha256mb.Lanes - 1, bufs: make(chan []byte, lanePieces)}
	var release func()
	w.mem, release = leafMemory(lanePieces * (hdrRoom + lanePiece))
	pk.memMu.Lock()
	pk.mem = append(pk.mem, release)
	pk.memMu.Unlock()
	defer func() {
		for _, lf := range w.files {
			if lf != nil {
				lf.f.Close()
			}
		}
	}()
	for {
		if err := w.open(); err != nil {
			return err
		}
		busy := sha256mb.Lanes - bits.OnesCount16(w.free)
		if busy == 0 {
			return nil
		}
		if w.done && busy < sha256mb.MinLanes() {
			return w.serial()
		}
		if err := w.step(); err != nil {
			return err
		}
	}
}

// open starts files in the idle lanes, while the queue has files: two lanes
// for a file of several leaves whose SHA-256 is wanted, one otherwise.
// Empty files are packed on the way.
func (w *laneWorker) open() error {
	pk := w.pk
	for !w.done && w.free != 0 {
		e := w.wait
		if e == nil {
			if e = w.next(); e == nil {
				w.done = true
				return nil
			}
		}
		nleaves := (e.size + pk.p.ChunkSize - 1) / pk.p.ChunkSize
		whole := pk.fileHash && nleaves > 1
		if whole && bits.OnesCount16(w.free) < 2 {
			w.wait = e
			return nil
		}
		w.wait = nil
		f, err := openFile(pk.fsys, srcPath(e.src))
		if err != nil {
			return fmt.Errorf("failed to open %s: %w", e.path, err)
		}
		if e.size == 0 {
			e.node = pk.empty
			if pk.fileHash {
				sum := sha256.Sum256(nil)
				e.sha256 = sum[:]
			}
			err = grewErr(e, f)
			f.Close()
			if err != nil {
				return err
			}
			continue
		}
		lf := &laneFile{e: e, f: f, leaves: make([]cid.Cid, nleaves), whole: -1}
		lf.lane = w.takeLane()
		if whole {
			lf.whole = w.takeLane()
			w.s.Start(lf.whole)
		}
		w.files[lf.lane] = lf
		if err := w.startLeaf(lf, 0); err != nil {
			return err
		}
	}
	return nil
}

func (w *laneWorker) takeLane() int {
	i := bits.TrailingZeros16(w.free)
	w.free &^= 1 << i
	return i
}

// startLeaf starts leaf i of lf and reads its first piece.
func (w *laneWorker) startLeaf(lf *laneFile, i int) error {
	lf.leaf, lf.leafLen, lf.pos = i, w.pk.leafDataLen(lf.e, i), 0
	w.s.Start(lf.lane)
	return w.read(lf)
}

// read reads the next piece of lf's leaf into a free buffer.
func (w *laneWorker) read(lf *laneFile) error {
	n := min(lanePiece, lf.leafLen-lf.pos)
	lf.buf = w.take()
	lf.at = lf.pos
	lf.piece = lf.buf[hdrRoom : hdrRoom+n]
	if _, err := io.ReadFull(lf.f, lf.piece); err != nil {
		w.give(lf.buf)
		lf.buf, lf.piece = nil, nil
		return readErr(lf.e, err)
	}
	lf.pos += n
	if w.pk.onBytes != nil {
		w.pk.onBytes(n)
	}
	return nil
}

// take returns a free piece buffer: one not used yet, or one back from the
// writer.
func (w *laneWorker) take() []byte {
	select {
	case b := <-w.bufs:
		return b
	default:
	}
	if n := hdrRoom + lanePiece; w.made < lanePieces {
		w.made++
		b := w.mem[:n:n]
		w.mem = w.mem[n:]
		return b
	}
	return <-w.bufs
}

func (w *laneWorker) give(b []byte) { w.bufs <- b }

// step finishes the leaves whose last bytes are short of a block, then
// hashes the blocks every other busy lane has, as many as the shortest
// piece holds, and moves on the files whose pieces are used up.
func (w *laneWorker) step() error {
	var in, tail [sha256mb.Lanes][]byte
	var use, fin uint16
	for _, lf := range w.files {
		if lf == nil {
			continue
		}
		if len(lf.piece) >= 64 {
			in[lf.lane], use = lf.piece, use|1<<lf.lane
			if lf.whole >= 0 {
				in[lf.whole], use = lf.piece, use|1<<lf.whole
			}
			continue
		}
		// The leaf's last bytes (its length is not a whole number of
		// blocks only at the end of the file).
		tail[lf.lane], fin = lf.piece, fin|1<<lf.lane
		if lf.whole >= 0 && lf.leaf == len(lf.leaves)-1 {
			tail[lf.whole], fin = lf.piece, fin|1<<lf.whole
		}
	}
	if fin != 0 {
		var out [sha256mb.Lanes][sha256mb.Size]byte
		w.s.Finish(&tail, fin, &out)
		for _, lf := range w.files {
			if lf != nil && fin&(1<<lf.lane) != 0 {
				if err := w.leafDone(lf, out[lf.lane], out); err != nil {
					return err
				}
			}
		}
		return nil
	}
	n := w.s.Blocks(&in, use)
	for _, lf := range w.files {
		if lf == nil || use&(1<<lf.lane) == 0 {
			continue
		}
		lf.piece = lf.piece[n:]
		if len(lf.piece) == 0 && lf.pos < lf.leafLen { // used up: write it, read on
			if err := w.writePiece(lf); err != nil {
				return err
			}
			if err := w.read(lf); err != nil {
				return err
			}
		}
	}
	return nil
}

// writePiece writes the piece of lf hashed so far at its place in the CAR
// and gives its buffer back.
func (w *laneWorker) writePiece(lf *laneFile) error {
	pk, buf := w.pk, lf.buf
	lf.buf = nil
	if pk.out == nil {
		w.give(buf)
		return nil
	}
	data := buf[hdrRoom : hdrRoom+lf.pos-lf.at]
	hdrLen := sectionLen(pk.p.dryCIDLen(), lf.leafLen) - lf.leafLen
	return pk.lw.write(data, lf.e.leafAt[lf.leaf]+hdrLen+lf.at, w.bufs, buf)
}

// leafDone records lf's leaf, whose digest is sum, writes what is left of
// it, and goes on to the next leaf or finishes the file (out holds the
// digests of the lanes Finish ended).
func (w *laneWorker) leafDone(lf *laneFile, sum [sha256mb.Size]byte, out [sha256mb.Lanes][sha256mb.Size]byte) error {
	more, err := w.endLeaf(lf, sum)
	switch {
	case err != nil:
		return err
	case more:
		return w.startLeaf(lf, lf.leaf+1)
	}
	var whole []byte
	if lf.whole >= 0 {
		whole = out[lf.whole][:]
	}
	return w.finishFile(lf, w.fileSum(whole, sum))
}

// endLeaf records lf's leaf, whose digest is sum, and writes what is left of
// it; more reports whether the file has another leaf.
func (w *laneWorker) endLeaf(lf *laneFile, sum [sha256mb.Size]byte) (more bool, err error) {
	c, err := rawLeafCID(sum)
	if err != nil {
		return false, err
	}
	lf.leaves[lf.leaf] = c
	if err := w.writeLeaf(lf, c); err != nil {
		return false, err
	}
	return lf.leaf+1 < len(lf.leaves), nil
}

// fileSum is a file's SHA-256 for the manifest: whole, from its whole-file
// lane, or for a file of one leaf that leaf's digest (nil when not wanted).
func (w *laneWorker) fileSum(whole []byte, leaf [sha256mb.Size]byte) []byte {
	switch {
	case whole != nil:
		return whole
	case w.pk.fileHash:
		return leaf[:]
	}
	return nil
}

// writeLeaf writes the last piece of lf's leaf, whose CID is c, and the
// section header: together when the leaf was one piece.
func (w *laneWorker) writeLeaf(lf *laneFile, c cid.Cid) error {
	pk := w.pk
	if pk.out == nil {
		w.give(lf.buf)
		lf.buf = nil
		return nil
	}
	if lf.at == 0 { // the whole leaf is in the buffer: one write
		buf := lf.buf
		lf.buf = nil
		return pk.writeLeaf(lf.e, lf.leaf, c, buf[hdrRoom:hdrRoom+lf.leafLen], buf, w.bufs)
	}
	if lf.pos > lf.at {
		if err := w.writePiece(lf); err != nil {
			return err
		}
	} else {
		w.give(lf.buf)
		lf.buf = nil
	}
	return pk.writeLeaf(lf.e, lf.leaf, c, nil, nil, nil)
}

// finishFile builds lf's DAG and frees its lanes.
func (w *laneWorker) finishFile(lf *laneFile, sum []byte) error {
	w.files[lf.lane] = nil
	w.free |= 1 << lf.lane
	if lf.whole >= 0 {
		w.free |= 1 << lf.whole
	}
	err := grewErr(lf.e, lf.f)
	lf.f.Close()
	if err != nil {
		return err
	}
	return w.pk.rawFileDAG(lf.e, lf.leaves, sum)
}

// serial finishes the files still in lanes with crypto/sha256, one after
// another, from where their lanes are.
func (w *laneWorker) serial() error {
	for _, lf := range w.files {
		if lf == nil {
			continue
		}
		leafH := w.s.Handover(lf.lane)
		var fileH hash.Hash
		if lf.whole >= 0 {
			fileH = w.s.Handover(lf.whole)
		}
		for {
			leafH.Write(lf.piece)
			if fileH != nil {
				fileH.Write(lf.piece)
			}
			lf.piece = nil
			if lf.pos < lf.leafLen {
				if err := w.writePiece(lf); err != nil {
					return err
				}
				if err := w.read(lf); err != nil {
					return err
				}
				continue
			}
			var sum [sha256mb.Size]byte
			leafH.Sum(sum[:0])
			more, err := w.endLeaf(lf, sum)
			if err != nil {
				return err
			}
			if more {
				lf.leaf, lf.leafLen, lf.pos = lf.leaf+1, w.pk.leafDataLen(lf.e, lf.leaf+1), 0
				if err := w.read(lf); err != nil {
					return err
				}
				leafH.Reset()
				continue
			}
			var whole []byte
			if fileH != nil {
				whole = fileH.Sum(nil)
			}
			if err := w.finishFile(lf, w.fileSum(whole, sum)); err != nil {
				return err
			}
			break
		}
	}
	return nil
}

// rawLeafCID is the CIDv1 of a raw leaf with SHA-256 digest sum.
func rawLeafCID(sum [sha256mb.Size]byte) (cid.Cid, error) {
	m, err := mh.Encode(sum[:], mh.SHA2_256)
	if err != nil {
		return cid.Undef, err
	}
	return cid.NewCidV1(cid.Raw, m), nil
}
