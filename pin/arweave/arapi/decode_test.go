package arapi_test

import (
	"errors"
	"testing"

	"github.com/dapp-publish/dapp-publish/pin/arweave/arapi"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx"
)

const answer = `{"data":{"transactions":{"pageInfo":{"hasNextPage":true},"edges":[{"cursor":"c1","node":{"id":"yrNK04RfIqBpqIqNE2v61VmzVxz3aUSpAKcenikFuqI","owner":{"address":"d_E_qGExboYx7lj0S6fr_ICrv1s6zVcStLsY32CWyP4"},"tags":[{"name":"File-Hash","value":"ab"}],"data":{"size":"600000"},"block":{"height":3}}},{"cursor":"c2","node":{"id":"k7WEb056318KXG7GMG6cQ7q3YOnOPS1gwnAe19lW4u8","tags":[],"data":{"size":0},"block":null}}]}}}`

func TestDecodeTransactions(t *testing.T) {
	p, err := arapi.DecodeTransactions([]byte(answer))
	if err != nil {
		t.Fatal(err)
	}
	if !p.More || p.Cursor != "c2" || len(p.Found) != 2 || p.Found[0].Size != 600000 || p.Found[0].Height != 3 ||
		p.Found[0].Tag("File-Hash") != "ab" || p.Found[1].Height != 0 {
		t.Fatalf("%+v", p)
	}
	for name, b := range map[string]string{
		"errors":    `{"errors":[{"message":"boom"}]}`,
		"no data":   `{}`,
		"bad id":    `{"data":{"transactions":{"edges":[{"node":{"id":"../x"}}]}}}`,
		"bad size":  `{"data":{"transactions":{"edges":[{"node":{"id":"yrNK04RfIqBpqIqNE2v61VmzVxz3aUSpAKcenikFuqI","data":{"size":"-1"}}}]}}}`,
		"no cursor": `{"data":{"transactions":{"pageInfo":{"hasNextPage":true},"edges":[]}}}`,
	} {
		if _, err := arapi.DecodeTransactions([]byte(b)); !errors.Is(err, arapi.ErrBadGraphQL) {
			t.Errorf("%s: got %v", name, err)
		}
	}
}

func FuzzDecodeTransactions(f *testing.F) {
	f.Add([]byte(answer))
	f.Add([]byte(`{"data":{"transactions":{"edges":[]}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := arapi.DecodeTransactions(b)
		if err != nil {
			return
		}
		for _, found := range p.Found {
			if !artx.IsTxID(found.ID) || found.Size < 0 {
				t.Fatalf("accepted %+v", found)
			}
		}
		if p.More && p.Cursor == "" {
			t.Fatal("more pages without a cursor")
		}
	})
}
