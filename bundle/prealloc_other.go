//go:build !linux

package bundle

import "os"

// preallocate does nothing here: the file grows as it is written.
func preallocate(*os.File, int64) error { return nil }
