package bundle_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dapp-publish/dapp-publish/bundle"
	commcid "github.com/filecoin-project/go-fil-commcid"
	commp "github.com/filecoin-project/go-fil-commp-hashhash"
)

// libraryPiece computes the v2 piece CID of car with the Filecoin
// libraries (go-fil-commp-hashhash, go-fil-commcid); a payload under 127
// bytes is zero-padded first as FRC-0069 says (the libraries refuse it).
func libraryPiece(t *testing.T, car []byte) (v2, v1 string, padded uint64) {
	t.Helper()
	in := car
	if len(in) < 127 {
		in = append(append([]byte(nil), in...), make([]byte, 127-len(in))...)
	}
	var cp commp.Calc
	cp.Write(in)
	root, padded, err := cp.Digest()
	if err != nil {
		t.Fatal(err)
	}
	c1, err := commcid.DataCommitmentV1ToCID(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(car) < 127 {
		return "", c1.String(), padded
	}
	c2, err := commcid.DataCommitmentToPieceCidv2(root, uint64(len(car)))
	if err != nil {
		t.Fatal(err)
	}
	return c2.String(), c1.String(), padded
}

// The piece CID pack computes while it writes the CAR, out of order, equals
// the Filecoin libraries' over the CAR's bytes: with the CAR written in
// place and through a plain writer, with the planned layout and with one
// rewritten for repeated blocks, and for a CAR under 127 bytes.
func TestPackPieceCID(t *testing.T) {
	big := pattern(3<<20+12345, 7)
	sites := map[string]fstest.MapFS{
		"empty folder (a 100-byte CAR)": {},
		"files": {
			"index.html":    {Data: []byte("<!doctype html><p>hi")},
			"big.bin":       {Data: big},
			"assets/app.js": {Data: pattern(700<<10, 1)},
		},
		"repeated blocks": { // equal files: the CAR is rewritten after the plan
			"a.bin": {Data: big},
			"b.bin": {Data: big},
			"c.txt": {Data: []byte("c")},
		},
	}
	for name, fsys := range sites {
		t.Run(name, func(t *testing.T) {
			// Through a bytes.Buffer: not written in place.
			b, car := pack(t, fsys, bundle.Options{}, false)
			checkPiece(t, b, car)
			// In place, into an empty file.
			f, err := os.Create(filepath.Join(t.TempDir(), "site.car"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			b2, err := bundle.Pack(context.Background(), fsys, bundle.Options{CAR: f})
			if err != nil {
				t.Fatal(err)
			}
			onDisk, _ := os.ReadFile(f.Name())
			if !bytes.Equal(onDisk, car) {
				t.Fatal("the CAR written in place differs")
			}
			checkPiece(t, b2, onDisk)
			if *b2.Piece != *b.Piece {
				t.Errorf("in place %v, through a writer %v", b2.Piece, b.Piece)
			}
		})
	}
	b, _ := pack(t, sites["files"], bundle.Options{NoPieceCID: true}, false)
	if b.Piece != nil || b.Manifest.CAR.PieceCID != "" {
		t.Errorf("NoPieceCID gave a piece CID %v", b.Piece)
	}
}

func checkPiece(t *testing.T, b *bundle.Bundle, car []byte) {
	t.Helper()
	if b.Piece == nil {
		t.Fatal("no piece CID")
	}
	v2, v1, padded := libraryPiece(t, car)
	got := bundle.NewPieceInfo(b.Piece)
	if v2 != "" && got.PieceCID != v2 || got.PieceCIDv1 != v1 || got.PaddedPieceSize != padded {
		t.Errorf("pack: %+v; libraries: %s %s %d", got, v2, v1, padded)
	}
	if !strings.HasPrefix(got.PieceCID, "bafkzcib") || b.Manifest.CAR.PieceInfo != got {
		t.Errorf("manifest %+v, bundle %+v", b.Manifest.CAR.PieceInfo, got)
	}
	in, err := bundle.InspectWithPiece(bytes.NewReader(car))
	if err != nil || in.PieceInfo != got {
		t.Errorf("inspect: %+v, %v; pack %+v", in.PieceInfo, err, got)
	}
}

// The same folder gives the same piece CID on every run.
func TestPackPieceCIDStable(t *testing.T) {
	fsys := fstest.MapFS{"big.bin": {Data: pattern(5<<20, 3)}, "x/y.txt": {Data: []byte("y")}}
	first, _ := pack(t, fsys, bundle.Options{}, false)
	for range 3 {
		b, _ := pack(t, fsys, bundle.Options{Workers: 3}, false)
		if *b.Piece != *first.Piece {
			t.Fatalf("piece CID changed: %v then %v", first.Piece, b.Piece)
		}
	}
}

func TestManifestPieceChecked(t *testing.T) {
	b, _ := pack(t, fstest.MapFS{"a": {Data: []byte("a")}}, bundle.Options{}, false)
	var buf bytes.Buffer
	b.Manifest.WriteJSON(&buf)
	if _, err := bundle.ReadManifest(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(buf.String(), b.Manifest.CAR.PieceCIDv1, "baga6ea4seaqes3nobte6ezpp4wqan2age2s5yxcatzotcvobhgcmv5wi2xh5mbi", 1)
	if _, err := bundle.ReadManifest(strings.NewReader(bad)); err == nil {
		t.Error("a manifest whose v1 piece CID does not match its v2 was accepted")
	}
}
