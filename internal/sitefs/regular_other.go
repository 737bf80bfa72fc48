//go:build !unix

package sitefs

import "io/fs"

// OpenRegular opens name for reading; elsewhere than on Unix it is Open.
func (f *FS) OpenRegular(name string) (fs.File, error) { return f.Open(name) }

// dirFile is unused off Unix.
type dirFile struct{}

func (dirFile) close() {}
