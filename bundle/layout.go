package bundle

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	chunker "github.com/ipfs/boxo/chunker"
	"github.com/ipfs/boxo/ipld/unixfs/importer/balanced"
	"github.com/ipfs/boxo/ipld/unixfs/importer/helpers"
	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
)

// Writing the CAR in one pass
//
// A CAR in `ipfs dag export` order starts with the root folder's block and
// puts every node before the nodes below it, so the bytes at the start of the
// file depend on hashes computed last. Instead of hashing everything first and
// reading the files a second time to write them, Pack plans the CAR before it
// reads a byte: every block's size, and so its offset, follows from the names
// and sizes of the files alone (chunks have fixed sizes, CIDs a fixed length,
// and each node's encoding depends only on its children's sizes). The plan is
// made by running the same boxo importer and directory code over the tree
// with placeholder CIDs and no data ("dry run"). Then each file is read once:
// its leaves are hashed and written straight to their planned offsets from the
// same buffer (the bytes written are the bytes hashed), and the small nodes
// above them are written last, once the real DAG is known.
//
// What the dry run cannot know is which blocks turn out identical (two equal
// files, equal chunks): `dag export` writes such a block once, which shifts
// everything after it. Pack compares the real order with the plan and, when
// they differ, rewrites the CAR from the placed leaves into the real layout,
// one sequential copy. Empty files and folders, whose blocks are known in
// advance, are planned exactly.

// section is one block of the CAR, in order, with the size of its section
// (varint length, CID, block).
type section struct {
	carItem
	size int64
}

// carPlan is a CAR's complete layout.
type carPlan struct {
	root      cid.Cid
	headerLen int64
	sections  []section
	size      int64 // whole CAR
}

// planCAR walks the DAG rooted at root in CAR order and sizes every section.
func planCAR(root *entry, nodes map[string][]byte, known map[string][]byte, p Profile, leafLen func(int64) int64, blocks int) (*carPlan, error) {
	pl := &planner{dirs: nodes, known: known, files: fileIndex(root), seen: make(map[string]bool, blocks)}
	cp := &carPlan{root: root.node.cid, headerLen: int64(len(carHeader(root.node.cid))), sections: make([]section, 0, blocks)}
	cp.size = cp.headerLen
	err := pl.walk(root.node.cid, func(it carItem) bool {
		n := int64(len(it.data))
		if it.file != nil {
			n = leafLen(it.n)
		}
		s := sectionLen(it.cid.ByteLen(), n)
		cp.sections = append(cp.sections, section{carItem: it, size: s})
		cp.size += s
		return true
	})
	return cp, err
}

func sectionLen(cidLen int, blockLen int64) int64 {
	l := int64(cidLen) + blockLen
	return int64(uvarintLen(uint64(l))) + l
}

func uvarintLen(x uint64) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], x)
}

// placeLeaves records, for every file leaf in the plan, the offset of its
// section in entry.leafAt (indexed by chunk). It returns false if a leaf is
// planned twice, which the dry run's unique CIDs rule out.
func (cp *carPlan) placeLeaves(chunk int64) bool {
	off := cp.headerLen
	for _, s := range cp.sections {
		if s.file != nil {
			f := s.file
			if f.leafAt == nil {
				f.leafAt = make([]int64, max(1, (f.size+chunk-1)/chunk))
				for i := range f.leafAt {
					f.leafAt[i] = -1
				}
			}
			i := s.off / chunk
			if f.leafAt[i] != -1 {
				return false
			}
			f.leafAt[i] = off
		}
		off += s.size
	}
	return true
}

// sameLayout reports whether actual puts every block where plan did: the same
// sequence of section sizes, with each file leaf in its planned place.
func sameLayout(plan, actual *carPlan) bool {
	if plan.headerLen != actual.headerLen || len(plan.sections) != len(actual.sections) {
		return false
	}
	for i, a := range actual.sections {
		b := plan.sections[i]
		if a.size != b.size || a.file != b.file || a.off != b.off {
			return false
		}
	}
	return true
}

// dryRun gives every file a placeholder DAG with the real shape and sizes
// (e.node and e.inner), then builds the folders over them with boxo, and
// returns the folder nodes and the blocks known in advance (empty files).
func dryRun(ctx context.Context, root *entry, files []*entry, p Profile, leafLen func(int64) int64) (map[string][]byte, map[string][]byte, error) {
	ids := &dryCIDs{}
	known := map[string][]byte{}
	emptyBlock, emptyCID, emptySize, err := emptyFile(p)
	if err != nil {
		return nil, nil, err
	}
	leafCodec := uint64(cid.DagProtobuf)
	if p.RawLeaves {
		leafCodec = cid.Raw
	}
	for _, e := range files {
		switch {
		case e.size == 0:
			known[emptyCID.KeyString()] = emptyBlock
			e.node = nodeRef{cid: emptyCID, tsize: emptySize}
		case e.size <= p.ChunkSize:
			e.node = nodeRef{cid: ids.next(p.CIDVersion, leafCodec), tsize: uint64(leafLen(e.size))}
		default:
			if err := dryFile(e, p, ids, zeros(p.ChunkSize)); err != nil {
				return nil, nil, err
			}
		}
	}
	dirs := &dirCollector{nodes: map[string][]byte{}}
	if err := buildDir(ctx, root, p, dirs); err != nil {
		return nil, nil, err
	}
	return dirs.nodes, known, nil
}

// emptyFile returns the block boxo makes for an empty file.
func emptyFile(p Profile) ([]byte, cid.Cid, uint64, error) {
	lb, err := newLeafBuilder(p)
	if err != nil {
		return nil, cid.Undef, 0, err
	}
	block, c, err := lb.build(nil)
	return block, c, uint64(len(block)), err
}

// dryFile runs boxo's balanced importer over size zero bytes with
// placeholder CIDs: the inner nodes it keeps have the real sizes.
func dryFile(e *entry, p Profile, ids *dryCIDs, zero []byte) error {
	col := &innerCollector{nodes: map[string][]byte{}}
	params := helpers.DagBuilderParams{
		Maxlinks:   p.FileWidth,
		RawLeaves:  p.RawLeaves,
		CidBuilder: dryBuilder{ids: ids, version: p.CIDVersion, codec: cid.DagProtobuf},
		Dagserv:    col,
	}
	db, err := params.New(&zeroSplitter{zero: zero, left: e.size})
	if err != nil {
		return err
	}
	nd, err := balanced.Layout(db)
	if err != nil {
		return fmt.Errorf("failed to plan %s: %w", e.path, err)
	}
	size, err := nd.Size()
	if err != nil {
		return err
	}
	e.node = nodeRef{cid: nd.Cid(), tsize: size}
	e.inner = col.nodes
	return nil
}

// zeroChunk backs zeros. A package variable lives in the zero-filled data
// segment, whose pages the kernel maps only when touched: boxo never reads
// the leaf data it is handed with raw leaves, so a 1 MiB chunk of zeros costs
// no memory at all (a fresh allocation would be cleared, page by page).
var zeroChunk [1 << 20]byte

// zeros returns n zero bytes that must not be written.
func zeros(n int64) []byte {
	if n <= int64(len(zeroChunk)) {
		return zeroChunk[:n:n]
	}
	return make([]byte, n)
}

// zeroSplitter hands out chunks of zeros adding up to left bytes.
type zeroSplitter struct {
	zero []byte
	left int64
}

func (z *zeroSplitter) Reader() io.Reader { return nil }

func (z *zeroSplitter) NextBytes() ([]byte, error) {
	if z.left == 0 {
		return nil, io.EOF
	}
	n := min(int64(len(z.zero)), z.left)
	z.left -= n
	return z.zero[:n:n], nil
}

var _ chunker.Splitter = (*zeroSplitter)(nil)

// dryCIDs numbers placeholder CIDs: sha2-256 multihashes whose digest is a
// marker and a counter, so every placeholder is distinct and has the length
// of a real CID of the profile.
type dryCIDs struct{ n atomic.Uint64 }

var dryMarker = []byte("dapp-publish dry run \x00\x00\x00")

func (d *dryCIDs) next(version int, codec uint64) cid.Cid {
	digest := make([]byte, 32)
	copy(digest, dryMarker)
	binary.BigEndian.PutUint64(digest[24:], d.n.Add(1))
	m, _ := mh.Encode(digest, mh.SHA2_256)
	if version == 0 {
		return cid.NewCidV0(m)
	}
	return cid.NewCidV1(codec, m)
}

// dryBuilder is a cid.Builder that hands out placeholders instead of hashing.
type dryBuilder struct {
	ids     *dryCIDs
	version int
	codec   uint64
}

func (b dryBuilder) Sum([]byte) (cid.Cid, error) { return b.ids.next(b.version, b.codec), nil }
func (b dryBuilder) GetCodec() uint64            { return b.codec }
func (b dryBuilder) WithCodec(c uint64) cid.Builder {
	b.codec = c
	return b
}

// leafLengths returns the size of the leaf block holding n bytes of a file:
// n for raw leaves; for dag-pb leaves (unixfs-v0-2015) the encoding's size,
// measured once per distinct n by encoding zeros with boxo.
func leafLengths(p Profile) (func(int64) int64, error) {
	if p.RawLeaves {
		return func(n int64) int64 { return n }, nil
	}
	lb, err := newLeafBuilder(p)
	if err != nil {
		return nil, err
	}
	var mu sync.Mutex
	memo := map[int64]int64{}
	return func(n int64) int64 {
		mu.Lock()
		defer mu.Unlock()
		if l, ok := memo[n]; ok {
			return l
		}
		block, _, err := lb.build(zeros(n))
		if err != nil {
			panic(fmt.Sprintf("encoding a %d-byte leaf: %v", n, err)) // only a size limit fails, and chunks are below it
		}
		memo[n] = int64(len(block))
		return memo[n]
	}, nil
}
