package verify

import (
	"context"
	"fmt"

	"github.com/ipfs/go-cid"
	carbs "github.com/ipld/go-car/v2/blockstore"
)

// CARFile is a local CAR file used as a block source (for example the CAR
// `dapp-publish pack` wrote). Its blocks are still verified by BlockStore:
// a local file can be damaged too.
type CARFile struct {
	path string
	bs   *carbs.ReadOnly
}

// OpenCARFile indexes the CAR at path (CARv1 or v2) for random access.
func OpenCARFile(path string) (*CARFile, error) {
	bs, err := carbs.OpenReadOnly(path)
	if err != nil {
		return nil, fmt.Errorf("failed to open CAR %s: %w", path, err)
	}
	return &CARFile{path: path, bs: bs}, nil
}

// GetBlock returns the block's bytes as stored in the file.
func (f *CARFile) GetBlock(ctx context.Context, c cid.Cid) ([]byte, error) {
	b, err := f.bs.Get(ctx, c)
	if err != nil {
		return nil, err
	}
	return b.RawData(), nil
}

// String names the file.
func (f *CARFile) String() string { return "car:" + f.path }

// Close releases the file.
func (f *CARFile) Close() error { return f.bs.Close() }
