package bundle

import (
	"fmt"
	"io"
	"io/fs"
	"runtime/debug"
)

// Large files are hashed in place through read-only memory mappings instead
// of being copied through read(2) first: that copy costs about as much CPU
// as the hashing itself. Mappings cover one window at a time, so the
// resident memory they add stays bounded (a few windows per worker) however
// large the file; mapped pages count towards RSS while mapped.
const (
	minMap    = 256 << 10 // smaller files are read: mapping costs more than it saves
	mapWindow = 8 << 20   // a multiple of every profile's chunk size and of the page size
)

// window reads a file through successive read-only mappings of mapWindow
// bytes.
type window struct {
	fd        int
	size, off int64  // file size; file offset of cur[0]
	cur       []byte // current mapping
	pos       int    // read position in cur
}

// newWindow returns a window over f, or nil when f is too small or cannot
// be mapped (callers then read it).
func newWindow(f fs.File, size int64) *window {
	fd, ok := fileFD(f)
	if !ok || size < minMap {
		return nil
	}
	w := &window{fd: fd, size: size}
	if err := w.remap(0); err != nil {
		return nil
	}
	return w
}

func (w *window) remap(off int64) error {
	if w.cur != nil {
		munmap(w.cur)
		w.cur = nil
	}
	n := min(int64(mapWindow), w.size-off)
	if n <= 0 {
		w.off, w.pos = off, 0 // at the end: every later call says EOF again
		return nil
	}
	b, err := mmapRange(w.fd, off, int(n))
	if err != nil {
		return err
	}
	w.cur, w.off, w.pos = b, off, 0
	return nil
}

// next returns the next n bytes (fewer at the end of the file), without
// copying. The slice stays valid until the following call.
func (w *window) next(n int) ([]byte, error) {
	if w.pos >= len(w.cur) {
		if err := w.remap(w.off + int64(len(w.cur))); err != nil {
			return nil, err
		}
		if len(w.cur) == 0 {
			return nil, io.EOF
		}
	}
	end := min(w.pos+n, len(w.cur))
	b := w.cur[w.pos:end:end]
	w.pos = end
	return b, nil
}

func (w *window) close() {
	if w.cur != nil {
		munmap(w.cur)
		w.cur = nil
	}
}

// windowSplitter is a chunker.Splitter over a window: boxo's importer hashes
// raw leaves in place and keeps no slice past the next call.
type windowSplitter struct {
	w     *window
	size  int
	onNew func(int64)
}

func (s *windowSplitter) Reader() io.Reader { return nil }

func (s *windowSplitter) NextBytes() ([]byte, error) {
	b, err := s.w.next(s.size)
	if err != nil {
		return nil, err
	}
	if s.onNew != nil {
		s.onNew(int64(len(b)))
	}
	return b, nil
}

// bytesSplitter is a chunker.Splitter over bytes in memory, handing out
// sub-slices without copying.
type bytesSplitter struct {
	data []byte
	size int
}

func (s *bytesSplitter) Reader() io.Reader { return nil }

func (s *bytesSplitter) NextBytes() ([]byte, error) {
	if len(s.data) == 0 {
		return nil, io.EOF
	}
	n := min(s.size, len(s.data))
	b := s.data[:n:n]
	s.data = s.data[n:]
	return b, nil
}

// errChangedWhileMapped is what a fault on a mapping becomes: the file was
// truncated while we read it.
type errChangedWhileMapped struct{ path string }

func (e errChangedWhileMapped) Error() string {
	return fmt.Sprintf("%s changed while packing (it was truncated); pack again", e.path)
}

// withFaultsAsErrors runs fn with memory faults turned into a returned error
// instead of a crash, for code that reads mapped files.
func withFaultsAsErrors(path string, fn func() error) (err error) {
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(interface{ Addr() uintptr }); ok {
				err = errChangedWhileMapped{path: path}
				return
			}
			panic(r)
		}
	}()
	return fn()
}
