//go:build !unix

package bundle

import "io/fs"

// mapFile never maps on this platform: files are read.
func mapFile(fs.File, int64) ([]byte, func(), error) { return nil, nil, nil }
