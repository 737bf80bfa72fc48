package bundle

import (
	"fmt"
	"io"
	"io/fs"

	"github.com/dapp-publish/dapp-publish/internal/sha256mb"
	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
)

// Hashing leaves in batches, when the files' SHA-256 is not wanted
// (--only-hash; with it, lanes.go): on a CPU that hashes sixteen messages at
// once (sha256mb.Accelerated: AVX-512), a worker reads up to sixteen raw leaves,
// from one file or several, into buffers of its own, hashes them in one
// call, and then hands each to the writer, as in stream. It reads every
// file in order, so a file's leaves may span batches. Files come largest
// first, so a batch holds leaves of similar sizes and its lanes finish
// together.
// Elsewhere stream hashes each leaf as it reads it, in pieces that stay in
// the core's cache, which is then faster.

// batchMode says when raw leaves are hashed in batches.
type batchMode int

const (
	batchAuto batchMode = iota // where sha256mb is accelerated
	batchOn
	batchOff
)

// batchLeaves is batchAuto but in tests of both paths.
var batchLeaves batchMode

func (m batchMode) use() bool { return m == batchOn || m == batchAuto && sha256mb.Accelerated() }

// fileJob is a file being read by a batching worker.
type fileJob struct {
	e      *entry
	f      fs.File
	leaves []cid.Cid
	read   int // leaves read
	hashed int // leaves hashed
}

// leafJob is one leaf in a batch.
type leafJob struct {
	fj  *fileJob
	i   int
	buf []byte // hdrRoom + the leaf's bytes
}

// batcher is one worker's state.
type batcher struct {
	pk      *packer
	next    func() *entry
	cur     *fileJob // the file whose next leaf comes next
	free    chan []byte
	mem     []byte // the buffers not handed out yet
	jobs    []leafJob
	msgs    [][]byte
	digests [][sha256mb.Size]byte
}

// batchWork is a worker of forFileQueue: it packs the files next gives it.
func (pk *packer) batchWork(next func() *entry) error {
	b := &batcher{pk: pk, next: next, free: make(chan []byte, sha256mb.Lanes),
		digests: make([][sha256mb.Size]byte, sha256mb.Lanes)}
	var free func()
	b.mem, free = leafMemory(sha256mb.Lanes * int(hdrRoom+pk.p.ChunkSize))
	pk.memMu.Lock()
	pk.mem = append(pk.mem, free)
	pk.memMu.Unlock()
	defer func() {
		if b.cur != nil {
			b.cur.f.Close()
		}
	}()
	for {
		more, err := b.fill()
		if err != nil {
			return err
		}
		if err := b.hash(); err != nil {
			return err
		}
		if !more {
			return nil
		}
	}
}

// fill reads up to Lanes leaves; more is false once the queue is empty.
func (b *batcher) fill() (more bool, err error) {
	b.jobs = b.jobs[:0]
	for len(b.jobs) < sha256mb.Lanes {
		if b.cur == nil {
			if b.cur, err = b.open(); b.cur == nil || err != nil {
				return false, err
			}
		}
		fj := b.cur
		i := fj.read
		n := b.pk.leafDataLen(fj.e, i)
		buf := b.take()
		if _, err := io.ReadFull(fj.f, buf[hdrRoom:hdrRoom+n]); err != nil {
			return false, readErr(fj.e, err)
		}
		fj.read++
		if fj.read == len(fj.leaves) {
			b.cur = nil // all read; closed once hashed
		}
		b.jobs = append(b.jobs, leafJob{fj: fj, i: i, buf: buf[:hdrRoom+n]})
	}
	return true, nil
}

// open takes the next file with leaves; empty files are packed on the way.
func (b *batcher) open() (*fileJob, error) {
	pk := b.pk
	for {
		e := b.next()
		if e == nil {
			return nil, nil
		}
		f, err := openFile(pk.fsys, srcPath(e.src))
		if err != nil {
			return nil, fmt.Errorf("failed to open %s: %w", e.path, err)
		}
		if e.size > 0 {
			return &fileJob{e: e, f: f, leaves: make([]cid.Cid, (e.size+pk.p.ChunkSize-1)/pk.p.ChunkSize)}, nil
		}
		e.node = pk.empty
		err = grewErr(e, f)
		f.Close()
		if err != nil {
			return nil, err
		}
	}
}

// take returns a free leaf buffer: one not used yet, or one back from the
// writer.
func (b *batcher) take() []byte {
	select {
	case buf := <-b.free:
		return buf
	default:
	}
	if n := int(hdrRoom + b.pk.p.ChunkSize); len(b.mem) >= n {
		buf := b.mem[:n:n]
		b.mem = b.mem[n:]
		return buf
	}
	return <-b.free
}

// freeLeafMemory releases the batching workers' buffers, once nothing uses
// them: after the workers and the writer are done.
func (pk *packer) freeLeafMemory() {
	for _, free := range pk.mem {
		free()
	}
	pk.mem = nil
}

// hash hashes the batch, then writes its leaves and finishes its files.
func (b *batcher) hash() error {
	b.msgs = b.msgs[:0]
	for _, j := range b.jobs {
		b.msgs = append(b.msgs, j.buf[hdrRoom:])
	}
	sha256mb.Sum(b.digests, b.msgs)
	pk := b.pk
	for k, j := range b.jobs {
		m, err := mh.Encode(b.digests[k][:], mh.SHA2_256)
		if err != nil {
			return err
		}
		c := cid.NewCidV1(cid.Raw, m)
		fj := j.fj
		fj.leaves[j.i] = c
		block := b.msgs[k]
		if pk.onBytes != nil {
			pk.onBytes(int64(len(block)))
		}
		if pk.out == nil {
			b.free <- j.buf[:cap(j.buf)]
		} else if err := pk.writeLeaf(fj.e, j.i, c, block, j.buf[:cap(j.buf)], b.free); err != nil {
			return err
		}
		fj.hashed++
		if fj.hashed == len(fj.leaves) {
			if err := b.finish(fj); err != nil {
				return err
			}
		}
	}
	return nil
}

// finish packs a file whose leaves are all hashed.
func (b *batcher) finish(fj *fileJob) error {
	err := grewErr(fj.e, fj.f)
	fj.f.Close()
	if err != nil {
		return err
	}
	return b.pk.rawFileDAG(fj.e, fj.leaves, nil)
}

// grewErr reads past the bytes the listing announced: one more means the
// file grew while it was packed.
func grewErr(e *entry, f io.Reader) error {
	var one [1]byte
	if n, _ := f.Read(one[:]); n != 0 {
		return changedErr(e.path, "it grew")
	}
	return nil
}
