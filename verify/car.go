package verify

import (
	"bufio"
	"bytes"
	"encoding/binary"

	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/ipfs/go-cid"
	"github.com/ipld/go-ipld-prime/codec/dagcbor"
	"github.com/ipld/go-ipld-prime/datamodel"
	"github.com/ipld/go-ipld-prime/node/basicnode"
)

// Limits bound what a CAR stream may make the verifier allocate. The defaults
// are security defaults: a hostile gateway cannot make us buffer more than one
// section at a time, nor a section larger than MaxSectionSize.
type Limits struct {
	// MaxSectionSize is the largest CID plus block accepted. Bitswap's block
	// limit is 2 MiB; the default leaves room for the CID and a little slack.
	MaxSectionSize int
	// MaxHeaderSize is the largest CAR header accepted.
	MaxHeaderSize int
	// MaxBlocks is the largest number of distinct blocks accepted, which bounds
	// the memory the completeness check uses (one CID per block).
	MaxBlocks int
	// Workers is how many goroutines hash blocks; 0 means GOMAXPROCS, 1
	// hashes on the reading goroutine. At most 2*Workers+2 sections are in
	// memory at once.
	Workers int
}

// DefaultLimits are the limits used when a field of Limits is zero.
var DefaultLimits = Limits{MaxSectionSize: 2<<20 + 4096, MaxHeaderSize: 64 << 10, MaxBlocks: 10_000_000}

func (l Limits) withDefaults() Limits {
	if l.MaxSectionSize <= 0 {
		l.MaxSectionSize = DefaultLimits.MaxSectionSize
	}
	if l.MaxHeaderSize <= 0 {
		l.MaxHeaderSize = DefaultLimits.MaxHeaderSize
	}
	if l.MaxBlocks <= 0 {
		l.MaxBlocks = DefaultLimits.MaxBlocks
	}
	if l.Workers <= 0 {
		l.Workers = runtime.GOMAXPROCS(0)
	}
	return l
}

// Options controls VerifyCAR.
type Options struct {
	Limits Limits
	// AnyRoot accepts a CAR header that does not list the expected root. The
	// trustless gateway spec leaves response roots unspecified, but Kubo and
	// boxo always send the requested CID, so by default a header naming another
	// root is reported as ErrWrongRoot: it usually means the wrong DAG.
	AnyRoot bool
	// OnBlock, if set, is called with every verified block, in stream order.
	// data is only valid during the call. An error stops verification.
	OnBlock func(c cid.Cid, data []byte) error
}

// Result summarises a verified CAR stream.
type Result struct {
	Root   cid.Cid
	Blocks int   // distinct blocks verified
	Dups   int   // duplicate blocks (verified, then ignored)
	Bytes  int64 // bytes read from the stream
}

// VerifyCAR reads a CARv1 (or CARv2) stream and checks that it holds exactly
// the complete DAG under root: every block hashes to its CID, every block is
// reachable from root through blocks already seen (so blocks of another DAG
// are rejected), and when the stream ends no linked block is missing. It
// reads one section at a time, so memory stays bounded whatever the size of
// the DAG. Errors wrap one of the Err* sentinels of this package; the Result
// is never nil and counts what was read and verified before any error.
func VerifyCAR(r io.Reader, root cid.Cid, opts Options) (*Result, error) {
	lim := opts.Limits.withDefaults()
	cr := &countReader{r: r}
	res := &Result{Root: root}
	d := newDAG(root, lim.MaxBlocks, opts.OnBlock)
	err := verifyStream(cr, d, lim, opts.AnyRoot)
	res.Blocks, res.Dups, res.Bytes = d.blocks, d.dups, cr.n
	return res, err
}

func verifyStream(r io.Reader, d *dag, lim Limits, anyRoot bool) error {
	br := bufio.NewReaderSize(r, 256<<10)
	body, roots, err := readHeader(br, lim)
	if err != nil {
		return err
	}
	if !anyRoot && !containsCID(roots, d.root) {
		return fmt.Errorf("%w: the CAR header names %s, not the requested %s", ErrWrongRoot, cidList(roots), d.root)
	}
	read := readSections
	if lim.Workers > 1 {
		read = readSectionsParallel
	}
	if err := read(body, d, lim); err != nil {
		return err
	}
	return d.complete()
}

// sectionFunc receives one section: its CID and block bytes, which alias a
// buffer that stays valid until the function returns, or, if it keeps it,
// until it hands the buffer back (see the pipeline).
type sectionFunc func(c cid.Cid, data []byte, buf *[]byte) error

// readLoop reads CARv1 sections until EOF and passes each to fn. getBuf
// supplies a buffer of at least n bytes for each section.
func readLoop(br *bufio.Reader, lim Limits, getBuf func(n int) *[]byte, fn sectionFunc) error {
	for i := 0; ; i++ {
		n, err := binary.ReadUvarint(br)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: section length after %d blocks: %w", ErrTruncated, i, unexpectedEOF(err))
		}
		if n == 0 || n > uint64(lim.MaxSectionSize) {
			return fmt.Errorf("%w: section of %d bytes after %d blocks (limit %d)", ErrMalformed, n, i, lim.MaxSectionSize)
		}
		bp := getBuf(int(n))
		buf := (*bp)[:n]
		if _, err := io.ReadFull(br, buf); err != nil {
			return fmt.Errorf("%w: a %d-byte section after %d blocks ends early: %w", ErrTruncated, n, i, unexpectedEOF(err))
		}
		if bytes.HasPrefix(buf, gatewayErrorPrefix[1:]) {
			return gatewayTrailer(br, buf, i)
		}
		cl, c, err := cid.CidFromBytes(buf)
		if err != nil {
			return fmt.Errorf("%w: bad CID in section %d: %w", ErrMalformed, i, err)
		}
		if err := fn(c, buf[cl:], bp); err != nil {
			return err
		}
	}
}

// readSections feeds every section of the CARv1 body to d, one at a time.
func readSections(br *bufio.Reader, d *dag, lim Limits) error {
	var buf []byte
	getBuf := func(n int) *[]byte {
		if cap(buf) < n {
			buf = make([]byte, n, max(n, 1<<20+512))
		}
		return &buf
	}
	return readLoop(br, lim, getBuf, func(c cid.Cid, data []byte, _ *[]byte) error { return d.add(c, data) })
}

// Kubo and boxo, when they fail after sending 200, end the CAR with
// "\n\n[Gateway Error: ...]": the first "\n" reads as a section length of 10.
var gatewayErrorPrefix = []byte("\n\n[Gateway ")

// gatewayTrailer reports the error text a gateway appended to a CAR.
func gatewayTrailer(br *bufio.Reader, buf []byte, blocks int) error {
	rest, _ := io.ReadAll(io.LimitReader(br, 300))
	msg := strings.TrimSpace(string(buf[1:]) + string(rest))
	if blocks == 0 {
		return fmt.Errorf("%w: the gateway sent no blocks, then %q (it does not have the root)", ErrTruncated, msg)
	}
	return fmt.Errorf("%w: after %d blocks the gateway gave up with %q", ErrTruncated, blocks, msg)
}

// readHeader reads the CAR header and returns the reader positioned at the
// first section of the (inner) CARv1 body, with the roots it names.
func readHeader(br *bufio.Reader, lim Limits) (*bufio.Reader, []cid.Cid, error) {
	version, roots, err := readV1Header(br, lim)
	if err != nil {
		return nil, nil, err
	}
	switch version {
	case 1:
		return br, roots, nil
	case 2:
		return readV2Body(br, lim)
	default:
		return nil, nil, fmt.Errorf("%w: CAR version %d", ErrMalformed, version)
	}
}

// readV2Body skips the CARv2 fixed header and returns the inner CARv1.
func readV2Body(br *bufio.Reader, lim Limits) (*bufio.Reader, []cid.Cid, error) {
	const pragmaLen, headerLen = 11, 40
	var h [headerLen]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return nil, nil, fmt.Errorf("%w: CARv2 header: %w", ErrTruncated, unexpectedEOF(err))
	}
	dataOffset := binary.LittleEndian.Uint64(h[16:])
	dataSize := binary.LittleEndian.Uint64(h[24:])
	if dataOffset < pragmaLen+headerLen || dataSize > 1<<50 {
		return nil, nil, fmt.Errorf("%w: CARv2 data offset %d / size %d", ErrMalformed, dataOffset, dataSize)
	}
	if _, err := br.Discard(int(min(dataOffset-pragmaLen-headerLen, 1<<40))); err != nil {
		return nil, nil, fmt.Errorf("%w: CARv2 padding: %w", ErrTruncated, unexpectedEOF(err))
	}
	inner := bufio.NewReaderSize(&exactReader{r: br, n: int64(dataSize)}, 256<<10)
	version, roots, err := readV1Header(inner, lim)
	if err != nil {
		return nil, nil, err
	}
	if version != 1 {
		return nil, nil, fmt.Errorf("%w: CARv2 payload has version %d, want 1", ErrMalformed, version)
	}
	return inner, roots, nil
}

// readV1Header decodes the varint-prefixed DAG-CBOR header
// {"roots": [CID...], "version": N}.
func readV1Header(br *bufio.Reader, lim Limits) (uint64, []cid.Cid, error) {
	n, err := binary.ReadUvarint(br)
	if err != nil {
		if err == io.EOF {
			return 0, nil, fmt.Errorf("%w: empty response, no CAR header", ErrTruncated)
		}
		return 0, nil, fmt.Errorf("%w: CAR header length: %w", ErrMalformed, err)
	}
	if n == 0 || n > uint64(lim.MaxHeaderSize) {
		return 0, nil, fmt.Errorf("%w: CAR header of %d bytes", ErrMalformed, n)
	}
	raw := make([]byte, n)
	if _, err := io.ReadFull(br, raw); err != nil {
		return 0, nil, fmt.Errorf("%w: CAR header: %w", ErrTruncated, unexpectedEOF(err))
	}
	nb := basicnode.Prototype.Map.NewBuilder()
	if err := dagcbor.Decode(nb, bytes.NewReader(raw)); err != nil {
		return 0, nil, fmt.Errorf("%w: CAR header is not DAG-CBOR: %w", ErrMalformed, err)
	}
	return headerFields(nb.Build())
}

func headerFields(h datamodel.Node) (uint64, []cid.Cid, error) {
	vn, err := h.LookupByString("version")
	if err != nil {
		return 0, nil, fmt.Errorf("%w: CAR header has no version", ErrMalformed)
	}
	v, err := vn.AsInt()
	if err != nil || v < 1 {
		return 0, nil, fmt.Errorf("%w: CAR header version is not a positive integer", ErrMalformed)
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
	return uint64(v), roots, nil
}

func containsCID(cs []cid.Cid, c cid.Cid) bool {
	for _, x := range cs {
		if sameContent(x, c) {
			return true
		}
	}
	return false
}

// sameContent compares CIDs by codec and multihash, so that a CIDv0 and its
// CIDv1 dag-pb form count as the same root.
func sameContent(a, b cid.Cid) bool {
	return a.Type() == b.Type() && bytes.Equal(a.Hash(), b.Hash())
}

func cidList(cs []cid.Cid) string {
	if len(cs) == 0 {
		return "no root"
	}
	s := cs[0].String()
	for _, c := range cs[1:] {
		s += ", " + c.String()
	}
	return s
}

func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// exactReader reads exactly n bytes: fewer is io.ErrUnexpectedEOF.
type exactReader struct {
	r io.Reader
	n int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > e.n {
		p = p[:e.n]
	}
	n, err := e.r.Read(p)
	e.n -= int64(n)
	if err == io.EOF && e.n > 0 {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}
