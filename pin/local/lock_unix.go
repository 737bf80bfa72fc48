//go:build unix

package local

import (
	"os"
	"syscall"
)

// lockPath takes an exclusive advisory lock on the file at path (created if
// needed), so two processes never update the pins at once.
func lockPath(path string) (func(), error) { return flock(path, syscall.LOCK_EX) }

// lockPathShared takes a shared lock on the file at path: any number of
// holders at once, none while someone holds it exclusively.
func lockPathShared(path string) (func(), error) { return flock(path, syscall.LOCK_SH) }

func flock(path string, how int) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
