package bundle

import (
	"errors"
	"io"
	"sort"

	"github.com/dapp-publish/dapp-publish/internal/trustless"
	"github.com/ipfs/go-cid"
)

// Inspection is what Inspect found in a CAR.
type Inspection struct {
	Version int         `json:"version"` // CAR version, 1 or 2
	Roots   []string    `json:"roots"`
	Blocks  int         `json:"blocks"`
	Bytes   int64       `json:"bytes"`                      // block data bytes
	Bad     []string    `json:"bad_blocks,omitempty"`       // refused blocks (at most trustless.MaxListed)
	Dups    int         `json:"duplicate_blocks,omitempty"` // repeated sections
	Missing []string    `json:"missing_blocks,omitempty"`   // linked from a root but not in the CAR (at most trustless.MaxListed)
	Extra   int         `json:"extra_blocks,omitempty"`     // blocks no root links to
	Entries []TreeEntry `json:"entries,omitempty"`
	// Problem is the verdict in one line when the CAR is refused: the first
	// bad block, missing block, lying directory or limit. Err is the same as
	// an error wrapping a trustless sentinel (errors.Is).
	Problem string `json:"problem,omitempty"`
	Err     error  `json:"-"`
	// BadBlocks says why each block of Bad was refused.
	BadBlocks []trustless.BadBlock `json:"-"`

	// PieceInfo is the file's Filecoin piece CID (InspectWithPiece).
	PieceInfo
}

// OK reports whether every block verified, the DAG under every root is
// complete, and every tree is valid within the limits.
func (in *Inspection) OK() bool { return in.Err == nil }

// TreeEntry is one file or folder of a UnixFS DAG.
type TreeEntry struct {
	Path string `json:"path"`
	Type string `json:"type"` // "file", "dir", "hamt", "symlink", "raw", "dag-pb", or "missing"
	CID  string `json:"cid"`
	Size uint64 `json:"size"`           // file size; 0 for folders
	Root string `json:"root,omitempty"` // the root it is under, when the CAR has several
}

// Inspect reads a CAR (v1 or v2, blocks in any order) from r with the shared
// reading stack (internal/trustless): every block is hashed against its CID
// under the hash allow-list, every directory is checked (no duplicate or
// path-like names, HAMT entries where lookups find them), the DAG under each
// root must be complete, and each root's tree is listed within the limits
// (trustless.DefaultLimits). Memory holds the links of dag-pb nodes, never
// file data. The error is for a CAR that cannot be read at all (truncated,
// malformed framing, too many blocks); a CAR that reads but is refused
// comes back with Err set.
func Inspect(r io.Reader) (*Inspection, error) {
	car, err := trustless.ReadCAR(r, trustless.Limits{})
	if err != nil {
		return nil, err
	}
	in := &Inspection{Version: car.Version, Blocks: car.Blocks, Bytes: car.Bytes, Dups: car.Dups, BadBlocks: car.Bad}
	for _, b := range car.Bad {
		in.Bad = append(in.Bad, b.Cid.String())
	}
	if car.BadCount > 0 || len(car.Roots) == 0 {
		in.Err = car.Verify() // names the first bad block, or the missing root
	}
	reached := 0
	for _, root := range car.Roots {
		in.Roots = append(in.Roots, root.String())
		w := car.Walk(root)
		reached += w.Reachable
		for _, m := range w.Missing {
			in.Missing = append(in.Missing, m.String())
		}
		err := car.Check(w)
		if err == nil || errors.Is(err, trustless.ErrIncomplete) {
			// What is there is listed even when blocks are missing.
			if lerr := in.list(car, w.Tree, root, len(car.Roots) > 1); err == nil {
				err = lerr
			}
		}
		if in.Err == nil {
			in.Err = err
		}
	}
	if reached < car.Blocks {
		in.Extra = car.Blocks - reached // an upper bound when roots share blocks
	}
	sortEntries(in.Entries)
	if in.Err != nil {
		in.Problem = in.Err.Error()
	}
	return in, nil
}

// list adds the tree under root to the entries.
func (in *Inspection) list(car *trustless.CAR, tree *trustless.Tree, root cid.Cid, several bool) error {
	under := ""
	if several {
		under = root.String()
	}
	return tree.Walk(car.Has, func(p string, c cid.Cid, _ bool) error {
		e := TreeEntry{Path: p, Type: "missing", CID: c.String(), Root: under}
		if n, ok := car.Node(c); ok {
			e.Type, e.Size = n.Kind.String(), n.Size
		}
		in.Entries = append(in.Entries, e)
		return nil
	})
}

func sortEntries(es []TreeEntry) {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].Root != es[j].Root {
			return es[i].Root < es[j].Root
		}
		return es[i].Path < es[j].Path
	})
}
