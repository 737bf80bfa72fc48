package carsite_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"testing"
	"testing/fstest"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/pin/arweave/carsite"
	"github.com/dapp-publish/dapp-publish/pin/pintest"
	mdag "github.com/ipfs/boxo/ipld/merkledag"
	ft "github.com/ipfs/boxo/ipld/unixfs"
	"github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
	carv2 "github.com/ipld/go-car/v2"
	"github.com/ipld/go-car/v2/storage"
)

func site() fstest.MapFS {
	big := make([]byte, 3<<20+17)
	for i := range big {
		big[i] = byte(i * 7)
	}
	return fstest.MapFS{
		"index.html": {Data: []byte("<p>hi</p>")}, "a/b/c.js": {Data: []byte("x()")},
		"big.bin": {Data: big}, "empty": {Data: nil}, "ünï.txt": {Data: []byte("u")},
	}
}

func open(t *testing.T, car []byte) (*carsite.Site, error) {
	return carsite.Open(context.Background(), bytes.NewReader(car), int64(len(car)))
}

func TestReadsEveryFile(t *testing.T) {
	for _, prof := range []bundle.Profile{bundle.ProfileV1_2025, bundle.ProfileV0_2015} {
		fs := site()
		var car bytes.Buffer
		b, err := bundle.Pack(context.Background(), fs, bundle.Options{Profile: prof, CAR: &car})
		if err != nil {
			t.Fatal(err)
		}
		s, err := open(t, car.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if s.Root != b.Root || s.Profile() != prof.Name || len(s.Files) != len(fs) {
			t.Fatalf("%s: root %s profile %s, %d files", prof.Name, s.Root, s.Profile(), len(s.Files))
		}
		for _, f := range s.Files {
			r, err := s.Open(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(got, fs[f.Path].Data) || f.Size != int64(len(got)) {
				t.Errorf("%s %s: %d bytes, size %d, %v", prof.Name, f.Path, len(got), f.Size, err)
			}
		}
	}
}

// carOf writes blocks (a root first) as a CARv1.
func carOf(t *testing.T, root cid.Cid, blocks map[cid.Cid][]byte) []byte {
	var buf bytes.Buffer
	w, err := storage.NewWritable(&buf, []cid.Cid{root}, carv2.WriteAsCarV1(true))
	if err != nil {
		t.Fatal(err)
	}
	for c, data := range blocks {
		if err := w.Put(context.Background(), c.KeyString(), data); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// dir returns a UnixFS folder linking names to the file block.
func dir(t *testing.T, file cid.Cid, names ...string) *mdag.ProtoNode {
	nd := ft.EmptyDirNode()
	nd.SetCidBuilder(mdag.V1CidPrefix())
	for _, n := range names {
		if err := nd.AddRawLink(n, &ipld.Link{Cid: file}); err != nil {
			t.Fatal(err)
		}
	}
	return nd
}

func TestHostileCARs(t *testing.T) {
	leaf := mdag.NewRawNode([]byte("file"))
	for _, tc := range []struct {
		name  string
		names []string
		want  error
	}{
		{"a name twice", []string{"a.html", "a.html"}, carsite.ErrBadPath},
		{"a slash in a name", []string{"a/b.html"}, carsite.ErrBadPath},
		{"a dot-dot name", []string{".."}, carsite.ErrBadPath},
		{"an empty name", []string{""}, carsite.ErrBadPath},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := dir(t, leaf.Cid(), tc.names...)
			car := carOf(t, d.Cid(), map[cid.Cid][]byte{d.Cid(): d.RawData(), leaf.Cid(): leaf.RawData()})
			if _, err := open(t, car); !errors.Is(err, tc.want) {
				t.Fatalf("got %v", err)
			}
		})
	}
	t.Run("a block that is not its CID's", func(t *testing.T) {
		d := dir(t, leaf.Cid(), "a.html")
		car := carOf(t, d.Cid(), map[cid.Cid][]byte{d.Cid(): d.RawData(), leaf.Cid(): []byte("evil")})
		_, err := open(t, car) // listing reads each entry's first block
		if !errors.Is(err, carsite.ErrBadBlock) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a file as the root", func(t *testing.T) {
		car := carOf(t, leaf.Cid(), map[cid.Cid][]byte{leaf.Cid(): leaf.RawData()})
		if _, err := open(t, car); !errors.Is(err, carsite.ErrNotASite) {
			t.Fatalf("got %v", err)
		}
	})
}

func FuzzOpen(f *testing.F) {
	b := pintest.NewBundle(f, 1, 2000)
	car, _ := os.ReadFile(b.Path)
	f.Add(car)
	f.Fuzz(func(t *testing.T, car []byte) {
		s, err := open(t, car)
		if err != nil {
			return
		}
		for _, file := range s.Files {
			r, err := s.Open(context.Background(), file)
			if err == nil {
				_, _ = io.Copy(io.Discard, io.LimitReader(r, 1<<20))
			}
		}
	})
}

// TestFlippedByte: a byte flipped in the middle of a big file's leaves is
// caught, at Open or while the file is read, never served.
func TestFlippedByte(t *testing.T) {
	var car bytes.Buffer
	if _, err := bundle.Pack(context.Background(), site(), bundle.Options{CAR: &car}); err != nil {
		t.Fatal(err)
	}
	b := car.Bytes()
	b[len(b)/2] ^= 1
	s, err := open(t, b)
	for i := 0; err == nil && i < len(s.Files); i++ {
		var r io.Reader
		if r, err = s.Open(context.Background(), s.Files[i]); err == nil {
			_, err = io.Copy(io.Discard, r)
		}
	}
	if !errors.Is(err, carsite.ErrBadBlock) {
		t.Fatalf("got %v", err)
	}
}
