//go:build !amd64 && !arm64

package piece

// hashLayer hashes each pair of layer into out (len(layer)/2 nodes),
// truncated to 254 bits. gohashtree has assembly for amd64 and arm64 only.
func hashLayer(out, layer [][32]byte) {
	for i := range out {
		out[i] = node(&layer[2*i], &layer[2*i+1])
	}
}
