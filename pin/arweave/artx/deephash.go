package artx

import (
	"crypto/sha512"
	"hash"
	"io"
	"strconv"
)

// Digest is a deep hash: 48 bytes of SHA-384.
type Digest [48]byte

// DeepHash computes Arweave's deep hash of v, which is a []byte (a blob), a
// string (its UTF-8 bytes, a blob), a Digest already computed (for a blob
// hashed from a stream, see BlobDigest), or a []any of these (a list).
//
// A blob hashes to SHA-384(SHA-384("blob"‖len) ‖ SHA-384(bytes)); a list
// folds acc = SHA-384("list"‖count), then acc = SHA-384(acc ‖ item) per item.
// Lengths are decimal ASCII.
func DeepHash(v any) Digest {
	switch x := v.(type) {
	case []byte:
		return blob(x)
	case string:
		return blob([]byte(x))
	case Digest:
		return x
	case []any:
		return list(x)
	}
	panic("artx: DeepHash of an unsupported type")
}

func sum384(parts ...[]byte) Digest {
	h := sha512.New384()
	for _, p := range parts {
		h.Write(p)
	}
	var d Digest
	h.Sum(d[:0])
	return d
}

func blob(b []byte) Digest {
	d := sha512.Sum384(b)
	return blobTagged(d, int64(len(b)))
}

func blobTagged(dataDigest Digest, n int64) Digest {
	tag := sum384([]byte("blob"), []byte(strconv.FormatInt(n, 10)))
	return sum384(tag[:], dataDigest[:])
}

func list(items []any) Digest {
	acc := sum384([]byte("list"), []byte(strconv.Itoa(len(items))))
	for _, it := range items {
		d := DeepHash(it)
		acc = sum384(acc[:], d[:])
	}
	return acc
}

// BlobHasher computes the deep hash of a blob streamed through it, for data
// too large to hold (a data item's payload).
type BlobHasher struct {
	h hash.Hash
	n int64
}

// NewBlobHasher returns an empty BlobHasher.
func NewBlobHasher() *BlobHasher { return &BlobHasher{h: sha512.New384()} }

// Write hashes p.
func (b *BlobHasher) Write(p []byte) (int, error) {
	b.n += int64(len(p))
	return b.h.Write(p)
}

// Digest returns the deep hash of everything written.
func (b *BlobHasher) Digest() Digest {
	var d Digest
	b.h.Sum(d[:0])
	return blobTagged(d, b.n)
}

// BlobDigest deep-hashes n bytes read from r.
func BlobDigest(r io.Reader) (Digest, int64, error) {
	bh := NewBlobHasher()
	_, err := io.CopyBuffer(bh, r, make([]byte, 256<<10))
	return bh.Digest(), bh.n, err
}
