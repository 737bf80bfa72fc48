//go:build amd64 && gc && !noasm && !appengine

package sha256mb

import (
	"encoding/binary"
	_ "unsafe" // go:linkname

	_ "github.com/minio/sha256-simd" // holds blockAvx512
	"golang.org/x/sys/cpu"
)

// blockAvx512 runs the SHA-256 compression over 16 lanes: lane i hashes
// len(mask) consecutive 64-byte blocks of input[i], block j only when bit i
// of mask[j] is set, starting from and updating the lane's state in
// digests (word w of lane i at bytes 4(i+16w), little-endian). It returns
// each lane's state as a digest. A lane left out of every mask is not read.
//
// It is github.com/minio/sha256-simd's own wrapper of its AVX-512 assembly
// (unexported; the package's exported Avx512Server cannot be driven at full
// speed, see the package documentation). The pinned v1.0.1 is the version
// the signature was read from; the tests check it against crypto/sha256.
//
//go:linkname blockAvx512 github.com/minio/sha256-simd.blockAvx512
func blockAvx512(digests *[512]byte, input [16][]byte, mask []uint64) [16][32]byte

var accelerated = cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VL

// maxRun bounds the blocks of one call (the mask has one word per block).
const maxRun = 1 << 12

var iv = [8]uint32{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19}

// lane is one message in flight.
type lane struct {
	msg  int    // index in msgs; -1: idle
	rest []byte // blocks still to hash: the message's full blocks, then its padded tail
	tail bool   // rest is the padded tail
	buf  [128]byte
}

func sumLanes(out [][Size]byte, msgs [][]byte) {
	var (
		st    [512]byte
		lanes [Lanes]lane
		mask  [maxRun]uint64
		next  int
	)
	load := func(i int) {
		l := &lanes[i]
		if next == len(msgs) {
			l.msg = -1
			return
		}
		m := msgs[next]
		l.msg, l.tail = next, false
		next++
		l.rest = m[:len(m)&^63]
		if len(l.rest) == 0 {
			l.rest, l.tail = pad(&l.buf, m, uint64(len(m))), true
		}
		for w, v := range iv {
			binary.LittleEndian.PutUint32(st[4*(i+16*w):], v)
		}
	}
	for i := range lanes {
		load(i)
	}
	for {
		var in [Lanes][]byte
		var active uint64
		run := maxRun
		for i := range lanes {
			if l := &lanes[i]; l.msg >= 0 {
				in[i] = l.rest
				active |= 1 << i
				run = min(run, len(l.rest)/64)
			}
		}
		if active == 0 {
			return
		}
		for j := range run {
			mask[j] = active
		}
		digests := blockAvx512(&st, in, mask[:run])
		for i := range lanes {
			l := &lanes[i]
			if l.msg < 0 {
				continue
			}
			l.rest = l.rest[64*run:]
			if len(l.rest) > 0 {
				continue
			}
			if !l.tail {
				m := msgs[l.msg]
				l.rest, l.tail = pad(&l.buf, m[len(m)&^63:], uint64(len(m))), true
				continue
			}
			out[l.msg] = digests[i]
			load(i)
		}
	}
}
