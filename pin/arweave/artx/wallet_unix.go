//go:build unix

package artx

import (
	"os"
	"syscall"
)

// openNoBlock opens path for reading. O_NONBLOCK: opening a FIFO named as
// a wallet file must fail the regular-file check, not hang.
func openNoBlock(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
