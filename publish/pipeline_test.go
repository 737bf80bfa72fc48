package publish_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dapp-publish/dapp-publish/bundle"
	"github.com/dapp-publish/dapp-publish/pin/pintest"
	"github.com/dapp-publish/dapp-publish/publish"
	"github.com/dapp-publish/dapp-publish/verify"
	"github.com/ipfs/go-cid"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func testBundle(name string) *publish.Bundle {
	return &publish.Bundle{Root: testCID(name), Profile: "unixfs-v1-2025", CARSize: 2048, Blocks: 4, Files: 3, Bytes: 1500,
		Lint: []bundle.Finding{{Code: "no-index", Message: "no index.html at the root"}}}
}

func pipeline(b *publish.Bundle, holders []*fakeHolder, n *fakeNamer, rs *memRecords) *publish.Pipeline {
	p := &publish.Pipeline{Pack: fakePacker{b}, Verify: fakeVerifier{}, Tool: "dapp-publish test", Commit: "0123abcd", Now: fixedClock()}
	for _, h := range holders {
		p.Holders = append(p.Holders, h)
	}
	if n != nil {
		p.Name = n
	}
	if rs != nil {
		p.Records = rs
	}
	return p
}

func TestRunPublishes(t *testing.T) {
	a, b := newHolder("own-node"), newHolder("cluster")
	n, rs := &fakeNamer{name: "app.eth"}, &memRecords{}
	rec, err := pipeline(testBundle("A"), []*fakeHolder{a, b}, n, rs).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rec.Outcome != publish.OutcomePublished || !rec.Quorum.OK || n.applied != 1 || !n.current.Equals(testCID("A")) {
		t.Fatalf("outcome %s, quorum %+v, applied %d", rec.Outcome, rec.Quorum, n.applied)
	}
	if len(rec.Receipts) != 2 || len(rec.Verification) != 2 || len(rs.list) != 1 {
		t.Fatalf("%d receipts, %d verifications, %d records saved", len(rec.Receipts), len(rec.Verification), len(rs.list))
	}
	if got := rec.VerifiedHolders(); len(got) != 2 {
		t.Fatalf("verified holders %v", got)
	}
	if rec.ENS == nil || rec.ENS.Tx != "0xtx" || rec.ENS.New != "ipfs://"+testCID("A").String() {
		t.Fatalf("ens %+v", rec.ENS)
	}
}

// TestRunQuorumNotMet: a holder failing (its upload, or its verification
// because it serves corrupt bytes) keeps the name where it was, and the
// Record says which holder and why.
func TestRunQuorumNotMet(t *testing.T) {
	for _, tc := range []struct {
		name   string
		break_ func(*fakeHolder)
		reason string
	}{
		{"upload fails", func(h *fakeHolder) { h.failStore = errDown }, "HTTP 503"},
		{"corrupt bytes", func(h *fakeHolder) { h.corrupt = true }, "block does not match its CID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := newHolder("own-node"), newHolder("cluster")
			tc.break_(a)
			n, rs := &fakeNamer{name: "app.eth", current: testCID("old")}, &memRecords{}
			rec, err := pipeline(testBundle("A"), []*fakeHolder{a, b}, n, rs).Run(context.Background())
			if !errors.Is(err, publish.ErrQuorumNotMet) {
				t.Fatalf("err %v, want ErrQuorumNotMet", err)
			}
			if n.applied != 0 || !n.current.Equals(testCID("old")) {
				t.Fatal("the name was changed although the quorum was not met")
			}
			if rec.Outcome != publish.OutcomeQuorumNotMet || len(rs.list) != 1 {
				t.Fatalf("outcome %q, %d records saved", rec.Outcome, len(rs.list))
			}
			f := rec.Quorum.Networks[0].Failed
			if len(f) != 1 || f[0].Holder != "own-node" || !strings.Contains(f[0].Reason, tc.reason) {
				t.Fatalf("failed %+v, want own-node: %s", f, tc.reason)
			}
		})
	}
}

// TestRunQuorumOfOne: with quorum ipfs: 1 one verified copy is enough; the
// failed holder is still listed.
func TestRunQuorumOfOne(t *testing.T) {
	a, b := newHolder("own-node"), newHolder("cluster")
	a.corrupt = true
	p := pipeline(testBundle("A"), []*fakeHolder{a, b}, &fakeNamer{name: "app.eth"}, nil)
	p.Gate = publish.Quorum{publish.NetworkIPFS: 1}
	rec, err := p.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if q := rec.Quorum.Networks[0]; len(q.Verified) != 1 || q.Verified[0] != "cluster" || len(q.Failed) != 1 {
		t.Fatalf("quorum %+v", q)
	}
}

func TestRunNameFails(t *testing.T) {
	n := &fakeNamer{name: "app.eth", applyErr: errors.New("transaction reverted")}
	rs := &memRecords{}
	rec, err := pipeline(testBundle("A"), []*fakeHolder{newHolder("a")}, n, rs).Run(context.Background())
	if !errors.Is(err, publish.ErrNameFailed) || errors.Is(err, publish.ErrQuorumNotMet) {
		t.Fatalf("err %v, want ErrNameFailed", err)
	}
	if rec.Outcome != publish.OutcomeNameFailed || rec.ENS.Error == "" || !rec.Quorum.OK || len(rs.list) != 1 {
		t.Fatalf("record %+v", rec)
	}
}

// TestRunNameCheckedFirst: a name that cannot be written fails the run
// before anything is uploaded.
func TestRunNameCheckedFirst(t *testing.T) {
	h := newHolder("a")
	n := &fakeNamer{name: "app.eth", planErr: errors.New("0xabc may not write records of app.eth")}
	rs := &memRecords{}
	rec, err := pipeline(testBundle("A"), []*fakeHolder{h}, n, rs).Run(context.Background())
	if !errors.Is(err, publish.ErrNameCheck) || !strings.Contains(err.Error(), "may not write") || len(h.uploads) != 0 {
		t.Fatalf("err %v, %d uploads", err, len(h.uploads))
	}
	if rec.Outcome != publish.OutcomeFailed || rec.ENS.Error == "" || len(rs.list) != 0 {
		t.Fatalf("record %+v, %d saved", rec, len(rs.list))
	}
}

// TestRunUnchanged: publishing what the name already points at, with every
// holder holding it, does nothing and says so; nothing is saved.
func TestRunUnchanged(t *testing.T) {
	h := newHolder("a")
	n, rs := &fakeNamer{name: "app.eth"}, &memRecords{}
	if _, err := pipeline(testBundle("A"), []*fakeHolder{h}, n, rs).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	rec, err := pipeline(testBundle("A"), []*fakeHolder{h}, n, rs).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rec.Outcome != publish.OutcomeUnchanged || n.applied != 1 || !rec.Receipts[0].Skipped || len(rs.list) != 1 || !rec.ENS.NoOp {
		t.Fatalf("outcome %q, applied %d, receipts %+v, %d saved", rec.Outcome, n.applied, rec.Receipts, len(rs.list))
	}
}

// TestRunDryRun stores and sends nothing, and predicts an unreachable quorum.
func TestRunDryRun(t *testing.T) {
	a, b := newHolder("a"), newHolder("b")
	n, rs := &fakeNamer{name: "app.eth"}, &memRecords{}
	p := pipeline(testBundle("A"), []*fakeHolder{a, b}, n, rs)
	p.DryRun = true
	rec, err := p.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rec.Outcome != publish.OutcomeDryRun || len(a.uploads)+len(b.uploads) != 0 || n.applied != 0 || !rec.ENS.DryRun || len(rs.list) != 0 {
		t.Fatalf("dry run did something: %+v", rec)
	}
	b.unreachable = true
	if _, err := p.Run(context.Background()); !errors.Is(err, publish.ErrQuorumNotMet) {
		t.Fatalf("dry run with an unreachable holder: %v", err)
	}
}

// TestRunIncremental: a holder that still holds the last published root is
// sent only the new blocks; one that does not (or cannot take a partial
// CAR) gets the whole CAR.
func TestRunIncremental(t *testing.T) {
	siteA := site()
	siteB := clone(siteA)
	siteB["assets/g1/chunk-005.js"].Data = []byte("changed")
	a, b := pintest.PackFS(t, siteA), pintest.PackFS(t, siteB)
	inc, full, stranger := newHolder("kubo"), newHolder("psa"), newHolder("fresh")
	inc.incremental, stranger.incremental = true, true
	inc.held[a.Root.String()], full.held[a.Root.String()] = true, true
	rs := &memRecords{}
	rs.list = append(rs.list, &publish.Record{Schema: publish.RecordSchema, Kind: publish.KindPublish, Outcome: publish.OutcomePublished, CID: a.Root.String()})
	bb := &publish.Bundle{Root: b.Root, CAR: b.Path, CARSize: b.Size}
	p := pipeline(bb, []*fakeHolder{inc, full, stranger}, nil, rs)
	p.TempDir = t.TempDir()
	p.PreviousBlocks = func(_ context.Context, base cid.Cid, hs []publish.Holder) (publish.BlockGetter, error) {
		if !base.Equals(a.Root) || len(hs) != 1 || hs[0].Name() != "kubo" {
			t.Errorf("PreviousBlocks(%s, %d holders)", base, len(hs))
		}
		return verify.OpenCARFile(a.Path)
	}
	rec, err := p.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rec.Previous == nil || rec.Previous.CID != a.Root.String() || rec.Previous.Source != "record" {
		t.Fatalf("previous %+v", rec.Previous)
	}
	r := rec.Receipts[0]
	if r.Incremental == nil || r.BytesSent*10 > b.Size || inc.uploads[0].Delta == nil {
		t.Fatalf("incremental holder sent %d of %d bytes: %+v", r.BytesSent, b.Size, r.Incremental)
	}
	if full.uploads[0].Delta != nil || stranger.uploads[0].Delta != nil || rec.Receipts[1].BytesSent != b.Size {
		t.Fatal("a holder that cannot take the delta was sent it")
	}
	if entries, _ := os.ReadDir(p.TempDir); len(entries) != 0 {
		t.Fatalf("delta CAR left behind: %v", entries)
	}
}

// TestRecordGolden: the Record's JSON is the interface other tools read;
// any change to it shows up here (go test ./publish -update rewrites it).
func TestRecordGolden(t *testing.T) {
	a, b := newHolder("own-node"), newHolder("cluster")
	b.failStore = errDown
	p := pipeline(testBundle("A"), []*fakeHolder{a, b}, &fakeNamer{name: "app.eth", current: testCID("old")}, nil)
	p.Gateways = []string{"https://trustless-gateway.example"}
	p.Gate = publish.Quorum{publish.NetworkIPFS: 1}
	rec, err := p.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := rec.WriteJSON(&got); err != nil {
		t.Fatal(err)
	}
	golden(t, "record.golden.json", got.Bytes())
	back, err := publish.ReadRecord(bytes.NewReader(got.Bytes()))
	if err != nil || back.CID != rec.CID || len(back.Receipts) != 2 {
		t.Fatalf("read back: %v %+v", err, back)
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./publish -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (go test ./publish -update rewrites it):\n%s", p, got)
	}
}
