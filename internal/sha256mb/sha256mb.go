package sha256mb

import "crypto/sha256"

// Size is the length of a digest.
const Size = sha256.Size

// Lanes is how many messages Sum hashes side by side when Accelerated; a
// caller that batches messages should offer at least this many at once.
const Lanes = 16

// Accelerated reports whether Sum hashes several messages at once on this
// machine (AVX-512). When it does not, Sum is crypto/sha256 in a loop and
// batching messages gains nothing.
func Accelerated() bool { return accelerated }

// MinLanes is the fewest busy lanes at which Streams is faster than
// crypto/sha256 hashing the same messages one after another; with fewer,
// hand them over (Streams.Handover).
func MinLanes() int { return tailLanes + 1 }

// Sum sets out[i] to the SHA-256 of msgs[i]. out must be at least as long as
// msgs. It is safe for concurrent use.
func Sum(out [][Size]byte, msgs [][]byte) {
	if len(out) < len(msgs) {
		panic("sha256mb: out is shorter than msgs")
	}
	if !accelerated || len(msgs) < minBatch {
		sumEach(out, msgs)
		return
	}
	sumLanes(out, msgs)
}

// minBatch is the fewest messages worth the lanes: below it, one message at
// a time with the SHA extensions (where present) is as fast.
const minBatch = 4

func sumEach(out [][Size]byte, msgs [][]byte) {
	for i, m := range msgs {
		out[i] = sha256.Sum256(m)
	}
}

// pad returns the final blocks of a message of n bytes whose last partial
// block is rest (n%64 bytes): rest, 0x80, zeros and the length in bits, in
// one or two blocks written into buf.
func pad(buf *[128]byte, rest []byte, n uint64) []byte {
	k := copy(buf[:], rest)
	buf[k] = 0x80
	end := 64
	if k >= 56 {
		end = 128
	}
	clear(buf[k+1 : end-8])
	bits := n << 3
	for i := range 8 {
		buf[end-1-i] = byte(bits >> (8 * i))
	}
	return buf[:end]
}

// iv is SHA-256's initial state.
var iv = [8]uint32{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19}
