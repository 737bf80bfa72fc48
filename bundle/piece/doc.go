// Package piece computes Filecoin piece commitments (CommP) and their CIDs:
// the v2 piece CID of FRC-0069 (raw codec, fr32-sha256-trunc254-padbintree
// multihash, "bafkzcib..."), which names the root, the tree height and the
// zero padding, and the v1 piece CID (fil-commitment-unsealed,
// "baga6ea4sea...") with its padded piece size.
//
// The algorithm: the payload is zero-padded to 127·2^k bytes (at least 127),
// every 127-byte quad is spread over four 32-byte leaves of 254 bits (FR32),
// and a binary tree of SHA-256 with the last byte's top two bits cleared
// (sha2-256-trunc254-padded) is built over the leaves.
//
// Speed: the tree is cut into aligned spans of SpanSize payload bytes (one
// 1 MiB subtree each) that are hashed independently, on several cores and,
// in Tracker, as soon as each span's bytes have been written, in any order.
// Each layer of a span is hashed in one call of gohashtree, which hashes many
// 64-byte nodes at once with the CPU's SHA extensions (and a precomputed
// padding block): 2.4x the speed of one SHA-256 call per node, the way
// go-fil-commp-hashhash does it. The result is checked against
// go-fil-commp-hashhash and the FRC-0069 vectors by the tests and a fuzzer,
// and the CIDs are made by go-fil-commcid.
package piece
