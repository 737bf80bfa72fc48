//go:build amd64 || arm64

package piece

import "github.com/prysmaticlabs/gohashtree"

// hashLayer hashes each pair of layer into out (len(layer)/2 nodes) and
// truncates them to 254 bits. gohashtree hashes many pairs per call: with
// AVX-512 sixteen at once (see hash_amd64.go), with the SHA extensions two,
// with AVX2 eight, with generic code one.
func hashLayer(out, layer [][32]byte) {
	gohashtree.HashChunks(out, layer)
	for i := range out {
		out[i][31] &= 0x3f
	}
}
