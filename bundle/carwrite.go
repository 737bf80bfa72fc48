package bundle

import (
	"bytes"
	"encoding/binary"
	"fmt"

	chunker "github.com/ipfs/boxo/chunker"
	mdag "github.com/ipfs/boxo/ipld/merkledag"
	ft "github.com/ipfs/boxo/ipld/unixfs"
	"github.com/ipfs/boxo/ipld/unixfs/importer/helpers"
	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
)

// The CAR is CARv1 with the root CID in its header and every block exactly
// once, in depth-first pre-order following links in the order they are
// serialised: the same bytes `ipfs dag export` writes for the same root.
//
// The planner below walks the DAG in that order; layout.go uses it twice,
// over a placeholder DAG to plan the CAR and over the real one to check the
// plan held (see "Writing the CAR in one pass").
//
// The CARv1 encoding is hand-written (header plus length-prefixed sections,
// about 30 lines): go-car's writers either keep an index of every block in
// memory (storage.NewWritable) or walk a blockstore, and we have neither the
// need for the index nor a blockstore holding the leaves.

// carHeader returns the CARv1 header for a single root: the varint length
// and the DAG-CBOR map {"roots": [root], "version": 1}, keys in canonical
// order, the CID as tag 42 over a 0x00-prefixed byte string.
func carHeader(root cid.Cid) []byte {
	cb := root.Bytes()
	var h []byte
	h = append(h, 0xa2)                          // map(2)
	h = append(h, 0x65, 'r', 'o', 'o', 't', 's') // text(5) "roots"
	h = append(h, 0x81, 0xd8, 0x2a)              // array(1), tag(42)
	h = appendCBORBytesHead(h, len(cb)+1)
	h = append(h, 0x00)
	h = append(h, cb...)
	h = append(h, 0x67, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0x01) // "version": 1
	return append(binary.AppendUvarint(nil, uint64(len(h))), h...)
}

func appendCBORBytesHead(b []byte, n int) []byte {
	switch {
	case n < 24:
		return append(b, 0x40|byte(n))
	case n < 256:
		return append(b, 0x58, byte(n))
	default:
		return append(b, 0x59, byte(n>>8), byte(n))
	}
}

// carItem is one block of the CAR: known bytes, or a leaf of a file.
type carItem struct {
	cid  cid.Cid
	data []byte // block bytes held in memory, when file is nil
	file *entry // leaf source; nil for blocks held in memory
	off  int64  // leaf: its first byte in the file
	n    int64  // leaf: its length in the file
}

// planner walks the DAG in CAR order.
type planner struct {
	dirs  map[string][]byte // folder and HAMT nodes
	known map[string][]byte // blocks without links known in advance (empty files)
	files map[string]*entry // file root CID key -> a file with that content
	seen  map[string]bool
}

func fileIndex(root *entry) map[string]*entry {
	idx := map[string]*entry{}
	var walk func(e *entry)
	walk = func(e *entry) {
		for _, c := range e.children {
			if c.isDir {
				walk(c)
			} else if _, ok := idx[c.node.cid.KeyString()]; !ok {
				idx[c.node.cid.KeyString()] = c
			}
		}
	}
	walk(root)
	return idx
}

// walk emits c and everything below it not yet emitted. emit returns false
// to stop early (the writer failed).
func (pl *planner) walk(c cid.Cid, emit func(carItem) bool) error {
	k := c.KeyString()
	if pl.seen[k] {
		return nil
	}
	if b, ok := pl.known[k]; ok {
		pl.seen[k] = true
		emit(carItem{cid: c, data: b})
		return nil
	}
	if b, ok := pl.dirs[k]; ok {
		pl.seen[k] = true
		if !emit(carItem{cid: c, data: b}) {
			return nil
		}
		nd, err := mdag.DecodeProtobuf(b)
		if err != nil {
			return err
		}
		for _, l := range nd.Links() {
			if err := pl.walk(l.Cid, emit); err != nil {
				return err
			}
		}
		return nil
	}
	f, ok := pl.files[k]
	if !ok {
		return fmt.Errorf("internal error: block %s is neither a folder nor a file", c)
	}
	_, err := pl.file(f, c, 0, f.size, emit)
	return err
}

// file emits the part of f's DAG rooted at c, which covers bytes
// [off, off+size) of the file.
func (pl *planner) file(f *entry, c cid.Cid, off, size int64, emit func(carItem) bool) (bool, error) {
	k := c.KeyString()
	if pl.seen[k] {
		return true, nil
	}
	pl.seen[k] = true
	b, inner := f.inner[k]
	if !inner {
		return emit(carItem{cid: c, file: f, off: off, n: size}), nil
	}
	if !emit(carItem{cid: c, data: b}) {
		return false, nil
	}
	nd, err := mdag.DecodeProtobuf(b)
	if err != nil {
		return false, err
	}
	fsn, err := ft.FSNodeFromBytes(nd.Data())
	if err != nil {
		return false, err
	}
	for i, l := range nd.Links() {
		n := int64(fsn.BlockSize(i))
		ok, err := pl.file(f, l.Cid, off, n, emit)
		if err != nil || !ok {
			return ok, err
		}
		off += n
	}
	return true, nil
}

// leafBuilder turns chunk bytes into the leaf block the profile uses.
type leafBuilder struct {
	raw    bool
	prefix cid.Prefix
	db     *helpers.DagBuilderHelper
}

func newLeafBuilder(p Profile) (*leafBuilder, error) {
	lb := &leafBuilder{raw: p.RawLeaves}
	if p.RawLeaves {
		lb.prefix = cid.Prefix{Version: 1, Codec: cid.Raw, MhType: mh.SHA2_256, MhLength: -1}
		return lb, nil
	}
	params := helpers.DagBuilderParams{Maxlinks: p.FileWidth, CidBuilder: p.cidBuilder(), Dagserv: &innerCollector{nodes: map[string][]byte{}}}
	// NewLeafNode only reads the helper's settings; the splitter is never used.
	db, err := params.New(chunker.NewSizeSplitter(bytes.NewReader(nil), p.ChunkSize))
	if err != nil {
		return nil, err
	}
	lb.db = db
	return lb, nil
}

// build returns the leaf block for data and its CID.
func (lb *leafBuilder) build(data []byte) ([]byte, cid.Cid, error) {
	if lb.raw {
		c, err := lb.prefix.Sum(data)
		return data, c, err
	}
	nd, err := lb.db.NewLeafNode(data, ft.TFile)
	if err != nil {
		return nil, cid.Undef, err
	}
	return nd.RawData(), nd.Cid(), nil
}
