//go:build !unix

package bundle

import (
	"errors"
	"io/fs"
)

func fileFD(fs.File) (int, bool) { return 0, false }

func mmapRange(int, int64, int) ([]byte, error) { return nil, errors.New("mmap unsupported") }

func munmap([]byte) {}
