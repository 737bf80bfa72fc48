package arapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/dapp-publish/dapp-publish/pin/arweave/artx"
)

// TagFilter matches transactions with a tag Name whose value is any of Values.
type TagFilter struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

// Query selects transactions by owner address, tags and ids.
type Query struct {
	Owners []string
	Tags   []TagFilter
	IDs    []string
}

// Found is one transaction (or bundled data item) a GraphQL query returned.
// It is what the gateway says, nothing more.
type Found struct {
	ID     string
	Owner  string // address
	Tags   []artx.Tag
	Size   int64
	Height int64 // 0: not mined yet
}

// Tag returns the value of the first tag named name.
func (f Found) Tag(name string) string {
	for _, t := range f.Tags {
		if t.Name == name {
			return t.Value
		}
	}
	return ""
}

const transactionsQuery = `query($owners:[String!],$tags:[TagFilter!],$ids:[ID!],$after:String){
 transactions(owners:$owners,tags:$tags,ids:$ids,first:100,after:$after,sort:HEIGHT_DESC){
  pageInfo{hasNextPage}
  edges{cursor node{id owner{address} tags{name value} data{size} block{height}}}}}`

// Limits on GraphQL walks.
const (
	maxPageEdges = 100
	maxPages     = 200 // 20,000 transactions
)

// ErrTooManyResults means a query matched more than Transactions walks.
var ErrTooManyResults = errors.New("the query matched more transactions than are read")

// Transactions runs q and calls fn for each transaction found, newest
// first, page by page.
func (c *Client) Transactions(ctx context.Context, q Query, fn func(Found) error) error {
	vars := map[string]any{}
	if len(q.Owners) > 0 {
		vars["owners"] = q.Owners
	}
	if len(q.Tags) > 0 {
		vars["tags"] = q.Tags
	}
	if len(q.IDs) > 0 {
		vars["ids"] = q.IDs
	}
	for range maxPages {
		body, err := json.Marshal(map[string]any{"query": transactionsQuery, "variables": vars})
		if err != nil {
			return err
		}
		resp, err := c.do(ctx, http.MethodPost, "/graphql", bytes.NewReader(body), int64(len(body)), "application/json")
		if err != nil {
			return err
		}
		b, err := readAll(resp.Body, maxGQLBody, "POST /graphql")
		resp.Body.Close()
		if err != nil {
			return err
		}
		page, err := DecodeTransactions(b)
		if err != nil {
			return fmt.Errorf("POST /graphql: %w", err)
		}
		for _, f := range page.Found {
			if err := fn(f); err != nil {
				return err
			}
		}
		if !page.More {
			return nil
		}
		vars["after"] = page.Cursor
	}
	return ErrTooManyResults
}

// Page is one page of a transactions query.
type Page struct {
	Found  []Found
	More   bool
	Cursor string // of the last edge, for the next page
}

// ErrBadGraphQL means a GraphQL answer is malformed or reports errors.
var ErrBadGraphQL = errors.New("bad GraphQL answer")

type gqlAnswer struct {
	Data *struct {
		Transactions *struct {
			PageInfo struct {
				HasNextPage bool `json:"hasNextPage"`
			} `json:"pageInfo"`
			Edges []struct {
				Cursor string `json:"cursor"`
				Node   struct {
					ID    string `json:"id"`
					Owner struct {
						Address string `json:"address"`
					} `json:"owner"`
					Tags []struct {
						Name  string `json:"name"`
						Value string `json:"value"`
					} `json:"tags"`
					Data struct {
						Size json.RawMessage `json:"size"` // a string on arweave.net, a number elsewhere
					} `json:"data"`
					Block *struct {
						Height int64 `json:"height"`
					} `json:"block"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"transactions"`
	} `json:"data"`
	gqlErrors
}

// gqlErrors is the errors list every GraphQL answer may carry.
type gqlErrors struct {
	Errors []struct {
		Message string `json:"message"`
	} `json:"errors"`
}

// err is the answer's first error, as ErrBadGraphQL, or nil.
func (e gqlErrors) err() error {
	if len(e.Errors) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrBadGraphQL, excerpt([]byte(e.Errors[0].Message)))
}

// DecodeTransactions decodes a GraphQL answer to the transactions query,
// checking every id and refusing pages larger than asked for.
func DecodeTransactions(b []byte) (Page, error) {
	var a gqlAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		return Page{}, fmt.Errorf("%w: %v", ErrBadGraphQL, err)
	}
	if err := a.err(); err != nil {
		return Page{}, err
	}
	if a.Data == nil || a.Data.Transactions == nil {
		return Page{}, fmt.Errorf("%w: no data.transactions", ErrBadGraphQL)
	}
	t := a.Data.Transactions
	if len(t.Edges) > maxPageEdges {
		return Page{}, fmt.Errorf("%w: %d results in one page", ErrBadGraphQL, len(t.Edges))
	}
	p := Page{More: t.PageInfo.HasNextPage}
	for _, e := range t.Edges {
		n := e.Node
		if !artx.IsTxID(n.ID) {
			return Page{}, fmt.Errorf("%w: %.60q is not a transaction id", ErrBadGraphQL, n.ID)
		}
		f := Found{ID: n.ID, Owner: n.Owner.Address}
		for _, tg := range n.Tags {
			f.Tags = append(f.Tags, artx.Tag{Name: tg.Name, Value: tg.Value})
		}
		size, err := sizeValue(n.Data.Size)
		if err != nil {
			return Page{}, err
		}
		f.Size = size
		if n.Block != nil {
			f.Height = n.Block.Height
		}
		p.Found = append(p.Found, f)
		p.Cursor = e.Cursor
	}
	if p.More && p.Cursor == "" {
		return Page{}, fmt.Errorf("%w: more pages but no cursor", ErrBadGraphQL)
	}
	return p, nil
}

func sizeValue(raw json.RawMessage) (int64, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	s := string(raw)
	if unq, err := strconv.Unquote(s); err == nil {
		s = unq
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%w: data size %.30q", ErrBadGraphQL, s)
	}
	return n, nil
}
