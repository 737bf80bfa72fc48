package piece

import _ "unsafe" // go:linkname

// gohashtree (v0.0.4-beta) picks its SHA-extensions code whenever the CPU has
// the SHA extensions, even when it also has AVX-512; its AVX-512 code hashes
// sixteen nodes at once and on an AMD Zen 5 is about twice as fast (3.0 GB/s
// of node input per core against 1.5 GB/s, BenchmarkCeilingNodes; the piece
// of 64 MiB on one core, BenchmarkSum, 1,180 MB/s against 680 MB/s). The
// choice is a package variable read by its assembly on every call, with no
// API to change it, so it is set here, once, before any hashing: gohashtree
// is initialised before this package, which imports it. Only which of
// gohashtree's own code paths runs changes; TestHashLayerPathsAgainstSHA256
// checks each path the CPU has against crypto/sha256, and the tests against
// go-fil-commp-hashhash run on the path chosen.

//go:linkname gohashtreeSHANI github.com/prysmaticlabs/gohashtree.hasShani
var gohashtreeSHANI bool

//go:linkname gohashtreeAVX512 github.com/prysmaticlabs/gohashtree.hasAVX512
var gohashtreeAVX512 bool

// hasSHANI is what gohashtree found: the CPU has the SHA extensions.
var hasSHANI bool

func init() {
	hasSHANI = gohashtreeSHANI
	if gohashtreeAVX512 {
		gohashtreeSHANI = false
	}
}
