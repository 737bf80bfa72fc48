package sha256mb

import (
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"testing"
)

// Messages of every length class fed in pieces of random whole blocks,
// lanes starting and ending at different times, some handed over to
// crypto/sha256 halfway, give crypto/sha256's digests.
func TestStreams(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 9))
		var msgs [][]byte
		for range 60 {
			n := rng.IntN(3000)
			switch rng.IntN(4) {
			case 0:
				n &^= 63 // whole blocks
			case 1:
				n = rng.IntN(130) // around the padding boundaries
			}
			msgs = append(msgs, randBytes(rng, n))
		}
		runStreams(t, fmt.Sprintf("seed %d", seed), rng, msgs)
	}
}

// runStreams hashes msgs with a Streams the way a reader of files does,
// and checks every digest.
func runStreams(t *testing.T, name string, rng *rand.Rand, msgs [][]byte) {
	t.Helper()
	var s Streams
	type lane struct {
		msg   int    // -1: idle
		rest  []byte // the message's bytes not given yet
		piece []byte // given, not hashed yet
	}
	var lanes [Lanes]lane
	next := 0
	load := func(i int) {
		lanes[i] = lane{msg: -1}
		if next < len(msgs) {
			lanes[i] = lane{msg: next, rest: msgs[next]}
			s.Start(i)
			next++
		}
	}
	for i := range lanes {
		load(i)
	}
	check := func(i int, got [Size]byte) {
		t.Helper()
		m := msgs[lanes[i].msg]
		if want := sha256.Sum256(m); got != want {
			t.Fatalf("%s: message %d (%d bytes): %x, want %x", name, lanes[i].msg, len(m), got, want)
		}
	}
	for busy := true; busy; {
		busy = false
		var in, tail [Lanes][]byte
		var use, fin uint16
		for i := range lanes {
			l := &lanes[i]
			if l.msg < 0 {
				continue
			}
			busy = true
			if len(l.piece) < 64 && len(l.rest) >= 64 { // a new piece of whole blocks
				k := 64 * (1 + rng.IntN(min(len(l.rest)/64, 40)))
				l.piece, l.rest = l.rest[:k], l.rest[k:]
			}
			switch {
			case len(l.piece) >= 64:
				in[i], use = l.piece, use|1<<i
			case rng.IntN(8) == 0: // go on in crypto/sha256
				h := s.Handover(i)
				h.Write(l.rest)
				var sum [Size]byte
				check(i, [Size]byte(h.Sum(sum[:0])))
				load(i)
			default:
				tail[i], fin = l.rest, fin|1<<i
			}
		}
		if fin != 0 {
			var out [Lanes][Size]byte
			s.Finish(&tail, fin, &out)
			for i := range lanes {
				if fin&(1<<i) != 0 {
					check(i, out[i])
					load(i)
				}
			}
			continue
		}
		if n := s.Blocks(&in, use); n > 0 {
			for i := range lanes {
				if use&(1<<i) != 0 {
					lanes[i].piece = lanes[i].piece[n:]
				}
			}
		}
	}
}

// BenchmarkStreams hashes sixteen 1 MiB messages in 256 KiB pieces, one
// lane each, and each message in two lanes at once (a file's leaf and the
// whole file, as pack does).
func BenchmarkStreams(b *testing.B) {
	msgs := make([][]byte, Lanes)
	for i := range msgs {
		msgs[i] = make([]byte, 1<<20)
	}
	var s Streams
	b.SetBytes(int64(len(msgs) << 20))
	for b.Loop() {
		for i := range Lanes {
			s.Start(i)
		}
		var in [Lanes][]byte
		for off := 0; off < 1<<20; off += 256 << 10 {
			for i := range Lanes {
				in[i] = msgs[i][off : off+256<<10]
			}
			for n := s.Blocks(&in, 0xffff); n > 0; n = s.Blocks(&in, 0xffff) {
				for i := range Lanes {
					in[i] = in[i][n:]
				}
			}
		}
		var tail [Lanes][]byte
		var out [Lanes][Size]byte
		s.Finish(&tail, 0xffff, &out)
	}
}
