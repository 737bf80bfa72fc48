package trustless

import (
	"bytes"
	"io"
	"sync"

	"github.com/dapp-publish/dapp-publish/internal/sha256mb"
	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
)

// The pipeline: one goroutine reads sections (slab.go: no copies) and groups
// runs of them into batches, Workers goroutines hash each batch (SHA-256
// blocks many at once: internal/sha256mb, sixteen lanes with AVX-512), and
// the calling goroutine hands the sections, in stream order, with the
// outcome of their hash check, to check (the completeness check of a
// stream is inherently sequential: a block is only acceptable once its
// parent was). Nothing is trusted before check has it, and check sees the
// hash outcome of every block. Memory: the slabs of one slabPool, and at
// most 2*Workers+2 batches of at most maxBatch sections.

// Batches: a batch is handed on once it holds maxBatch sections, or
// minLanes sections and at least minBatchBytes, or maxBatchBytes, or when
// the reader would wait for a slab (so the slabs its sections hold can come
// back) or the stream ends. minLanes sections fill the sixteen lanes; their
// bytes matter less than their number, so small blocks go on together.
// maxBatchBytes is half the slabs, so the reader has the other half to read
// into while a batch of large blocks is hashed (twelve 1 MiB blocks: twelve
// lanes busy). Measured over loopback on the bench CAR, in-process: four
// slabs and no byte limit 159 ms (the reader waited 40 ms for slabs), six
// and 12 MiB 150 ms, eight and 12 MiB 141 ms for 8 MiB more.
const (
	maxBatch      = 256
	minLanes      = 2 * sha256mb.Lanes
	minBatchBytes = 1 << 20
	maxBatchBytes = slabsPerPipeline / 2 * defaultSlabSize
)

// batch is a run of consecutive sections of the stream.
type batch struct {
	secs  []batchSection
	errs  []error // the hash check of each section, set by a worker
	slabs []*slab // the slabs its sections are in, one reference each
	bytes int
	done  chan struct{} // closed once errs is set
}

type batchSection struct {
	c    cid.Cid
	data []byte
}

func (b *batch) add(c cid.Cid, data []byte, s *slab) {
	b.secs = append(b.secs, batchSection{c, data})
	b.bytes += len(data)
	if n := len(b.slabs); n == 0 || b.slabs[n-1] != s {
		s.refs.Add(1)
		b.slabs = append(b.slabs, s)
	}
}

func (b *batch) full() bool {
	return len(b.secs) >= maxBatch || len(b.secs) >= minLanes && b.bytes >= minBatchBytes || b.bytes >= maxBatchBytes
}

func (b *batch) release() {
	for _, s := range b.slabs {
		s.release()
	}
}

// pipeline reads every section of cr and passes it to check in stream
// order, with hashErr the outcome of CheckBlock for it. data is valid during
// the call only. The first error from check or from reading ends it.
func pipeline(cr *CARReader, lim Limits, check func(c cid.Cid, data []byte, hashErr error) error) error {
	depth := 2*lim.Workers + 2
	ordered := make(chan *batch, depth)
	work := make(chan *batch, depth)
	stop := make(chan struct{})
	var workers sync.WaitGroup
	for range lim.Workers {
		workers.Go(func() {
			var h batchHasher
			for b := range work {
				h.hash(b)
				close(b.done)
			}
		})
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(work)
		defer close(ordered)
		readErr <- readBatches(cr, ordered, work, stop)
	}()
	var err error
	for b := range ordered { // after the first error, only drain
		<-b.done
		for i, s := range b.secs {
			if err != nil {
				break
			}
			if err = check(s.c, s.data, b.errs[i]); err != nil {
				close(stop)
			}
		}
		b.release()
	}
	workers.Wait()
	if rerr := <-readErr; err == nil && rerr != errStopped {
		err = rerr
	}
	return err
}

// readBatches reads the sections of cr into batches and hands each to the
// checker (ordered) and to a hashing worker (work), until the stream ends
// (nil), fails, or stop is closed (errStopped).
func readBatches(cr *CARReader, ordered, work chan<- *batch, stop <-chan struct{}) error {
	pool := newSlabPool(slabsPerPipeline, stop)
	src := cr.src
	src.pool = pool
	defer src.close()
	b := &batch{}
	send := func() bool {
		if len(b.secs) == 0 {
			return true
		}
		b.errs = make([]error, len(b.secs))
		b.done = make(chan struct{})
		select {
		case ordered <- b:
		case <-stop:
			b.release()
			return false
		}
		work <- b // the workers take every batch until work is closed
		b = &batch{}
		return true
	}
	pool.idle = func() { send() }
	for {
		c, data, s, err := cr.next()
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			if !send() && err == nil {
				err = errStopped
			}
			return err
		}
		b.add(c, data, s)
		if b.full() && !send() {
			return errStopped
		}
	}
}

// batchHasher is a worker's scratch space.
type batchHasher struct {
	msgs    [][]byte
	idx     []int
	digests [][sha256mb.Size]byte
}

// hash sets b.errs to CheckBlock's outcome for every section, hashing the
// SHA-256 blocks together.
func (h *batchHasher) hash(b *batch) {
	h.msgs, h.idx = h.msgs[:0], h.idx[:0]
	for i, s := range b.secs {
		if !plainSHA256(s.c) {
			b.errs[i] = CheckBlock(s.c, s.data)
			continue
		}
		if err := CheckCID(s.c); err != nil {
			b.errs[i] = err
			continue
		}
		h.msgs = append(h.msgs, s.data)
		h.idx = append(h.idx, i)
	}
	if cap(h.digests) < len(h.msgs) {
		h.digests = make([][sha256mb.Size]byte, len(h.msgs))
	}
	sha256mb.Sum(h.digests, h.msgs)
	for k, i := range h.idx {
		s := b.secs[i]
		b.errs[i] = matchSHA256(s.c, len(s.data), h.digests[k])
	}
}

// plainSHA256 reports whether c's multihash is a full-length SHA-256 (the
// CIDs of every IPFS tool).
func plainSHA256(c cid.Cid) bool {
	h := c.Hash()
	return len(h) == 34 && h[0] == mh.SHA2_256 && h[1] == 32
}

// matchSHA256 is the last step of CheckBlock for a plainSHA256 CID: the
// digest of its n bytes must be the CID's.
func matchSHA256(c cid.Cid, n int, sum [sha256mb.Size]byte) error {
	if !bytes.Equal(sum[:], c.Hash()[2:]) {
		return hashMismatch(c, n, sum)
	}
	return nil
}

// errStopped ends the reader when the checker has already failed.
var errStopped = errorString("verification stopped")

type errorString string

func (e errorString) Error() string { return string(e) }
