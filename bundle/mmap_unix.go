//go:build unix

package bundle

import (
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// mapFile maps f read-only when it is an *os.File of at least minMap bytes,
// so hashing and writing read the page cache directly instead of copying
// every byte through read(2) first. It returns nil, nil when the file is not
// worth or not able to be mapped: callers then read it.
//
// A mapped file that shrinks while mapped raises SIGBUS on access; the
// goroutines that touch mappings run with debug.SetPanicOnFault and turn that
// into an error (see withFaultsAsErrors).
func mapFile(f fs.File, size int64) ([]byte, func(), error) {
	osf, ok := f.(*os.File)
	if !ok || size < minMap || int64(int(size)) != size {
		return nil, nil, nil
	}
	b, err := unix.Mmap(int(osf.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, nil, nil // e.g. a file system without mmap: read instead
	}
	_ = unix.Madvise(b, unix.MADV_SEQUENTIAL)
	return b, func() { _ = unix.Munmap(b) }, nil
}
