package atomicfile

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// replace moves the file at tmp to target. An existing target is exchanged
// with tmp in one step, so target always names a complete file, and the old
// content, now at tmp, is removed.
func replace(tmp, target string) error {
	if fi, err := os.Lstat(target); err != nil || !fi.Mode().IsRegular() {
		return os.Rename(tmp, target) // nothing to swap with, or not a file: rename decides
	}
	err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, target, unix.RENAME_EXCHANGE)
	if err == nil {
		// The new content is in place; removing the old is best effort (a
		// failure leaves the hidden temporary name behind, nothing worse).
		os.Remove(tmp)
		return nil
	}
	// The target just went away (ENOENT), or a file system or kernel
	// without exchange.
	if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EOPNOTSUPP) {
		return os.Rename(tmp, target)
	}
	return &os.LinkError{Op: "rename", Old: tmp, New: target, Err: err}
}
