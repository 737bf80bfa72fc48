//go:build amd64 && gc && !noasm && !appengine

package sha256mb

import "testing"

// TestWithoutAVX512 runs the tests again with the lanes switched off, as on
// a CPU without AVX-512: the crypto/sha256 paths of Sum and Streams must give
// the same sums. (Elsewhere accelerated is a constant false, so the plain
// tests cover those paths.)
func TestWithoutAVX512(t *testing.T) {
	if !accelerated {
		t.Skip("this CPU has no AVX-512: the plain tests already ran the fallback")
	}
	accelerated = false
	defer func() { accelerated = true }()
	t.Run("Sum", TestSumAgainstCryptoSHA256)
	t.Run("Streams", TestStreams)
}
