package arapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/dapp-publish/dapp-publish/pin/arweave/artx"
)

// A bundled data item (ANS-104: what Turbo and other bundlers post) has no
// transaction header a gateway serves at /tx/{id}, but the gateways index
// its header fields for GraphQL: signature, owner key, target, anchor and
// tags. With them and the item's data the signature can be checked as if
// the item itself had been served (artx.DataItem.Verify), and its id is the
// SHA-256 of that signature, so a gateway cannot answer for one id with
// another item's header.

const itemQuery = `query($ids:[ID!]){transactions(ids:$ids,first:1){edges{node{
 id signature recipient anchor owner{key} tags{name value}}}}}`

// ErrItemMismatch means the gateway answered for an id with a header whose
// signature does not hash to that id: another item's, or a forgery.
var ErrItemMismatch = errors.New("the gateway answered with another item's header")

// ErrNoItemHeader means the gateway's GraphQL does not know the id (or
// does not serve the header fields of data items).
var ErrNoItemHeader = errors.New("the gateway serves no header for this data item")

type itemAnswer struct {
	Data *struct {
		Transactions *struct {
			Edges []struct {
				Node struct {
					ID        string `json:"id"`
					Signature string `json:"signature"`
					Recipient string `json:"recipient"`
					Anchor    string `json:"anchor"`
					Owner     struct {
						Key string `json:"key"`
					} `json:"owner"`
					Tags []struct {
						Name  string `json:"name"`
						Value string `json:"value"`
					} `json:"tags"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"transactions"`
	} `json:"data"`
	gqlErrors
}

// ItemHeader asks the gateway's GraphQL for the header of the bundled data
// item id (call it for an id whose /tx/{id} is a 404: GraphQL lists base
// transactions too, and some gateways, arlocal among them, leave an item's
// bundledIn empty) and returns it ready to verify against the item's data: its id
// is checked to be the SHA-256 of the signature returned, and its tags are
// Avro-encoded as ANS-104 signs them (the canonical encoding arbundles and
// this project write). Only Arweave-signed (RSA) items are taken.
func (c *Client) ItemHeader(ctx context.Context, id string) (*artx.DataItem, error) {
	if !artx.IsTxID(id) {
		return nil, fmt.Errorf("%w: %.60q is not a transaction id", ErrBadGraphQL, id)
	}
	body, err := json.Marshal(map[string]any{"query": itemQuery, "variables": map[string]any{"ids": []string{id}}})
	if err != nil {
		return nil, err
	}
	resp, err := c.do(ctx, http.MethodPost, "/graphql", bytes.NewReader(body), int64(len(body)), "application/json")
	if err != nil {
		return nil, err
	}
	b, err := readAll(resp.Body, maxGQLBody, "POST /graphql")
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	return DecodeItemHeader(b, id)
}

// DecodeItemHeader decodes a GraphQL answer to the item query for id.
func DecodeItemHeader(b []byte, id string) (*artx.DataItem, error) {
	var a itemAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadGraphQL, err)
	}
	if err := a.err(); err != nil {
		return nil, err
	}
	if a.Data == nil || a.Data.Transactions == nil || len(a.Data.Transactions.Edges) == 0 {
		return nil, ErrNoItemHeader
	}
	if len(a.Data.Transactions.Edges) > 1 {
		return nil, fmt.Errorf("%w: %d answers for one id", ErrBadGraphQL, len(a.Data.Transactions.Edges))
	}
	n := a.Data.Transactions.Edges[0].Node
	if n.ID != id {
		return nil, fmt.Errorf("%w: asked for %s, got %.60q", ErrItemMismatch, id, n.ID)
	}
	if n.Signature == "" {
		return nil, ErrNoItemHeader // a gateway that does not index the items' signatures
	}
	var err error
	d := &artx.DataItem{SigType: artx.SigTypeArweave}
	if d.Signature, err = b64(n.Signature); err != nil || len(d.Signature) != 512 {
		return nil, fmt.Errorf("%w: the item's signature is not a 512-byte RSA signature", ErrBadGraphQL)
	}
	if got := sha256.Sum256(d.Signature); enc(got[:]) != id {
		return nil, fmt.Errorf("%w: the signature returned for %s does not hash to that id", ErrItemMismatch, id)
	}
	if d.Owner, err = b64(n.Owner.Key); err != nil || len(d.Owner) != 512 {
		return nil, fmt.Errorf("%w: the item's owner is not a 4096-bit RSA key", ErrBadGraphQL)
	}
	if d.Target, err = opt32(n.Recipient, "recipient"); err != nil {
		return nil, err
	}
	if d.Anchor, err = opt32(n.Anchor, "anchor"); err != nil {
		return nil, err
	}
	for _, tg := range n.Tags {
		d.Tags = append(d.Tags, artx.Tag{Name: tg.Name, Value: tg.Value})
	}
	if d.RawTags, err = artx.EncodeTags(d.Tags); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadGraphQL, err)
	}
	return d, nil
}

// opt32 decodes an optional 32-byte field (target, anchor): "" is none.
func opt32(s, what string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	v, err := b64(s)
	if err != nil || len(v) != 32 {
		return nil, fmt.Errorf("%w: the item's %s is not 32 bytes of base64url", ErrBadGraphQL, what)
	}
	return v, nil
}
