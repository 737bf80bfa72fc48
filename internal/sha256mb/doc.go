// Package sha256mb computes the SHA-256 of many independent messages at once
// (multi-buffer hashing), for the places that hash many blocks: the leaves
// of a pack and the blocks of a CAR being verified.
//
// One SHA-256 is a chain of compressions, each waiting for the one before,
// so a single message cannot use more than one execution unit, even with
// the SHA extensions (Go's crypto/sha256 reaches about 2 GB/s per core on
// an AMD Zen 5 with SHA-NI). On a CPU with AVX-512, sixteen messages can be
// hashed side by side, one in each 32-bit lane of the 512-bit registers: on
// the same Zen 5 that is about 6 GB/s per core, three times crypto/sha256.
//
// The sixteen-lane compression function is Intel's multi-buffer code as
// ported by github.com/minio/sha256-simd (v1.0.1, pinned by go.sum). That
// package only exposes it behind a server goroutine that waits up to a
// microsecond per block for lanes to fill and keys lanes by a counter modulo
// 16, which cannot be driven at full speed from one caller; so this package
// calls its block function directly (a go:linkname, see hash_avx512.go) and
// does the lane scheduling itself: lanes take the longest messages first and
// each takes the next message as soon as its own is done, every call runs
// the lanes for as many blocks as the shortest has left, and the final
// padded blocks are built here. When only a few long messages are left in
// their lanes (one 1 MiB block among small ones, say), each is handed over
// to crypto/sha256 at the state its lane reached, since a lane alone runs
// at a sixteenth of the kernel's speed. The tests
// compare every path with crypto/sha256 on messages of every length class.
//
// Streams is the same for messages that are not in memory whole: each lane
// holds its state between calls and is fed a piece at a time, so sixteen
// files can be hashed side by side as they are read, in little memory.
//
// Everywhere else (no AVX-512, another architecture, or the noasm build
// tag) Sum hashes the messages one by one with crypto/sha256, which is then
// the fastest choice, and each lane of Streams is a crypto/sha256 hash.
package sha256mb
