package arapi_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"

	"github.com/dapp-publish/dapp-publish/pin/arweave/arapi"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx/artxtest"
)

var b64u = base64.RawURLEncoding

// itemAnswer is what a gateway's GraphQL answers for a data item, from the
// item's own header (as arlocal and ar.io gateways index it).
func itemAnswer(id string, d *artx.DataItem, edit func(node map[string]any)) []byte {
	tags := []map[string]string{}
	for _, tg := range d.Tags {
		tags = append(tags, map[string]string{"name": tg.Name, "value": tg.Value})
	}
	node := map[string]any{"id": id, "signature": b64u.EncodeToString(d.Signature), "recipient": "", "anchor": "",
		"owner": map[string]string{"key": b64u.EncodeToString(d.Owner)}, "tags": tags}
	if edit != nil {
		edit(node)
	}
	b, _ := json.Marshal(map[string]any{"data": map[string]any{"transactions": map[string]any{"edges": []any{map[string]any{"node": node}}}}})
	return b
}

func signedItem(t testing.TB, data []byte) (string, *artx.DataItem) {
	t.Helper()
	dig, _, err := artx.BlobDigest(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	_, d, err := artx.SignDataItem(artxtest.Wallet(t, 0), []artx.Tag{{Name: "Content-Type", Value: "text/html"}, {Name: "IPFS-Root", Value: "bafy"}}, nil, dig)
	if err != nil {
		t.Fatal(err)
	}
	return d.IDString(), d
}

// TestDecodeItemHeader: a header from GraphQL verifies the item's data
// exactly as the item itself does, and a gateway cannot pass off another
// item's header, a forged field or other data.
func TestDecodeItemHeader(t *testing.T) {
	data := []byte("<!doctype html><p>site</p>")
	id, d := signedItem(t, data)
	otherID, other := signedItem(t, []byte("other"))

	got, err := arapi.DecodeItemHeader(itemAnswer(id, d, nil), id)
	if err != nil {
		t.Fatal(err)
	}
	if err := got.Verify(bytes.NewReader(data)); err != nil {
		t.Fatalf("the header from GraphQL does not verify the item's data: %v", err)
	}
	if v, _ := got.TagValue("IPFS-Root"); v != "bafy" || got.IDString() != id {
		t.Fatalf("decoded %+v", got)
	}
	if err := got.Verify(bytes.NewReader(append(data, ' '))); !errors.Is(err, artx.ErrBadSignature) {
		t.Fatalf("other data verified: %v", err)
	}

	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"another item's header", itemAnswer(id, other, nil), arapi.ErrItemMismatch},
		{"an answer for another id", itemAnswer(otherID, other, nil), arapi.ErrItemMismatch},
		{"no such item", []byte(`{"data":{"transactions":{"edges":[]}}}`), arapi.ErrNoItemHeader},
		{"no signature indexed", itemAnswer(id, d, func(n map[string]any) { n["signature"] = "" }), arapi.ErrNoItemHeader},
		{"a short owner", itemAnswer(id, d, func(n map[string]any) { n["owner"] = map[string]string{"key": "AAAA"} }), arapi.ErrBadGraphQL},
		{"an anchor that is not 32 bytes", itemAnswer(id, d, func(n map[string]any) { n["anchor"] = "AAAA" }), arapi.ErrBadGraphQL},
		{"GraphQL errors", []byte(`{"errors":[{"message":"no"}]}`), arapi.ErrBadGraphQL},
		{"two answers", bytes.Replace(itemAnswer(id, d, nil), []byte(`"edges":[`), []byte(`"edges":[{"node":{"id":"x"}},`), 1), arapi.ErrBadGraphQL},
	} {
		if _, err := arapi.DecodeItemHeader(tc.b, id); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}

	// A forged tag changes what the signature covers.
	forged, err := arapi.DecodeItemHeader(itemAnswer(id, d, func(n map[string]any) {
		n["tags"] = []map[string]string{{"name": "Content-Type", "value": "text/html"}, {"name": "IPFS-Root", "value": "bafyother"}}
	}), id)
	if err != nil {
		t.Fatal(err)
	}
	if err := forged.Verify(bytes.NewReader(data)); !errors.Is(err, artx.ErrBadSignature) {
		t.Fatalf("a forged tag verified: %v", err)
	}
}

// FuzzDecodeItemHeader: whatever a gateway answers, an item header comes
// back only with an id that is its signature's hash, an RSA-sized owner and
// its tags encoded as they are signed.
func FuzzDecodeItemHeader(f *testing.F) {
	id, d := signedItem(f, []byte("x"))
	f.Add(itemAnswer(id, d, nil), id)
	f.Add(itemAnswer(id, d, func(n map[string]any) { n["anchor"] = b64u.EncodeToString(make([]byte, 32)) }), id)
	f.Add([]byte(`{"data":{"transactions":{"edges":[{"node":{"id":"`+id+`","signature":"AA"}}]}}}`), id)
	f.Fuzz(func(t *testing.T, b []byte, id string) {
		d, err := arapi.DecodeItemHeader(b, id)
		if err != nil {
			return
		}
		sum := sha256.Sum256(d.Signature)
		raw, err := artx.EncodeTags(d.Tags)
		if b64u.EncodeToString(sum[:]) != id || len(d.Owner) != 512 || err != nil || !bytes.Equal(raw, d.RawTags) ||
			(d.Anchor != nil && len(d.Anchor) != 32) || (d.Target != nil && len(d.Target) != 32) {
			t.Fatalf("accepted %+v for %s", d, id)
		}
	})
}
