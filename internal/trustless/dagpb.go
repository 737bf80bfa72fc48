package trustless

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// parsePB walks a dag-pb node (PBNode: Links = 2, Data = 1; PBLink: Hash =
// 1, Name = 2, Tsize = 3) and calls fn with each link's hash and name,
// which alias data. It returns the Data field (nil when absent).
//
// Hand-written rather than go-codec-dagpb because it runs on every block
// received and allocates nothing per link. It accepts exactly what
// go-codec-dagpb (the decoder boxo's gateway uses) accepts, except a link
// hash with bytes after the CID, which go-codec-dagpb silently drops and we
// refuse; FuzzDagPB checks the two agree.
func parsePB(data []byte, fn func(hash, name []byte) error) ([]byte, error) {
	var node []byte
	haveData, linksOpen, haveLinks := false, false, false
	for len(data) > 0 {
		field, wt, n := protowire.ConsumeTag(data)
		if n < 0 {
			return nil, fmt.Errorf("dag-pb node: %w", protowire.ParseError(n))
		}
		if wt != protowire.BytesType {
			return nil, fmt.Errorf("dag-pb node: field %d has wire type %d", field, wt)
		}
		v, m := protowire.ConsumeBytes(data[n:])
		if m < 0 {
			return nil, fmt.Errorf("dag-pb node: %w", protowire.ParseError(m))
		}
		data = data[n+m:]
		switch field {
		case 1:
			if haveData {
				return nil, errors.New("dag-pb node: Data field repeated")
			}
			node, haveData, linksOpen = v, true, false
			if node == nil {
				node = []byte{}
			}
		case 2:
			if !linksOpen && haveLinks {
				return nil, errors.New("dag-pb node: Links split by the Data field")
			}
			linksOpen, haveLinks = true, true
			if err := parseLink(v, fn); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("dag-pb node: unknown field %d", field)
		}
	}
	return node, nil
}

func parseLink(data []byte, fn func(hash, name []byte) error) error {
	var hash, name []byte
	haveHash := false
	last := protowire.Number(0) // fields must come in order, each at most once
	for len(data) > 0 {
		field, wt, n := protowire.ConsumeTag(data)
		if n < 0 {
			return fmt.Errorf("dag-pb link: %w", protowire.ParseError(n))
		}
		data = data[n:]
		if field < 1 || field > 3 {
			return fmt.Errorf("dag-pb link: unknown field %d", field)
		}
		if field <= last {
			return fmt.Errorf("dag-pb link: field %d repeated or out of order", field)
		}
		last = field
		if field == 3 {
			if wt != protowire.VarintType {
				return fmt.Errorf("dag-pb link: Tsize has wire type %d", wt)
			}
			_, m := protowire.ConsumeVarint(data)
			if m < 0 {
				return fmt.Errorf("dag-pb link Tsize: %w", protowire.ParseError(m))
			}
			data = data[m:]
			continue
		}
		if wt != protowire.BytesType {
			return fmt.Errorf("dag-pb link: field %d has wire type %d", field, wt)
		}
		v, m := protowire.ConsumeBytes(data)
		if m < 0 {
			return fmt.Errorf("dag-pb link: %w", protowire.ParseError(m))
		}
		data = data[m:]
		if field == 1 {
			hash, haveHash = v, true
		} else {
			name = v
		}
	}
	if !haveHash {
		return errors.New("dag-pb link without a hash")
	}
	return fn(hash, name)
}
