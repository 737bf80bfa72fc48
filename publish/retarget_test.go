package publish_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/dapp-publish/dapp-publish/publish"
	"github.com/ipfs/go-cid"
)

// manifestNamer points the name at what a holder of network "arweave"
// made (its receipt's ids["manifest"]), as ens.content: arweave does.
type manifestNamer struct {
	fakeNamer
	current  string
	seen     []string // holders Retarget was given
	retarget error
}

var _ publish.Retargeter = (*manifestNamer)(nil)

func (n *manifestNamer) Retarget(_ context.Context, p *publish.NamePlan, verified []publish.Receipt) (*publish.NamePlan, error) {
	if n.retarget != nil {
		return nil, n.retarget
	}
	for _, r := range verified {
		n.seen = append(n.seen, r.Holder)
	}
	for _, r := range verified {
		if m := r.IDs["manifest"]; r.Network == publish.NetworkArweave && m != "" {
			np := *p
			np.Result.New, np.Impl, np.NoOp = "ar://"+m, "ar://"+m, n.current == "ar://"+m
			return &np, nil
		}
	}
	return nil, fmt.Errorf("%w: no Arweave copy verified", publish.ErrQuorumNotMet)
}

func (n *manifestNamer) Apply(_ context.Context, p *publish.NamePlan) (*publish.ENSResult, error) {
	n.applied++
	n.current = p.Impl.(string)
	res := p.Result
	return &res, nil
}

// arweaveHolder is a fake holder on network arweave whose receipts name
// the manifest it made.
type arweaveHolder struct{ *fakeHolder }

func (h arweaveHolder) Store(ctx context.Context, up publish.Upload) publish.Receipt {
	r := h.fakeHolder.Store(ctx, up)
	r.IDs = map[string]string{"manifest": "M-" + up.Bundle.Root.String()[:12]}
	return r
}

func newArweaveHolder(name string) arweaveHolder {
	h := newHolder(name)
	h.network = publish.NetworkArweave
	return arweaveHolder{h}
}

// TestRunRetargets: a Retargeter's plan is re-made from the verified
// holders' receipts after the gate and applied; a holder that did not
// verify is not offered; a second run with the same content is a no-op.
func TestRunRetargets(t *testing.T) {
	ipfs, ar, bad := newHolder("own-node"), newArweaveHolder("permaweb"), newHolder("broken")
	bad.corrupt = true
	n := &manifestNamer{fakeNamer: fakeNamer{name: "app.eth"}}
	p := &publish.Pipeline{Pack: fakePacker{testBundle("A")}, Verify: arVerifier{}, Name: n, Now: fixedClock(),
		Holders: []publish.Holder{ipfs, ar, bad}, Gate: publish.Quorum{publish.NetworkIPFS: 1}}
	rec, err := p.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := "ar://M-" + testCID("A").String()[:12]
	if n.applied != 1 || n.current != want || rec.ENS.New != want || rec.Outcome != publish.OutcomePublished {
		t.Fatalf("applied %d, name %s, record %+v", n.applied, n.current, rec.ENS)
	}
	if fmt.Sprint(n.seen) != "[own-node permaweb]" {
		t.Errorf("Retarget was given %v, want the verified holders only", n.seen)
	}
	if rec, err = p.Run(context.Background()); err != nil || n.applied != 1 || !rec.ENS.NoOp {
		t.Fatalf("second run: %v, applied %d, %+v", err, n.applied, rec.ENS)
	}
}

// TestRunRetargetFails: no verified holder made the content (quorum not
// met, the name untouched), or the re-plan failed (the name update failed).
func TestRunRetargetFails(t *testing.T) {
	for _, tc := range []struct {
		name    string
		err     error
		want    error
		outcome string
	}{
		{"no arweave copy", nil, publish.ErrQuorumNotMet, publish.OutcomeQuorumNotMet},
		{"rpc down", errors.New("dial tcp: connection refused"), publish.ErrNameFailed, publish.OutcomeNameFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := &manifestNamer{fakeNamer: fakeNamer{name: "app.eth"}, retarget: tc.err}
			rs := &memRecords{}
			p := pipeline(testBundle("A"), []*fakeHolder{newHolder("own-node")}, nil, rs)
			p.Name = n
			rec, err := p.Run(context.Background())
			if !errors.Is(err, tc.want) || n.applied != 0 || rec.Outcome != tc.outcome || rec.ENS.Error == "" || len(rs.list) != 1 {
				t.Fatalf("err %v, applied %d, record %+v", err, n.applied, rec)
			}
		})
	}
}

// arVerifier verifies fakeHolders and arweaveHolders alike.
type arVerifier struct{ fakeVerifier }

func (v arVerifier) VerifyHolder(ctx context.Context, root cid.Cid, h publish.Holder, r publish.Receipt) []publish.Verification {
	if a, ok := h.(arweaveHolder); ok {
		h = a.fakeHolder
	}
	return v.fakeVerifier.VerifyHolder(ctx, root, h, r)
}
