package piece

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math/bits"

	commcid "github.com/filecoin-project/go-fil-commcid"
	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
	"github.com/multiformats/go-varint"
)

// Limits of a piece's payload. The largest is what a 64 GiB sector holds
// (as go-fil-commp-hashhash's MaxPiecePayload).
const (
	MaxPayload = (uint64(1) << 36) / 128 * 127
	// SpanSize is the payload of one span: 8,192 quads, a 1 MiB subtree.
	SpanSize = 127 << (spanLevel - 2)
	// spanLevel is the height of a span's subtree: 2^15 leaves.
	spanLevel = 15
)

// Multicodec codes of the piece CIDs.
const (
	codecFilCommitmentUnsealed = 0xf101
	hashTrunc254Padded         = 0x1012
	hashPadBinTree             = 0x1011 // fr32-sha256-trunc254-padbintree (FRC-0069)
)

// ErrEmpty is returned for a payload of no bytes. FRC-0069 defines a piece
// CID for it (127 bytes of padding), but no storage provider accepts a piece
// of fewer than 127 bytes, let alone none, so an empty payload is refused.
var ErrEmpty = errors.New("a payload of no bytes has no piece to store")

// ErrTooLarge is returned for a payload over MaxPayload.
var ErrTooLarge = fmt.Errorf("a piece holds at most %d bytes", MaxPayload)

// Commitment is a piece commitment: the root of the piece tree over a payload
// of Size bytes.
type Commitment struct {
	Root [32]byte
	Size uint64 // payload bytes, before padding
}

// Height is the height of the piece tree: log2 of the padded size over 32.
func (c Commitment) Height() uint8 { return uint8(treeLevel(c.Size)) }

// PaddedSize is the padded piece size (a power of two, at least 128): the
// size Filecoin deals and proofs use.
func (c Commitment) PaddedSize() uint64 { return 32 << c.Height() }

// Padding is the number of zero bytes added to the payload so that it fills
// the tree (FRC-0069).
func (c Commitment) Padding() uint64 { return c.PaddedSize()/128*127 - c.Size }

// CID returns the v2 piece CID (FRC-0069).
func (c Commitment) CID() cid.Cid {
	if c.Size >= 127 {
		if v2, err := commcid.DataCommitmentToPieceCidv2(c.Root[:], c.Size); err == nil {
			return v2
		}
	}
	// go-fil-commcid refuses payloads under 127 bytes, which FRC-0069
	// pads to 127 ("if the data is < 127 bytes then it is padded to 127").
	digest := varint.ToUvarint(c.Padding())
	digest = append(digest, c.Height())
	digest = append(digest, c.Root[:]...)
	m, _ := mh.Encode(digest, hashPadBinTree)
	return cid.NewCidV1(cid.Raw, m)
}

// CIDv1 returns the v1 piece CID; the padded size goes with it.
func (c Commitment) CIDv1() cid.Cid {
	v1, err := commcid.DataCommitmentV1ToCID(c.Root[:])
	if err != nil {
		panic(err) // a 32-byte commitment always converts
	}
	return v1
}

// String is the v2 piece CID.
func (c Commitment) String() string { return c.CID().String() }

// FromCID decodes a v2 piece CID (outside bytes: every field is checked).
// Payloads under 127 bytes, which FRC-0069 allows and go-fil-commcid does
// not, are accepted with their padding.
func FromCID(c cid.Cid) (Commitment, error) {
	if c.Type() != cid.Raw {
		return Commitment{}, fmt.Errorf("%s is not a v2 piece CID (codec %#x, want raw)", c, c.Type())
	}
	d, err := mh.Decode(c.Hash())
	if err != nil {
		return Commitment{}, fmt.Errorf("%s: %w", c, err)
	}
	if d.Code != hashPadBinTree {
		return Commitment{}, fmt.Errorf("%s is not a v2 piece CID (multihash %#x, want %#x)", c, d.Code, hashPadBinTree)
	}
	padding, n, err := varint.FromUvarint(d.Digest)
	if err != nil {
		return Commitment{}, fmt.Errorf("%s: bad padding: %w", c, err)
	}
	if len(d.Digest) != n+33 {
		return Commitment{}, fmt.Errorf("%s: digest of %d bytes, want %d", c, len(d.Digest), n+33)
	}
	height := d.Digest[n]
	if height < 2 || int(height) > treeLevel(MaxPayload) {
		return Commitment{}, fmt.Errorf("%s: tree height %d out of range", c, height)
	}
	full := (uint64(32) << height) / 128 * 127
	if padding >= full {
		return Commitment{}, fmt.Errorf("%s: padding %d leaves no payload", c, padding)
	}
	out := Commitment{Size: full - padding}
	if out.Height() != height {
		return Commitment{}, fmt.Errorf("%s: padding %d does not fit a tree of height %d", c, padding, height)
	}
	copy(out.Root[:], d.Digest[n+1:])
	return out, nil
}

// Parse decodes a v2 piece CID in text form.
func Parse(s string) (Commitment, error) {
	c, err := cid.Decode(s)
	if err != nil {
		return Commitment{}, fmt.Errorf("bad piece CID %q: %w", s, err)
	}
	return FromCID(c)
}

// treeLevel is the height of the tree over size payload bytes: the smallest
// k >= 2 with 127·2^(k-2) >= size.
func treeLevel(size uint64) int {
	quads := (size + 126) / 127
	if quads <= 1 {
		return 2
	}
	return 2 + bits.Len64(quads-1)
}

// zero[i] is the root of a subtree of height i over zero bytes.
var zero [64][32]byte

func init() {
	for i := 1; i < len(zero); i++ {
		zero[i] = node(&zero[i-1], &zero[i-1])
	}
}

// node is a parent in the piece tree.
func node(l, r *[32]byte) [32]byte {
	var b [64]byte
	copy(b[:32], l[:])
	copy(b[32:], r[:])
	out := sha256.Sum256(b[:])
	out[31] &= 0x3f
	return out
}
