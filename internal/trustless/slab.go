package trustless

import (
	"io"
	"sync/atomic"
)

// Reading sections without copying them
//
// A CAR stream is read in large reads into large buffers (slabs), and each
// section is handed out as a slice of the slab it was read into, so a block
// is never copied between the read and the hashing. Only a section cut by
// the end of a slab is moved, to the start of the next one (on average half
// a block per slab).
//
// Next reads through one slab, reused: a section stays valid until the
// next call. The pipeline of VerifyCAR takes slabs from a slabPool instead:
// a slab goes back to the pool once every section read into it has been
// hashed and checked (refs), so the reader runs ahead of the hashing by at
// most the pool's slabs.

// slabSize is the size of the pipeline's slabs and the largest a reused
// slab grows to beyond the largest section (a variable for the tests).
var slabSize = defaultSlabSize

const defaultSlabSize = 4 << 20

// firstSlab is the size of the first slab: small streams (most of the
// tests, single blocks) never need more. Slab sizes are powers of two
// times firstSlab.
var firstSlab = 64 << 10

// slabsPerPipeline bounds the slabs of one pipelined read, and so its
// memory: slabsPerPipeline*slabSize bytes of stream at most (with a section
// longer than slabSize, a slab of its size). See maxBatchBytes.
const slabsPerPipeline = 6

// slab is one buffer of the stream. refs counts its users: the reader while
// it reads into it, and each batch holding sections of it.
type slab struct {
	b    []byte
	refs atomic.Int32
	pool *slabPool // nil: not pooled (Next's slab, or a section of its own)
}

// release drops one reference; the last one returns the slab to its pool.
func (s *slab) release() {
	if s.refs.Add(-1) == 0 && s.pool != nil {
		s.pool.free <- s // never blocks: room for every slab made
	}
}

// slabPool hands out at most max slabs. Slabs start small and double with
// each new buffer up to slabSize; a returned slab smaller than the current
// size gets a larger buffer, so a short stream stays small and a long one
// soon reads in whole slabs.
type slabPool struct {
	free chan *slab
	made int // slabs alive
	max  int
	size int // size of the next slab made
	stop <-chan struct{}
	// idle is called before the pool waits for a slab to come back (the
	// pipeline hands over the sections it holds, so that one can).
	idle func()
}

func newSlabPool(max int, stop <-chan struct{}) *slabPool {
	return &slabPool{free: make(chan *slab, max), max: max, size: firstSlab, stop: stop}
}

// get returns a slab of at least n bytes holding one reference, or nil once
// stop is closed.
func (p *slabPool) get(n int) *slab {
	var s *slab
	select {
	case s = <-p.free:
	default:
	}
	if s == nil && p.made < p.max {
		p.made++
		s = &slab{pool: p}
	}
	if s == nil {
		if p.idle != nil {
			p.idle()
		}
		select {
		case s = <-p.free:
		case <-p.stop:
			return nil
		}
	}
	want := max(p.size, n)
	if len(s.b) < want || len(s.b) > max(slabSize, n) {
		// An outgrown slab, or one made for a section over slabSize,
		// is left to the collector.
		s.b = make([]byte, roundSlab(want))
		p.size = min(2*p.size, slabSize)
	}
	s.refs.Store(1)
	return s
}

// roundSlab rounds n up to a power of two from firstSlab.
func roundSlab(n int) int {
	s := firstSlab
	for s < n {
		s *= 2
	}
	return s
}

// slabReader reads a stream into slabs.
type slabReader struct {
	r    io.Reader
	cur  *slab
	pos  int   // next byte to parse in cur.b
	end  int   // bytes of cur.b filled
	off  int64 // stream offset of cur.b[0]
	err  error // the read error that ended the stream (io.EOF at its end)
	pool *slabPool
}

// newSlabReader reads r into one reused slab, or into slabs of pool.
func newSlabReader(r io.Reader, pool *slabPool) *slabReader {
	return &slabReader{r: r, pool: pool}
}

// offset is the stream offset of the next byte to parse.
func (s *slabReader) offset() int64 { return s.off + int64(s.pos) }

// need makes the next n bytes available at cur.b[pos:pos+n], reading as
// much as the slab holds at a time. It returns the read error (io.EOF at the
// end of the stream) when the stream ends first, and errStopped when the
// pipeline stopped while it waited for a slab.
func (s *slabReader) need(n int) error {
	if s.end-s.pos >= n {
		return nil
	}
	if s.cur == nil || s.pos+n > len(s.cur.b) {
		if err := s.move(n); err != nil {
			return err
		}
	}
	for empty := 0; s.end-s.pos < n; {
		if s.err != nil {
			return s.err
		}
		k, err := s.r.Read(s.cur.b[s.end:])
		s.end += k
		switch {
		case err != nil:
			s.err = err
		case k > 0:
			empty = 0
		default:
			if empty++; empty == 100 { // as bufio gives up on a reader that returns nothing
				s.err = io.ErrNoProgress
			}
		}
	}
	return nil
}

// Read copies out what is buffered, or reads more first (for the header).
func (s *slabReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if err := s.need(1); err != nil {
		return 0, err
	}
	n := copy(p, s.cur.b[s.pos:s.end])
	s.pos += n
	return n, nil
}

// discard skips n bytes (a CARv2's padding).
func (s *slabReader) discard(n int64) error {
	for n > 0 {
		if err := s.need(1); err != nil {
			return err
		}
		k := int(min(n, int64(s.end-s.pos)))
		s.pos += k
		n -= int64(k)
	}
	return nil
}

// move puts the unparsed bytes at the start of a slab with room for n:
// the same one when it is not pooled (the previous section is no longer
// valid), a fresh one from the pool otherwise.
func (s *slabReader) move(n int) error {
	rest := 0
	if s.cur != nil {
		rest = s.end - s.pos
	}
	if s.pool == nil {
		if s.cur == nil {
			s.cur = &slab{}
		}
		if n > len(s.cur.b) {
			b := make([]byte, max(roundSlab(n), min(2*len(s.cur.b), slabSize)))
			copy(b, s.cur.b[s.pos:s.end])
			s.cur.b = b
		} else {
			copy(s.cur.b, s.cur.b[s.pos:s.end])
		}
	} else {
		next := s.pool.get(n)
		if next == nil {
			return errStopped
		}
		if s.cur != nil {
			copy(next.b, s.cur.b[s.pos:s.end])
			s.cur.release()
		}
		s.cur = next
	}
	s.off += int64(s.pos)
	s.pos, s.end = 0, rest
	return nil
}

// take returns the next n bytes (available after need(n)).
func (s *slabReader) take(n int) []byte {
	b := s.cur.b[s.pos : s.pos+n : s.pos+n]
	s.pos += n
	return b
}

// ReadByte reads one byte, for the section lengths (go-varint).
func (s *slabReader) ReadByte() (byte, error) {
	if err := s.need(1); err != nil {
		return 0, err
	}
	b := s.cur.b[s.pos]
	s.pos++
	return b, nil
}

// tail returns up to n more bytes of the stream, for a message a gateway
// appended; whatever it holds when the stream ends or fails.
func (s *slabReader) tail(n int) []byte {
	for s.end-s.pos < n && s.need(s.end-s.pos+1) == nil {
	}
	return s.take(min(n, s.end-s.pos))
}

// close gives the slab back.
func (s *slabReader) close() {
	if s.cur != nil && s.pool != nil {
		s.cur.release()
	}
	s.cur = nil
}
