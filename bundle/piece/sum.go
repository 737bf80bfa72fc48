package piece

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
)

// spans is the piece tree of a payload being hashed span by span, in any
// order, by several goroutines.
type spans struct {
	size      uint64
	roots     [][32]byte
	lastLevel int // height of the last span's root
}

func newSpans(size uint64) (*spans, error) {
	switch {
	case size == 0:
		return nil, ErrEmpty
	case size > MaxPayload:
		return nil, ErrTooLarge
	}
	return &spans{size: size, roots: make([][32]byte, (size+SpanSize-1)/SpanSize)}, nil
}

// bounds returns the payload range of span i.
func (s *spans) bounds(i int) (int64, int64) {
	off := int64(i) * SpanSize
	return off, min(int64(s.size), off+SpanSize)
}

// set records the root of span i computed by h over data.
func (s *spans) set(h *spanHasher, i int, data []byte) {
	r, level := h.root(data)
	s.setRoot(i, r, level)
}

// setRoot records the root of span i, a subtree of height level.
func (s *spans) setRoot(i int, r [32]byte, level int) {
	s.roots[i] = r
	if i == len(s.roots)-1 {
		s.lastLevel = level
	}
}

func (s *spans) commitment() Commitment {
	return Commitment{Root: combine(s.roots, s.lastLevel), Size: s.size}
}

// Sum computes the piece commitment of the first size bytes of r, hashing
// spans on workers goroutines (0: GOMAXPROCS).
func Sum(ctx context.Context, r io.ReaderAt, size int64, workers int) (Commitment, error) {
	if size < 0 {
		return Commitment{}, errors.New("negative size")
	}
	s, err := newSpans(uint64(size))
	if err != nil {
		return Commitment{}, err
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	next := make(chan int)
	errc := make(chan error, workers)
	var wg sync.WaitGroup
	for range min(workers, len(s.roots)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h, buf := newSpanHasher(), make([]byte, SpanSize)
			for i := range next {
				from, to := s.bounds(i)
				b := buf[:to-from]
				if n, err := r.ReadAt(b, from); n < len(b) {
					errc <- fmt.Errorf("failed to read bytes %d-%d: %w", from, to, err)
					return
				}
				s.set(h, i, b)
			}
		}()
	}
	err = feed(ctx, next, len(s.roots), errc)
	wg.Wait()
	if err != nil {
		return Commitment{}, err
	}
	select {
	case err := <-errc:
		return Commitment{}, err
	default:
	}
	return s.commitment(), nil
}

// feed sends 0..n-1 to next until done, a worker's error or ctx ends it.
func feed(ctx context.Context, next chan<- int, n int, errc chan error) error {
	defer close(next)
	for i := range n {
		select {
		case next <- i:
		case err := <-errc:
			errc <- err
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Writer computes the piece commitment of the bytes written to it, in
// order: full spans are hashed by background goroutines while the next
// ones are written. Memory: a span buffer per goroutine plus one.
type Writer struct {
	buf   []byte
	n     uint64 // bytes written
	roots map[int][32]byte
	mu    sync.Mutex
	work  chan spanJob
	free  chan []byte
	wg    sync.WaitGroup
	done  bool
}

type spanJob struct {
	i    int
	data []byte
}

// NewWriter returns a Writer hashing on workers goroutines (0: GOMAXPROCS).
func NewWriter(workers int) *Writer {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	w := &Writer{roots: map[int][32]byte{}, work: make(chan spanJob), free: make(chan []byte, workers+1)}
	for range workers + 1 {
		w.free <- make([]byte, 0, SpanSize)
	}
	w.buf = <-w.free
	for range workers {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			h := newSpanHasher()
			for j := range w.work {
				r, _ := h.root(j.data)
				w.mu.Lock()
				w.roots[j.i] = r
				w.mu.Unlock()
				w.free <- j.data[:0]
			}
		}()
	}
	return w
}

// Write adds p to the payload. It fails only past MaxPayload or after Sum.
func (w *Writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, errors.New("piece: write after Sum")
	}
	if w.n+uint64(len(p)) > MaxPayload {
		return 0, ErrTooLarge
	}
	written := len(p)
	for len(p) > 0 {
		k := copy(w.buf[len(w.buf):SpanSize], p)
		w.buf = w.buf[:len(w.buf)+k]
		p = p[k:]
		w.n += uint64(k)
		if len(w.buf) == SpanSize {
			w.work <- spanJob{i: int(w.n/SpanSize) - 1, data: w.buf}
			w.buf = <-w.free
		}
	}
	return written, nil
}

// Sum waits for the spans and returns the commitment of everything written.
// The Writer cannot be used afterwards.
func (w *Writer) Sum() (Commitment, error) {
	if w.done {
		return Commitment{}, errors.New("piece: Sum called twice")
	}
	w.done = true
	close(w.work)
	w.wg.Wait()
	s, err := newSpans(w.n)
	if err != nil {
		return Commitment{}, err
	}
	for i, r := range w.roots {
		s.roots[i] = r
	}
	s.lastLevel = spanLevel
	if len(w.buf) > 0 {
		s.set(newSpanHasher(), len(s.roots)-1, w.buf)
	}
	return s.commitment(), nil
}

// Close releases the Writer's goroutines without a result.
func (w *Writer) Close() {
	if !w.done {
		w.done = true
		close(w.work)
		w.wg.Wait()
	}
}
