package artx

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/big"
)

// Chunk sizes of a format-2 transaction's data.
const (
	MaxChunkSize = 256 << 10
	MinChunkSize = 32 << 10

	noteSize = 32
	hashSize = 32
)

// Chunk is one piece of a transaction's data: bytes [Min, Max) and their
// SHA-256.
type Chunk struct {
	Min, Max int64
	DataHash [32]byte
}

// Size is the chunk's length.
func (c Chunk) Size() int64 { return c.Max - c.Min }

// ChunkEnds returns where each chunk of size bytes of data ends, by
// arweave-js's rule: cut 256 KiB while at least 256 KiB remains, except that
// when the cut would leave between 1 byte and 32 KiB - 1, the cut is
// ceil(remaining/2) instead. The remainder is the last chunk, which is empty
// when size is a multiple of 256 KiB (that empty chunk is part of the tree
// but never uploaded).
func ChunkEnds(size int64) []int64 {
	ends := make([]int64, 0, size/MaxChunkSize+1)
	var cursor int64
	for rest := size; rest >= MaxChunkSize; {
		n := int64(MaxChunkSize)
		if next := rest - MaxChunkSize; next > 0 && next < MinChunkSize {
			n = (rest + 1) / 2 // Math.ceil(rest / 2)
		}
		cursor += n
		rest -= n
		ends = append(ends, cursor)
	}
	return append(ends, size)
}

// Tree is the Merkle tree over a transaction's chunks: its root is the
// transaction's data_root, and it gives each chunk's proof (data_path). It
// holds 32-byte hashes per chunk, never the data.
type Tree struct {
	size   int64
	chunks []Chunk // every leaf, with the empty trailing one if any
	levels [][]node
}

type node struct {
	id  [32]byte
	max int64 // the last byte offset + 1 covered by this node
}

// ErrShortData means a reader ended before the size it was said to hold.
var ErrShortData = errors.New("data ended early")

// BuildTree reads exactly size bytes from r, hashing each chunk, and builds
// the tree. It reads in 256 KiB pieces; r may hold more bytes after size.
func BuildTree(r io.Reader, size int64) (*Tree, error) {
	if size < 0 {
		return nil, fmt.Errorf("negative data size %d", size)
	}
	buf := make([]byte, MaxChunkSize)
	var chunks []Chunk
	var start int64
	for _, end := range ChunkEnds(size) {
		b := buf[:end-start]
		if _, err := io.ReadFull(r, b); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, fmt.Errorf("%w: %d of %d bytes", ErrShortData, start, size)
			}
			return nil, err
		}
		chunks = append(chunks, Chunk{Min: start, Max: end, DataHash: sha256.Sum256(b)})
		start = end
	}
	return TreeFromChunks(size, chunks)
}

// TreeFromChunks builds the tree from chunk hashes already computed (they
// must follow ChunkEnds(size)).
func TreeFromChunks(size int64, chunks []Chunk) (*Tree, error) {
	ends := ChunkEnds(size)
	if len(chunks) != len(ends) {
		return nil, fmt.Errorf("%d chunks for %d bytes, want %d", len(chunks), size, len(ends))
	}
	leaves := make([]node, len(chunks))
	for i, c := range chunks {
		if c.Max != ends[i] {
			return nil, fmt.Errorf("chunk %d ends at %d, want %d", i, c.Max, ends[i])
		}
		leaves[i] = node{id: leafID(c.DataHash, c.Max), max: c.Max}
	}
	t := &Tree{size: size, chunks: chunks, levels: [][]node{leaves}}
	for lvl := leaves; len(lvl) > 1; {
		next := make([]node, 0, (len(lvl)+1)/2)
		for i := 0; i < len(lvl); i += 2 {
			if i+1 == len(lvl) {
				next = append(next, lvl[i]) // an odd last node is carried up
				continue
			}
			next = append(next, node{id: branchID(lvl[i], lvl[i+1]), max: lvl[i+1].max})
		}
		t.levels = append(t.levels, next)
		lvl = next
	}
	return t, nil
}

func note(n int64) []byte {
	b := make([]byte, noteSize)
	big.NewInt(n).FillBytes(b)
	return b
}

func sum(parts ...[]byte) [32]byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	var d [32]byte
	h.Sum(d[:0])
	return d
}

func leafID(dataHash [32]byte, max int64) [32]byte {
	a, b := sha256.Sum256(dataHash[:]), sha256.Sum256(note(max))
	return sum(a[:], b[:])
}

func branchID(l, r node) [32]byte {
	a, b, c := sha256.Sum256(l.id[:]), sha256.Sum256(r.id[:]), sha256.Sum256(note(l.max))
	return sum(a[:], b[:], c[:])
}

// Size is the data size the tree covers.
func (t *Tree) Size() int64 { return t.size }

// Root returns the data_root: nil for empty data, as arweave-js sends "".
func (t *Tree) Root() []byte {
	if t.size == 0 {
		return nil
	}
	top := t.levels[len(t.levels)-1][0].id
	return top[:]
}

// Chunks returns the chunks to upload: every leaf except an empty last one.
func (t *Tree) Chunks() []Chunk {
	if t.size == 0 {
		return nil
	}
	if n := len(t.chunks); t.chunks[n-1].Size() == 0 {
		return t.chunks[:n-1]
	}
	return t.chunks
}

// Proof returns the data_path of chunk i: from the root down, each branch
// contributes left id ‖ right id ‖ note(left max), and the leaf contributes
// its data hash ‖ note(its max).
func (t *Tree) Proof(i int) []byte {
	var p []byte
	for lvl := len(t.levels) - 2; lvl >= 0; lvl-- {
		parent := i >> (lvl + 1)
		l, r := 2*parent, 2*parent+1
		if r >= len(t.levels[lvl]) {
			continue // carried up unchanged: no branch here
		}
		ln, rn := t.levels[lvl][l], t.levels[lvl][r]
		p = append(p, ln.id[:]...)
		p = append(p, rn.id[:]...)
		p = append(p, note(ln.max)...)
	}
	c := t.chunks[i]
	p = append(p, c.DataHash[:]...)
	return append(p, note(c.Max)...)
}

// ErrBadProof means a data_path does not lead from the root to the chunk.
var ErrBadProof = errors.New("chunk proof does not match the data root")

// maxProofDepth bounds a proof's branches: 2^64 chunks would be more data
// than any transaction can hold.
const maxProofDepth = 64

// ValidatePath checks that path proves the chunk holding byte offset dest
// of data of size bytes under root, as a node does. It returns the chunk's
// range and data hash; the caller compares the chunk's SHA-256 with it.
func ValidatePath(root []byte, dest, size int64, path []byte) (Chunk, error) {
	if len(root) != hashSize || size <= 0 || dest < 0 || dest >= size {
		return Chunk{}, ErrBadProof
	}
	var id [32]byte
	copy(id[:], root)
	left, right := int64(0), size
	for depth := 0; ; depth++ {
		if len(path) == hashSize+noteSize {
			var c Chunk
			copy(c.DataHash[:], path[:hashSize])
			end := noteValue(path[hashSize:])
			if leafID(c.DataHash, end) != id || end != right {
				return Chunk{}, ErrBadProof
			}
			c.Min, c.Max = left, right
			return c, nil
		}
		if depth >= maxProofDepth || len(path) < 2*hashSize+noteSize {
			return Chunk{}, ErrBadProof
		}
		var ln, rn node
		copy(ln.id[:], path[:hashSize])
		copy(rn.id[:], path[hashSize:2*hashSize])
		split := noteValue(path[2*hashSize : 2*hashSize+noteSize])
		ln.max = split
		if branchID(ln, rn) != id || split <= left || split > right { // == right: an empty last chunk
			return Chunk{}, ErrBadProof
		}
		path = path[2*hashSize+noteSize:]
		if dest < split {
			id, right = ln.id, split
		} else {
			id, left = rn.id, split
		}
	}
}

// noteValue reads a 32-byte big-endian offset, saturating far above any
// real size so that a hostile note cannot wrap around.
func noteValue(b []byte) int64 {
	if !bytes.Equal(b[:noteSize-8], make([]byte, noteSize-8)) || b[noteSize-8]&0x80 != 0 {
		return 1<<63 - 1
	}
	return new(big.Int).SetBytes(b).Int64()
}
