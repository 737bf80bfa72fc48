package trustless

import (
	"fmt"

	"github.com/ipfs/go-cid"
)

// Tracker checks, block by block, that blocks arriving from outside form
// exactly the DAG under root: each block must hash to its CID, and must be
// the root or linked from a block already accepted (parents before
// children, as the trustless gateway protocol sends them), so blocks of
// another DAG are refused as they come. It collects the directories into a
// Tree. A Tracker is not safe for concurrent use.
type Tracker struct {
	root     cid.Cid
	lim      Limits
	pending  map[string]int32    // linked, not yet received (keys: CID bytes) -> its depth in the tree
	seen     map[string]struct{} // verified
	blocks   int
	dups     int
	onBlock  func(cid.Cid, []byte) error
	tree     *Tree
	firstOwe cid.Cid // an example of an owed block, for messages
}

// NewTracker starts tracking the DAG under root. onBlock, if set, is called
// with every accepted block (data valid during the call only); an error
// from it stops verification. The root must pass CheckCID.
func NewTracker(root cid.Cid, lim Limits, onBlock func(cid.Cid, []byte) error) (*Tracker, error) {
	if err := CheckCID(root); err != nil {
		return nil, fmt.Errorf("root: %w", err)
	}
	t := &Tracker{root: root, lim: lim.WithDefaults(), pending: map[string]int32{}, seen: map[string]struct{}{}, onBlock: onBlock}
	t.tree = NewTree(root, t.lim)
	if data, ok := Inline(root); ok {
		return t, t.accept(root, root.KeyString(), data, 0)
	}
	t.pending[root.KeyString()] = 0
	return t, nil
}

// Blocks is the number of distinct blocks accepted; Dups the number of
// repeated blocks (verified, then ignored).
func (t *Tracker) Blocks() int { return t.blocks }

// Dups is the number of repeated blocks received.
func (t *Tracker) Dups() int { return t.dups }

// Tree holds the directories accepted so far.
func (t *Tracker) Tree() *Tree { return t.tree }

// Pending reports whether c is linked and not yet received.
func (t *Tracker) Pending(c cid.Cid) bool {
	_, ok := t.pending[c.KeyString()]
	return ok
}

// Add verifies one block received from outside and owes its links. It
// returns the decoded block (nil for a duplicate).
func (t *Tracker) Add(c cid.Cid, data []byte) (*Node, error) {
	return t.AddHashed(c, data, CheckBlock(c, data))
}

// AddHashed is Add for a block whose hash was already checked, with hashErr
// the outcome of CheckBlock (the pipeline hashes on other goroutines).
func (t *Tracker) AddHashed(c cid.Cid, data []byte, hashErr error) (*Node, error) {
	key := c.KeyString()
	if _, ok := t.seen[key]; ok {
		if hashErr != nil {
			return nil, hashErr
		}
		t.dups++
		return nil, nil
	}
	depth, ok := t.pending[key]
	if !ok {
		if t.blocks == 0 && !SameContent(c, t.root) {
			return nil, fmt.Errorf("%w: the first block is %s, not the requested root %s", ErrWrongRoot, c, t.root)
		}
		return nil, fmt.Errorf("%w: %s (block %d) is not linked from any block received before it (the block it hangs under is missing, or it belongs to another DAG)", ErrUnexpectedBlock, c, t.blocks+t.dups+1)
	}
	if hashErr != nil {
		return nil, hashErr
	}
	n, err := Decode(c, data)
	if err != nil {
		return nil, err
	}
	return n, t.acceptNode(c, key, data, n, depth)
}

// accept decodes and records a block verified by other means (inline).
func (t *Tracker) accept(c cid.Cid, key string, data []byte, depth int32) error {
	n, err := Decode(c, data)
	if err != nil {
		return err
	}
	return t.acceptNode(c, key, data, n, depth)
}

// acceptNode records a verified block found at depth (path segments from
// the root) and owes its links.
func (t *Tracker) acceptNode(c cid.Cid, key string, data []byte, n *Node, depth int32) error {
	delete(t.pending, key)
	t.seen[key] = struct{}{}
	t.blocks++
	t.tree.Add(c, n)
	if t.onBlock != nil {
		if err := t.onBlock(c, data); err != nil {
			return err
		}
	}
	if n.Dir == nil {
		for _, l := range n.Links {
			if err := t.owe(l, depth); err != nil {
				return err
			}
		}
		return nil
	}
	for _, e := range n.Dir.Entries {
		d := depth + 1
		if e.Name == "" {
			d = depth // a HAMT sub-shard: the same folder
		}
		if err := t.owe(e.Cid, d); err != nil {
			return err
		}
	}
	return nil
}

// owe records that the block l, an entry depth segments below the root,
// must arrive. Identity CIDs carry their data inline, so they are accepted
// on the spot instead. A path deeper than MaxDepth is refused as soon as it
// is seen (Tree.Check would refuse it at the end): a chain of a hundred
// thousand folders fetched block by block fails at the limit, not at its
// bottom.
func (t *Tracker) owe(l cid.Cid, depth int32) error {
	if int(depth) > t.lim.MaxDepth {
		return fmt.Errorf("%w: the tree of %s nests folders more than %d deep (MaxDepth)", ErrTooLarge, t.root, t.lim.MaxDepth)
	}
	key := l.KeyString()
	if _, ok := t.seen[key]; ok {
		return nil
	}
	if _, ok := t.pending[key]; ok {
		return nil
	}
	if len(t.seen)+len(t.pending) >= t.lim.MaxBlocks {
		return fmt.Errorf("%w: the DAG of %s has more than %d blocks (MaxBlocks)", ErrTooLarge, t.root, t.lim.MaxBlocks)
	}
	if data, ok := Inline(l); ok {
		return t.accept(l, key, data, depth)
	}
	if len(t.pending) == 0 {
		t.firstOwe = l
	}
	t.pending[key] = depth
	return nil
}

// Finish reports whether the DAG is complete (no linked block still owed)
// and its tree valid within the limits (Tree.Check).
func (t *Tracker) Finish() error {
	if len(t.pending) > 0 {
		if t.blocks == 0 {
			return fmt.Errorf("%w: the stream has no blocks, not even the root %s", ErrIncomplete, t.root)
		}
		example := t.firstOwe
		if _, ok := t.pending[example.KeyString()]; !ok || !example.Defined() {
			for k := range t.pending {
				example, _ = cid.Cast([]byte(k))
				break
			}
		}
		return fmt.Errorf("%w: the stream ended after %d blocks with %d linked blocks missing (e.g. %s)", ErrIncomplete, t.blocks, len(t.pending), example)
	}
	return t.tree.Check(nil)
}
