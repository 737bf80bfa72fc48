package trustless

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/ipfs/boxo/verifcid"
	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
)

// The hash policy. A CID is only as strong as its multihash: with a weak or
// truncated one, anyone can make other bytes (or a block that links to
// itself) with the same CID. CheckCID accepts exactly:
//
//   - the multihash functions of boxo's verifcid.DefaultAllowlist (the list
//     Kubo and boxo's gateway enforce: SHA-2 256/512, SHA-3, Keccak,
//     SHAKE-256, double SHA-256, BLAKE3, BLAKE2b/BLAKE2s of at least 160
//     bits, identity) except SHA-1, which verifcid keeps for git objects
//     only (SHA-1 collisions are practical);
//   - at full length: a fixed-size hash must carry its whole digest (verifcid
//     allows truncation down to 20 bytes; we allow none), an extendable one
//     (BLAKE3, SHAKE-256) at least 32 bytes, and any at most
//     verifcid.DefaultMaxDigestSize (128) bytes;
//   - identity CIDs (the data inline) of at most
//     verifcid.DefaultMaxIdentityDigestSize (128) bytes;
//   - codecs raw (0x55) and dag-pb (0x70), the ones a UnixFS DAG is made of.
var allowlist = verifcid.NewOverridingAllowlist(verifcid.DefaultAllowlist, map[uint64]bool{mh.SHA1: false})

// CheckCID applies the hash policy above to c, without looking at any
// block. Errors wrap ErrInsecureHash (the multihash) or ErrUnsupported (the
// codec).
func CheckCID(c cid.Cid) error {
	if !c.Defined() {
		return fmt.Errorf("%w: an empty CID", ErrMalformed)
	}
	if err := CheckHash(c); err != nil {
		return err
	}
	switch c.Type() {
	case cid.Raw, cid.DagProtobuf:
		return nil
	}
	return fmt.Errorf("%w: %s has codec 0x%x; only raw and dag-pb (UnixFS) DAGs are verified", ErrUnsupported, c, c.Type())
}

// CheckHash applies the multihash part of the policy (CheckCID without the
// codec rule).
func CheckHash(c cid.Cid) error {
	h := c.Hash()
	if len(h) == 34 && h[0] == mh.SHA2_256 && h[1] == 32 {
		return nil // the fast path: every CID Kubo and dapp-publish make
	}
	p := c.Prefix()
	name := hashName(p.MhType)
	if err := verifcid.ValidateCid(allowlist, c); err != nil {
		if errors.Is(err, verifcid.ErrPossiblyInsecureHashFunction) {
			return fmt.Errorf("%w: %s uses %s, which is not on the allow-list", ErrInsecureHash, c, name)
		}
		return fmt.Errorf("%w: %s uses %s with a %d-byte digest (%v)", ErrInsecureHash, c, name, p.MhLength, err)
	}
	if p.MhType == mh.IDENTITY {
		return nil
	}
	full, ok := mh.DefaultLengths[p.MhType]
	switch {
	case !ok:
		return fmt.Errorf("%w: %s uses %s, which this build cannot compute", ErrInsecureHash, c, name)
	case p.MhType == mh.BLAKE3 || p.MhType == mh.SHAKE_256:
		if p.MhLength < 32 {
			return fmt.Errorf("%w: %s uses %s cut to %d bytes (at least 32 are required)", ErrInsecureHash, c, name, p.MhLength)
		}
	case p.MhLength != full:
		return fmt.Errorf("%w: %s uses %s truncated to %d of its %d bytes", ErrInsecureHash, c, name, p.MhLength, full)
	}
	return nil
}

func hashName(code uint64) string {
	if n, ok := mh.Codes[code]; ok {
		return n
	}
	return fmt.Sprintf("multihash 0x%x", code)
}

// CheckBlock verifies that data is the block c names: c passes CheckCID and
// data hashes to it. SHA-256 takes a fast path. Errors wrap ErrHashMismatch,
// ErrInsecureHash, ErrUnsupported or ErrMalformed.
func CheckBlock(c cid.Cid, data []byte) error {
	if plainSHA256(c) {
		if err := CheckCID(c); err != nil {
			return err
		}
		return matchSHA256(c, len(data), sha256.Sum256(data))
	}
	if err := CheckCID(c); err != nil {
		return err
	}
	if inline, ok := Inline(c); ok {
		if !bytes.Equal(inline, data) {
			return fmt.Errorf("%w: %s: identity data differs", ErrHashMismatch, c)
		}
		return nil
	}
	p := c.Prefix()
	got, err := mh.Sum(data, p.MhType, p.MhLength)
	if err != nil {
		return fmt.Errorf("%w: %s: %s: %w", ErrInsecureHash, c, hashName(p.MhType), err)
	}
	if !bytes.Equal(got, c.Hash()) {
		return fmt.Errorf("%w: %s: the %d bytes received hash differently", ErrHashMismatch, c, len(data))
	}
	return nil
}

func hashMismatch(c cid.Cid, n int, sum [sha256.Size]byte) error {
	return fmt.Errorf("%w: %s: the %d bytes received hash to sha2-256 %x", ErrHashMismatch, c, n, sum[:6])
}

// Inline returns the data an identity CID carries, and whether c is one.
// Kubo's gateway leaves identity blocks out of CARs (the trustless gateway
// spec allows it), so readers take their data from the CID.
func Inline(c cid.Cid) ([]byte, bool) {
	h := c.Hash()
	if len(h) == 0 || h[0] != mh.IDENTITY {
		return nil, false
	}
	dm, err := mh.Decode(h)
	if err != nil {
		return nil, false
	}
	return dm.Digest, true
}
