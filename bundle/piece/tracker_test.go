package piece

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// tracked returns size random bytes and a Tracker over an empty file for
// them, hashing on two goroutines.
func tracked(t *testing.T, rng *rand.Rand, size int) ([]byte, *os.File, *Tracker) {
	t.Helper()
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "car"))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := NewTracker(f, int64(size), 2)
	if err != nil {
		t.Fatal(err)
	}
	return data, f, tr
}

// checkTracked compares the tracker's commitment with the file's, and
// closes the file.
func checkTracked(t *testing.T, name string, f *os.File, tr *Tracker) {
	t.Helper()
	defer f.Close()
	got, err := tr.Sum()
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	want, err := Sum(context.Background(), f, st.Size(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("%s: tracker %v, file %v", name, got, want)
	}
}

// Writes in random order and sizes, as pack's writers make them, give the
// commitment of the file.
func TestTrackerOutOfOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, size := range []int{100, SpanSize, 3*SpanSize + 777, 7 * SpanSize} {
		data, f, tr := tracked(t, rng, size)
		type piece struct{ off, n int }
		var ps []piece
		for off := 0; off < size; {
			n := min(size-off, 1+rng.IntN(300<<10))
			ps = append(ps, piece{off, n})
			off += n
		}
		rng.Shuffle(len(ps), func(i, j int) { ps[i], ps[j] = ps[j], ps[i] })
		for _, p := range ps {
			if _, err := tr.WriteAt(data[p.off:p.off+p.n], int64(p.off)); err != nil {
				t.Fatal(err)
			}
		}
		// Rewrite one range after its span was complete: Sum must see it.
		data[size/2] ^= 0xff
		tr.WriteAt(data[size/2:size/2+1], int64(size/2))
		checkTracked(t, fmt.Sprintf("%d bytes", size), f, tr)
	}
}

// Ranges marked Later, written last as pack writes its nodes, or mixed in
// with the rest, or written twice, still give the commitment of the file:
// spans are hashed early, but for the parts holding those ranges, which Sum
// adds from the file.
func TestTrackerLater(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, size := range []int{3*SpanSize + 777, 8 * SpanSize, 5*SpanSize - 1} {
		for _, order := range []string{"last", "mixed", "rewritten"} {
			data, f, tr := tracked(t, rng, size)
			type piece struct {
				off, n int
				later  bool
			}
			var ps []piece
			for off := 0; off < size; {
				n := min(size-off, 1+rng.IntN(40<<10))
				later := rng.IntN(6) == 0
				if later {
					n = min(size-off, 1+rng.IntN(3000)) // a node: small
					if err := tr.Later(int64(off), int64(n)); err != nil {
						t.Fatal(err)
					}
				}
				ps = append(ps, piece{off, n, later})
				off += n
			}
			rng.Shuffle(len(ps), func(i, j int) { ps[i], ps[j] = ps[j], ps[i] })
			if order != "mixed" {
				slices.SortStableFunc(ps, func(a, b piece) int {
					switch {
					case a.later == b.later:
						return 0
					case b.later:
						return -1
					}
					return 1
				})
			}
			for _, p := range ps {
				if _, err := tr.WriteAt(data[p.off:p.off+p.n], int64(p.off)); err != nil {
					t.Fatal(err)
				}
			}
			if order == "rewritten" { // a byte outside the Later ranges, after its span was hashed
				data[SpanSize+5] ^= 0xff
				tr.WriteAt(data[SpanSize+5:SpanSize+6], SpanSize+5)
			}
			if err := tr.Later(0, 1); err == nil {
				t.Error("Later after WriteAt was accepted")
			}
			checkTracked(t, fmt.Sprintf("%d bytes, Later ranges written %s", size, order), f, tr)
		}
	}
}
