package trustlesstest

import (
	"bytes"
	"fmt"
	"io"

	"github.com/ipfs/go-cid"
	car "github.com/ipld/go-car/v2"
	dagpb "github.com/ipld/go-codec-dagpb"
	cidlink "github.com/ipld/go-ipld-prime/linking/cid"
	mh "github.com/multiformats/go-multihash"
)

// Oracle checks a CAR a reader accepted with independent code, for fuzz
// properties: go-car (which hashes every block itself) must read it
// without complaint, and following every link from each of roots (nil: the
// header's) with go-codec-dagpb, boxo's decoder, must find every block.
// It returns what is wrong, or nil.
func Oracle(data []byte, roots ...cid.Cid) error {
	blocks := map[string][]byte{}
	br, err := car.NewBlockReader(bytes.NewReader(data), car.WithTrustedCAR(false))
	if err != nil {
		return fmt.Errorf("go-car refuses the header: %w", err)
	}
	for {
		blk, err := br.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("go-car refuses a block: %w", err)
		}
		blocks[blk.Cid().KeyString()] = blk.RawData()
	}
	if roots == nil {
		roots = br.Roots
	}
	for _, r := range roots {
		if err := complete(r, blocks); err != nil {
			return err
		}
	}
	return nil
}

// complete follows every link under root through go-codec-dagpb.
func complete(root cid.Cid, blocks map[string][]byte) error {
	seen := map[string]bool{}
	stack := []cid.Cid{root}
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[c.KeyString()] {
			continue
		}
		seen[c.KeyString()] = true
		data, ok := blocks[c.KeyString()]
		if !ok {
			dm, err := mh.Decode(c.Hash())
			if err != nil || dm.Code != mh.IDENTITY {
				return fmt.Errorf("block %s under %s is missing", c, root)
			}
			data = dm.Digest
		}
		if c.Type() != cid.DagProtobuf {
			continue
		}
		nb := dagpb.Type.PBNode.NewBuilder()
		if err := dagpb.DecodeBytes(nb, data); err != nil {
			return fmt.Errorf("block %s does not decode as dag-pb: %w", c, err)
		}
		for it := nb.Build().(dagpb.PBNode).FieldLinks().Iterator(); !it.Done(); {
			_, l := it.Next()
			stack = append(stack, l.FieldHash().Link().(cidlink.Link).Cid)
		}
	}
	return nil
}
