package piece

import "encoding/binary"

// spanHasher computes the subtree root of one span. Its buffers are reused:
// one per goroutine.
type spanHasher struct {
	a, b [][32]byte // one layer and the next
}

func newSpanHasher() *spanHasher {
	n := 1<<spanLevel + 1 // room for a zero node when a layer is odd
	return &spanHasher{a: make([][32]byte, n), b: make([][32]byte, n)}
}

// root returns the root of the tree over data (at most SpanSize bytes,
// zero-padded to whole quads) and its height.
func (h *spanHasher) root(data []byte) ([32]byte, int) {
	quads := (len(data) + 126) / 127
	leaves := h.a[:4*quads]
	full := len(data) / 127
	for q := range full {
		fr32((*[127]byte)(data[q*127:]), (*[4][32]byte)(leaves[4*q:]))
	}
	if full < quads { // the last quad, zero-padded
		var last [127]byte
		copy(last[:], data[full*127:])
		fr32(&last, (*[4][32]byte)(leaves[4*full:]))
	}
	return h.reduce(leaves, 0, spanLevel)
}

// reduce hashes layer (at height level) up to height top, or to one node if
// that comes first, padding odd layers with zero subtrees.
func (h *spanHasher) reduce(layer [][32]byte, level, top int) ([32]byte, int) {
	out := h.b
	if &layer[0] == &out[0] {
		out = h.a
	}
	for len(layer) > 1 && level < top {
		if len(layer)%2 == 1 {
			layer = append(layer, zero[level])
		}
		next := out[:len(layer)/2]
		hashLayer(next, layer)
		layer, out = next, layer[:cap(layer)]
		level++
	}
	return layer[0], level
}

// fr32 spreads a 127-byte quad over four 254-bit leaves: leaf k holds bits
// [254k, 254k+254) of the quad read as a little-endian bit string, and its
// top two bits are zero. Leaf k starts at bit 254k = 64(4k-1) + (64-2k), so
// its words are two neighbouring input words shifted by constants.
func fr32(in *[127]byte, out *[4][32]byte) {
	var w [16]uint64
	for j := range 15 {
		w[j] = binary.LittleEndian.Uint64(in[8*j:])
	}
	var tail [8]byte
	copy(tail[:], in[120:])
	w[15] = binary.LittleEndian.Uint64(tail[:])
	const top = 1<<62 - 1
	put := func(k int, a, b, c, d uint64) {
		binary.LittleEndian.PutUint64(out[k][0:], a)
		binary.LittleEndian.PutUint64(out[k][8:], b)
		binary.LittleEndian.PutUint64(out[k][16:], c)
		binary.LittleEndian.PutUint64(out[k][24:], d&top)
	}
	put(0, w[0], w[1], w[2], w[3])
	put(1, w[3]>>62|w[4]<<2, w[4]>>62|w[5]<<2, w[5]>>62|w[6]<<2, w[6]>>62|w[7]<<2)
	put(2, w[7]>>60|w[8]<<4, w[8]>>60|w[9]<<4, w[9]>>60|w[10]<<4, w[10]>>60|w[11]<<4)
	put(3, w[11]>>58|w[12]<<6, w[12]>>58|w[13]<<6, w[13]>>58|w[14]<<6, w[14]>>58|w[15]<<6)
}

// combine joins span roots (each at spanLevel, the last one at height
// lastLevel when it is a partial span) into the piece root.
func combine(roots [][32]byte, lastLevel int) [32]byte {
	if len(roots) == 1 {
		return roots[0]
	}
	last := &roots[len(roots)-1]
	for l := lastLevel; l < spanLevel; l++ {
		*last = node(last, &zero[l])
	}
	h := &spanHasher{a: make([][32]byte, 0, len(roots)+1), b: make([][32]byte, len(roots)/2+1)}
	layer := append(h.a, roots...)
	r, _ := h.reduce(layer, spanLevel, 64)
	return r
}
