package trustless

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ipfs/go-cid"
	"github.com/ipld/go-ipld-prime/codec/dagcbor"
	"github.com/ipld/go-ipld-prime/datamodel"
	"github.com/ipld/go-ipld-prime/node/basicnode"
	"github.com/multiformats/go-varint"
)

// CARReader reads a CARv1 or CARv2 stream one section at a time, in bounded
// memory. It is hand-written rather than go-car's BlockReader because it
// runs on every byte a gateway sends: it reads the stream in large reads and
// hands out each section where it was read, without copying it (slab.go;
// go-car copies every block into a new allocation), leaves the hashing to
// the caller (so it can run on other cores, many blocks at once, under the
// hash policy of CheckBlock rather than go-car's), records where each block
// sits in the stream (for an index), and reports the error text a gateway
// appends to a CAR it could not finish. Like go-car it refuses varints that
// are not minimally encoded.
type CARReader struct {
	// Version is 1 or 2; Roots are the roots the (inner) header names.
	Version int
	Roots   []cid.Cid

	src      *slabReader
	lim      Limits
	end      int64 // CARv2: where the inner CARv1 ends; -1 for CARv1
	sections int
}

// NewCARReader reads the CAR header from r. Errors wrap ErrTruncated or
// ErrMalformed.
func NewCARReader(r io.Reader, lim Limits) (*CARReader, error) {
	lim = lim.WithDefaults()
	cr := &CARReader{src: newSlabReader(r, nil), lim: lim, end: -1}
	version, roots, err := cr.readV1Header()
	if err != nil {
		return nil, err
	}
	switch version {
	case 1:
		cr.Version, cr.Roots = 1, roots
		return cr, nil
	case 2:
		return cr, cr.readV2Header()
	}
	return nil, fmt.Errorf("%w: CAR version %d", ErrMalformed, version)
}

// Offset is how many bytes of the stream have been read: after Next, the
// end of the section it returned.
func (cr *CARReader) Offset() int64 { return cr.src.offset() }

// Next returns the next section's CID and block bytes, which stay valid
// until the next call, and the offset of the block bytes in the stream. At
// the end of the stream it returns io.EOF.
func (cr *CARReader) Next() (cid.Cid, []byte, int64, error) {
	c, data, _, err := cr.next()
	return c, data, cr.src.offset() - int64(len(data)), err
}

// next reads one section and returns its CID, its block bytes and the slab
// they are in (slab.go). It returns io.EOF at a clean end of the stream.
func (cr *CARReader) next() (cid.Cid, []byte, *slab, error) {
	c, data, err := cr.section()
	return c, data, cr.src.cur, err
}

func (cr *CARReader) section() (cid.Cid, []byte, error) {
	i := cr.sections
	if cr.end >= 0 && cr.src.offset() >= cr.end {
		return cid.Undef, nil, io.EOF
	}
	n, err := varint.ReadUvarint(cr.src)
	if err == io.EOF {
		if cr.end >= 0 {
			return cid.Undef, nil, fmt.Errorf("%w: the CARv2 payload ends after %d blocks, before its declared size", ErrTruncated, i)
		}
		return cid.Undef, nil, io.EOF
	}
	if err == errStopped {
		return cid.Undef, nil, err
	}
	if err != nil {
		return cid.Undef, nil, sectionErr(err, fmt.Sprintf("section length after %d blocks", i))
	}
	if n == 0 || n > uint64(cr.lim.MaxSectionSize) {
		return cid.Undef, nil, fmt.Errorf("%w: section of %d bytes after %d blocks (limit %d)", ErrMalformed, n, i, cr.lim.MaxSectionSize)
	}
	if cr.end >= 0 && cr.src.offset()+int64(n) > cr.end {
		return cid.Undef, nil, fmt.Errorf("%w: section %d runs past the end of the CARv2 payload", ErrMalformed, i)
	}
	if err := cr.src.need(int(n)); err != nil {
		if err == errStopped {
			return cid.Undef, nil, err
		}
		return cid.Undef, nil, fmt.Errorf("%w: a %d-byte section after %d blocks ends early: %w", ErrTruncated, n, i, unexpectedEOF(err))
	}
	buf := cr.src.take(int(n))
	if bytes.HasPrefix(buf, gatewayErrorPrefix[1:]) {
		return cid.Undef, nil, cr.gatewayTrailer(buf, i)
	}
	cl, c, err := cid.CidFromBytes(buf)
	if err != nil {
		return cid.Undef, nil, fmt.Errorf("%w: bad CID in section %d: %w", ErrMalformed, i, err)
	}
	cr.sections++
	return c, buf[cl:], nil
}

func sectionErr(err error, what string) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: %s: %w", ErrTruncated, what, err)
	}
	return fmt.Errorf("%w: %s: %w", ErrMalformed, what, err)
}

// Kubo and boxo, when they fail after sending 200, end the CAR with
// "\n\n[Gateway Error: ...]": the first "\n" reads as a section length of 10.
var gatewayErrorPrefix = []byte("\n\n[Gateway ")

// gatewayTrailer reports the error text a gateway appended to a CAR.
func (cr *CARReader) gatewayTrailer(buf []byte, blocks int) error {
	rest := cr.src.tail(300)
	msg := strings.TrimSpace(string(buf[1:]) + string(rest))
	if blocks == 0 {
		return fmt.Errorf("%w: the gateway sent no blocks, then %q (it does not have the root)", ErrTruncated, msg)
	}
	return fmt.Errorf("%w: after %d blocks the gateway gave up with %q", ErrTruncated, blocks, msg)
}

// readV2Header reads the rest of the CARv2 fixed header, skips to the
// inner CARv1 and reads its header.
func (cr *CARReader) readV2Header() error {
	const pragmaLen, headerLen = 11, 40
	var h [headerLen]byte
	if _, err := io.ReadFull(cr.src, h[:]); err != nil {
		return fmt.Errorf("%w: CARv2 header: %w", ErrTruncated, unexpectedEOF(err))
	}
	dataOffset := binary.LittleEndian.Uint64(h[16:])
	dataSize := binary.LittleEndian.Uint64(h[24:])
	if dataOffset < pragmaLen+headerLen || dataOffset > 1<<40 || dataSize > 1<<50 {
		return fmt.Errorf("%w: CARv2 data offset %d / size %d", ErrMalformed, dataOffset, dataSize)
	}
	if err := cr.src.discard(int64(dataOffset) - cr.src.offset()); err != nil {
		return fmt.Errorf("%w: CARv2 padding: %w", ErrTruncated, unexpectedEOF(err))
	}
	cr.end = int64(dataOffset + dataSize)
	version, roots, err := cr.readV1Header()
	if err != nil {
		return err
	}
	if version != 1 {
		return fmt.Errorf("%w: CARv2 payload has version %d, want 1", ErrMalformed, version)
	}
	if cr.src.offset() > cr.end {
		return fmt.Errorf("%w: the CARv2 payload's header runs past its declared size", ErrMalformed)
	}
	cr.Version, cr.Roots = 2, roots
	return nil
}

// readV1Header decodes the varint-prefixed DAG-CBOR header
// {"roots": [CID...], "version": N}.
func (cr *CARReader) readV1Header() (int, []cid.Cid, error) {
	n, err := varint.ReadUvarint(cr.src)
	if err != nil {
		if err == io.EOF {
			return 0, nil, fmt.Errorf("%w: empty response, no CAR header", ErrTruncated)
		}
		return 0, nil, sectionErr(err, "CAR header length")
	}
	if n == 0 || n > uint64(cr.lim.MaxHeaderSize) {
		return 0, nil, fmt.Errorf("%w: CAR header of %d bytes", ErrMalformed, n)
	}
	raw := make([]byte, n)
	if _, err := io.ReadFull(cr.src, raw); err != nil {
		return 0, nil, fmt.Errorf("%w: CAR header: %w", ErrTruncated, unexpectedEOF(err))
	}
	nb := basicnode.Prototype.Map.NewBuilder()
	if err := dagcbor.Decode(nb, bytes.NewReader(raw)); err != nil {
		return 0, nil, fmt.Errorf("%w: CAR header is not DAG-CBOR: %w", ErrMalformed, err)
	}
	return headerFields(nb.Build())
}

func headerFields(h datamodel.Node) (int, []cid.Cid, error) {
	vn, err := h.LookupByString("version")
	if err != nil {
		return 0, nil, fmt.Errorf("%w: CAR header has no version", ErrMalformed)
	}
	v, err := vn.AsInt()
	if err != nil || v < 1 || v > 2 {
		return 0, nil, fmt.Errorf("%w: CAR header version is not 1 or 2", ErrMalformed)
	}
	if v == 2 {
		return 2, nil, nil // the CARv2 pragma; roots are in the inner header
	}
	rn, err := h.LookupByString("roots")
	if err != nil || rn.Kind() != datamodel.Kind_List {
		return 0, nil, fmt.Errorf("%w: CAR header has no roots list", ErrMalformed)
	}
	var roots []cid.Cid
	for it := rn.ListIterator(); !it.Done(); {
		_, e, err := it.Next()
		if err != nil {
			return 0, nil, fmt.Errorf("%w: CAR header roots: %w", ErrMalformed, err)
		}
		l, err := e.AsLink()
		if err != nil {
			return 0, nil, fmt.Errorf("%w: CAR header root is not a CID", ErrMalformed)
		}
		c, err := cid.Parse(l.String())
		if err != nil {
			return 0, nil, fmt.Errorf("%w: CAR header root: %w", ErrMalformed, err)
		}
		roots = append(roots, c)
	}
	return 1, roots, nil
}

func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// SameContent compares CIDs by codec and multihash, so that a CIDv0 and its
// CIDv1 dag-pb form count as the same block.
func SameContent(a, b cid.Cid) bool {
	return a.Type() == b.Type() && bytes.Equal(a.Hash(), b.Hash())
}

// ContainsCID reports whether cs holds c (by SameContent).
func ContainsCID(cs []cid.Cid, c cid.Cid) bool {
	for _, x := range cs {
		if SameContent(x, c) {
			return true
		}
	}
	return false
}

// CIDList names cs in one line.
func CIDList(cs []cid.Cid) string {
	if len(cs) == 0 {
		return "no root"
	}
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = c.String()
	}
	return strings.Join(s, ", ")
}
