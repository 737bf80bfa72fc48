//go:build !linux

package atomicfile

import "os"

func replace(tmp, target string) error { return os.Rename(tmp, target) }
