package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/dapp-publish/dapp-publish/internal/trustless"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
)

// Exists reports whether dir holds a local store (its blocks folder).
func Exists(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, blocksDir))
	return err == nil
}

// sharedLock holds the collection lock shared (Pin), so GC waits for it.
func (s *Store) sharedLock() (func(), error) {
	unlock, err := lockPathShared(filepath.Join(s.dir, gcLockFile))
	if err != nil {
		return nil, fmt.Errorf("failed to lock %s: %w", s.dir, err)
	}
	return unlock, nil
}

// gcLockFile orders collection against imports: Pin holds it shared from
// its check of the pins until the new root is pinned, GC holds it alone, so
// a collection never removes the blocks of a version being stored.
const gcLockFile = "gc.lock"

// GCStats is what a collection kept and removed (or would, in a dry run).
type GCStats struct {
	Kept          []Pin // the versions kept, newest first
	Removed       []Pin // the versions no longer kept, newest first
	Blocks, Freed int   // blocks kept; blocks removed
	KeptBytes     int64
	FreedBytes    int64
}

// ErrIncomplete is returned when a version to keep lacks a block (the disk
// lost it): nothing is removed then.
var ErrIncomplete = errors.New("a version to keep is incomplete")

// GC keeps the newest keep versions (by the time they were pinned), unpins
// the others, and removes every block none of the kept versions uses. With
// dryRun it only reports. It walks the kept DAGs through the store; a
// missing block stops it before anything is removed (ErrIncomplete).
func (s *Store) GC(ctx context.Context, keep int, dryRun bool) (GCStats, error) {
	var st GCStats
	if keep < 1 {
		return st, fmt.Errorf("keep at least one version (got %d)", keep)
	}
	unlock, err := lockPath(filepath.Join(s.dir, gcLockFile))
	if err != nil {
		return st, fmt.Errorf("failed to lock %s: %w", s.dir, err)
	}
	defer unlock()

	pins, err := s.Pins()
	if err != nil {
		return st, err
	}
	slices.SortStableFunc(pins, func(a, b Pin) int { return b.Time.Compare(a.Time) })
	st.Kept, st.Removed = pins[:min(keep, len(pins))], pins[min(keep, len(pins)):]

	live := map[string]bool{} // multihashes of the blocks the kept versions use
	for _, p := range st.Kept {
		root, err := cid.Decode(p.CID)
		if err != nil {
			return st, fmt.Errorf("%s: %w", filepath.Join(s.dir, pinsFile), err)
		}
		if err := s.mark(ctx, root, live); err != nil {
			return st, err
		}
	}

	keys, err := s.bs.AllKeysChan(ctx)
	if err != nil {
		return st, err
	}
	var dead []cid.Cid
	for c := range keys {
		size, err := s.bs.GetSize(ctx, c)
		if err != nil {
			return st, err
		}
		if live[string(c.Hash())] {
			st.Blocks++
			st.KeptBytes += int64(size)
			continue
		}
		st.Freed++
		st.FreedBytes += int64(size)
		dead = append(dead, c)
	}
	if err := ctx.Err(); err != nil {
		return st, err
	}
	if dryRun {
		return st, nil
	}
	// The pins first: a collection stopped half-way leaves unreferenced
	// blocks behind, never a pinned version without its blocks.
	if len(st.Removed) > 0 {
		gone := map[string]bool{}
		for _, p := range st.Removed {
			gone[p.CID] = true
		}
		if err := s.updatePins(func(l *pinList) {
			l.Pins = slices.DeleteFunc(l.Pins, func(p Pin) bool { return gone[p.CID] })
		}); err != nil {
			return st, err
		}
	}
	for _, c := range dead {
		if err := s.bs.DeleteBlock(ctx, c); err != nil && !errors.Is(err, ipld.ErrNotFound{}) {
			return st, fmt.Errorf("failed to remove block %s: %w", c, err)
		}
	}
	return st, nil
}

// mark adds every block of the DAG under root to live (by multihash, as
// flatfs keys blocks), reading them from the store. Each block is decoded
// with the same rules as everywhere else (trustless.Decode), and each is
// read once, so a walk is bounded by the store's size.
func (s *Store) mark(ctx context.Context, root cid.Cid, live map[string]bool) error {
	stack := []cid.Cid{root}
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if _, inline := trustless.Inline(c); inline || live[string(c.Hash())] {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if c.Type() != cid.DagProtobuf { // a leaf links to nothing: its bytes need not be read
			ok, err := s.bs.Has(ctx, c)
			if err != nil {
				return err
			}
			if !ok {
				return missingBlock(root, c)
			}
			live[string(c.Hash())] = true
			continue
		}
		b, err := s.bs.Get(ctx, c)
		if ipld.IsNotFound(err) {
			return missingBlock(root, c)
		}
		if err != nil {
			return err
		}
		live[string(c.Hash())] = true
		n, err := trustless.Decode(c, b.RawData())
		if err != nil {
			return fmt.Errorf("%s: block %s: %w", root, c, err)
		}
		stack = append(stack, n.Links...)
	}
	return nil
}

// missingBlock is mark's error for a kept version without block c.
func missingBlock(root, c cid.Cid) error {
	return fmt.Errorf("%w: %s lacks block %s: nothing was removed; publish that version again, or keep fewer", ErrIncomplete, root, c)
}
