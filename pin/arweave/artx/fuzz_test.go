package artx_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"

	"github.com/dapp-publish/dapp-publish/pin/arweave/artx"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx/artxtest"
)

func FuzzParseWallet(f *testing.F) {
	f.Add(artxtest.JWK(0))
	f.Add([]byte(`{"kty":"RSA","n":"AQAB","e":"AQAB","d":"AQ","p":"Aw","q":"BQ"}`))
	f.Add([]byte(`{"kty":"EC"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := artx.ParseWallet(b)
		if err == nil && (len(w.Address()) != 43 || len(w.Owner()) != artx.OwnerSize) {
			t.Fatalf("accepted a wallet with address %q", w.Address())
		}
	})
}

func FuzzParseTransaction(f *testing.F) {
	tree, _ := artx.BuildTree(bytes.NewReader([]byte("hello")), 5)
	tx := artx.NewTransaction(tree, []byte("hello"), []artx.Tag{{Name: "a", Value: "b"}}, make([]byte, 32), "10")
	tx.ID, tx.Owner, tx.Signature = make([]byte, 32), bytes.Repeat([]byte{1}, 512), make([]byte, 512)
	js, _ := json.Marshal(tx)
	f.Add(js)
	f.Add([]byte(`{"format":2,"data_size":0}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		tx, err := artx.ParseTransaction(b)
		if err != nil {
			return
		}
		again, err := json.Marshal(tx)
		if err != nil {
			t.Fatal(err)
		}
		back, err := artx.ParseTransaction(again)
		if err != nil || back.SignatureData() != tx.SignatureData() {
			t.Fatalf("a parsed transaction does not survive a round trip: %v", err)
		}
	})
}

func FuzzParseManifest(f *testing.F) {
	m, _ := artx.NewManifest(map[string]string{"index.html": idA, "a/b.js": idB}, "index.html", "index.html")
	f.Add(m.Marshal())
	f.Add([]byte(`{"manifest":"arweave/paths","version":"0.1.0","index":{"id":"` + idA + `"},"paths":{}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := artx.ParseManifest(b)
		if err != nil {
			return
		}
		for p := range m.Paths {
			if strings.Trim(p, "/") != p {
				continue // a gateway trims the slashes of the URL's path, not the manifest's keys
			}
			if id, ok := m.Resolve(p); !ok || !artx.IsTxID(id) {
				t.Fatalf("path %q resolves to %q", p, id)
			}
		}
		if _, err := artx.ParseManifest(m.Marshal()); err != nil {
			t.Fatalf("a parsed manifest does not survive a round trip: %v", err)
		}
	})
}

func FuzzReadDataItem(f *testing.F) {
	// Headers built by hand: signing under the fuzzer's instrumentation
	// takes seconds per worker.
	raw, _ := artx.EncodeTags([]artx.Tag{{Name: "Content-Type", Value: "text/plain"}})
	for _, anchor := range [][]byte{nil, bytes.Repeat([]byte{1}, 32)} {
		b := append([]byte{1, 0}, make([]byte, 512)...)
		b = append(b, bytes.Repeat([]byte{7}, 512)...)
		b = append(b, 0)
		if anchor == nil {
			b = append(b, 0)
		} else {
			b = append(append(b, 1), anchor...)
		}
		b = binary.LittleEndian.AppendUint64(b, 1)
		b = binary.LittleEndian.AppendUint64(b, uint64(len(raw)))
		f.Add(append(append(b, raw...), "data"...))
	}
	// The parser, not RSA: signatures are checked by crypto/rsa (and by
	// TestDataItemRoundTrip), and big-number arithmetic under the fuzzer's
	// instrumentation would make each input take seconds.
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := artx.ReadDataItem(bytes.NewReader(b))
		if err != nil {
			return
		}
		if d.HeaderLen > int64(len(b)) || len(d.Tags) > artx.MaxTags || len(d.RawTags) > 4096 {
			t.Fatalf("header of %d bytes in %d, %d tags", d.HeaderLen, len(b), len(d.Tags))
		}
	})
}

func FuzzDecodeTags(f *testing.F) {
	raw, _ := artx.EncodeTags([]artx.Tag{{Name: "a", Value: "b"}, {Name: "Content-Type", Value: "text/html"}})
	f.Add(raw)
	f.Add([]byte{3, 4, 2, 'a', 2, 'b', 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		tags, err := artx.DecodeTags(b)
		if err != nil || len(tags) == 0 {
			return
		}
		enc, err := artx.EncodeTags(tags)
		if err != nil {
			return // empty names or values decode, but are not written
		}
		back, err := artx.DecodeTags(enc)
		if err != nil || len(back) != len(tags) {
			t.Fatalf("tags do not survive a round trip: %v", err)
		}
		for i := range back {
			if back[i] != tags[i] {
				t.Fatalf("tag %d: %q became %q", i, tags[i], back[i])
			}
		}
	})
}

func FuzzValidatePath(f *testing.F) {
	data := randBytes(1, 700*kib)
	tree, _ := artx.BuildTree(bytes.NewReader(data), int64(len(data)))
	f.Add(tree.Root(), int64(0), int64(len(data)), tree.Proof(0))
	f.Add(tree.Root(), int64(len(data)-1), int64(len(data)), tree.Proof(2))
	f.Fuzz(func(t *testing.T, root []byte, dest, size int64, path []byte) {
		c, err := artx.ValidatePath(root, dest, size, path)
		if err == nil && (c.Min > dest || c.Max <= dest || c.Max > size || c.Min < 0) {
			t.Fatalf("validated chunk [%d,%d) does not hold offset %d of %d", c.Min, c.Max, dest, size)
		}
	})
}
