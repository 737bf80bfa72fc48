package trustless

import "errors"

// Sentinel errors. Every refusal wraps exactly one of them, so callers can
// tell what went wrong with errors.Is and still print the detail, which
// names the block, the entry (quoted with %q: names come from outside) and
// the limit.
var (
	// ErrHashMismatch: a block's bytes do not hash to its CID (corruption).
	ErrHashMismatch = errors.New("block does not match its CID")
	// ErrInsecureHash: a CID whose multihash is not on the allow-list, or is
	// truncated (see CheckCID). Such a CID identifies nothing: its block is
	// never trusted, whatever bytes come with it.
	ErrInsecureHash = errors.New("hash function not allowed")
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
	// ErrUnsupported: a CID codec this reader cannot follow links through
	// (only raw and dag-pb are). Such a block is never trusted.
	ErrUnsupported = errors.New("unsupported CID")
	// ErrTooLarge: the DAG or its tree goes over one of the Limits.
	ErrTooLarge = errors.New("DAG over a limit")
	// ErrBadDirectory: a UnixFS directory that lies: two entries of one
	// name, a name that is not one path segment ("", ".", "..", or holding
	// '/' or NUL), or a HAMT shard whose entries are not where a lookup
	// looks for them. Gateways and file systems would each pick another
	// entry, so what is verified would not be what is served.
	ErrBadDirectory = errors.New("invalid directory")
)
