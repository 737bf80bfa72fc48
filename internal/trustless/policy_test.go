package trustless

import (
	"errors"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
)

func TestCheckCID(t *testing.T) {
	sum := func(codec, code uint64, length int) cid.Cid {
		h, err := mh.Sum([]byte("block"), code, length)
		if err != nil {
			t.Fatal(err)
		}
		return cid.NewCidV1(codec, h)
	}
	identity := func(n int) cid.Cid {
		h, _ := mh.Sum([]byte(strings.Repeat("i", n)), mh.IDENTITY, -1)
		return cid.NewCidV1(cid.Raw, h)
	}
	v0, _ := cid.Decode("QmRAQB6YaCyidP37UdDnjFY5vQuiBrcqdyoW1CuDgwxkD4")
	for _, tc := range []struct {
		name string
		c    cid.Cid
		want error
	}{
		{"sha2-256", sum(cid.Raw, mh.SHA2_256, -1), nil},
		{"CIDv0", v0, nil},
		{"sha2-512", sum(cid.DagProtobuf, mh.SHA2_512, -1), nil},
		{"sha3-256", sum(cid.Raw, mh.SHA3_256, -1), nil},
		{"keccak-256", sum(cid.Raw, mh.KECCAK_256, -1), nil},
		{"blake2b-256", sum(cid.Raw, mh.BLAKE2B_MIN+31, -1), nil},
		{"blake3", sum(cid.Raw, mh.BLAKE3, -1), nil},
		{"blake3 64 bytes", sum(cid.Raw, mh.BLAKE3, 64), nil},
		{"dbl-sha2-256", sum(cid.Raw, mh.DBL_SHA2_256, -1), nil},
		{"identity 128", identity(128), nil},
		{"identity 0", identity(0), nil},
		{"sha1", sum(cid.Raw, mh.SHA1, -1), ErrInsecureHash},
		{"md5", sum(cid.Raw, mh.MD5, -1), ErrInsecureHash},
		{"murmur3", sum(cid.Raw, mh.MURMUR3X64_64, -1), ErrInsecureHash},
		{"sha2-256 cut to 31", sum(cid.Raw, mh.SHA2_256, 31), ErrInsecureHash},
		{"sha2-256 cut to 20", sum(cid.Raw, mh.SHA2_256, 20), ErrInsecureHash},
		{"sha2-256 cut to 2", sum(cid.Raw, mh.SHA2_256, 2), ErrInsecureHash},
		{"sha2-512 cut to 32", sum(cid.Raw, mh.SHA2_512, 32), ErrInsecureHash},
		{"blake3 cut to 16", sum(cid.Raw, mh.BLAKE3, 16), ErrInsecureHash},
		{"blake2b-128", sum(cid.Raw, mh.BLAKE2B_MIN+15, -1), ErrInsecureHash},
		{"identity 129", identity(129), ErrInsecureHash},
		{"dag-cbor", sum(cid.DagCBOR, mh.SHA2_256, -1), ErrUnsupported},
		{"undefined", cid.Undef, ErrMalformed},
	} {
		err := CheckCID(tc.c)
		if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestCheckBlock(t *testing.T) {
	data := []byte("some bytes")
	for _, code := range []uint64{mh.SHA2_256, mh.SHA2_512, mh.BLAKE3, mh.SHA3_256} {
		h, _ := mh.Sum(data, code, -1)
		c := cid.NewCidV1(cid.Raw, h)
		if err := CheckBlock(c, data); err != nil {
			t.Errorf("%s: %v", mh.Codes[code], err)
		}
		if err := CheckBlock(c, []byte("other bytes")); !errors.Is(err, ErrHashMismatch) {
			t.Errorf("%s, other bytes: %v", mh.Codes[code], err)
		}
	}
	// A SHA-1 block is refused even when its bytes match: SHA-1 proves nothing.
	h, _ := mh.Sum(data, mh.SHA1, -1)
	if err := CheckBlock(cid.NewCidV1(cid.Raw, h), data); !errors.Is(err, ErrInsecureHash) {
		t.Errorf("sha1: %v", err)
	}
	h, _ = mh.Sum(data, mh.IDENTITY, -1)
	if err := CheckBlock(cid.NewCidV1(cid.Raw, h), []byte("not inline")); !errors.Is(err, ErrHashMismatch) {
		t.Errorf("identity with other data: %v", err)
	}
}
