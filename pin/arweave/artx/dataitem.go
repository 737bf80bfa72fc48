package artx

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// SigTypeArweave is the ANS-104 signature type of Arweave RSA-PSS keys.
const SigTypeArweave = 1

// sigLengths gives signature and owner lengths per ANS-104 signature type.
var sigLengths = map[uint16][2]int{
	1: {512, 512}, // Arweave RSA-PSS
	2: {64, 32},   // ed25519
	3: {65, 65},   // Ethereum secp256k1
	4: {64, 32},   // Solana
	5: {64, 32},   // injectedAptos
	6: {2052, 1025},
	7: {65, 42}, // typedEthereum
}

// Tag limits of ANS-104.
const (
	MaxTags         = 128
	MaxTagName      = 1024
	MaxTagValue     = 3072
	maxItemTagBytes = 4096 // arbundles refuses more
)

// DataItem is an ANS-104 data item's header; its data follows it.
type DataItem struct {
	SigType   uint16
	Signature []byte
	Owner     []byte
	Target    []byte // nil or 32 bytes
	Anchor    []byte // nil or 32 bytes
	Tags      []Tag
	RawTags   []byte // the Avro encoding the signature covers
	HeaderLen int64  // bytes before the data
}

// ID is the item's id: SHA-256 of its signature.
func (d *DataItem) ID() []byte { h := sha256.Sum256(d.Signature); return h[:] }

// IDString is the id as printed.
func (d *DataItem) IDString() string { return b64(d.ID()) }

// TagValue returns the value of the first tag named name.
func (d *DataItem) TagValue(name string) (string, bool) { return tagValue(d.Tags, name) }

// signatureData is the deep hash the item's signature covers, as arbundles
// computes it (which differs from the ANS-104 prose): the tags are one blob
// of their Avro bytes.
func (d *DataItem) signatureData(data Digest) Digest {
	return DeepHash([]any{"dataitem", "1", strconv.Itoa(int(d.SigType)), d.Owner, d.Target, d.Anchor, d.RawTags, data})
}

// SignDataItem builds the header of an Arweave-signed data item whose data
// deep-hashes to data (BlobDigest), with tags and an optional 32-byte
// anchor. The item is the header followed by the data.
func SignDataItem(w *Wallet, tags []Tag, anchor []byte, data Digest) ([]byte, *DataItem, error) {
	raw, err := EncodeTags(tags)
	if err != nil {
		return nil, nil, err
	}
	if anchor != nil && len(anchor) != 32 {
		return nil, nil, fmt.Errorf("a data item anchor is 32 bytes, not %d", len(anchor))
	}
	d := &DataItem{SigType: SigTypeArweave, Owner: w.Owner(), Anchor: anchor, Tags: tags, RawTags: raw}
	msg := d.signatureData(data)
	if d.Signature, err = w.Sign(msg[:]); err != nil {
		return nil, nil, fmt.Errorf("failed to sign the data item: %w", err)
	}
	h := d.encodeHeader()
	d.HeaderLen = int64(len(h))
	return h, d, nil
}

func (d *DataItem) encodeHeader() []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, d.SigType)
	b.Write(d.Signature)
	b.Write(d.Owner)
	for _, opt := range [][]byte{d.Target, d.Anchor} {
		if opt == nil {
			b.WriteByte(0)
			continue
		}
		b.WriteByte(1)
		b.Write(opt)
	}
	binary.Write(&b, binary.LittleEndian, uint64(len(d.Tags)))
	binary.Write(&b, binary.LittleEndian, uint64(len(d.RawTags)))
	b.Write(d.RawTags)
	return b.Bytes()
}

// ErrBadDataItem means bytes from outside are not a valid data item.
var ErrBadDataItem = errors.New("malformed data item")

// ReadDataItem reads a data item's header from r, leaving r at the start
// of its data. Every length is checked before anything is allocated.
func ReadDataItem(r io.Reader) (*DataItem, error) {
	br := &countReader{r: r}
	var sigType uint16
	if err := binary.Read(br, binary.LittleEndian, &sigType); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadDataItem, err)
	}
	lens, ok := sigLengths[sigType]
	if !ok {
		return nil, fmt.Errorf("%w: unknown signature type %d", ErrBadDataItem, sigType)
	}
	d := &DataItem{SigType: sigType, Signature: make([]byte, lens[0]), Owner: make([]byte, lens[1])}
	if _, err := io.ReadFull(br, d.Signature); err != nil {
		return nil, fmt.Errorf("%w: signature: %v", ErrBadDataItem, err)
	}
	if _, err := io.ReadFull(br, d.Owner); err != nil {
		return nil, fmt.Errorf("%w: owner: %v", ErrBadDataItem, err)
	}
	var err error
	if d.Target, err = readOptional(br, "target"); err != nil {
		return nil, err
	}
	if d.Anchor, err = readOptional(br, "anchor"); err != nil {
		return nil, err
	}
	var counts [2]uint64
	if err := binary.Read(br, binary.LittleEndian, &counts); err != nil {
		return nil, fmt.Errorf("%w: tag counts: %v", ErrBadDataItem, err)
	}
	if counts[0] > MaxTags || counts[1] > maxItemTagBytes {
		return nil, fmt.Errorf("%w: %d tags in %d bytes (limits %d, %d)", ErrBadDataItem, counts[0], counts[1], MaxTags, maxItemTagBytes)
	}
	d.RawTags = make([]byte, counts[1])
	if _, err := io.ReadFull(br, d.RawTags); err != nil {
		return nil, fmt.Errorf("%w: tags: %v", ErrBadDataItem, err)
	}
	if d.Tags, err = DecodeTags(d.RawTags); err != nil {
		return nil, err
	}
	if len(d.Tags) != int(counts[0]) {
		return nil, fmt.Errorf("%w: the header says %d tags, the tags hold %d", ErrBadDataItem, counts[0], len(d.Tags))
	}
	d.HeaderLen = br.n
	return d, nil
}

func readOptional(r io.Reader, name string) ([]byte, error) {
	var flag [1]byte
	if _, err := io.ReadFull(r, flag[:]); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadDataItem, name, err)
	}
	switch flag[0] {
	case 0:
		return nil, nil
	case 1:
		b := make([]byte, 32)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrBadDataItem, name, err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("%w: %s presence byte is %d", ErrBadDataItem, name, flag[0])
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Verify checks the item's signature over its header and data (read from
// data to its end). Only Arweave (RSA) signatures are checked.
func (d *DataItem) Verify(data io.Reader) error {
	if d.SigType != SigTypeArweave {
		return fmt.Errorf("%w: signature type %d is not checked here", ErrBadSignature, d.SigType)
	}
	dig, _, err := BlobDigest(data)
	if err != nil {
		return fmt.Errorf("failed to read the data item's data: %w", err)
	}
	msg := d.signatureData(dig)
	return VerifySignature(d.Owner, msg[:], d.Signature)
}

// ParseDataItem parses and verifies a whole data item held in memory and
// returns it with its data.
func ParseDataItem(b []byte) (*DataItem, []byte, error) {
	d, err := ReadDataItem(bufio.NewReader(bytes.NewReader(b)))
	if err != nil {
		return nil, nil, err
	}
	data := b[d.HeaderLen:]
	return d, data, d.Verify(bytes.NewReader(data))
}

// EncodeTags encodes tags as ANS-104 does: an Avro array of records of two
// strings, one block, zigzag varint lengths. No tags encode to no bytes.
func EncodeTags(tags []Tag) ([]byte, error) {
	if len(tags) == 0 {
		return nil, nil
	}
	if len(tags) > MaxTags {
		return nil, fmt.Errorf("%d tags, more than the %d a data item may carry", len(tags), MaxTags)
	}
	var b []byte
	b = binary.AppendVarint(b, int64(len(tags)))
	for _, t := range tags {
		if t.Name == "" || t.Value == "" || len(t.Name) > MaxTagName || len(t.Value) > MaxTagValue {
			return nil, fmt.Errorf("tag %.40q: names must be 1-%d bytes and values 1-%d bytes", t.Name, MaxTagName, MaxTagValue)
		}
		b = binary.AppendVarint(b, int64(len(t.Name)))
		b = append(b, t.Name...)
		b = binary.AppendVarint(b, int64(len(t.Value)))
		b = append(b, t.Value...)
	}
	b = append(b, 0)
	if len(b) > maxItemTagBytes {
		return nil, fmt.Errorf("the tags take %d bytes, more than the %d a data item may carry", len(b), maxItemTagBytes)
	}
	return b, nil
}

// DecodeTags decodes Avro-encoded tags: blocks of items, a negative count
// followed by the block's byte size (Avro allows it), ended by a zero count.
func DecodeTags(b []byte) ([]Tag, error) {
	if len(b) == 0 {
		return nil, nil
	}
	r := bytes.NewReader(b)
	var tags []Tag
	for {
		n, err := binary.ReadVarint(r)
		if err != nil {
			return nil, fmt.Errorf("%w: tag block count: %v", ErrBadDataItem, err)
		}
		if n == 0 {
			break
		}
		if n < 0 {
			if _, err := binary.ReadVarint(r); err != nil { // block size in bytes
				return nil, fmt.Errorf("%w: tag block size: %v", ErrBadDataItem, err)
			}
			n = -n
		}
		if n > MaxTags || int64(len(tags))+n > MaxTags {
			return nil, fmt.Errorf("%w: more than %d tags", ErrBadDataItem, MaxTags)
		}
		for range n {
			name, err1 := avroString(r)
			value, err2 := avroString(r)
			if err := errors.Join(err1, err2); err != nil {
				return nil, err
			}
			tags = append(tags, Tag{Name: name, Value: value})
		}
	}
	if r.Len() != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the tags", ErrBadDataItem, r.Len())
	}
	return tags, nil
}

func avroString(r *bytes.Reader) (string, error) {
	n, err := binary.ReadVarint(r)
	if err != nil || n < 0 || n > int64(r.Len()) {
		return "", fmt.Errorf("%w: bad tag string length", ErrBadDataItem)
	}
	b := make([]byte, n)
	_, _ = io.ReadFull(r, b)
	return string(b), nil
}
