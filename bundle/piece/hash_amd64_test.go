package piece

import (
	"math/rand/v2"
	"testing"
)

// Each of gohashtree's paths this machine has (AVX-512, SHA extensions)
// gives the nodes crypto/sha256 gives.
func TestHashLayerPathsAgainstSHA256(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	layer := make([][32]byte, 2*1000+34)
	for i := range layer {
		for j := range layer[i] {
			layer[i][j] = byte(rng.Uint32())
		}
	}
	shani, avx512 := gohashtreeSHANI, gohashtreeAVX512
	defer func() { gohashtreeSHANI, gohashtreeAVX512 = shani, avx512 }()
	for _, path := range []struct {
		name          string
		shani, avx512 bool
	}{{"AVX-512", false, true}, {"SHA extensions", true, false}, {"as chosen", shani, avx512}} {
		if path.avx512 && !avx512 || path.shani && !hasSHANI {
			t.Logf("%s: not on this CPU", path.name)
			continue
		}
		gohashtreeSHANI, gohashtreeAVX512 = path.shani, path.avx512
		for _, n := range []int{2, 16, 30, 32, 34, len(layer)} {
			out := make([][32]byte, n/2)
			hashLayer(out, layer[:n])
			for i := range out {
				if want := node(&layer[2*i], &layer[2*i+1]); out[i] != want {
					t.Fatalf("%s, %d nodes: node %d is %x, want %x", path.name, n, i, out[i], want)
				}
			}
		}
	}
}
