package pin

import (
	"context"
	"io"

	"github.com/ipfs/go-cid"
)

// Provider stores bundles on one IPFS holder.
//
// Contract:
//
//   - Pin MUST upload the bundle's CAR bytes (or, for services that only pin
//     by reference, ask the holder to fetch b.Root) and MUST NOT return a
//     Receipt with StatusPinned unless the holder reported the root CID
//     b.Root as stored. A holder that reports a different root is a failure
//     (ErrWrongCID), never a success.
//   - Pin MUST be idempotent: pinning a root the holder already has fully
//     SHOULD send no CAR bytes and MUST NOT create a second pin.
//   - Pin MAY be called again after a transient error (by Retry); it MUST
//     re-read the CAR from the start through b.Reader.
//   - Pin MUST NOT buffer the whole CAR in memory.
//   - Errors MUST be classified with Permanent or Transient (errors.go) when
//     the provider knows which they are; unclassified errors count as
//     transient. Authentication failures MUST wrap ErrUnauthorized.
//   - Pin and Status MUST return promptly when ctx is cancelled.
//   - Status reports what the holder has for root; a root it does not know
//     gives a Receipt with StatusNotFound and a nil error.
//
// Implementations must be safe for concurrent use.
type Provider interface {
	// Name is the configured name of this holder (e.g. "own-node").
	Name() string
	// Type is the provider type (e.g. "kubo"), as registered.
	Type() string
	// Pin stores the bundle and returns a receipt with StatusPinned on success.
	Pin(ctx context.Context, b Bundle) (Receipt, error)
	// Status reports whether the holder has root.
	Status(ctx context.Context, root cid.Cid) (Receipt, error)
}

// Unpinner is implemented by providers that can remove a pin.
type Unpinner interface {
	// Unpin removes the holder's pin of root. Removing a pin that does not
	// exist is not an error.
	Unpin(ctx context.Context, root cid.Cid) error
}

// Bundle is what Pin stores: a root CID and the CARv1 that holds its DAG.
type Bundle struct {
	Root cid.Cid
	// Name is a human label for the pin (pin name, file name); may be empty.
	Name string
	// CAR holds the CARv1 bytes; Size is its length. A ReaderAt (an
	// *os.File) lets several providers and retries read it concurrently,
	// each from the start, without holding it in memory.
	CAR  io.ReaderAt
	Size int64
	// Progress, if set, is called with the number of CAR bytes just sent.
	// It may be called from several goroutines.
	Progress func(n int64)
}

// Reader returns a fresh reader over the whole CAR that reports bytes read
// to b.Progress. Providers call it once per upload attempt.
func (b Bundle) Reader() io.Reader {
	r := io.NewSectionReader(b.CAR, 0, b.Size)
	if b.Progress == nil {
		return r
	}
	return &progressReader{r: r, fn: b.Progress}
}

type progressReader struct {
	r  io.Reader
	fn func(int64)
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.fn(int64(n))
	}
	return n, err
}
