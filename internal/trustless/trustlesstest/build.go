package trustlesstest

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/ipfs/go-cid"
	"github.com/ipld/go-ipld-prime/codec/dagcbor"
	"github.com/ipld/go-ipld-prime/datamodel"
	"github.com/ipld/go-ipld-prime/fluent/qp"
	cidlink "github.com/ipld/go-ipld-prime/linking/cid"
	"github.com/ipld/go-ipld-prime/node/basicnode"
	mh "github.com/multiformats/go-multihash"
	"google.golang.org/protobuf/encoding/protowire"
)

// Block is one block of a DAG under construction.
type Block struct {
	Cid  cid.Cid
	Data []byte
}

// Link is a dag-pb link: a name (raw bytes, anything at all) and a target.
type Link struct {
	Name string
	Cid  cid.Cid
	Size uint64 // Tsize
}

// UnixFS Data.Type values.
const (
	TypeDirectory = 1
	TypeFile      = 2
	TypeHAMT      = 5
)

// DirData is the UnixFS Data of a basic directory.
func DirData() []byte { return unixfs(TypeDirectory, nil, 0, 0) }

// HAMTData is the UnixFS Data of a HAMT shard: murmur3, the fanout and
// the bitfield of its occupied buckets (big-endian, as go-bitfield reads it).
func HAMTData(fanout int, buckets []int) []byte {
	bf := make([]byte, fanout/8)
	for _, b := range buckets {
		bf[len(bf)-1-b/8] |= 1 << (b % 8)
	}
	bf = bytes.TrimLeft(bf, "\x00") // as go-bitfield's Bytes, which boxo writes
	return unixfs(TypeHAMT, bf, 0x22, uint64(fanout))
}

func unixfs(typ uint64, data []byte, hashType, fanout uint64) []byte {
	b := protowire.AppendTag(nil, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, typ)
	if data != nil {
		b = protowire.AppendTag(b, 2, protowire.BytesType)
		b = protowire.AppendBytes(b, data)
	}
	if hashType != 0 {
		b = protowire.AppendTag(b, 5, protowire.VarintType)
		b = protowire.AppendVarint(b, hashType)
	}
	if fanout != 0 {
		b = protowire.AppendTag(b, 6, protowire.VarintType)
		b = protowire.AppendVarint(b, fanout)
	}
	return b
}

// PB encodes a dag-pb node the canonical way: the links in the order given
// (no sorting, no checks: hostile names are the point), then Data.
func PB(links []Link, data []byte) []byte {
	var b []byte
	for _, l := range links {
		var lb []byte
		lb = protowire.AppendTag(lb, 1, protowire.BytesType)
		lb = protowire.AppendBytes(lb, l.Cid.Bytes())
		lb = protowire.AppendTag(lb, 2, protowire.BytesType)
		lb = protowire.AppendBytes(lb, []byte(l.Name))
		lb = protowire.AppendTag(lb, 3, protowire.VarintType)
		lb = protowire.AppendVarint(lb, l.Size)
		b = protowire.AppendTag(b, 2, protowire.BytesType)
		b = protowire.AppendBytes(b, lb)
	}
	if data != nil {
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendBytes(b, data)
	}
	return b
}

// Sum returns the block data under a CIDv1 of the codec, hashed with the
// multihash code at length (-1: the function's full length).
func Sum(codec uint64, data []byte, code uint64, length int) Block {
	h, err := mh.Sum(data, code, length)
	if err != nil {
		panic(fmt.Sprintf("multihash 0x%x/%d: %v", code, length, err))
	}
	return Block{Cid: cid.NewCidV1(codec, h), Data: data}
}

// Raw is a raw block (file bytes) under sha2-256.
func Raw(data string) Block { return Sum(cid.Raw, []byte(data), mh.SHA2_256, -1) }

// Dir is a basic directory under sha2-256.
func Dir(links ...Link) Block { return Sum(cid.DagProtobuf, PB(links, DirData()), mh.SHA2_256, -1) }

// L links name to b.
func L(name string, b Block) Link { return Link{Name: name, Cid: b.Cid, Size: uint64(len(b.Data))} }

// CAR encodes a CARv1 with the given roots and blocks, in order.
func CAR(roots []cid.Cid, blocks ...Block) []byte {
	out := carHeader(roots)
	for _, b := range blocks {
		cb := b.Cid.Bytes()
		out = binary.AppendUvarint(out, uint64(len(cb)+len(b.Data)))
		out = append(out, cb...)
		out = append(out, b.Data...)
	}
	return out
}

// carHeader is the varint-prefixed DAG-CBOR {"roots": [...], "version": 1}.
func carHeader(roots []cid.Cid) []byte {
	n, err := qp.BuildMap(basicnode.Prototype.Map, 2, func(ma datamodel.MapAssembler) {
		qp.MapEntry(ma, "roots", qp.List(int64(len(roots)), func(la datamodel.ListAssembler) {
			for _, r := range roots {
				qp.ListEntry(la, qp.Link(cidlink.Link{Cid: r}))
			}
		}))
		qp.MapEntry(ma, "version", qp.Int(1))
	})
	if err != nil {
		panic(err)
	}
	var buf bytes.Buffer
	if err := dagcbor.Encode(n, &buf); err != nil {
		panic(err)
	}
	return append(binary.AppendUvarint(nil, uint64(buf.Len())), buf.Bytes()...)
}
