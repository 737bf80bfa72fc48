package trustless_test

import (
	"bytes"
	"testing"

	"github.com/dapp-publish/dapp-publish/internal/trustless"
	"github.com/dapp-publish/dapp-publish/internal/trustless/trustlesstest"
	"github.com/ipfs/go-cid"
	dagpb "github.com/ipld/go-codec-dagpb"
	cidlink "github.com/ipld/go-ipld-prime/linking/cid"
)

// FuzzDagPB checks the hand-written dag-pb parser against go-codec-dagpb,
// the decoder boxo's gateway uses, on arbitrary bytes: whatever one accepts
// the other accepts with the same links, names and Data (except that a link
// hash with bytes after its CID, which go-codec-dagpb silently cuts, is
// refused by Decode), so what we verify is what boxo serves.
func FuzzDagPB(f *testing.F) {
	for _, tc := range trustlesstest.Cases() {
		car, err := trustlesstest.Read(tc.Name)
		if err != nil || len(car) > 64<<10 {
			continue
		}
		cr, err := trustless.NewCARReader(bytes.NewReader(car), trustless.Limits{})
		if err != nil {
			continue
		}
		for {
			c, data, _, err := cr.Next()
			if err != nil {
				break
			}
			if c.Type() == cid.DagProtobuf {
				f.Add(bytes.Clone(data))
			}
		}
	}
	f.Add([]byte{0x12, 0x00})
	f.Add([]byte{0x0a, 0x00, 0x12, 0x02, 0x0a, 0x00, 0x0a, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		type link struct{ hash, name []byte }
		var ours []link
		ourData, ourErr := trustless.ParsePB(data, func(hash, name []byte) error {
			ours = append(ours, link{hash, name})
			return nil
		})
		nb := dagpb.Type.PBNode.NewBuilder()
		theirErr := dagpb.DecodeBytes(nb, data)
		hashesAreCIDs := true
		for _, l := range ours {
			if _, _, err := cid.CidFromBytes(l.hash); err != nil {
				hashesAreCIDs = false
			}
		}
		switch {
		case theirErr == nil && ourErr != nil:
			t.Fatalf("go-codec-dagpb accepts what we refuse: %v", ourErr)
		case theirErr != nil && ourErr == nil && hashesAreCIDs:
			t.Fatalf("we accept what go-codec-dagpb refuses: %v", theirErr)
		case theirErr != nil || ourErr != nil:
			return
		}
		n := nb.Build().(dagpb.PBNode)
		if n.FieldData().Exists() != (ourData != nil) || (ourData != nil && !bytes.Equal(n.FieldData().Must().Bytes(), ourData)) {
			t.Fatalf("Data differs")
		}
		if int(n.FieldLinks().Length()) != len(ours) {
			t.Fatalf("%d links, go-codec-dagpb sees %d", len(ours), n.FieldLinks().Length())
		}
		for i, it := 0, n.FieldLinks().Iterator(); !it.Done(); i++ {
			_, l := it.Next()
			name := ""
			if l.FieldName().Exists() {
				name = l.FieldName().Must().String()
			}
			theirCID := l.FieldHash().Link().(cidlink.Link).Cid
			if name != string(ours[i].name) || !bytes.HasPrefix(ours[i].hash, theirCID.Bytes()) {
				t.Fatalf("link %d: %q %x, go-codec-dagpb sees %q %s", i, ours[i].name, ours[i].hash, name, theirCID)
			}
		}
		c, err := cid.Prefix{Version: 1, Codec: cid.DagProtobuf, MhType: 0x12, MhLength: -1}.Sum(data)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = trustless.Decode(c, data)
	})
}
