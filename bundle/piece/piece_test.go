package piece

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"testing"

	commcid "github.com/filecoin-project/go-fil-commcid"
	commp "github.com/filecoin-project/go-fil-commp-hashhash"
)

func sum(t testing.TB, data []byte) (Commitment, error) {
	t.Helper()
	c, err := Sum(context.Background(), bytes.NewReader(data), int64(len(data)), 2)
	w := NewWriter(2)
	w.Write(data)
	cw, werr := w.Sum()
	if (err == nil) != (werr == nil) || c != cw {
		t.Fatalf("Sum and Writer disagree on %d bytes: %v %v / %v %v", len(data), c, err, cw, werr)
	}
	return c, err
}

// reference computes the commitment with go-fil-commp-hashhash; payloads
// under 127 bytes are zero-padded to 127 first, as FRC-0069 says (the
// library refuses fewer than 65 bytes).
func reference(t testing.TB, data []byte) ([]byte, uint64) {
	t.Helper()
	if len(data) < 127 {
		data = append(append([]byte(nil), data...), make([]byte, 127-len(data))...)
	}
	var cp commp.Calc
	cp.Write(data)
	root, padded, err := cp.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return root, padded
}

func quadsOf(n int, values ...byte) []byte {
	var b []byte
	for _, v := range values {
		b = append(b, bytes.Repeat([]byte{v}, n)...)
	}
	return b
}

// The vectors of FRC-0069 ("Test Cases").
func TestFRC0069Vectors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		data   []byte
		v1, v2 string
	}{
		{"127x{0,1,2,3}", quadsOf(127, 0, 1, 2, 3),
			"baga6ea4seaqes3nobte6ezpp4wqan2age2s5yxcatzotcvobhgcmv5wi2xh5mbi",
			"bafkzcibcaaces3nobte6ezpp4wqan2age2s5yxcatzotcvobhgcmv5wi2xh5mbi"},
		{"127 zeros", make([]byte, 127), "",
			"bafkzcibcaabdomn3tgwgrh3g532zopskstnbrd2n3sxfqbze7rxt7vqn7veigmy"},
		{"128 zeros", make([]byte, 128), "",
			"bafkzcibcpybwiktap34inmaex4wbs6cghlq5i2j2yd2bb2zndn5ep7ralzphkdy"},
		{"127x{0,1,2,3,0,0,0,0}", quadsOf(127, 0, 1, 2, 3, 0, 0, 0, 0),
			"baga6ea4seaqn42av3szurbbscwuu3zjssvfwbpsvbjf6y3tukvlgl2nf5rha6pa",
			"bafkzcibcaac542av3szurbbscwuu3zjssvfwbpsvbjf6y3tukvlgl2nf5rha6pa"},
		{"127x{0,1,2,3} and 4 zeros", append(quadsOf(127, 0, 1, 2, 3), 0, 0, 0, 0),
			"baga6ea4seaqn42av3szurbbscwuu3zjssvfwbpsvbjf6y3tukvlgl2nf5rha6pa",
			"bafkzcibd7abqlxticxolgseegik2stpfgkkuwyf6kufex3doorkvmzpjuxwe4dz4"},
		{"127x{0,1,2,3} and 5 zeros", append(quadsOf(127, 0, 1, 2, 3), 0, 0, 0, 0, 0),
			"baga6ea4seaqn42av3szurbbscwuu3zjssvfwbpsvbjf6y3tukvlgl2nf5rha6pa",
			"bafkzcibd64bqlxticxolgseegik2stpfgkkuwyf6kufex3doorkvmzpjuxwe4dz4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := sum(t, tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.CID().String(); got != tc.v2 {
				t.Errorf("v2 %s, want %s", got, tc.v2)
			}
			if tc.v1 != "" && c.CIDv1().String() != tc.v1 {
				t.Errorf("v1 %s, want %s", c.CIDv1(), tc.v1)
			}
			back, err := Parse(tc.v2)
			if err != nil || back != c {
				t.Errorf("Parse(%s) = %v, %v; want %v", tc.v2, back, err, c)
			}
		})
	}
}

// FRC-0069's vector for an empty payload checks the encoding of a padding of
// 127 (the root of 127 zero bytes); Sum itself refuses empty payloads.
func TestEmptyPayload(t *testing.T) {
	if _, err := sum(t, nil); !errors.Is(err, ErrEmpty) {
		t.Fatalf("empty payload: %v, want ErrEmpty", err)
	}
	c, err := sum(t, make([]byte, 127))
	if err != nil {
		t.Fatal(err)
	}
	c.Size = 0
	if got, want := c.CID().String(), "bafkzcibcp4bdomn3tgwgrh3g532zopskstnbrd2n3sxfqbze7rxt7vqn7veigmy"; got != want {
		t.Errorf("padding 127: %s, want %s", got, want)
	}
}

// Every size that matters, checked against go-fil-commp-hashhash (root and
// padded size) and go-fil-commcid (v2 CID, height and padding).
func TestAgainstFilecoinLibraries(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := []int{1, 2, 64, 65, 126, 127, 128, 253, 254, 255, 508, 509, 1016, 1017, 65 << 10,
		SpanSize - 1, SpanSize, SpanSize + 1, 2*SpanSize - 127, 2 * SpanSize, 3*SpanSize + 5, 5*SpanSize - 1, 8 * SpanSize}
	for range 6 {
		sizes = append(sizes, 1+rng.IntN(6*SpanSize))
	}
	for _, n := range sizes {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		c, err := sum(t, data)
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		root, padded := reference(t, data)
		if !bytes.Equal(c.Root[:], root) || c.PaddedSize() != padded {
			t.Errorf("%d bytes: root %x padded %d; hashhash %x %d", n, c.Root, c.PaddedSize(), root, padded)
		}
		if n >= 127 {
			v2, err := commcid.DataCommitmentToPieceCidv2(root, uint64(n))
			if err != nil || !v2.Equals(c.CID()) {
				t.Errorf("%d bytes: v2 %s, go-fil-commcid %s (%v)", n, c.CID(), v2, err)
			}
			h, pad, _ := commcid.PayloadSizeToV1TreeHeightAndPadding(uint64(n))
			if h != c.Height() || pad != c.Padding() {
				t.Errorf("%d bytes: height %d padding %d, go-fil-commcid %d %d", n, c.Height(), c.Padding(), h, pad)
			}
		}
		if back, err := FromCID(c.CID()); err != nil || back != c {
			t.Errorf("%d bytes: FromCID(%s) = %v, %v", n, c.CID(), back, err)
		}
	}
}

func TestFromCIDRefuses(t *testing.T) {
	good, _ := sum(t, make([]byte, 300))
	for _, s := range []string{
		good.CIDv1().String(), // v1: no size
		"bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy",      // a raw block
		"bafkzcibcp4bdomn3tgwgrh3g532zopskstnbrd2n3sxfqbze7rxt7vqn7veigmy", // padding 127: no payload
		"not a cid",
	} {
		if c, err := Parse(s); err == nil {
			t.Errorf("Parse(%s) = %v, want an error", s, c)
		}
	}
}

func TestSumShortReader(t *testing.T) {
	if _, err := Sum(context.Background(), bytes.NewReader(make([]byte, 100)), 200, 1); err == nil {
		t.Fatal("a reader shorter than the size gave no error")
	}
}

func FuzzParse(f *testing.F) {
	c, _ := Sum(context.Background(), bytes.NewReader(make([]byte, 1000)), 1000, 1)
	f.Add(c.CID().Bytes())
	f.Add([]byte{0x01, 0x55, 0x91, 0x20, 0x22, 0x00, 0x04})
	f.Fuzz(func(t *testing.T, b []byte) {
		s := "b" + base32(b)
		c, err := Parse(s)
		if err != nil {
			return
		}
		if back, err := FromCID(c.CID()); err != nil || back != c {
			t.Fatalf("%s: round trip gave %v, %v", s, back, err)
		}
	})
}

// FuzzSum checks Sum against go-fil-commp-hashhash on any payload.
func FuzzSum(f *testing.F) {
	f.Add([]byte("x"), uint16(0))
	f.Add(bytes.Repeat([]byte{7}, 300), uint16(3))
	f.Fuzz(func(t *testing.T, seed []byte, extra uint16) {
		if len(seed) == 0 {
			return
		}
		data := bytes.Repeat(seed, 1+int(extra)%(2*SpanSize/len(seed)+1))
		c, err := sum(t, data)
		if err != nil {
			t.Fatal(err)
		}
		root, padded := reference(t, data)
		if !bytes.Equal(c.Root[:], root) || c.PaddedSize() != padded {
			t.Fatalf("%d bytes: %x/%d, hashhash %x/%d", len(data), c.Root, c.PaddedSize(), root, padded)
		}
	})
}

// TestFileAgainstLibraries checks the piece CID of a large file (make bench
// points DAPP_PUBLISH_PIECE_FILE at the benchmark CAR) against
// go-fil-commp-hashhash and go-fil-commcid, through Sum and the Writer.
func TestFileAgainstLibraries(t *testing.T) {
	path := os.Getenv("DAPP_PUBLISH_PIECE_FILE")
	if path == "" {
		t.Skip("DAPP_PUBLISH_PIECE_FILE is not set")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	got, err := Sum(context.Background(), f, fi.Size(), 0)
	if err != nil {
		t.Fatal(err)
	}
	w := NewWriter(0)
	if _, err := io.Copy(w, io.NewSectionReader(f, 0, fi.Size())); err != nil {
		t.Fatal(err)
	}
	if viaWriter, err := w.Sum(); err != nil || viaWriter != got {
		t.Fatalf("Writer: %v, %v; Sum: %v", viaWriter, err, got)
	}
	var cp commp.Calc
	if _, err := io.Copy(&cp, io.NewSectionReader(f, 0, fi.Size())); err != nil {
		t.Fatal(err)
	}
	root, padded, err := cp.Digest()
	if err != nil {
		t.Fatal(err)
	}
	v2, err := commcid.DataCommitmentToPieceCidv2(root, uint64(fi.Size()))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Root[:], root) || got.PaddedSize() != padded || !v2.Equals(got.CID()) {
		t.Fatalf("%s: %s (padded %d); the Filecoin libraries: %s (padded %d)", path, got.CID(), got.PaddedSize(), v2, padded)
	}
	t.Logf("%s: %s, v1 %s, padded %d: equal to go-fil-commp-hashhash and go-fil-commcid", path, got.CID(), got.CIDv1(), padded)
}
