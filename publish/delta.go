package publish

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/ipfs/boxo/ipld/merkledag"
	"github.com/ipfs/go-cid"
)

// BlockGetter returns the bytes of a block, already checked against its CID
// (verify.BlockStore is one: it asks several untrusted sources and returns
// only bytes that hash to the CID).
type BlockGetter interface {
	GetBlock(ctx context.Context, c cid.Cid) ([]byte, error)
}

// DeltaStats counts what WriteDelta kept and left out.
type DeltaStats struct {
	Blocks  int   // blocks written
	Skipped int   // blocks left out: the holder of base has them
	Size    int64 // bytes written
	Fetched int   // blocks of base's DAG read through the getter
}

// maxBaseFetches bounds how many of base's blocks WriteDelta reads: it only
// needs the folders along changed paths, a few per changed file.
const maxBaseFetches = 1 << 20

// WriteDelta writes to w a CARv1 for root that holds only the blocks a
// holder of base lacks. car is the bundle's whole CAR as `pack` writes it
// (CARv1, the root in its header, blocks in depth-first order, parents
// before children).
//
// The two DAGs are compared position by position, from the roots down: a
// link with the same name (or, inside a file, the same index) and the same
// CID as in base leads to a subtree the holder already has, and none of its
// blocks is written; a link whose CID changed is compared one level deeper,
// reading base's node through prev. So only the changed files and the
// folders above them are sent, and only base's folders along changed paths
// are read. Every block written comes from car; what prev returns is only
// used to decide what to leave out, and a holder that turns out to lack a
// left-out block fails to pin the root (the caller then sends the whole CAR).
func WriteDelta(ctx context.Context, car io.Reader, root, base cid.Cid, prev BlockGetter, w io.Writer) (DeltaStats, error) {
	br := bufio.NewReaderSize(car, 256<<10)
	bw := bufio.NewWriterSize(w, 256<<10)
	d := &delta{ctx: ctx, prev: prev, skip: map[cid.Cid]bool{}, pairs: map[cid.Cid]cid.Cid{root: base}}
	if err := d.copyHeader(br, bw); err != nil {
		return d.st, err
	}
	for {
		c, data, err := readSection(br)
		if err == io.EOF {
			break
		}
		if err != nil {
			return d.st, fmt.Errorf("failed to read the bundle's CAR: %w", err)
		}
		if err := d.block(c, data, bw); err != nil {
			return d.st, err
		}
	}
	if err := bw.Flush(); err != nil {
		return d.st, fmt.Errorf("failed to write the delta CAR: %w", err)
	}
	return d.st, nil
}

type delta struct {
	ctx   context.Context
	prev  BlockGetter
	skip  map[cid.Cid]bool    // blocks in base's DAG
	pairs map[cid.Cid]cid.Cid // a changed node -> base's node at the same place
	st    DeltaStats
}

// copyHeader copies the CAR header: same root, same bytes.
func (d *delta) copyHeader(br *bufio.Reader, w io.Writer) error {
	n, err := binary.ReadUvarint(br)
	if err != nil || n == 0 || n > 1<<16 {
		return fmt.Errorf("the bundle's CAR has a bad header (length %d: %v)", n, err)
	}
	hdr := make([]byte, n)
	if _, err := io.ReadFull(br, hdr); err != nil {
		return fmt.Errorf("the bundle's CAR header is truncated: %w", err)
	}
	return d.write(w, binary.AppendUvarint(nil, n), hdr)
}

func (d *delta) write(w io.Writer, parts ...[]byte) error {
	for _, p := range parts {
		if _, err := w.Write(p); err != nil {
			return fmt.Errorf("failed to write the delta CAR: %w", err)
		}
		d.st.Size += int64(len(p))
	}
	return nil
}

func (d *delta) block(c cid.Cid, data []byte, w io.Writer) error {
	if d.skip[c] {
		d.st.Skipped++
		return d.skipLinks(c, data)
	}
	sec := append(c.Bytes(), data...)
	if err := d.write(w, binary.AppendUvarint(nil, uint64(len(sec))), sec); err != nil {
		return err
	}
	d.st.Blocks++
	if b, ok := d.pairs[c]; ok {
		return d.compare(c, data, b)
	}
	return nil
}

// skipLinks marks everything below a left-out block as left out too.
func (d *delta) skipLinks(c cid.Cid, data []byte) error {
	if c.Type() != cid.DagProtobuf {
		return nil
	}
	n, err := merkledag.DecodeProtobuf(data)
	if err != nil {
		return fmt.Errorf("block %s of the bundle: %w", c, err)
	}
	for _, l := range n.Links() {
		d.skip[l.Cid] = true
	}
	return nil
}

// compare matches the links of a changed node with base's node at the same
// place.
func (d *delta) compare(c cid.Cid, data []byte, b cid.Cid) error {
	if c.Type() != cid.DagProtobuf || b.Type() != cid.DagProtobuf {
		return nil
	}
	if d.st.Fetched >= maxBaseFetches {
		return nil
	}
	d.st.Fetched++
	raw, err := d.prev.GetBlock(d.ctx, b)
	if err != nil {
		return fmt.Errorf("failed to read block %s of the previous version: %w", b, err)
	}
	old, err := merkledag.DecodeProtobuf(raw)
	if err != nil {
		return fmt.Errorf("block %s of the previous version: %w", b, err)
	}
	cur, err := merkledag.DecodeProtobuf(data)
	if err != nil {
		return fmt.Errorf("block %s of the bundle: %w", c, err)
	}
	was := map[string]cid.Cid{}
	for i, l := range old.Links() {
		was[linkKey(l.Name, i)] = l.Cid
	}
	for i, l := range cur.Links() {
		o, ok := was[linkKey(l.Name, i)]
		switch {
		case !ok:
		case o.Equals(l.Cid):
			d.skip[l.Cid] = true
		default:
			d.pairs[l.Cid] = o
		}
	}
	return nil
}

// linkKey names a link's place: folders (and HAMT shards) name their links;
// the links of a file's node are unnamed and placed by index.
func linkKey(name string, i int) string {
	if name != "" {
		return "n" + name
	}
	return "#" + strconv.Itoa(i)
}

// readSection reads one CARv1 section: a varint length, a CID, the block.
func readSection(br *bufio.Reader) (cid.Cid, []byte, error) {
	n, err := binary.ReadUvarint(br)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return cid.Undef, nil, io.EOF
		}
		return cid.Undef, nil, err
	}
	if n == 0 || n > 4<<20 {
		return cid.Undef, nil, fmt.Errorf("section of %d bytes", n)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(br, buf); err != nil {
		return cid.Undef, nil, fmt.Errorf("truncated section: %w", err)
	}
	l, c, err := cid.CidFromBytes(buf)
	if err != nil {
		return cid.Undef, nil, err
	}
	return c, buf[l:], nil
}
