package bundle

import (
	"fmt"
	"io"
	"runtime/debug"
)

// minMap is the size from which files are memory-mapped rather than read:
// below it the map and unmap calls cost more than the copy they save.
const minMap = 256 << 10

// sliceSplitter is a chunker.Splitter over bytes already in memory (a
// mapping): it hands out sub-slices, copying nothing. boxo's importer hashes
// raw leaves in place and never retains or recycles the slices.
type sliceSplitter struct {
	data  []byte
	size  int
	off   int
	onNew func(int64)
}

func (s *sliceSplitter) Reader() io.Reader { return nil }

func (s *sliceSplitter) NextBytes() ([]byte, error) {
	if s.off >= len(s.data) {
		return nil, io.EOF
	}
	end := min(s.off+s.size, len(s.data))
	b := s.data[s.off:end:end]
	s.off = end
	if s.onNew != nil {
		s.onNew(int64(len(b)))
	}
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
