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
// into every span and, as soon as a span is complete, hashes it on a
// background goroutine, reading it back from the file (from the page cache:
// it was just written). The writer never waits for the hashing.
//
// Sum re-hashes, from the file, every span that was not complete when the
// writing ended or that was written again after it was hashed, so the
// result is the commitment of the file's first size bytes as they are when
// Sum is called, provided every write went through the Tracker and no byte
// of a span was written twice before the whole span was written (the count
// would then call a span complete too early; the CAR writer writes every
// byte once).
type Tracker struct {
	f     File
	s     *spans
	mu    sync.Mutex
	fill  []int64 // bytes written per span
	state []uint8 // spanOpen, spanQueued, spanStale
	queue chan int
	wg    sync.WaitGroup
	errMu sync.Mutex
	err   error
	ended bool
}

const (
	spanOpen   = iota // still being written
	spanQueued        // complete, handed to a hasher
	spanStale         // written again after it was complete: hash at Sum
)

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
	t := &Tracker{f: f, s: s, fill: make([]int64, len(s.roots)), state: make([]uint8, len(s.roots)),
		queue: make(chan int, len(s.roots))}
	for range min(workers, len(s.roots)) {
		t.wg.Add(1)
		go t.hasher()
	}
	return t, nil
}

func (t *Tracker) hasher() {
	defer t.wg.Done()
	h, buf := newSpanHasher(), make([]byte, SpanSize)
	for i := range t.queue {
		if err := t.hashSpan(h, buf, i); err != nil {
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
	if n, err := t.f.ReadAt(b, from); n < len(b) {
		return fmt.Errorf("failed to read back bytes %d-%d for the piece CID: %w", from, to, err)
	}
	t.s.set(h, i, b)
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
	for n > 0 && off < int64(t.s.size) {
		i := int(off / SpanSize)
		from, to := t.s.bounds(i)
		k := min(n, to-off)
		t.fill[i] += k
		switch {
		case t.state[i] == spanOpen && t.fill[i] == to-from && !t.ended:
			t.state[i] = spanQueued
			t.queue <- i // never blocks: room for every span
		case t.state[i] == spanQueued:
			t.state[i] = spanStale
		}
		off, n = off+k, n-k
	}
}

// Sum waits for the hashers, hashes what is left and returns the
// commitment. Call it once, after the last write.
func (t *Tracker) Sum() (Commitment, error) {
	t.stop()
	if t.err != nil {
		return Commitment{}, t.err
	}
	h, buf := newSpanHasher(), make([]byte, SpanSize)
	for i, st := range t.state {
		if st != spanQueued {
			if err := t.hashSpan(h, buf, i); err != nil {
				return Commitment{}, err
			}
		}
	}
	return t.s.commitment(), nil
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
