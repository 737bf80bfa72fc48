package artx_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/dapp-publish/dapp-publish/pin/arweave/artx"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx/artxtest"
)

func dataItem(t *testing.T, data []byte, tags []artx.Tag) []byte {
	t.Helper()
	hdr, _, err := artx.SignDataItem(artxtest.Wallet(t, 0), tags, nil, artx.DeepHash(data))
	if err != nil {
		t.Fatal(err)
	}
	return append(hdr, data...)
}

func TestDataItemRoundTrip(t *testing.T) {
	tags := []artx.Tag{{Name: "Content-Type", Value: "text/html"}, {Name: "File-Hash", Value: strings.Repeat("ab", 32)}}
	for _, data := range [][]byte{nil, []byte("x"), randBytes(5, 300*kib)} {
		item := dataItem(t, data, tags)
		d, got, err := artx.ParseDataItem(item)
		if err != nil {
			t.Fatalf("%d bytes: %v", len(data), err)
		}
		if !bytes.Equal(got, data) || len(d.Tags) != 2 || d.Tags[1] != tags[1] {
			t.Fatalf("%d bytes: parsed back %d bytes, tags %v", len(data), len(got), d.Tags)
		}
		for _, at := range []int{1, 600, len(item) - 1} { // signature, owner, data (or tags)
			bad := bytes.Clone(item)
			bad[at] ^= 1
			if _, _, err := artx.ParseDataItem(bad); err == nil {
				t.Fatalf("%d bytes: flipping byte %d went unnoticed", len(data), at)
			}
		}
	}
}

func TestTagsEncoding(t *testing.T) {
	tags := []artx.Tag{{Name: "a", Value: "b"}, {Name: "Content-Type", Value: strings.Repeat("x", 70)}}
	b, err := artx.EncodeTags(tags)
	if err != nil {
		t.Fatal(err)
	}
	// count 2 (zigzag 4), "a" (len zigzag 2), "b", ..., value of 70 bytes
	// (zigzag 140 = 0x8c 0x01), then the 0 that ends the array.
	if b[0] != 4 || b[1] != 2 || b[2] != 'a' || b[len(b)-1] != 0 || !bytes.Contains(b, []byte{0x8c, 0x01}) {
		t.Fatalf("Avro bytes % x", b)
	}
	back, err := artx.DecodeTags(b)
	if err != nil || len(back) != 2 || back[1] != tags[1] {
		t.Fatalf("decoded %v, %v", back, err)
	}
	// Avro's other block form: a negative count followed by a byte size.
	alt := append([]byte{3, byte(len(b) - 2)}, b[1:]...)
	if back, err := artx.DecodeTags(alt); err != nil || len(back) != 2 {
		t.Fatalf("negative-count block: %v, %v", back, err)
	}
	for name, tags := range map[string][]artx.Tag{
		"empty name":  {{Name: "", Value: "v"}},
		"empty value": {{Name: "n", Value: ""}},
		"long name":   {{Name: strings.Repeat("n", artx.MaxTagName+1), Value: "v"}},
		"too many":    make([]artx.Tag, artx.MaxTags+1),
	} {
		if _, err := artx.EncodeTags(tags); err == nil {
			t.Errorf("%s: encoded", name)
		}
	}
	for name, b := range map[string][]byte{
		"no end":      {2, 2, 'a', 2, 'b'},
		"long length": {2, 100, 'a'},
		"trailing":    {0, 0},
		"many tags":   {0xfe, 0x03},
	} {
		if _, err := artx.DecodeTags(b); !errors.Is(err, artx.ErrBadDataItem) {
			t.Errorf("%s: got %v", name, err)
		}
	}
}
