package piece

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
)

// File is what a Tracker writes through and reads spans back from.
type File interface {
	io.WriterAt
	io.ReaderAt
}

// Tracker computes the piece commitment of a file of known size that is
// written out of order, at offsets, by WriteAt. It counts the bytes written
// into every part of every span and, as soon as a span is complete, hashes
// it on a background goroutine, reading it back from the file (from the
// page cache: it was just written). The writer never waits for the hashing.
//
// Ranges marked with Later are written last (pack writes the small nodes of
// the DAG once every file is hashed, and they are spread all over the CAR):
// a span holding some is hashed as soon as everything else in it is
// written, all but the parts (PartSize bytes each) those ranges fall in,
// which Sum hashes when they have come. So the hashing left when the writing
// ends is a few parts, not every span that holds a node.
//
// Sum re-hashes, from the file, every span that was not complete when the
// writing ended or that was written again after it was hashed, so the
// result is the commitment of the file's first size bytes as they are when
// Sum is called, provided every write went through the Tracker and no byte
// of a part was written twice before the whole part was written (the count
// would then call a part complete too early; the CAR writer writes every
// byte once).
type Tracker struct {
	f      File
	s      *spans
	mu     sync.Mutex
	fill   []uint16 // bytes written per part
	spans  []spanState
	queue  chan job
	wg     sync.WaitGroup
	errMu  sync.Mutex
	err    error
	ended  bool
	writes bool // WriteAt was called: Later comes too late
}

// PartSize is the payload of one part of a span: 128 quads, a subtree of
// height 9. A span has 64.
const PartSize = 127 << (partLevel - 2)

const (
	partLevel = 9
	spanParts = 1 << (spanLevel - partLevel)
)

// spanState is what the Tracker knows of one span.
type spanState struct {
	done  int    // parts complete
	later uint64 // parts holding bytes marked Later
	state uint8
	parts *[spanParts][32]byte // the roots of the parts hashed early (spanEarly)
}

const (
	spanOpen   = iota // still being written
	spanQueued        // complete, handed to a hasher
	spanEarly         // all but its Later parts written: handed to a hasher for the rest
	spanStale         // written again after it was hashed: hash at Sum
)

// job is a span for a hasher: whole, or all but its Later parts.
type job struct {
	i     int
	early bool
}

// NewTracker tracks size bytes of f, hashing on workers goroutines (0:
// GOMAXPROCS).
func NewTracker(f File, size int64, workers int) (*Tracker, error) {
	if size < 0 {
		return nil, errors.New("negative size")
	}
	s, err := newSpans(uint64(size))
	if err != nil {
		return nil, err
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	t := &Tracker{f: f, s: s, fill: make([]uint16, (size+PartSize-1)/PartSize), spans: make([]spanState, len(s.roots)),
		queue: make(chan job, 2*len(s.roots))}
	for range min(workers, len(s.roots)) {
		t.wg.Add(1)
		go t.hasher()
	}
	return t, nil
}

func (t *Tracker) hasher() {
	defer t.wg.Done()
	h, buf := newSpanHasher(), make([]byte, SpanSize)
	for j := range t.queue {
		var err error
		if j.early {
			err = t.hashEarly(h, buf, j.i)
		} else {
			err = t.hashSpan(h, buf, j.i)
		}
		if err != nil {
			t.errMu.Lock()
			t.err = cmpErr(t.err, err)
			t.errMu.Unlock()
		}
	}
}

func cmpErr(old, err error) error {
	if old != nil {
		return old
	}
	return err
}

func (t *Tracker) hashSpan(h *spanHasher, buf []byte, i int) error {
	from, to := t.s.bounds(i)
	b := buf[:to-from]
	if err := t.readBack(b, from); err != nil {
		return err
	}
	t.s.set(h, i, b)
	return nil
}

func (t *Tracker) readBack(b []byte, off int64) error {
	if n, err := t.f.ReadAt(b, off); n < len(b) {
		return fmt.Errorf("failed to read back bytes %d-%d for the piece CID: %w", off, off+int64(len(b)), err)
	}
	return nil
}

// hashEarly hashes the parts of span i not marked Later.
func (t *Tracker) hashEarly(h *spanHasher, buf []byte, i int) error {
	from, _ := t.s.bounds(i)
	if err := t.readBack(buf, from); err != nil {
		return err
	}
	t.mu.Lock()
	sp := &t.spans[i]
	later := sp.later
	t.mu.Unlock()
	parts := new([spanParts][32]byte)
	for p := range spanParts {
		if later&(1<<p) == 0 {
			parts[p], _ = h.root(buf[p*PartSize : (p+1)*PartSize])
		}
	}
	t.mu.Lock()
	sp.parts = parts
	t.mu.Unlock()
	return nil
}

// Later marks bytes [off, off+n) as written last. Call it before the first
// WriteAt.
func (t *Tracker) Later(off, n int64) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.writes {
		return errors.New("piece: Later after WriteAt")
	}
	size := int64(t.s.size)
	for end := min(off+n, size); off < end; {
		i := int(off / SpanSize)
		from, to := t.s.bounds(i)
		if to-from < SpanSize {
			break // the last span, partial, is hashed whole
		}
		p := (off - from) / PartSize
		t.spans[i].later |= 1 << p
		off = from + (p+1)*PartSize
	}
	return nil
}

// WriteAt writes p at off through to the file and counts it.
func (t *Tracker) WriteAt(p []byte, off int64) (int, error) {
	n, err := t.f.WriteAt(p, off)
	if n > 0 {
		t.written(off, int64(n))
	}
	return n, err
}

// written counts n bytes written at off.
func (t *Tracker) written(off, n int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.writes = true
	size := int64(t.s.size)
	for n > 0 && off < size {
		q := off / PartSize
		pFrom := q * PartSize
		pTo := min(size, pFrom+PartSize)
		k := min(n, pTo-off)
		t.fill[q] += uint16(k)
		off, n = off+k, n-k
		i := int(pFrom / SpanSize)
		sp := &t.spans[i]
		part := uint64(1) << ((pFrom % SpanSize) / PartSize)
		if sp.state != spanOpen && (sp.state != spanEarly || sp.later&part == 0) {
			sp.state = spanStale // written again after it was hashed
		}
		if int64(t.fill[q]) != pTo-pFrom {
			continue
		}
		sp.done++
		from, to := t.s.bounds(i)
		all := int((to - from + PartSize - 1) / PartSize)
		switch {
		case t.ended || sp.state != spanOpen:
		case sp.done == all:
			sp.state = spanQueued
			t.queue <- job{i: i} // never blocks: room for two jobs a span
		case sp.later != 0 && sp.done == all-popcount(sp.later):
			sp.state = spanEarly
			t.queue <- job{i: i, early: true}
		}
	}
}

func popcount(x uint64) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

// Sum waits for the hashers, hashes what is left and returns the
// commitment. Call it once, after the last write.
func (t *Tracker) Sum() (Commitment, error) {
	t.stop()
	if t.err != nil {
		return Commitment{}, t.err
	}
	h, buf := newSpanHasher(), make([]byte, SpanSize)
	for i := range t.spans {
		sp := &t.spans[i]
		switch {
		case sp.state == spanQueued:
		case sp.state == spanEarly && sp.parts != nil:
			if err := t.finishEarly(h, buf, i); err != nil {
				return Commitment{}, err
			}
		default:
			if err := t.hashSpan(h, buf, i); err != nil {
				return Commitment{}, err
			}
		}
	}
	return t.s.commitment(), nil
}

// finishEarly hashes the Later parts of span i and joins them with the
// parts hashed early into the span's root.
func (t *Tracker) finishEarly(h *spanHasher, buf []byte, i int) error {
	sp := &t.spans[i]
	from, _ := t.s.bounds(i)
	layer := make([][32]byte, spanParts, spanParts+1)
	for p := range spanParts {
		if sp.later&(1<<p) == 0 {
			layer[p] = sp.parts[p]
			continue
		}
		b := buf[:PartSize]
		if err := t.readBack(b, from+int64(p*PartSize)); err != nil {
			return err
		}
		layer[p], _ = h.root(b)
	}
	root, level := h.reduce(layer, partLevel, spanLevel)
	t.s.setRoot(i, root, level)
	return nil
}

// Stop ends the hashing without a result (the file was rewritten another
// way).
func (t *Tracker) Stop() { t.stop() }

func (t *Tracker) stop() {
	t.mu.Lock()
	if !t.ended {
		t.ended = true
		close(t.queue)
	}
	t.mu.Unlock()
	t.wg.Wait()
}
