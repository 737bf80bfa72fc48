package bundle

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// preallocate reserves size bytes for f before anything is read: a disk
// without room fails at once instead of after hashing the whole site, and
// the file system lays the CAR out in one go. File systems without
// fallocate(2) are left to allocate as the writes come.
func preallocate(f *os.File, size int64) error {
	sc, err := f.SyscallConn()
	if err != nil {
		return nil
	}
	var ferr error
	if err := sc.Control(func(fd uintptr) {
		for {
			ferr = unix.Fallocate(int(fd), 0, 0, size)
			if ferr != unix.EINTR {
				return
			}
		}
	}); err != nil {
		return nil
	}
	if errors.Is(ferr, unix.ENOSPC) || errors.Is(ferr, unix.EDQUOT) || errors.Is(ferr, unix.EFBIG) {
		return &os.PathError{Op: "fallocate", Path: f.Name(), Err: ferr}
	}
	return nil
}
