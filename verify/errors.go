package verify

import "errors"

// Sentinel errors. Every verification failure wraps exactly one of them, so
// callers can tell what went wrong with errors.Is and still print the detail.
var (
	// ErrHashMismatch: a block's bytes do not hash to its CID (corruption).
	ErrHashMismatch = errors.New("block does not match its CID")
	// ErrUnexpectedBlock: a block that no block seen so far links to, for
	// example a block of another DAG spliced into the stream.
	ErrUnexpectedBlock = errors.New("block not part of the requested DAG")
	// ErrIncomplete: the stream ended cleanly but linked blocks never came.
	ErrIncomplete = errors.New("DAG incomplete")
	// ErrTruncated: the stream ended in the middle of a header or section.
	ErrTruncated = errors.New("CAR stream truncated")
	// ErrWrongRoot: the response is for another root than the one asked for.
	ErrWrongRoot = errors.New("wrong root")
	// ErrMalformed: bytes that are not a well-formed CAR or block.
	ErrMalformed = errors.New("malformed data")
	// ErrUnsupported: a CID codec or hash this verifier cannot check. Such a
	// block is never trusted.
	ErrUnsupported = errors.New("unsupported CID")
	// ErrTooLarge: the DAG has more blocks than Limits.MaxBlocks.
	ErrTooLarge = errors.New("DAG too large")
)
