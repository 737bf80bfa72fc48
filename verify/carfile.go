package verify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/dapp-publish/dapp-publish/internal/trustless"
	"github.com/ipfs/go-cid"
	format "github.com/ipfs/go-ipld-format"
)

// CARFile is a local CAR file used as a block source (for example the CAR
// `dapp-publish pack` wrote). Its blocks are still verified by BlockStore:
// a local file can be damaged too.
type CARFile struct {
	path  string
	f     *os.File
	index map[string]span // CID bytes -> where the block's bytes are
}

type span struct {
	off int64
	n   int
}

// OpenCARFile indexes the CAR at path (CARv1 or v2) for random access. It
// reads the file once with the shared CAR reader (internal/trustless), the
// one inspect, diff, pin and verify read CARs with, keeping each block's
// offset only.
func OpenCARFile(path string) (*CARFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("failed to open CAR %s: %w", path, err)
	}
	idx, err := indexCAR(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("failed to read CAR %s: %w", path, err)
	}
	return &CARFile{path: path, f: f, index: idx}, nil
}

func indexCAR(r io.Reader) (map[string]span, error) {
	cr, err := trustless.NewCARReader(r, trustless.Limits{})
	if err != nil {
		return nil, err
	}
	idx := map[string]span{}
	for {
		c, data, off, err := cr.Next()
		if errors.Is(err, io.EOF) {
			return idx, nil
		}
		if err != nil {
			return nil, err
		}
		if len(idx) >= DefaultLimits.MaxBlocks {
			return nil, fmt.Errorf("%w: more than %d blocks", ErrTooLarge, DefaultLimits.MaxBlocks)
		}
		idx[c.KeyString()] = span{off: off, n: len(data)}
	}
}

// GetBlock returns the block's bytes as stored in the file.
func (f *CARFile) GetBlock(ctx context.Context, c cid.Cid) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s, ok := f.index[c.KeyString()]
	if !ok {
		return nil, format.ErrNotFound{Cid: c}
	}
	data := make([]byte, s.n)
	if _, err := f.f.ReadAt(data, s.off); err != nil {
		return nil, fmt.Errorf("failed to read block %s from %s: %w", c, f.path, err)
	}
	return data, nil
}

// String names the file.
func (f *CARFile) String() string { return "car:" + f.path }

// Close releases the file.
func (f *CARFile) Close() error { return f.f.Close() }
