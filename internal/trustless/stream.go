package trustless

import (
	"fmt"
	"io"

	"github.com/ipfs/go-cid"
)

// Options controls VerifyCAR.
type Options struct {
	Limits Limits
	// AnyRoot accepts a CAR header that does not list the expected root. The
	// trustless gateway spec leaves response roots unspecified, but Kubo and
	// boxo always send the requested CID, so by default a header naming another
	// root is reported as ErrWrongRoot: it usually means the wrong DAG.
	AnyRoot bool
	// OnBlock, if set, is called with every verified block, in stream order.
	// data is only valid during the call. An error stops verification.
	OnBlock func(c cid.Cid, data []byte) error
}

// Result summarises a verified CAR stream.
type Result struct {
	Root   cid.Cid
	Blocks int   // distinct blocks verified
	Dups   int   // duplicate blocks (verified, then ignored)
	Bytes  int64 // bytes read from the stream
	// Tree holds the DAG's directories, checked (Tree.Check) when the
	// stream verified; nil when it did not.
	Tree *Tree
}

// VerifyCAR reads a CARv1 (or CARv2) stream and checks that it holds exactly
// the complete DAG under root: every block hashes to its CID under the hash
// policy (CheckCID), every block is reachable from root through blocks
// already seen (so blocks of another DAG are rejected), no directory lies
// (Decode, Tree.Check), and when the stream ends no linked block is missing.
// It reads one section at a time, so memory stays bounded whatever the size
// of the DAG. Errors wrap one of the Err* sentinels of this package; the
// Result is never nil and counts what was read and verified before any
// error.
func VerifyCAR(r io.Reader, root cid.Cid, opts Options) (*Result, error) {
	lim := opts.Limits.WithDefaults()
	res := &Result{Root: root}
	t, err := NewTracker(root, lim, opts.OnBlock)
	if err != nil {
		return res, err
	}
	cr, err := NewCARReader(r, lim)
	if err == nil {
		err = verifyStream(cr, t, lim, opts.AnyRoot)
	}
	res.Blocks, res.Dups = t.Blocks(), t.Dups()
	if cr != nil {
		res.Bytes = cr.Offset()
	}
	if err == nil {
		res.Tree = t.Tree()
	}
	return res, err
}

func verifyStream(cr *CARReader, t *Tracker, lim Limits, anyRoot bool) error {
	if !anyRoot && !ContainsCID(cr.Roots, t.root) {
		return fmt.Errorf("%w: the CAR header names %s, not the requested %s", ErrWrongRoot, CIDList(cr.Roots), t.root)
	}
	read := readSections
	if lim.Workers > 1 {
		read = readSectionsParallel
	}
	if err := read(cr, t, lim); err != nil {
		return err
	}
	return t.Finish()
}

// readSections adds every section of the CAR to t, one at a time, hashing
// on this goroutine.
func readSections(cr *CARReader, t *Tracker, _ Limits) error {
	for {
		c, data, _, err := cr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := t.Add(c, data); err != nil {
			return err
		}
	}
}

// readSectionsParallel adds every section of the CAR to t, in stream order,
// hashed on lim.Workers goroutines (pipeline.go).
func readSectionsParallel(cr *CARReader, t *Tracker, lim Limits) error {
	return pipeline(cr, lim, func(c cid.Cid, data []byte, hashErr error) error {
		_, err := t.AddHashed(c, data, hashErr)
		return err
	})
}
