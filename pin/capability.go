package pin

import (
	"context"
	"io"

	"github.com/ipfs/go-cid"
)

// Optional capabilities a provider declares beside Provider (and Unpinner),
// each checked at compile time in the provider's package
// (`var _ pin.Retriever = (*Provider)(nil)`). Callers find them through the
// wrappers with As, or the helpers below; the command line holds no list of
// provider types.

// Networks a holder stores on: what publish's quorum counts it as
// (quorum.ipfs, quorum.filecoin, quorum.arweave).
const (
	NetworkIPFS     = "ipfs"
	NetworkFilecoin = "filecoin"
	NetworkArweave  = "arweave"
)

// Networker is implemented by providers whose copies live on another
// network than IPFS: Filecoin storage (filecoin, lighthouse), Arweave.
type Networker interface {
	// Network is NetworkFilecoin or NetworkArweave (or NetworkIPFS).
	Network() string
}

// NetworkOf is the network p (or the provider it wraps) stores on:
// NetworkIPFS unless it is a Networker.
func NetworkOf(p Provider) string {
	if n, ok := As[Networker](p); ok {
		return n.Network()
	}
	return NetworkIPFS
}

// PartialCARTaker is implemented by providers whose holder can be sent a CAR
// of only the blocks it lacks: it stores what it is sent in a block store it
// keeps across uploads and pins the root once every block is there (Kubo's
// dag/import, IPFS Cluster's add?format=car). Services that fetch by
// reference or store per upload get the whole CAR.
type PartialCARTaker interface {
	// TakesPartialCAR reports whether this holder does; one Go type may
	// serve several provider types that differ (kubo, and its preset
	// filebase, which does not).
	TakesPartialCAR() bool
}

// TakesPartialCAR reports whether p (or the provider it wraps) takes a CAR
// of only the blocks its holder lacks.
func TakesPartialCAR(p Provider) bool {
	t, ok := As[PartialCARTaker](p)
	return ok && t.TakesPartialCAR()
}

// Retriever is implemented by providers that can hand back what their
// holder itself stores over the holder's own API, without a gateway: a
// Kubo node's RPC (dag/export, block/get) asked offline, so the node
// answers from its own store and never fetches from the network. Callers
// use it to verify a copy, or to read an earlier version's blocks, when no
// gateway is configured. What it returns is untrusted: callers bound it
// and check every block against its CID (verify.CheckCAR, verify.BlockStore).
type Retriever interface {
	// RetrievalSource names where the bytes come from, for reports; it
	// holds no credentials.
	RetrievalSource() string
	// RetrieveCAR streams the DAG under root as a CAR.
	RetrieveCAR(ctx context.Context, root cid.Cid) (io.ReadCloser, error)
	// RetrieveBlock streams the bytes of one block.
	RetrieveBlock(ctx context.Context, c cid.Cid) (io.ReadCloser, error)
}

// As finds the capability T in p or the providers it wraps (Retry,
// Timeout, Limit).
func As[T any](p Provider) (T, bool) {
	for ; p != nil; p = Unwrap(p) {
		if t, ok := p.(T); ok {
			return t, true
		}
	}
	var zero T
	return zero, false
}
