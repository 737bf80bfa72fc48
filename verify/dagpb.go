package verify

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// parsePB walks a dag-pb node (PBNode: repeated Links = 2, Data = 1; PBLink:
// Hash = 1, Name = 2, Tsize = 3) and calls fn with each link's hash and name,
// which alias data. It returns the Data field. Hand-written rather than
// go-codec-dagpb because verification runs it on every block and needs no
// allocation per link; unknown fields are refused as the dag-pb spec says.
func parsePB(data []byte, fn func(hash, name []byte) error) ([]byte, error) {
	var node []byte
	for len(data) > 0 {
		field, wt, n := protoKey(data)
		if n <= 0 || wt != 2 || (field != 1 && field != 2) {
			return nil, fmt.Errorf("bad dag-pb field %d (wire type %d)", field, wt)
		}
		v, rest, err := protoBytes(data[n:])
		if err != nil {
			return nil, err
		}
		data = rest
		if field == 1 {
			if node != nil {
				return nil, errors.New("dag-pb Data field repeated")
			}
			node = v
			continue
		}
		if err := parseLink(v, fn); err != nil {
			return nil, err
		}
	}
	return node, nil
}

func parseLink(data []byte, fn func(hash, name []byte) error) error {
	var hash, name []byte
	for len(data) > 0 {
		field, wt, n := protoKey(data)
		if n <= 0 {
			return errors.New("bad dag-pb link key")
		}
		data = data[n:]
		switch {
		case field == 1 && wt == 2, field == 2 && wt == 2:
			v, rest, err := protoBytes(data)
			if err != nil {
				return err
			}
			data = rest
			if field == 1 {
				hash = v
			} else {
				name = v
			}
		case field == 3 && wt == 0:
			_, m := binary.Uvarint(data)
			if m <= 0 {
				return errors.New("bad dag-pb link Tsize")
			}
			data = data[m:]
		default:
			return fmt.Errorf("bad dag-pb link field %d (wire type %d)", field, wt)
		}
	}
	if hash == nil {
		return errors.New("dag-pb link without a hash")
	}
	return fn(hash, name)
}

func protoKey(b []byte) (field uint64, wireType int, n int) {
	k, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, 0, n
	}
	return k >> 3, int(k & 7), n
}

func protoBytes(b []byte) (v, rest []byte, err error) {
	l, n := binary.Uvarint(b)
	if n <= 0 || l > uint64(len(b)-n) {
		return nil, nil, errors.New("dag-pb length runs past the block")
	}
	return b[n : n+int(l)], b[n+int(l):], nil
}

// unixfsType returns the UnixFS Data.Type (field 1) of a dag-pb Data field:
// 1 directory, 2 file, 5 HAMT shard, ...; -1 if absent or malformed.
func unixfsType(data []byte) int {
	for len(data) > 0 {
		field, wt, n := protoKey(data)
		if n <= 0 {
			return -1
		}
		data = data[n:]
		switch wt {
		case 0:
			v, m := binary.Uvarint(data)
			if m <= 0 {
				return -1
			}
			if field == 1 {
				return int(v)
			}
			data = data[m:]
		case 2:
			_, rest, err := protoBytes(data)
			if err != nil {
				return -1
			}
			data = rest
		default:
			return -1
		}
	}
	return -1
}
