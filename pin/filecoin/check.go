package filecoin

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/dapp-publish/dapp-publish/bundle/piece"
	"github.com/dapp-publish/dapp-publish/pin"
)

// ErrNoPiece: the receipt names no piece to check.
var ErrNoPiece = errors.New("the receipt names no piece CID and piece URL")

// CheckReceipt fetches the piece a filecoin receipt names (its piece_url)
// and re-hashes it to its piece_cid: the check verify and publish make of a
// Filecoin copy. The error is a value to report per holder: a
// *piece.MismatchError (errors.Is piece.ErrMismatch) when the bytes are not
// the piece, ErrNoPiece, or the network failure.
func CheckReceipt(ctx context.Context, client *http.Client, r pin.Receipt) error {
	url, pc := r.IDs["piece_url"], r.IDs["piece_cid"]
	if url == "" || pc == "" {
		return fmt.Errorf("%s: %w", r.Provider, ErrNoPiece)
	}
	want, err := piece.Parse(pc)
	if err != nil {
		return fmt.Errorf("%s: %w", r.Provider, err)
	}
	if err := piece.Check(ctx, client, url, want); err != nil {
		return fmt.Errorf("%s: %w", r.Provider, err)
	}
	return nil
}
