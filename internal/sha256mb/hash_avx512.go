//go:build amd64 && gc && !noasm && !appengine

package sha256mb

import (
	"cmp"
	"encoding/binary"
	"slices"
	_ "unsafe" // go:linkname

	"github.com/klauspost/cpuid/v2"
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

// lane is one message in flight.
type lane struct {
	msg  int    // index in msgs; -1: idle
	rest []byte // blocks still to hash: the message's full blocks, then its padded tail
	tail bool   // rest is the padded tail
	// tailLen is the length of the padded tail (64 or 128 bytes)
	tailLen int
	buf     [128]byte
}

// handable reports whether the lane's message can go on in crypto/sha256:
// it has not started its padded tail, of which crypto/sha256 cannot be
// given a part.
func (l *lane) handable() bool { return !l.tail || len(l.rest) == l.tailLen }

// tailLanes: once no message is waiting and at most this many lanes are
// still busy, they are finished one at a time with crypto/sha256, which
// then is faster. A lane is 1/16 of the kernel's throughput (about 360 MB/s
// on a Zen 5 core), one message with the SHA extensions about 1,900 MB/s;
// without them crypto/sha256 runs at about a third of that.
var tailLanes = map[bool]int{true: 5, false: 1}[cpuid.CPU.Supports(cpuid.SHA)]

func sumLanes(out [][Size]byte, msgs [][]byte) {
	var (
		st    [512]byte
		lanes [Lanes]lane
		mask  [maxRun]uint64
		next  int
	)
	// Lanes take the longest messages first, so that they finish close
	// together and the short ones fill the lanes that free up.
	order := longestFirst(msgs)
	load := func(i int) {
		l := &lanes[i]
		if next == len(msgs) {
			l.msg = -1
			return
		}
		k := order(next)
		m := msgs[k]
		l.msg, l.tail = k, false
		next++
		l.rest = m[:len(m)&^63]
		if len(l.rest) == 0 {
			l.rest, l.tail = pad(&l.buf, m, uint64(len(m))), true
			l.tailLen = len(l.rest)
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
		busy, handable := 0, true
		run := maxRun
		for i := range lanes {
			if l := &lanes[i]; l.msg >= 0 {
				in[i] = l.rest
				active |= 1 << i
				busy++
				handable = handable && l.handable()
				run = min(run, len(l.rest)/64)
			}
		}
		if busy == 0 {
			return
		}
		if next == len(msgs) && busy <= tailLanes && handable {
			for i := range lanes {
				if l := &lanes[i]; l.msg >= 0 {
					out[l.msg] = finish(&st, i, l, msgs[l.msg])
				}
			}
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
				l.tailLen = len(l.rest)
				continue
			}
			out[l.msg] = digests[i]
			load(i)
		}
	}
}

// finish completes lane i's message m with crypto/sha256, from the state
// the lane reached (resume).
func finish(st *[512]byte, i int, l *lane, m []byte) [Size]byte {
	done := len(m) &^ 63 // the lane is at its padded tail: every full block is hashed
	if !l.tail {
		done -= len(l.rest)
	}
	h := resume(st, i, uint64(done))
	h.Write(m[done:])
	var sum [Size]byte
	h.Sum(sum[:0])
	return sum
}

// longestFirst returns the order in which to take msgs: longest first,
// equal lengths in their given order.
func longestFirst(msgs [][]byte) func(int) int {
	sorted := true
	for i := 1; i < len(msgs) && sorted; i++ {
		sorted = len(msgs[i]) <= len(msgs[i-1])
	}
	if sorted {
		return func(k int) int { return k }
	}
	idx := make([]int, len(msgs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(len(msgs[b]), len(msgs[a])) })
	return func(k int) int { return idx[k] }
}
