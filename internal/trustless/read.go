package trustless

import (
	"fmt"
	"io"

	"github.com/ipfs/go-cid"
)

// CAR is a whole CAR read by ReadCAR: its header, every block checked, and
// what a walk of the DAG needs of each (links and directory entries, never
// file data).
type CAR struct {
	Version int
	Roots   []cid.Cid
	Blocks  int   // distinct blocks
	Dups    int   // repeated sections
	Bytes   int64 // block bytes (CIDs and framing not counted)
	// Bad lists blocks refused (at most MaxListed; BadCount counts all):
	// bytes that do not hash to the CID, a hash or codec off the
	// allow-list, a block that does not decode, a directory that lies.
	Bad      []BadBlock
	BadCount int

	lim   Limits
	nodes map[string]*Node
}

// BadBlock is a block ReadCAR refused, and why.
type BadBlock struct {
	Cid cid.Cid
	Err error
}

// MaxListed bounds the bad and missing blocks a CAR reports one by one.
const MaxListed = 100

// ReadCAR reads a CAR (v1 or v2) whose blocks may come in any order (an
// ipfs-car file lists children before parents), checks every block with
// CheckBlock and Decode, and keeps what the DAG's walks need. Blocks are
// hashed on lim.Workers goroutines (the pipeline of VerifyCAR). Errors are for
// the stream itself (truncated, malformed framing, over Limits.MaxBlocks);
// a bad block is recorded in Bad and reading goes on, so that all the
// damage can be reported at once. Use Verify for the verdict.
func ReadCAR(r io.Reader, lim Limits) (*CAR, error) {
	lim = lim.WithDefaults()
	cr, err := NewCARReader(r, lim)
	if err != nil {
		return nil, err
	}
	car := &CAR{Version: cr.Version, Roots: cr.Roots, lim: lim, nodes: map[string]*Node{}}
	if lim.Workers > 1 {
		return car, pipeline(cr, lim, car.add)
	}
	for {
		c, data, _, err := cr.Next()
		if err == io.EOF {
			return car, nil
		}
		if err != nil {
			return car, err
		}
		if err := car.add(c, data, CheckBlock(c, data)); err != nil {
			return car, err
		}
	}
}

// add records a block whose hash check (CheckBlock) gave hashErr.
func (car *CAR) add(c cid.Cid, data []byte, hashErr error) error {
	car.Bytes += int64(len(data))
	var n *Node
	err := hashErr
	if err == nil {
		n, err = Decode(c, data)
	}
	if err != nil {
		car.bad(c, err)
		return nil
	}
	key := c.KeyString()
	if _, dup := car.nodes[key]; dup {
		car.Dups++
		return nil
	}
	if len(car.nodes) >= car.lim.MaxBlocks {
		return fmt.Errorf("%w: the CAR has more than %d blocks (MaxBlocks)", ErrTooLarge, car.lim.MaxBlocks)
	}
	car.nodes[key] = n
	car.Blocks++
	return nil
}

func (car *CAR) bad(c cid.Cid, err error) {
	car.BadCount++
	if len(car.Bad) < MaxListed {
		car.Bad = append(car.Bad, BadBlock{Cid: c, Err: err})
	}
}

// Node returns the decoded block c, taking an identity CID's data from the
// CID itself; ok is false when the CAR lacks the block.
func (car *CAR) Node(c cid.Cid) (*Node, bool) {
	if n, ok := car.nodes[c.KeyString()]; ok {
		return n, true
	}
	if data, ok := Inline(c); ok {
		n, err := Decode(c, data)
		if err != nil {
			return nil, false
		}
		return n, true
	}
	return nil, false
}

// Has reports whether the CAR holds c (or c is an identity CID).
func (car *CAR) Has(c cid.Cid) bool {
	if _, ok := car.nodes[c.KeyString()]; ok {
		return true
	}
	_, ok := Inline(c)
	return ok
}

// Walked is what a walk of the DAG under a root found.
type Walked struct {
	Root      cid.Cid
	Reachable int       // distinct blocks reached, the root included
	Missing   []cid.Cid // linked but not in the CAR (at most MaxListed)
	Missed    int       // how many are missing in all
	Tree      *Tree     // the directories reached
}

// Walk follows every link under root once (a seen-set, so shared and even
// self-linking blocks cost one visit each) and reports which blocks are
// missing. A bad block counts as missing: its links are not followed.
func (car *CAR) Walk(root cid.Cid) *Walked {
	w := &Walked{Root: root, Tree: NewTree(root, car.lim)}
	seen := map[string]bool{root.KeyString(): true}
	stack := []cid.Cid{root}
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n, ok := car.Node(c)
		if !ok {
			w.Missed++
			if len(w.Missing) < MaxListed {
				w.Missing = append(w.Missing, c)
			}
			continue
		}
		w.Reachable++
		w.Tree.Add(c, n)
		for i := len(n.Links) - 1; i >= 0; i-- { // pushed in reverse: visited in link order
			if k := n.Links[i].KeyString(); !seen[k] {
				seen[k] = true
				stack = append(stack, n.Links[i])
			}
		}
	}
	return w
}

// Verify gives the verdict on a CAR: every block valid, at least one root,
// the DAG under each root complete, and each tree valid within the limits.
// The error describes the first problem found and wraps ErrHashMismatch,
// ErrInsecureHash, ErrUnsupported, ErrMalformed, ErrBadDirectory,
// ErrIncomplete or ErrTooLarge.
func (car *CAR) Verify() error {
	if car.BadCount > 0 {
		b := car.Bad[0]
		more := ""
		if car.BadCount > 1 {
			more = fmt.Sprintf(" (and %d more bad blocks)", car.BadCount-1)
		}
		return fmt.Errorf("%w%s", b.Err, more)
	}
	if len(car.Roots) == 0 {
		return fmt.Errorf("%w: the CAR header names no root", ErrMalformed)
	}
	for _, root := range car.Roots {
		if err := car.Check(car.Walk(root)); err != nil {
			return err
		}
	}
	return nil
}

// Check gives the verdict on the DAG under one root, from its Walk: the
// root's CID allowed, no block missing, the tree valid within the limits.
func (car *CAR) Check(w *Walked) error {
	if err := CheckCID(w.Root); err != nil {
		return fmt.Errorf("root: %w", err)
	}
	if w.Missed > 0 {
		return fmt.Errorf("%w: %d blocks under the root %s are not in the CAR (e.g. %s)", ErrIncomplete, w.Missed, w.Root, w.Missing[0])
	}
	return w.Tree.Check(car.Has)
}

// CheckBundle reads a CAR and checks it is one bundle: exactly one root,
// every block valid, the DAG under the root complete, its tree valid within
// the limits. It returns the root. This is the check `pin` runs on a CAR it
// is given (while the CAR uploads); publish can run it the same way. Since
// it runs beside an upload, which it need not outrun, it hashes on the
// reading goroutine unless lim.Workers asks for more (that keeps the memory
// of pin's check at a block, not the pipeline's 24 MiB of slabs).
func CheckBundle(r io.Reader, lim Limits) (cid.Cid, error) {
	if lim.Workers == 0 {
		lim.Workers = 1
	}
	car, err := ReadCAR(r, lim)
	if err != nil {
		return cid.Undef, err
	}
	if len(car.Roots) != 1 {
		return cid.Undef, fmt.Errorf("%w: the CAR names %d roots; a bundle has exactly one", ErrMalformed, len(car.Roots))
	}
	if err := car.Verify(); err != nil {
		return cid.Undef, err
	}
	return car.Roots[0], nil
}

// ReadRoots reads only the CAR header and returns the roots it names.
func ReadRoots(r io.Reader, lim Limits) ([]cid.Cid, error) {
	cr, err := NewCARReader(r, lim)
	if err != nil {
		return nil, err
	}
	return cr.Roots, nil
}
