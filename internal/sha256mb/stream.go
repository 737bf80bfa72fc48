package sha256mb

import (
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"hash"
)

// Streams hashes up to Lanes messages side by side, each handed over in
// pieces as it is read: the multi-buffer form of hash.Hash, for messages
// that are not in memory whole (files read a piece at a time). A lane's
// message goes in through Blocks, whole 64-byte blocks at a time, and ends
// with Finish, given the bytes short of a block that are left. Lanes hold
// their state between calls, so each can be fed from its own file at its
// own pace; a call costs as much as sixteen lanes' worth of the blocks it
// hashes, so it pays to keep the lanes busy.
//
// Where Sum is not accelerated, each lane is a crypto/sha256 hash.
//
// A Streams is not safe for concurrent use. Its zero value has every lane
// idle.
type Streams struct {
	n    [Lanes]uint64 // bytes of each lane's message so far
	st   [512]byte     // the lanes' states (blockAvx512's layout)
	h    [Lanes]hash.Hash
	mask [maxRun]uint64
	pads [Lanes][128]byte
}

// Start begins a new message in lane i, dropping the one it had.
func (s *Streams) Start(i int) {
	s.n[i] = 0
	if !accelerated {
		if s.h[i] == nil {
			s.h[i] = sha256.New()
		}
		s.h[i].Reset()
		return
	}
	for w, v := range iv {
		binary.LittleEndian.PutUint32(s.st[4*(i+16*w):], v)
	}
}

// Blocks hashes, for every lane i in use, the same number of whole blocks
// from the start of in[i]: as many as the shortest of them holds, at most
// 256 KiB. It returns how many bytes that is (0 when a lane in use has less
// than a block); the caller moves each in[i] on by as much.
func (s *Streams) Blocks(in *[Lanes][]byte, use uint16) int {
	run := maxRun
	for i := range Lanes {
		if use&(1<<i) != 0 {
			run = min(run, len(in[i])/64)
		}
	}
	if use == 0 || run == 0 {
		return 0
	}
	n := 64 * run
	if !accelerated {
		for i := range Lanes {
			if use&(1<<i) != 0 {
				s.h[i].Write(in[i][:n])
				s.n[i] += uint64(n)
			}
		}
		return n
	}
	var lanes [Lanes][]byte
	for i := range Lanes {
		if use&(1<<i) != 0 {
			lanes[i] = in[i][:n]
			s.n[i] += uint64(n)
		}
	}
	for j := range run {
		s.mask[j] = uint64(use)
	}
	blockAvx512(&s.st, lanes, s.mask[:run])
	return n
}

// Finish ends the message of every lane i in fin with tail[i], the bytes
// of it left after its last whole block (fewer than 64), and sets out[i] to
// its SHA-256. The lanes are then idle until Start.
func (s *Streams) Finish(tail *[Lanes][]byte, fin uint16, out *[Lanes][Size]byte) {
	if fin == 0 {
		return
	}
	if !accelerated {
		for i := range Lanes {
			if fin&(1<<i) != 0 {
				s.h[i].Write(tail[i])
				s.h[i].Sum(out[i][:0])
			}
		}
		return
	}
	var lanes [Lanes][]byte
	var one, two uint16 // lanes whose padding takes one block, two blocks
	for i := range Lanes {
		if fin&(1<<i) == 0 {
			continue
		}
		if len(tail[i]) >= 64 {
			panic("sha256mb: Finish given a whole block")
		}
		s.n[i] += uint64(len(tail[i]))
		lanes[i] = pad(&s.pads[i], tail[i], s.n[i])
		if len(lanes[i]) == 128 {
			two |= 1 << i
		} else {
			one |= 1 << i
		}
	}
	// The lanes with two blocks run both; the others only the first (a
	// lane's mask bits may only end, never start, partway).
	s.mask[0] = uint64(one | two)
	run := 1
	if two != 0 {
		s.mask[1], run = uint64(two), 2
	}
	digests := blockAvx512(&s.st, lanes, s.mask[:run])
	for i := range Lanes {
		if fin&(1<<i) != 0 {
			out[i] = digests[i]
		}
	}
}

// Handover returns a crypto/sha256 hash that goes on with lane i's message
// from where it is (a lane alone hashes at a sixteenth of the kernel's
// speed; crypto/sha256 is then faster). The lane is then idle until Start.
func (s *Streams) Handover(i int) hash.Hash {
	if !accelerated {
		h := s.h[i]
		s.h[i] = nil
		return h
	}
	return resume(&s.st, i, s.n[i])
}

// resume returns a crypto/sha256 hash in the state of lane i of st, which
// has hashed n bytes (a multiple of 64). The state is handed over in the
// encoding crypto/sha256 documents for its hash.Hash
// (encoding.BinaryUnmarshaler): "sha\x03", the eight state words
// big-endian, a 64-byte block buffer (empty here) and the byte count.
func resume(st *[512]byte, i int, n uint64) hash.Hash {
	var enc [4 + 32 + 64 + 8]byte
	copy(enc[:], "sha\x03")
	for w := range 8 {
		binary.BigEndian.PutUint32(enc[4+4*w:], binary.LittleEndian.Uint32(st[4*(i+16*w):]))
	}
	binary.BigEndian.PutUint64(enc[4+32+64:], n)
	h := sha256.New()
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(enc[:]); err != nil {
		panic("sha256mb: crypto/sha256 refused a hash state: " + err.Error())
	}
	return h
}
