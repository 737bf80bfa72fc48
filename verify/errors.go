package verify

import (
	"errors"

	"github.com/dapp-publish/dapp-publish/internal/trustless"
)

// Sentinel errors. Every verification failure wraps exactly one of them, so
// callers can tell what went wrong with errors.Is and still print the detail.
// They are the shared reading stack's (internal/trustless), so an error from
// inspect, diff or pin matches the same sentinel as one from verify.
var (
	// ErrHashMismatch: a block's bytes do not hash to its CID (corruption).
	ErrHashMismatch = trustless.ErrHashMismatch
	// ErrInsecureHash: a CID whose multihash is off the allow-list or
	// truncated (see README, "Hashes"); its block is never trusted.
	ErrInsecureHash = trustless.ErrInsecureHash
	// ErrUnexpectedBlock: a block that no block seen so far links to, for
	// example a block of another DAG spliced into the stream.
	ErrUnexpectedBlock = trustless.ErrUnexpectedBlock
	// ErrIncomplete: the stream ended cleanly but linked blocks never came.
	ErrIncomplete = trustless.ErrIncomplete
	// ErrTruncated: the stream ended in the middle of a header or section.
	ErrTruncated = trustless.ErrTruncated
	// ErrWrongRoot: the response is for another root than the one asked for.
	ErrWrongRoot = trustless.ErrWrongRoot
	// ErrMalformed: bytes that are not a well-formed CAR or block.
	ErrMalformed = trustless.ErrMalformed
	// ErrUnsupported: a CID codec this verifier cannot follow. Such a block
	// is never trusted.
	ErrUnsupported = trustless.ErrUnsupported
	// ErrTooLarge: the DAG or its tree goes over one of the Limits.
	ErrTooLarge = trustless.ErrTooLarge
	// ErrBadDirectory: a directory with two entries of one name, a name that
	// is not one path segment, or a HAMT entry a lookup cannot reach.
	ErrBadDirectory = trustless.ErrBadDirectory
	// ErrCrossHostRedirect: a gateway redirected to another host, which is
	// refused unless Gateway.AllowRedirects is set.
	ErrCrossHostRedirect = errors.New("redirected to another host")
	// ErrNoVerifiedSource: Compare had no source that served the complete,
	// verified DAG.
	ErrNoVerifiedSource = errors.New("no source served the complete, verified DAG")
)
