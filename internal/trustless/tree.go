package trustless

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"

	"github.com/ipfs/go-cid"
	"github.com/spaolacci/murmur3"
)

// Tree holds the directory blocks of a DAG (only those: never file data)
// and turns them into the site's paths, refusing a tree that lies or is too
// large before any path is made.
//
// A DAG of a few kilobytes can describe billions of paths: a folder may be
// linked from many places, each link another copy of everything below it.
// So Check first computes, per folder (memoised, so in time linear in the
// number of blocks), how many paths and path bytes lie below it and how
// deep they go, and compares the totals with the Limits; only then does
// Walk list paths, whose number is by then known to be bounded.
type Tree struct {
	root    cid.Cid
	lim     Limits
	dirs    map[string]*Dir // directory and HAMT blocks, by CID bytes
	checked error           // the outcome of Check, once run
	ran     bool
}

// NewTree returns an empty tree for the DAG under root.
func NewTree(root cid.Cid, lim Limits) *Tree {
	return &Tree{root: root, lim: lim.WithDefaults(), dirs: map[string]*Dir{}}
}

// Root is the CID the tree starts at.
func (t *Tree) Root() cid.Cid { return t.root }

// Add keeps n if it is a directory or HAMT shard.
func (t *Tree) Add(c cid.Cid, n *Node) {
	if n.Dir != nil {
		t.dirs[c.KeyString()] = n.Dir
		t.ran = false
	}
}

// Collect decodes a block that CheckBlock accepted and keeps it if it is a
// directory. Its signature fits an OnBlock callback.
func (t *Tree) Collect(c cid.Cid, block []byte) error {
	n, err := Decode(c, block)
	if err != nil {
		return err
	}
	t.Add(c, n)
	return nil
}

// IsDir reports whether c is a directory (or HAMT shard) the tree holds.
func (t *Tree) IsDir(c cid.Cid) bool {
	_, ok := t.dirs[c.KeyString()]
	return ok
}

// stats summarise the paths below a folder (or in a HAMT shard), relative
// to it. Sums saturate at math.MaxUint64.
type stats struct {
	entries uint64 // paths
	bytes   uint64 // bytes of all those paths together
	depth   int    // most path segments
	longest int    // longest path in bytes
}

func satAdd(a, b uint64) uint64 {
	if a > math.MaxUint64-b {
		return math.MaxUint64
	}
	return a + b
}

func satMul(a, b uint64) uint64 {
	if a != 0 && b > math.MaxUint64/a {
		return math.MaxUint64
	}
	return a * b
}

// named is what an entry called name adds to its folder's stats, given the
// stats of its target (zero for a file).
func (s stats) named(name string) stats {
	n := uint64(len(name))
	out := stats{
		entries: satAdd(1, s.entries),
		bytes:   satAdd(satAdd(n, satMul(n+1, s.entries)), s.bytes),
		depth:   1 + s.depth,
		longest: len(name),
	}
	if s.longest > 0 {
		out.longest += 1 + s.longest
	}
	return out
}

func (s *stats) add(o stats) {
	s.entries = satAdd(s.entries, o.entries)
	s.bytes = satAdd(s.bytes, o.bytes)
	s.depth = max(s.depth, o.depth)
	s.longest = max(s.longest, o.longest)
}

// hamtCtx is where a HAMT shard sits in its folder: how many bits of each
// name's hash the shards above it consumed, and their value.
type hamtCtx struct {
	used   int
	prefix uint64
}

// frame is one folder or shard on Check's explicit stack (a DAG may nest
// far deeper than the goroutine stack should).
type frame struct {
	key    string // memo key
	c      cid.Cid
	dir    *Dir
	shard  bool    // a HAMT sub-shard (its entries belong to the folder above)
	ctx    hamtCtx // HAMT: position of this shard
	next   int     // next entry to visit
	acc    stats
	folder int // folders on the stack up to and including this one
	path   int // bytes of the path to this folder
}

// Check verifies the tree under the root without listing it: every HAMT
// entry sits in the bucket a lookup of its name reaches (so a lookup finds
// exactly the entries a listing shows, as Decode's per-block checks make
// sure for the rest), no folder contains itself, and the paths stay within
// the Limits. present reports whether a block is in the DAG at all (a block
// that is missing is reported by the completeness check, not here); nil
// means every block is. Errors wrap ErrBadDirectory or ErrTooLarge.
func (t *Tree) Check(present func(cid.Cid) bool) error {
	if t.ran {
		return t.checked
	}
	t.checked, t.ran = t.check(present), true
	return t.checked
}

func (t *Tree) check(present func(cid.Cid) bool) error {
	root, ok := t.dirs[t.root.KeyString()]
	if !ok {
		return nil // a single file
	}
	if present == nil {
		present = func(cid.Cid) bool { return true }
	}
	memo := map[string]stats{}
	onStack := map[string]bool{}
	stack := []*frame{{key: folderKey(t.root), c: t.root, dir: root}}
	onStack[stack[0].key] = true
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		child, err := t.step(f, memo, onStack, present)
		if err != nil {
			return err
		}
		if child != nil {
			stack = append(stack, child)
			onStack[child.key] = true
			continue
		}
		if f.next < len(f.dir.Entries) {
			continue
		}
		// Every entry visited: f's stats are final.
		memo[f.key] = f.acc
		delete(onStack, f.key)
		stack = stack[:len(stack)-1]
		if len(stack) > 0 {
			parent := stack[len(stack)-1]
			if err := t.combine(parent, f.acc, f.shard); err != nil {
				return err
			}
		}
	}
	return t.within(memo[folderKey(t.root)])
}

// step visits f's next entry: it adds a file or a folder already known to
// f's stats, or returns the frame of a folder or shard still to visit.
func (t *Tree) step(f *frame, memo map[string]stats, onStack map[string]bool, present func(cid.Cid) bool) (*frame, error) {
	if f.next >= len(f.dir.Entries) {
		return nil, nil
	}
	e := f.dir.Entries[f.next]
	if f.dir.HAMT {
		if e.Name == "" {
			return t.subShard(f, e, memo, onStack, present)
		}
		if err := placed(f, e); err != nil {
			return nil, err
		}
	}
	sub, isDir := t.dirs[e.Cid.KeyString()]
	if !isDir {
		f.next++
		return nil, t.combineNamed(f, e.Name, stats{})
	}
	key := folderKey(e.Cid)
	if s, ok := memo[key]; ok {
		f.next++
		return nil, t.combineNamed(f, e.Name, s)
	}
	if onStack[key] {
		return nil, fmt.Errorf("%w: folder %s contains itself", ErrBadDirectory, e.Cid)
	}
	folder, path := f.folder+1, f.path+len(e.Name)
	if f.path > 0 {
		path++ // the '/' before the name
	}
	if err := t.deepEnough(folder, path); err != nil {
		return nil, err
	}
	return &frame{key: key, c: e.Cid, dir: sub, folder: folder, path: path}, nil
}

// subShard returns the frame of a HAMT sub-shard, or skips a missing one.
func (t *Tree) subShard(f *frame, e Entry, memo map[string]stats, onStack map[string]bool, present func(cid.Cid) bool) (*frame, error) {
	sub, ok := t.dirs[e.Cid.KeyString()]
	if !ok || !sub.HAMT {
		if !ok && !present(e.Cid) {
			f.next++
			return nil, nil // missing: the completeness check reports it
		}
		return nil, fmt.Errorf("%w: HAMT shard %s links bucket %X to %s, which is not a HAMT shard", ErrBadDirectory, f.c, e.Bucket, e.Cid)
	}
	if len(sub.Entries) == 0 {
		return nil, fmt.Errorf("%w: HAMT shard %s links bucket %X to an empty shard", ErrBadDirectory, f.c, e.Bucket)
	}
	ctx := hamtCtx{used: f.ctx.used + f.dir.Bits, prefix: f.ctx.prefix<<f.dir.Bits | uint64(e.Bucket)}
	if ctx.used+sub.Bits > 64 {
		return nil, fmt.Errorf("%w: HAMT shard %s nests deeper than its 64-bit name hash reaches", ErrBadDirectory, e.Cid)
	}
	key := shardKey(e.Cid, ctx)
	if s, ok := memo[key]; ok {
		return nil, t.combine(f, s, true) // combine moves f past the entry
	}
	if onStack[key] {
		return nil, fmt.Errorf("%w: HAMT shard %s contains itself", ErrBadDirectory, e.Cid)
	}
	return &frame{key: key, c: e.Cid, dir: sub, shard: true, ctx: ctx, folder: f.folder, path: f.path}, nil
}

// placed checks that a lookup of e's name in the HAMT reaches e: the bits of
// the name's murmur3 hash used by the shards above and by this one (taken
// most significant first, as go-unixfsnode's hashBits does) must spell the
// buckets that lead here.
func placed(f *frame, e Entry) error {
	used := f.ctx.used + f.dir.Bits
	if used > 64 {
		return fmt.Errorf("%w: HAMT shard %s nests deeper than its 64-bit name hash reaches", ErrBadDirectory, f.c)
	}
	h := murmur3.Sum64([]byte(e.Name))
	want := f.ctx.prefix<<f.dir.Bits | uint64(e.Bucket)
	if h>>(64-used) != want {
		return fmt.Errorf("%w: HAMT shard %s holds %q in bucket %X, where a lookup of that name never looks", ErrBadDirectory, f.c, e.Name, e.Bucket)
	}
	return nil
}

// combine adds a finished child's stats to its parent frame.
func (t *Tree) combine(parent *frame, s stats, shard bool) error {
	if shard {
		parent.acc.add(s)
		parent.next++
		return t.within(parent.acc)
	}
	parent.next++
	return t.combineNamed(parent, parent.dir.Entries[parent.next-1].Name, s)
}

// combineNamed adds an entry called name, whose target has stats s, to f.
func (t *Tree) combineNamed(f *frame, name string, s stats) error {
	f.acc.add(s.named(name))
	return t.within(f.acc)
}

// deepEnough refuses to descend past MaxDepth folders or MaxPathLen bytes.
func (t *Tree) deepEnough(folders, path int) error {
	if folders > t.lim.MaxDepth {
		return fmt.Errorf("%w: the tree of %s nests folders more than %d deep (MaxDepth)", ErrTooLarge, t.root, t.lim.MaxDepth)
	}
	if path > t.lim.MaxPathLen {
		return fmt.Errorf("%w: the tree of %s has a path longer than %d bytes (MaxPathLen)", ErrTooLarge, t.root, t.lim.MaxPathLen)
	}
	return nil
}

// within compares stats with the limits. Stats only grow towards the root,
// so a folder over a limit means the whole tree is.
func (t *Tree) within(s stats) error {
	switch {
	case s.entries > uint64(t.lim.MaxEntries):
		return fmt.Errorf("%w: the tree of %s lists more than %d paths (MaxEntries)", ErrTooLarge, t.root, t.lim.MaxEntries)
	case s.bytes > uint64(t.lim.MaxPathBytes):
		return fmt.Errorf("%w: the paths of the tree of %s add up to more than %d bytes (MaxPathBytes)", ErrTooLarge, t.root, t.lim.MaxPathBytes)
	}
	return t.deepEnough(s.depth, s.longest)
}

func folderKey(c cid.Cid) string { return "d" + c.KeyString() }

func shardKey(c cid.Cid, ctx hamtCtx) string {
	var b [9]byte
	b[0] = byte(ctx.used)
	binary.BigEndian.PutUint64(b[1:], ctx.prefix)
	return "s" + string(b[:]) + c.KeyString()
}

// Walk calls fn with every path of the tree, depth-first in link order:
// first "" for the root, then each entry ("a", "a/b", ...; HAMT levels are
// folded away). dir says whether the entry is a folder. It runs Check
// first (with present as there), so the number of calls is within the
// Limits. An error from fn stops the walk and is returned.
func (t *Tree) Walk(present func(cid.Cid) bool, fn func(path string, c cid.Cid, dir bool) error) error {
	if err := t.Check(present); err != nil {
		return err
	}
	root, isDir := t.dirs[t.root.KeyString()]
	if err := fn("", t.root, isDir); err != nil || !isDir {
		return err
	}
	type item struct {
		dir    *Dir
		prefix string
		next   int
	}
	stack := []item{{dir: root}}
	for len(stack) > 0 {
		it := &stack[len(stack)-1]
		if it.next >= len(it.dir.Entries) {
			stack = stack[:len(stack)-1]
			continue
		}
		e := it.dir.Entries[it.next]
		it.next++
		sub, isDir := t.dirs[e.Cid.KeyString()]
		if it.dir.HAMT && e.Name == "" {
			if isDir { // a missing shard was allowed by Check; nothing below it to list
				stack = append(stack, item{dir: sub, prefix: it.prefix})
			}
			continue
		}
		p := e.Name
		if it.prefix != "" {
			p = it.prefix + "/" + e.Name
		}
		if err := fn(p, e.Cid, isDir); err != nil {
			return err
		}
		if isDir {
			stack = append(stack, item{dir: sub, prefix: p})
		}
	}
	return nil
}

// Entries lists the site: every file path with the CID of its content, and
// every folder path ("" for the root is not listed), sorted. Paths use '/'
// like bundle.Manifest. A root that is not a folder is one file at "".
func (t *Tree) Entries() (files map[string]cid.Cid, dirs []string, err error) {
	files = map[string]cid.Cid{}
	err = t.Walk(nil, func(p string, c cid.Cid, dir bool) error {
		switch {
		case dir && p != "":
			dirs = append(dirs, p)
		case !dir:
			files[p] = c
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(dirs)
	return files, dirs, nil
}
