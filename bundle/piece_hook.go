package bundle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/dapp-publish/dapp-publish/bundle/piece"
)

// The Filecoin piece CID of the CAR is computed while the CAR is written,
// without reading the site again: the writes to the CAR go through a
// piece.Tracker, which hashes each 1 MiB span of the piece tree as soon as
// the writes have completed it (reading it back from the page cache), on
// background goroutines, so the hashing overlaps the packing. The blocks
// written last (folders and the nodes above leaves, spread all over the CAR)
// are named to it in advance, so a span holding one is hashed with the
// leaves around it and only the part of it that holds the node waits. The rare CAR
// whose layout is rewritten after the plan (repeated blocks) is hashed from
// its final bytes instead.

// PieceInfo is the piece CID of a CAR in the form the Manifest, pack --json
// and inspect --json show it.
type PieceInfo struct {
	PieceCID        string `json:"piece_cid,omitempty"`         // v2 (FRC-0069), bafkzcib...
	PieceCIDv1      string `json:"piece_cid_v1,omitempty"`      // v1, baga6ea4sea...
	PaddedPieceSize uint64 `json:"padded_piece_size,omitempty"` // goes with the v1 CID
}

// NewPieceInfo describes c; nil gives the zero PieceInfo.
func NewPieceInfo(c *piece.Commitment) PieceInfo {
	if c == nil {
		return PieceInfo{}
	}
	return PieceInfo{PieceCID: c.CID().String(), PieceCIDv1: c.CIDv1().String(), PaddedPieceSize: c.PaddedSize()}
}

// check validates a PieceInfo read from outside: both CIDs parse, and the v1
// CID and padded size agree with the v2 CID.
func (pi PieceInfo) check(size int64) error {
	if pi == (PieceInfo{}) {
		return nil
	}
	c, err := piece.Parse(pi.PieceCID)
	if err != nil {
		return err
	}
	if c.CIDv1().String() != pi.PieceCIDv1 || c.PaddedSize() != pi.PaddedPieceSize {
		return fmt.Errorf("piece_cid_v1 %q and padded_piece_size %d do not match piece_cid %s", pi.PieceCIDv1, pi.PaddedPieceSize, pi.PieceCID)
	}
	if size > 0 && c.Size != uint64(size) {
		return fmt.Errorf("piece_cid %s is of %d bytes, the CAR of %d", pi.PieceCID, c.Size, size)
	}
	return nil
}

// pieceTracker is the hook in packCAR: a piece.Tracker over the CAR file
// when the piece CID is wanted, nothing otherwise.
type pieceTracker struct {
	f  *os.File
	tr *piece.Tracker
}

func newPieceTracker(f *os.File, size int64, want bool) (*pieceTracker, error) {
	pt := &pieceTracker{f: f}
	if !want || uint64(size) > piece.MaxPayload {
		return pt, nil // no piece CID: a CAR over 64 GiB is not one Filecoin piece
	}
	tr, err := piece.NewTracker(f, size, 0)
	if err != nil {
		return nil, err
	}
	pt.tr = tr
	return pt, nil
}

// later tells the tracker which bytes of the CAR are written last: the
// header and every block held in memory (folders, the nodes above leaves),
// written once every file is hashed.
func (pt *pieceTracker) later(cp *carPlan) error {
	if pt.tr == nil {
		return nil
	}
	if err := pt.tr.Later(0, cp.headerLen); err != nil {
		return err
	}
	off := cp.headerLen
	for _, s := range cp.sections {
		if s.file == nil {
			if err := pt.tr.Later(off, s.size); err != nil {
				return err
			}
		}
		off += s.size
	}
	return nil
}

// writer is where the CAR's bytes are written.
func (pt *pieceTracker) writer() io.WriterAt {
	if pt.tr == nil {
		return pt.f
	}
	return pt.tr
}

func (pt *pieceTracker) sum() (*piece.Commitment, error) {
	if pt.tr == nil {
		return nil, nil
	}
	c, err := pt.tr.Sum()
	pt.tr = nil
	if err != nil {
		return nil, &CARWriteError{err}
	}
	return &c, nil
}

func (pt *pieceTracker) stop() {
	if pt.tr != nil {
		pt.tr.Stop()
		pt.tr = nil
	}
}

// pieceOf runs write over out and, when want, computes the piece CID of
// what it writes.
func pieceOf(want bool, out io.Writer, write func(io.Writer) error) (*piece.Commitment, error) {
	if !want {
		return nil, write(out)
	}
	pw := piece.NewWriter(0)
	defer pw.Close()
	if err := write(io.MultiWriter(out, pw)); err != nil {
		return nil, err
	}
	c, err := pw.Sum()
	if errors.Is(err, piece.ErrTooLarge) {
		return nil, nil
	}
	return &c, err
}

// pieceOfFile computes the piece CID of the first size bytes of f.
func pieceOfFile(ctx context.Context, want bool, f *os.File, size int64) (*piece.Commitment, error) {
	if !want || uint64(size) > piece.MaxPayload {
		return nil, nil
	}
	c, err := piece.Sum(ctx, f, size, 0)
	if err != nil {
		return nil, &CARWriteError{err}
	}
	return &c, nil
}
