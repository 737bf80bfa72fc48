package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/dapp-publish/dapp-publish/internal/atomicfile"
	"github.com/dapp-publish/dapp-publish/verify"
	"github.com/ipfs/boxo/blockstore"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	flatfs "github.com/ipfs/go-ds-flatfs"
)

// Layout of the state folder (by default .dapp-publish/ in the project).
const (
	blocksDir = "blocks"    // flatfs, sharded like Kubo's: next-to-last/2
	pinsFile  = "pins.json" // the roots kept
	lockFile  = "lock"      // serialises updates of pins.json between processes
)

// batchBytes bounds the blocks buffered before one flatfs batch is written.
const batchBytes = 16 << 20

// Store is a block store on disk with the roots it keeps (pins). Blocks live
// in a flatfs datastore, the one Kubo uses for its blocks: one file per
// block, written to a temporary file and renamed, so a crash never leaves a
// half-written block. Every block is hashed against its CID on the way in
// (Import) and on the way out (GetBlock callers verify again).
type Store struct {
	dir string
	ds  *flatfs.Datastore
	bs  blockstore.Blockstore
	mu  sync.Mutex // pins.json within this process
}

// Pin is a root the store keeps.
type Pin struct {
	CID  string    `json:"cid"`
	Name string    `json:"name,omitempty"`
	Time time.Time `json:"time"`
}

type pinList struct {
	Pins []Pin `json:"pins"`
}

// Open opens (creating if needed) the store in dir. A .gitignore is written
// into a new dir so the blocks are never committed by accident.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("failed to create the local store %s: %w", dir, err)
	}
	if err := writeGitignore(dir); err != nil {
		return nil, err
	}
	ds, err := flatfs.CreateOrOpen(filepath.Join(dir, blocksDir), flatfs.NextToLast(2), true)
	if err != nil {
		return nil, fmt.Errorf("failed to open the local block store in %s: %w", dir, err)
	}
	return &Store{dir: dir, ds: ds, bs: blockstore.NewBlockstore(ds, blockstore.NoPrefix())}, nil
}

func writeGitignore(dir string) error {
	p := filepath.Join(dir, ".gitignore")
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	if err := os.WriteFile(p, []byte("# written by dapp-publish: local blocks, pins and records\n*\n"), 0o644); err != nil {
		return fmt.Errorf("failed to write %s: %w", p, err)
	}
	return nil
}

// Dir is the store's folder.
func (s *Store) Dir() string { return s.dir }

// Close closes the block store.
func (s *Store) Close() error { return s.ds.Close() }

// ImportStats counts what Import read and wrote.
type ImportStats struct {
	Blocks int   // blocks in the CAR (each verified)
	Bytes  int64 // CAR bytes read
}

// Import reads a CAR holding the complete DAG under root, verifies every
// block against its CID and that no block is missing or foreign (verify.VerifyCAR),
// and stores the blocks. It does not pin root: call AddPin once the caller
// is satisfied. A CAR that fails verification may leave verified blocks
// behind, never unverified ones; they are harmless and unreferenced.
func (s *Store) Import(ctx context.Context, r io.Reader, root cid.Cid) (ImportStats, error) {
	w := &batchWriter{ctx: ctx, bs: s.bs}
	res, err := verify.VerifyCAR(ctxReader{ctx, r}, root, verify.Options{OnBlock: w.add})
	if err == nil {
		err = w.flush()
	}
	st := ImportStats{Blocks: res.Blocks, Bytes: res.Bytes}
	if err != nil {
		return st, fmt.Errorf("failed to import the CAR into %s: %w", s.dir, err)
	}
	return st, nil
}

// batchWriter collects verified blocks and writes them in flatfs batches
// (files written in parallel, one rename each).
type batchWriter struct {
	ctx   context.Context
	bs    blockstore.Blockstore
	batch []blocks.Block
	size  int
}

func (w *batchWriter) add(c cid.Cid, data []byte) error {
	b, err := blocks.NewBlockWithCid(append([]byte(nil), data...), c)
	if err != nil {
		return err
	}
	w.batch = append(w.batch, b)
	w.size += len(data)
	if w.size >= batchBytes {
		return w.flush()
	}
	return nil
}

func (w *batchWriter) flush() error {
	if len(w.batch) == 0 {
		return nil
	}
	err := w.bs.PutMany(w.ctx, w.batch)
	w.batch, w.size = nil, 0
	if err != nil {
		return fmt.Errorf("failed to write blocks: %w", err)
	}
	return nil
}

// ctxReader makes a long read stop when ctx is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// GetBlock returns a block's bytes (verify.BlockGetter). Callers that serve
// them verify them again: a disk can rot.
func (s *Store) GetBlock(ctx context.Context, c cid.Cid) ([]byte, error) {
	b, err := s.bs.Get(ctx, c)
	if err != nil {
		return nil, err
	}
	return b.RawData(), nil
}

// String names the store in messages.
func (s *Store) String() string { return "local store " + s.dir }

// Has reports whether the store holds block c.
func (s *Store) Has(ctx context.Context, c cid.Cid) (bool, error) { return s.bs.Has(ctx, c) }

// Blockstore is the underlying block store, for the gateway.
func (s *Store) Blockstore() blockstore.Blockstore { return s.bs }

// Pins lists the pinned roots, oldest first.
func (s *Store) Pins() ([]Pin, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, err := s.readPins()
	return l.Pins, err
}

// Pinned reports whether root is pinned.
func (s *Store) Pinned(root cid.Cid) (bool, error) {
	pins, err := s.Pins()
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(pins, func(p Pin) bool { return p.CID == root.String() }), nil
}

// AddPin pins root (once: pinning again only renews its time and name).
func (s *Store) AddPin(root cid.Cid, name string, now time.Time) error {
	return s.updatePins(func(l *pinList) {
		l.Pins = slices.DeleteFunc(l.Pins, func(p Pin) bool { return p.CID == root.String() })
		l.Pins = append(l.Pins, Pin{CID: root.String(), Name: name, Time: now.UTC()})
	})
}

// RemovePin unpins root; its blocks stay until the folder is removed.
func (s *Store) RemovePin(root cid.Cid) error {
	return s.updatePins(func(l *pinList) {
		l.Pins = slices.DeleteFunc(l.Pins, func(p Pin) bool { return p.CID == root.String() })
	})
}

func (s *Store) updatePins(fn func(*pinList)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	unlock, err := lockPath(filepath.Join(s.dir, lockFile))
	if err != nil {
		return fmt.Errorf("failed to lock %s: %w", s.dir, err)
	}
	defer unlock()
	l, err := s.readPins()
	if err != nil {
		return err
	}
	fn(&l)
	return atomicfile.Write(filepath.Join(s.dir, pinsFile), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(l)
	})
}

func (s *Store) readPins() (pinList, error) {
	var l pinList
	data, err := os.ReadFile(filepath.Join(s.dir, pinsFile))
	if errors.Is(err, os.ErrNotExist) {
		return l, nil
	}
	if err != nil {
		return l, fmt.Errorf("failed to read the local pins: %w", err)
	}
	if err := json.Unmarshal(data, &l); err != nil {
		return l, fmt.Errorf("%s is damaged (%v): remove it and publish again", filepath.Join(s.dir, pinsFile), err)
	}
	return l, nil
}
