package sitefs

import (
	"io/fs"
	"sort"
)

func sortEntries(des []fs.DirEntry) {
	sort.Slice(des, func(i, j int) bool { return des[i].Name() < des[j].Name() })
}
