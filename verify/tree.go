package verify

import (
	"fmt"
	"path"
	"sort"

	"github.com/ipfs/go-cid"
)

// UnixFS node types (ipfs/specs unixfs.md, Data.Type).
const (
	unixfsDirectory = 1
	unixfsHAMTShard = 5
)

// maxTreeEntries bounds the paths a Tree expands to: a DAG may link the same
// folder many times, and its path count could grow exponentially.
const maxTreeEntries = 5_000_000

// maxTreeDepth bounds folder nesting (and HAMT levels), so a hostile DAG
// cannot make the walk recurse without end.
const maxTreeDepth = 4096

// Tree collects the UnixFS directories of a DAG from verified blocks (use
// Collect as Options.OnBlock), so that the site's paths can be listed
// without fetching anything again. It keeps only directory nodes' links.
type Tree struct {
	root cid.Cid
	dirs map[cid.Cid]treeDir
}

type treeDir struct {
	hamt  bool
	links []treeLink
}

type treeLink struct {
	name string
	cid  cid.Cid
}

// NewTree returns an empty Tree for the DAG under root.
func NewTree(root cid.Cid) *Tree { return &Tree{root: root, dirs: map[cid.Cid]treeDir{}} }

// Collect records c if it is a UnixFS directory or HAMT shard. Its signature
// fits Options.OnBlock; blocks must already be verified.
func (t *Tree) Collect(c cid.Cid, data []byte) error {
	if c.Type() != codecDagPB {
		return nil
	}
	var links []treeLink
	node, err := parsePB(data, func(hash, name []byte) error {
		l, err := cid.Cast(hash)
		if err != nil {
			return err
		}
		links = append(links, treeLink{name: string(name), cid: l})
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: block %s: %w", ErrMalformed, c, err)
	}
	switch unixfsType(node) {
	case unixfsDirectory:
		t.dirs[c] = treeDir{links: links}
	case unixfsHAMTShard:
		t.dirs[c] = treeDir{hamt: true, links: links}
	}
	return nil
}

// Entries lists the site: every file path with the CID of its content, and
// every folder path ("" for the root is not listed), both sorted. Paths use
// '/' like bundle.Manifest.
func (t *Tree) Entries() (files map[string]cid.Cid, dirs []string, err error) {
	files = map[string]cid.Cid{}
	if _, ok := t.dirs[t.root]; !ok {
		return map[string]cid.Cid{"": t.root}, nil, nil // a single file
	}
	if err := t.walk(t.root, "", 0, files, &dirs); err != nil {
		return nil, nil, err
	}
	sort.Strings(dirs)
	return files, dirs, nil
}

func (t *Tree) walk(c cid.Cid, prefix string, depth int, files map[string]cid.Cid, dirs *[]string) error {
	if depth > maxTreeDepth {
		return fmt.Errorf("%w: folders nested more than %d deep", ErrTooLarge, maxTreeDepth)
	}
	d := t.dirs[c]
	for _, l := range d.links {
		name := l.name
		if d.hamt {
			if len(name) < 2 {
				return fmt.Errorf("%w: HAMT shard %s has a link named %q", ErrMalformed, c, name)
			}
			if len(name) == 2 { // a sub-shard: same folder, next level
				if err := t.walk(l.cid, prefix, depth+1, files, dirs); err != nil {
					return err
				}
				continue
			}
			name = name[2:]
		}
		if err := t.addEntry(l.cid, path.Join(prefix, name), depth, files, dirs); err != nil {
			return err
		}
	}
	return nil
}

func (t *Tree) addEntry(c cid.Cid, p string, depth int, files map[string]cid.Cid, dirs *[]string) error {
	if len(files)+len(*dirs) >= maxTreeEntries {
		return fmt.Errorf("%w: more than %d paths", ErrTooLarge, maxTreeEntries)
	}
	if _, isDir := t.dirs[c]; isDir {
		*dirs = append(*dirs, p)
		return t.walk(c, p, depth+1, files, dirs)
	}
	files[p] = c
	return nil
}
