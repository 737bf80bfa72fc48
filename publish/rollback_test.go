package publish_test

import (
	"context"
	"errors"
	"testing"

	"github.com/dapp-publish/dapp-publish/publish"
	"github.com/ipfs/go-cid"
)

func rollback(hs []*fakeHolder, n *fakeNamer, rs *memRecords, withHistory bool) *publish.Rollback {
	rb := &publish.Rollback{Verify: fakeVerifier{}, Name: n, Records: rs, Tool: "t", Now: fixedClock()}
	for _, h := range hs {
		rb.Holders = append(rb.Holders, h)
	}
	if withHistory {
		rb.History = func(context.Context) ([]publish.NameChange, error) { return n.history, nil }
	}
	return rb
}

// TestRollback: publish A, publish B, roll back: the name points at A again,
// after A was verified on the holders; from the ENS history or, without
// it, from the Records.
func TestRollback(t *testing.T) {
	for _, withHistory := range []bool{true, false} {
		h := newHolder("own-node")
		n, rs := &fakeNamer{name: "app.eth"}, &memRecords{}
		for _, v := range []string{"A", "B"} {
			if _, err := pipeline(testBundle(v), []*fakeHolder{h}, n, rs).Run(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		rec, err := rollback([]*fakeHolder{h}, n, rs, withHistory).Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !n.current.Equals(testCID("A")) || rec.Kind != publish.KindRollback || rec.CID != testCID("A").String() {
			t.Fatalf("history %v: name at %s, record %+v", withHistory, n.current, rec)
		}
		if rec.Previous == nil || rec.Previous.CID != testCID("B").String() || len(rec.VerifiedHolders()) != 1 {
			t.Fatalf("history %v: previous %+v, verified %v", withHistory, rec.Previous, rec.VerifiedHolders())
		}
		if len(h.uploads) != 2 {
			t.Fatalf("rollback uploaded something: %d uploads", len(h.uploads))
		}
	}
}

// TestRollbackNotHeld: a version the holders no longer serve is not
// switched to.
func TestRollbackNotHeld(t *testing.T) {
	h := newHolder("own-node")
	n, rs := &fakeNamer{name: "app.eth"}, &memRecords{}
	for _, v := range []string{"A", "B"} {
		if _, err := pipeline(testBundle(v), []*fakeHolder{h}, n, rs).Run(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	delete(h.held, testCID("A").String())
	rec, err := rollback([]*fakeHolder{h}, n, rs, true).Run(context.Background())
	if !errors.Is(err, publish.ErrQuorumNotMet) || !n.current.Equals(testCID("B")) {
		t.Fatalf("err %v, name at %s", err, n.current)
	}
	if rec.Outcome != publish.OutcomeQuorumNotMet || rec.Receipts[0].Status != publish.StatusNotFound {
		t.Fatalf("record %+v", rec)
	}
}

func TestRollbackTo(t *testing.T) {
	h := newHolder("own-node")
	n, rs := &fakeNamer{name: "app.eth"}, &memRecords{}
	for _, v := range []string{"A", "B", "C"} {
		if _, err := pipeline(testBundle(v), []*fakeHolder{h}, n, rs).Run(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	rb := rollback([]*fakeHolder{h}, n, rs, true)
	rb.To = testCID("A")
	if _, err := rb.Run(context.Background()); err != nil || !n.current.Equals(testCID("A")) {
		t.Fatalf("err %v, name at %s", err, n.current)
	}
	// Nothing earlier than the only version: ErrNoPrevious.
	n2 := &fakeNamer{name: "new.eth", current: cid.Undef}
	if _, err := rollback([]*fakeHolder{h}, n2, &memRecords{}, true).Run(context.Background()); !errors.Is(err, publish.ErrNoPrevious) {
		t.Fatalf("err %v, want ErrNoPrevious", err)
	}
}

func TestHistory(t *testing.T) {
	h := newHolder("own-node")
	n, rs := &fakeNamer{name: "app.eth"}, &memRecords{}
	for _, v := range []string{"A", "B"} {
		if _, err := pipeline(testBundle(v), []*fakeHolder{h}, n, rs).Run(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	onchain := append([]publish.NameChange{{Value: "ar://xyz", Tx: "0xfirst"}}, n.history...)
	got := publish.History("app.eth", onchain, rs.list)
	if len(got) != 3 || got[0].CID != "" || got[2].CID != testCID("B").String() || !got[2].Current || got[1].Current {
		t.Fatalf("history %+v", got)
	}
	if got[1].Record == nil || len(got[1].Record.Verified) != 1 || got[1].Source != "ens" {
		t.Fatalf("history entry without its record: %+v", got[1])
	}
	local := publish.History("app.eth", nil, rs.list)
	if len(local) != 2 || local[0].Source != "record" || !local[1].Current {
		t.Fatalf("records-only history %+v", local)
	}
}

func TestQuorumCheck(t *testing.T) {
	hs := []publish.Holder{newHolder("a"), newHolder("b")}
	for _, tc := range []struct {
		q  publish.Quorum
		ok bool
	}{
		{publish.Quorum{}, true},
		{publish.Quorum{"ipfs": 2}, true},
		{publish.Quorum{"ipfs": 3}, false},
		{publish.Quorum{"arweave": 1}, false},
		{publish.Quorum{"gateways": 1}, true},
		{publish.Quorum{"gateways": 2}, false},
		{publish.Quorum{"swarm": 1}, false},
		{publish.Quorum{"ipfs": -1}, false},
	} {
		if err := tc.q.Check(hs, 1); (err == nil) != tc.ok {
			t.Errorf("%v: %v", tc.q, err)
		}
	}
}
