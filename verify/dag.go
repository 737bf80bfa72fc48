package verify

import (
	"bytes"
	"crypto/sha256"
	"fmt"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
)

// Codecs the verifier can follow links through. Every other codec is refused:
// a block whose links we cannot read could hide the rest of the DAG.
const (
	codecRaw    = cid.Raw         // 0x55, no links
	codecDagPB  = cid.DagProtobuf // 0x70, UnixFS
	sha256Code  = mh.SHA2_256
	identityMH  = mh.IDENTITY
	maxIdentity = 128 // longest identity CID accepted (Kubo's --inline-limit is 32)
)

// dag tracks which blocks of the DAG under root have been verified and which
// are still owed. A block is accepted only if a block already accepted links
// to it (or it is the root); when the stream ends nothing may be owed.
type dag struct {
	root     cid.Cid
	pending  map[string]struct{} // linked, not yet received (keys: CID bytes)
	seen     map[string]struct{} // verified
	max      int
	blocks   int
	dups     int
	onBlock  func(cid.Cid, []byte) error
	firstOwe cid.Cid // an example of an owed block, for messages
}

func newDAG(root cid.Cid, maxBlocks int, onBlock func(cid.Cid, []byte) error) *dag {
	d := &dag{root: root, pending: map[string]struct{}{}, seen: map[string]struct{}{}, max: maxBlocks, onBlock: onBlock}
	d.pending[root.KeyString()] = struct{}{}
	return d
}

// add verifies one block received from outside and records its links.
func (d *dag) add(c cid.Cid, data []byte) error {
	return d.addHashed(c, data, checkHash(c, data))
}

// addHashed is add for a block whose hash was already checked, with
// hashErr the outcome (the pipeline hashes on other goroutines).
func (d *dag) addHashed(c cid.Cid, data []byte, hashErr error) error {
	key := c.KeyString()
	if _, ok := d.seen[key]; ok {
		if hashErr != nil {
			return hashErr
		}
		d.dups++
		return nil
	}
	if _, ok := d.pending[key]; !ok {
		if d.blocks == 0 && !sameContent(c, d.root) {
			return fmt.Errorf("%w: the first block is %s, not the requested root %s", ErrWrongRoot, c, d.root)
		}
		return fmt.Errorf("%w: %s (block %d) is not linked from any block received before it (the block it hangs under is missing, or it belongs to another DAG)", ErrUnexpectedBlock, c, d.blocks+d.dups+1)
	}
	if hashErr != nil {
		return hashErr
	}
	return d.accept(c, key, data)
}

// accept records a verified block and owes its links.
func (d *dag) accept(c cid.Cid, key string, data []byte) error {
	if d.blocks >= d.max {
		return fmt.Errorf("%w: more than %d blocks", ErrTooLarge, d.max)
	}
	delete(d.pending, key)
	d.seen[key] = struct{}{}
	d.blocks++
	if d.onBlock != nil {
		if err := d.onBlock(c, data); err != nil {
			return err
		}
	}
	return forEachLink(c, data, d.owe)
}

// owe records that the block l must arrive. Identity CIDs carry their data
// inline, so they are verified on the spot instead.
func (d *dag) owe(l cid.Cid) error {
	key := l.KeyString()
	if _, ok := d.seen[key]; ok {
		return nil
	}
	if l.Prefix().MhType == identityMH {
		return d.inline(l, key)
	}
	if _, ok := d.pending[key]; !ok {
		if len(d.pending) == 0 {
			d.firstOwe = l
		}
		d.pending[key] = struct{}{}
	}
	return nil
}

func (d *dag) inline(l cid.Cid, key string) error {
	dm, err := mh.Decode(l.Hash())
	if err != nil || len(dm.Digest) > maxIdentity {
		return fmt.Errorf("%w: identity CID %s", ErrMalformed, l)
	}
	return d.accept(l, key, dm.Digest)
}

// isPending reports whether the block with this key is owed.
func (d *dag) isPending(key string) bool {
	_, ok := d.pending[key]
	return ok
}

// complete reports whether no linked block is still owed.
func (d *dag) complete() error {
	if len(d.pending) == 0 {
		return nil
	}
	if d.blocks == 0 {
		return fmt.Errorf("%w: the stream has no blocks, not even the root %s", ErrIncomplete, d.root)
	}
	example := d.firstOwe
	if _, ok := d.pending[example.KeyString()]; !ok || !example.Defined() {
		for k := range d.pending {
			example, _ = cid.Cast([]byte(k))
			break
		}
	}
	return fmt.Errorf("%w: the stream ended after %d blocks with %d linked blocks missing (e.g. %s)", ErrIncomplete, d.blocks, len(d.pending), example)
}

// checkHash verifies that data hashes to c. SHA-256 (every CID Kubo and
// dapp-publish make) takes a fast path; identity and the other hashes
// go-multihash implements take the general one.
func checkHash(c cid.Cid, data []byte) error {
	h := c.Hash()
	if len(h) == 34 && h[0] == byte(sha256Code) && h[1] == 32 {
		sum := sha256.Sum256(data)
		if !bytes.Equal(sum[:], h[2:]) {
			return fmt.Errorf("%w: %s: the %d bytes received hash to sha2-256 %x", ErrHashMismatch, c, len(data), sum[:6])
		}
		return nil
	}
	dm, err := mh.Decode(h)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrUnsupported, c, err)
	}
	if dm.Code == identityMH {
		if !bytes.Equal(dm.Digest, data) {
			return fmt.Errorf("%w: %s: identity data differs", ErrHashMismatch, c)
		}
		return nil
	}
	got, err := mh.Sum(data, dm.Code, dm.Length)
	if err != nil {
		return fmt.Errorf("%w: %s: hash %s: %w", ErrUnsupported, c, mh.Codes[dm.Code], err)
	}
	if !bytes.Equal(got, h) {
		return fmt.Errorf("%w: %s: the %d bytes received hash differently", ErrHashMismatch, c, len(data))
	}
	return nil
}

// forEachLink calls fn with every CID the block links to.
func forEachLink(c cid.Cid, data []byte, fn func(cid.Cid) error) error {
	switch c.Type() {
	case codecRaw:
		return nil
	case codecDagPB:
		_, err := parsePB(data, func(hash, _ []byte) error {
			l, err := cid.Cast(hash)
			if err != nil {
				return fmt.Errorf("%w: %s links to a bad CID: %w", ErrMalformed, c, err)
			}
			return fn(l)
		})
		if err != nil {
			return fmt.Errorf("%w: block %s: %w", ErrMalformed, c, err)
		}
		return nil
	default:
		return fmt.Errorf("%w: %s has codec 0x%x; only raw and dag-pb DAGs are verified", ErrUnsupported, c, c.Type())
	}
}
