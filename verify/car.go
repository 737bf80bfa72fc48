package verify

import (
	"io"

	"github.com/dapp-publish/dapp-publish/internal/trustless"
	"github.com/ipfs/go-cid"
)

// Limits bound what a CAR stream may make the verifier allocate and the
// tree walk compute (see trustless.Limits for each field). They are
// security defaults; a zero field takes its value from DefaultLimits.
type Limits = trustless.Limits

// DefaultLimits are the limits used when a field of Limits is zero.
var DefaultLimits = trustless.DefaultLimits

// Options controls VerifyCAR.
type Options = trustless.Options

// Result summarises a verified CAR stream.
type Result = trustless.Result

// Tree holds the directory blocks of a verified DAG and lists its paths
// (Entries), refusing a tree that lies or is over the Limits.
type Tree = trustless.Tree

// VerifyCAR reads a CARv1 (or CARv2) stream and checks that it holds exactly
// the complete DAG under root: every block hashes to its CID under the hash
// allow-list, every block is reachable from root through blocks already
// seen (so blocks of another DAG are rejected), no directory lies, the tree
// is within the Limits, and when the stream ends no linked block is
// missing. It reads one section at a time, so memory stays bounded whatever
// the size of the DAG. Errors wrap one of the Err* sentinels of this
// package; the Result is never nil and counts what was read and verified
// before any error.
func VerifyCAR(r io.Reader, root cid.Cid, opts Options) (*Result, error) {
	return trustless.VerifyCAR(r, root, opts)
}
