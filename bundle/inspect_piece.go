package bundle

import (
	"errors"
	"io"

	"github.com/dapp-publish/dapp-publish/bundle/piece"
)

// InspectWithPiece is Inspect that also computes the Filecoin piece CID of
// every byte r yields (the whole file, CARv1 or CARv2, read once: Inspect
// reads through the piece hashing, and whatever it leaves unread is hashed
// after it). A file too large for one piece gets no piece CID.
func InspectWithPiece(r io.Reader) (*Inspection, error) {
	pw := piece.NewWriter(0)
	defer pw.Close()
	tee := io.TeeReader(r, pw)
	in, err := Inspect(tee)
	if err != nil {
		return in, err
	}
	if _, err := io.Copy(io.Discard, tee); err != nil && !errors.Is(err, piece.ErrTooLarge) {
		return in, err
	}
	c, err := pw.Sum()
	switch {
	case errors.Is(err, piece.ErrTooLarge), errors.Is(err, piece.ErrEmpty):
	case err != nil:
		return in, err
	default:
		in.PieceInfo = NewPieceInfo(&c)
	}
	return in, nil
}
