package publish_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/dapp-publish/dapp-publish/pin/pintest"
	"github.com/dapp-publish/dapp-publish/publish"
	"github.com/ipfs/go-cid"
)

// FuzzReadRecord: a damaged or hostile Record file is an error, never a panic.
func FuzzReadRecord(f *testing.F) {
	f.Add([]byte(`{"schema":"dapp-publish.record/v1","cid":"bafy","receipts":[{"holder":"a"}]}`))
	f.Add([]byte(`{"schema":"other"}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := publish.ReadRecord(bytes.NewReader(data))
		if err == nil {
			_ = r.VerifiedHolders()
			_ = r.Published()
		}
	})
}

// rawGetter returns the same bytes for every block: the previous version's
// node as a holder might send it (the real getter verifies hashes; this
// one does not, to reach the decoder with anything).
type rawGetter []byte

func (g rawGetter) GetBlock(context.Context, cid.Cid) ([]byte, error) { return g, nil }

// FuzzWriteDelta: whatever the previous version's nodes hold, WriteDelta
// returns an error or a CAR, never panics, and never leaves out the root.
func FuzzWriteDelta(f *testing.F) {
	b := pintest.PackFS(f, site())
	car, err := io.ReadAll(io.NewSectionReader(b.CAR, 0, b.Size))
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte{0x12, 0x00})
	f.Add([]byte{0x0a, 0x02, 0x08, 0x01})
	f.Add(car[100:400])
	f.Fuzz(func(t *testing.T, prev []byte) {
		var out bytes.Buffer
		base := testCID("base")
		st, err := publish.WriteDelta(context.Background(), bytes.NewReader(car), b.Root, base, rawGetter(prev), &out)
		if err == nil && st.Blocks == 0 {
			t.Fatal("a delta without the root block")
		}
	})
}
