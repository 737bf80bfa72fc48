package trustless

import "runtime"

// Limits bound what untrusted bytes may make a reader allocate or compute.
// They are security defaults: a CAR of a few kilobytes can describe a tree
// of billions of paths (folders linked many times over) or nesting far
// deeper than any file system allows, and each limit turns such a DAG into
// an error wrapping ErrTooLarge that names the limit, before the work is
// done. A zero field takes its value from DefaultLimits.
type Limits struct {
	// MaxSectionSize is the largest CID plus block accepted in a CAR.
	// Bitswap's block limit is 2 MiB; the default leaves room for the CID.
	MaxSectionSize int
	// MaxHeaderSize is the largest CAR header accepted.
	MaxHeaderSize int
	// MaxBlocks is the largest number of distinct blocks a DAG may have,
	// counting those linked but not yet received: it bounds the memory of
	// the completeness check (one CID per block, and the links of
	// directories).
	MaxBlocks int
	// MaxEntries is the largest number of paths (files and folders) the
	// tree may list. Folders linked from several places count once per path.
	MaxEntries int
	// MaxPathBytes bounds the bytes of all the tree's paths together.
	MaxPathBytes int64
	// MaxPathLen is the longest path in the tree, in bytes (Linux's
	// PATH_MAX: no longer path can be written to a disk, so no site has one).
	MaxPathLen int
	// MaxDepth is the deepest folder nesting in the tree (HAMT shard levels
	// do not count; their depth is bounded by the 64-bit name hash).
	MaxDepth int
	// Workers is how many goroutines hash blocks of a CAR stream; 0 means
	// GOMAXPROCS, 1 hashes on the reading goroutine. Either way the stream
	// in memory is bounded: 24 MiB at most with more than one (a block
	// over 4 MiB adds its size), a block's worth with one.
	Workers int
}

// DefaultLimits are the limits used when a field of Limits is zero. They fit
// a site of up to about a million files and folders, and keep the memory of
// a hostile DAG at a few hundred bytes per block it really has.
var DefaultLimits = Limits{
	MaxSectionSize: 2<<20 + 4096,
	MaxHeaderSize:  64 << 10,
	MaxBlocks:      1 << 20,
	MaxEntries:     1 << 20,
	MaxPathBytes:   128 << 20,
	MaxPathLen:     4096,
	MaxDepth:       256,
}

// WithDefaults returns l with every zero (or negative) field set from
// DefaultLimits, and Workers from GOMAXPROCS.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits
	if l.MaxSectionSize <= 0 {
		l.MaxSectionSize = d.MaxSectionSize
	}
	if l.MaxHeaderSize <= 0 {
		l.MaxHeaderSize = d.MaxHeaderSize
	}
	if l.MaxBlocks <= 0 {
		l.MaxBlocks = d.MaxBlocks
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = d.MaxEntries
	}
	if l.MaxPathBytes <= 0 {
		l.MaxPathBytes = d.MaxPathBytes
	}
	if l.MaxPathLen <= 0 {
		l.MaxPathLen = d.MaxPathLen
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.Workers <= 0 {
		l.Workers = runtime.GOMAXPROCS(0)
	}
	return l
}
