//go:build unix

package bundle

import (
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// fileFD returns the descriptor behind f when it is an *os.File.
func fileFD(f fs.File) (int, bool) {
	osf, ok := f.(*os.File)
	if !ok {
		return 0, false
	}
	return int(osf.Fd()), true
}

func mmapRange(fd int, off int64, n int) ([]byte, error) {
	b, err := unix.Mmap(fd, off, n, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, err
	}
	_ = unix.Madvise(b, unix.MADV_SEQUENTIAL)
	return b, nil
}

func munmap(b []byte) { _ = unix.Munmap(b) }
