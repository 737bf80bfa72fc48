package trustless

import (
	"bytes"
	"fmt"
	"math/bits"

	bitfield "github.com/ipfs/go-bitfield"
	"github.com/ipfs/go-cid"
	"github.com/ipfs/go-unixfsnode/data"
)

// Kind is what a block is in a UnixFS DAG.
type Kind uint8

// The kinds of block. A dag-pb node whose Data does not decode as UnixFS
// (or is UnixFS metadata) is KindOther.
const (
	KindRaw     Kind = iota + 1 // a raw block: file bytes
	KindFile                    // a UnixFS file (or UnixFS raw) node
	KindDir                     // a UnixFS directory
	KindHAMT                    // a UnixFS HAMT shard: a sharded directory or a level of one
	KindSymlink                 // a UnixFS symlink
	KindOther                   // any other dag-pb node
)

func (k Kind) String() string {
	switch k {
	case KindRaw:
		return "raw"
	case KindFile:
		return "file"
	case KindDir:
		return "dir"
	case KindHAMT:
		return "hamt"
	case KindSymlink:
		return "symlink"
	}
	return "dag-pb"
}

// Node is a decoded block: what walks need, never file data.
type Node struct {
	Kind  Kind
	Size  uint64    // file content bytes (KindFile, KindRaw)
	Links []cid.Cid // every block it links to, in order
	Dir   *Dir      // KindDir and KindHAMT: the validated entries
}

// Dir is the validated content of a directory block.
type Dir struct {
	HAMT    bool
	Bits    int // HAMT: bits of the name hash each level of shards consumes (log2 of the fanout)
	Entries []Entry
}

// Entry is one link of a directory block.
type Entry struct {
	Name   string // the entry's name; "" for a HAMT link to a sub-shard
	Cid    cid.Cid
	Bucket int // HAMT: the bucket the link sits in
}

// Decode reads a block that CheckBlock accepted. Every link must name a
// CID the hash policy accepts (CheckCID), and a directory must not lie
// (see checkName and decodeHAMT): the same rules hold wherever a block is
// read, so a block `serve` hands to boxo's gateway was judged exactly as
// `verify` and `inspect` judge it. Errors wrap ErrMalformed, ErrInsecureHash,
// ErrUnsupported or ErrBadDirectory.
func Decode(c cid.Cid, block []byte) (*Node, error) {
	switch c.Type() {
	case cid.Raw:
		return &Node{Kind: KindRaw, Size: uint64(len(block))}, nil
	case cid.DagProtobuf:
	default:
		return nil, CheckCID(c)
	}
	n := &Node{Kind: KindOther}
	var names [][]byte
	var linkErr error
	pbData, err := parsePB(block, func(hash, name []byte) error {
		l, err := cid.Cast(hash)
		if err != nil {
			return fmt.Errorf("a link to a bad CID: %w", err)
		}
		if err := CheckCID(l); err != nil {
			linkErr = fmt.Errorf("%w (linked from %s)", err, c)
			return linkErr
		}
		n.Links = append(n.Links, l)
		names = append(names, name)
		return nil
	})
	if linkErr != nil {
		return nil, linkErr
	}
	if err != nil {
		return nil, fmt.Errorf("%w: block %s: %w", ErrMalformed, c, err)
	}
	if pbData == nil {
		return n, nil // dag-pb without Data: not UnixFS
	}
	// go-unixfsnode's decoder, the one boxo's gateway resolves paths with:
	// a node it cannot read is no directory to it either.
	fsd, err := data.DecodeUnixFSData(pbData)
	if err != nil {
		return n, nil
	}
	switch fsd.FieldDataType().Int() {
	case data.Data_File, data.Data_Raw:
		n.Kind = KindFile
		if fsd.FieldFileSize().Exists() {
			n.Size = uint64(fsd.FieldFileSize().Must().Int())
		} else if fsd.FieldData().Exists() {
			n.Size = uint64(len(fsd.FieldData().Must().Bytes()))
		}
	case data.Data_Symlink:
		n.Kind = KindSymlink
	case data.Data_Directory:
		n.Kind = KindDir
		n.Dir, err = decodeDir(c, n.Links, names)
	case data.Data_HAMTShard:
		n.Kind = KindHAMT
		n.Dir, err = decodeHAMT(c, fsd, n.Links, names)
	}
	if err != nil {
		return nil, err
	}
	return n, nil
}

// decodeDir checks a basic directory: every name one valid path segment,
// no name twice. Lookups (boxo, go-unixfsnode) take the first link of a
// name while a listing shows both, so two links of one name would let the
// served entry differ from the compared one.
func decodeDir(c cid.Cid, links []cid.Cid, names [][]byte) (*Dir, error) {
	d := &Dir{Entries: make([]Entry, len(links))}
	seen := make(map[string]struct{}, len(links))
	for i, l := range links {
		name := string(names[i])
		if err := checkName(c, name); err != nil {
			return nil, err
		}
		if _, dup := seen[name]; dup {
			return nil, fmt.Errorf("%w: directory %s has two entries named %q", ErrBadDirectory, c, name)
		}
		seen[name] = struct{}{}
		d.Entries[i] = Entry{Name: name, Cid: l}
	}
	return d, nil
}

// checkName refuses a name that is not exactly one path segment.
func checkName(c cid.Cid, name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: directory %s has an entry without a name", ErrBadDirectory, c)
	case name == "." || name == "..":
		return fmt.Errorf("%w: directory %s has an entry named %q", ErrBadDirectory, c, name)
	case bytes.ContainsAny([]byte(name), "/\x00"):
		return fmt.Errorf("%w: directory %s has an entry named %q (a name may hold neither '/' nor NUL)", ErrBadDirectory, c, name)
	}
	return nil
}

// murmur3 (0x22), the only hash UnixFS HAMTs use for names.
const hamtMurmur3 = 0x22

// decodeHAMT checks one HAMT shard as go-unixfsnode reads it: murmur3 name
// hashes, a power-of-two fanout of at most 1024, and a bitfield with one bit
// per link. A lookup finds the link for bucket b at position
// OnesBefore(b), whatever its name says, so the k-th link must be named for
// the k-th set bit: a two-digit (for fanout 256) upper-case hex prefix,
// alone for a sub-shard, followed by the entry name for an entry. Whether
// each entry's name hashes to its bucket depends on the shard's level and is
// checked by Tree.Check.
func decodeHAMT(c cid.Cid, fsd data.UnixFSData, links []cid.Cid, names [][]byte) (*Dir, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: HAMT shard %s: %s", ErrBadDirectory, c, fmt.Sprintf(format, a...))
	}
	if !fsd.FieldHashType().Exists() || fsd.FieldHashType().Must().Int() != hamtMurmur3 {
		return nil, bad("hash type is not murmur3")
	}
	if !fsd.FieldFanout().Exists() || !fsd.FieldData().Exists() {
		return nil, bad("no fanout or no bitfield")
	}
	fanout := fsd.FieldFanout().Must().Int()
	if fanout < 2 || fanout > 1024 || fanout&(fanout-1) != 0 {
		return nil, bad("fanout %d is not a power of two from 2 to 1024", fanout)
	}
	bf, err := bitfield.FromBytes(int(fanout), fsd.FieldData().Must().Bytes())
	if err != nil {
		return nil, bad("bitfield: %v", err)
	}
	if bf.Ones() != len(links) {
		return nil, bad("its bitfield has %d buckets set for %d links", bf.Ones(), len(links))
	}
	pad := len(fmt.Sprintf("%X", fanout-1))
	d := &Dir{HAMT: true, Bits: bits.TrailingZeros64(uint64(fanout)), Entries: make([]Entry, len(links))}
	seen := make(map[string]struct{}, len(links))
	k := 0
	for b := 0; b < int(fanout); b++ {
		if !bf.Bit(b) {
			continue
		}
		name := string(names[k])
		if len(name) < pad || name[:pad] != fmt.Sprintf("%0*X", pad, b) {
			return nil, bad("link %d is named %q, not for its bucket %0*X", k, name, pad, b)
		}
		e := Entry{Name: name[pad:], Cid: links[k], Bucket: b}
		if e.Name != "" {
			if err := checkName(c, e.Name); err != nil {
				return nil, err
			}
			if _, dup := seen[e.Name]; dup {
				return nil, bad("two entries named %q", e.Name)
			}
			seen[e.Name] = struct{}{}
		}
		d.Entries[k] = e
		k++
	}
	return d, nil
}
