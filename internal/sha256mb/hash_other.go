//go:build !amd64 || !gc || noasm || appengine

package sha256mb

const accelerated = false

func sumLanes(out [][Size]byte, msgs [][]byte) { sumEach(out, msgs) }

// maxRun bounds the blocks of one call of Streams.Blocks.
const maxRun = 1 << 12

func blockAvx512(*[512]byte, [16][]byte, []uint64) [16][32]byte {
	panic("sha256mb: no AVX-512 on this build")
}

var tailLanes int // unused: there are no lanes
