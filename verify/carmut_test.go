package verify

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"
	"testing/fstest"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/ipfs/go-cid"
)

// testSite is a small site with a multi-block file, so that every kind of
// corruption has a leaf, an inner node and a directory to hit.
func testSite(seed byte) fstest.MapFS {
	big := make([]byte, 2<<20+12345) // three 1 MiB chunks: a file node with leaves
	for i := range big {
		big[i] = byte(i*7) ^ seed
	}
	return fstest.MapFS{
		"index.html":        {Data: []byte("<!doctype html><title>app</title><script src=assets/app.js></script>" + string(rune('a'+seed)))},
		"assets/app.js":     {Data: []byte("console.log('hello', " + string(rune('0'+seed%10)) + ")")},
		"assets/big.wasm":   {Data: big},
		"_redirects":        {Data: []byte("/* /index.html 200\n")},
		"empty/.keep":       {Data: nil},
		"nested/deep/x.txt": {Data: []byte("x")},
	}
}

// packCAR packs fsys with the default profile and returns the root and CAR.
func packCAR(t testing.TB, fsys fstest.MapFS) (cid.Cid, []byte, *bundle.Bundle) {
	t.Helper()
	var buf bytes.Buffer
	b, err := bundle.Pack(context.Background(), fsys, bundle.Options{CAR: &buf, IncludeHidden: true})
	if err != nil {
		t.Fatal(err)
	}
	return b.Root, buf.Bytes(), b
}

// carParts is a CARv1 split into its header and sections, for tests that
// break it on purpose (here and in the corrupting proxy).
type carParts struct {
	header   []byte // varint length + DAG-CBOR
	sections []carSection
}

type carSection struct {
	cid  cid.Cid
	data []byte
}

func splitCAR(t testing.TB, car []byte) carParts {
	t.Helper()
	hl, n := binary.Uvarint(car)
	p := carParts{header: car[:n+int(hl)]}
	for rest := car[n+int(hl):]; len(rest) > 0; {
		l, m := binary.Uvarint(rest)
		sec := rest[m : m+int(l)]
		cl, c, err := cid.CidFromBytes(sec)
		if err != nil {
			t.Fatal(err)
		}
		p.sections = append(p.sections, carSection{cid: c, data: sec[cl:]})
		rest = rest[m+int(l):]
	}
	return p
}

func (p carParts) bytes() []byte {
	out := append([]byte(nil), p.header...)
	for _, s := range p.sections {
		cb := s.cid.Bytes()
		out = binary.AppendUvarint(out, uint64(len(cb)+len(s.data)))
		out = append(out, cb...)
		out = append(out, s.data...)
	}
	return out
}

// The corruptions the issue names. Each takes a good CAR of the DAG and
// (for the splice and wrong-root cases) a CAR of another DAG.
var corruptions = []struct {
	name string
	want error
	fn   func(t testing.TB, good, other []byte) []byte
}{
	{"flipped byte in a block", ErrHashMismatch, func(t testing.TB, good, _ []byte) []byte {
		p := splitCAR(t, good)
		last := &p.sections[len(p.sections)-1]
		last.data = append([]byte(nil), last.data...)
		last.data[len(last.data)/2] ^= 0x01
		return p.bytes()
	}},
	{"missing block", ErrIncomplete, func(t testing.TB, good, _ []byte) []byte {
		p := splitCAR(t, good)
		// A leaf whose siblings follow it: nothing after it looks foreign,
		// only the end of the stream shows the hole.
		for i := len(p.sections) - 2; i > 0; i-- {
			if p.sections[i].cid.Type() == cid.Raw && p.sections[i+1].cid.Type() == cid.Raw {
				p.sections = append(p.sections[:i:i], p.sections[i+1:]...)
				return p.bytes()
			}
		}
		t.Fatal("no leaf followed by a sibling leaf")
		return nil
	}},
	{"missing directory", ErrUnexpectedBlock, func(t testing.TB, good, _ []byte) []byte {
		p := splitCAR(t, good)
		for i := 1; i < len(p.sections); i++ {
			if p.sections[i].cid.Type() == cid.DagProtobuf {
				p.sections = append(p.sections[:i:i], p.sections[i+1:]...)
				return p.bytes()
			}
		}
		t.Fatal("no directory below the root")
		return nil
	}},
	{"truncated stream", ErrTruncated, func(t testing.TB, good, _ []byte) []byte {
		return good[:len(good)-len(good)/3]
	}},
	{"block from another DAG", ErrUnexpectedBlock, func(t testing.TB, good, other []byte) []byte {
		p, o := splitCAR(t, good), splitCAR(t, other)
		foreign := foreignBlock(t, p, o)
		p.sections = append(p.sections[:1:1], append([]carSection{foreign}, p.sections[1:]...)...)
		return p.bytes()
	}},
	{"wrong root in header", ErrWrongRoot, func(t testing.TB, good, other []byte) []byte {
		p, o := splitCAR(t, good), splitCAR(t, other)
		p.header = o.header
		return p.bytes()
	}},
	{"another DAG altogether", ErrWrongRoot, func(t testing.TB, _, other []byte) []byte {
		return other
	}},
}

// foreignBlock returns a block of o that p does not have.
func foreignBlock(t testing.TB, p, o carParts) carSection {
	have := map[cid.Cid]bool{}
	for _, s := range p.sections {
		have[s.cid] = true
	}
	for _, s := range o.sections {
		if !have[s.cid] {
			return s
		}
	}
	t.Fatal("the other DAG has no block of its own")
	return carSection{}
}
