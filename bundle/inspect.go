package bundle

import (
	"errors"
	"fmt"
	"io"
	"sort"

	mdag "github.com/ipfs/boxo/ipld/merkledag"
	ft "github.com/ipfs/boxo/ipld/unixfs"
	"github.com/ipfs/go-cid"
	car "github.com/ipld/go-car/v2"
)

// Inspection is what Inspect found in a CAR.
type Inspection struct {
	Version int         `json:"version"` // CAR version, 1 or 2
	Roots   []string    `json:"roots"`
	Blocks  int         `json:"blocks"`
	Bytes   int64       `json:"bytes"` // block data bytes
	Bad     []string    `json:"bad_blocks,omitempty"`
	Dups    int         `json:"duplicate_blocks,omitempty"`
	Missing []string    `json:"missing_blocks,omitempty"` // linked from the root but not in the CAR
	Entries []TreeEntry `json:"entries,omitempty"`

	// PieceInfo is the file's Filecoin piece CID (InspectWithPiece).
	PieceInfo
}

// OK reports whether every block verified and the DAG under the roots is complete.
func (in *Inspection) OK() bool { return len(in.Bad) == 0 && len(in.Missing) == 0 }

// TreeEntry is one file or folder of a UnixFS DAG.
type TreeEntry struct {
	Path string `json:"path"`
	Type string `json:"type"` // "file", "dir", "hamt", "symlink", "raw"
	CID  string `json:"cid"`
	Size uint64 `json:"size"` // file size; 0 for folders
}

// Limits for reading untrusted CARs.
const (
	maxSection = 4 << 20 // a block section; dag-pb/raw blocks above 2 MiB are invalid anyway
	maxHeader  = 1 << 20
	// maxEntries bounds the tree listing: a hostile CAR can link the same
	// folder many times over, so its tree can be exponentially larger than
	// the CAR itself.
	maxEntries = 1 << 22
)

// ErrTooManyEntries is returned when a CAR's tree is larger than Inspect lists.
var ErrTooManyEntries = fmt.Errorf("the DAG lists more than %d entries", maxEntries)

// blockInfo is what Inspect keeps per block: enough to walk the DAG, never
// the file data.
type blockInfo struct {
	links []*ipldLink
	kind  string
	size  uint64
}

type ipldLink struct {
	name string
	cid  cid.Cid
}

// Inspect reads a CAR (v1 or v2) from r, re-hashes every block against its
// CID, and, for a UnixFS root, lists the tree and checks that every block it
// links to is present. Memory holds the links of dag-pb nodes, not file data.
func Inspect(r io.Reader) (*Inspection, error) {
	br, err := car.NewBlockReader(r, car.WithTrustedCAR(true), car.MaxAllowedSectionSize(maxSection), car.MaxAllowedHeaderSize(maxHeader))
	if err != nil {
		return nil, fmt.Errorf("failed to read CAR header: %w", err)
	}
	in := &Inspection{Version: int(br.Version)}
	for _, rc := range br.Roots {
		in.Roots = append(in.Roots, rc.String())
	}
	infos := map[string]*blockInfo{}
	for {
		blk, err := br.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return in, fmt.Errorf("failed to read block %d: %w", in.Blocks+1, err)
		}
		in.Blocks++
		c, data := blk.Cid(), blk.RawData()
		in.Bytes += int64(len(data))
		if sum, err := c.Prefix().Sum(data); err != nil || !sum.Equals(c) {
			in.Bad = append(in.Bad, c.String())
			continue
		}
		if _, dup := infos[c.KeyString()]; dup {
			in.Dups++
			continue
		}
		infos[c.KeyString()] = describe(c, data)
	}
	if len(br.Roots) == 1 {
		in.walk(infos, br.Roots[0], "", map[string]bool{})
		if len(in.Entries) > maxEntries {
			return in, ErrTooManyEntries
		}
		sortEntries(in.Entries)
	}
	return in, nil
}

// describe decodes a block enough to walk and list it.
func describe(c cid.Cid, data []byte) *blockInfo {
	if c.Type() == cid.Raw {
		return &blockInfo{kind: "raw", size: uint64(len(data))}
	}
	if c.Type() != cid.DagProtobuf {
		return &blockInfo{kind: "other"}
	}
	nd, err := mdag.DecodeProtobuf(data)
	if err != nil {
		return &blockInfo{kind: "invalid"}
	}
	bi := &blockInfo{kind: "dag-pb"}
	for _, l := range nd.Links() {
		bi.links = append(bi.links, &ipldLink{name: l.Name, cid: l.Cid})
	}
	if fsn, err := ft.FSNodeFromBytes(nd.Data()); err == nil {
		switch fsn.Type() {
		case ft.TDirectory:
			bi.kind = "dir"
		case ft.THAMTShard:
			bi.kind = "hamt"
		case ft.TSymlink:
			bi.kind = "symlink"
		case ft.TFile, ft.TRaw:
			bi.kind = "file"
			bi.size = fsn.FileSize()
		}
	}
	return bi
}

// walk lists the entry at c (shown as p) and checks its blocks are present.
func (in *Inspection) walk(infos map[string]*blockInfo, c cid.Cid, p string, seen map[string]bool) {
	if len(in.Entries) > maxEntries {
		return
	}
	bi, ok := infos[c.KeyString()]
	if !ok {
		in.Missing = append(in.Missing, c.String())
		return
	}
	kind := bi.kind
	if kind == "dag-pb" || kind == "invalid" || kind == "other" {
		in.Entries = append(in.Entries, TreeEntry{Path: p, Type: kind, CID: c.String()})
		return
	}
	in.Entries = append(in.Entries, TreeEntry{Path: p, Type: kind, CID: c.String(), Size: bi.size})
	switch kind {
	case "dir":
		for _, l := range bi.links {
			in.walk(infos, l.cid, joinPath(p, l.name), seen)
		}
	case "hamt":
		in.walkShard(infos, bi, p, seen)
	case "file":
		in.checkBlocks(infos, bi, seen)
	}
}

// walkShard lists the entries of a HAMT-sharded folder. Link names are a
// two-hex-digit bucket prefix, followed by the entry name for values; a bare
// prefix links to a sub-shard.
func (in *Inspection) walkShard(infos map[string]*blockInfo, bi *blockInfo, p string, seen map[string]bool) {
	for _, l := range bi.links {
		if len(l.name) < 2 {
			continue
		}
		if len(l.name) == 2 {
			sub, ok := infos[l.cid.KeyString()]
			if !ok {
				in.Missing = append(in.Missing, l.cid.String())
				continue
			}
			in.walkShard(infos, sub, p, seen)
			continue
		}
		in.walk(infos, l.cid, joinPath(p, l.name[2:]), seen)
	}
}

// checkBlocks checks that every block below a file node is present.
func (in *Inspection) checkBlocks(infos map[string]*blockInfo, bi *blockInfo, seen map[string]bool) {
	for _, l := range bi.links {
		k := l.cid.KeyString()
		if seen[k] {
			continue
		}
		seen[k] = true
		child, ok := infos[k]
		if !ok {
			in.Missing = append(in.Missing, l.cid.String())
			continue
		}
		in.checkBlocks(infos, child, seen)
	}
}

func sortEntries(es []TreeEntry) {
	sort.SliceStable(es, func(i, j int) bool { return es[i].Path < es[j].Path })
}

func joinPath(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}
