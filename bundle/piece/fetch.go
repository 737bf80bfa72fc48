package piece

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// MismatchError says a fetched piece is not the one expected.
type MismatchError struct {
	URL       string
	Want, Got Commitment
}

func (e *MismatchError) Error() string {
	switch {
	case e.Got.Size > e.Want.Size:
		return fmt.Sprintf("%s served more than the %d bytes of piece %s", e.URL, e.Want.Size, e.Want.CID())
	case e.Got.Size < e.Want.Size:
		return fmt.Sprintf("%s served %d bytes, not the %d bytes of piece %s", e.URL, e.Got.Size, e.Want.Size, e.Want.CID())
	}
	return fmt.Sprintf("%s served %d bytes with piece CID %s, not %s", e.URL, e.Got.Size, e.Got.CID(), e.Want.CID())
}

// ErrMismatch is what a MismatchError matches with errors.Is.
var ErrMismatch = errors.New("piece does not match its piece CID")

func (e *MismatchError) Is(target error) bool { return target == ErrMismatch }

// Check fetches url (a storage provider's /piece/{pieceCid}) with client and
// re-hashes what it serves: it must be exactly want.Size bytes whose piece
// commitment is want. It reads at most want.Size+1 bytes and holds one span
// per core in memory. The error is a value the caller can report per holder:
// a *MismatchError, or the HTTP or network failure.
func Check(ctx context.Context, client *http.Client, url string, want Commitment) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("failed to fetch the piece: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("failed to fetch the piece from %s: HTTP %d", url, resp.StatusCode)
	}
	w := NewWriter(0)
	defer w.Close()
	n, err := io.Copy(w, io.LimitReader(resp.Body, int64(want.Size)+1))
	if err != nil && !errors.Is(err, ErrTooLarge) {
		return fmt.Errorf("failed to read the piece from %s: %w", url, err)
	}
	if uint64(n) != want.Size {
		return &MismatchError{URL: url, Want: want, Got: Commitment{Size: uint64(n)}}
	}
	got, err := w.Sum()
	if err != nil {
		return err
	}
	if got != want {
		return &MismatchError{URL: url, Want: want, Got: got}
	}
	return nil
}
