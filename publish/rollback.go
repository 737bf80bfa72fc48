package publish

import (
	"context"
	"fmt"
	"time"

	"github.com/ipfs/go-cid"
)

// Rollback points a name back at an earlier version, after checking again
// that the holders still serve that version completely: the same verify
// stage and quorum gate as a publish, without packing or uploading.
type Rollback struct {
	Holders  []Holder
	Verify   Verifier
	Gateways []string
	Gate     Gate
	Name     Namer // required
	Records  Recorder
	// History returns the name's past values, oldest first (the ENS
	// ContenthashChanged events). Nil: the Records alone say what came before.
	History func(ctx context.Context) ([]NameChange, error)
	// To is the version to return to; Undef picks the one before the
	// current value.
	To     cid.Cid
	Tool   string
	Commit string
	Events func(Event)
	Now    func() time.Time
}

// Run rolls back. Like Pipeline.Run it returns the Record even when it
// fails; err wraps ErrNoPrevious, ErrQuorumNotMet (the name was not
// touched) or ErrNameFailed.
func (rb *Rollback) Run(ctx context.Context) (*Record, error) {
	if len(rb.Holders) == 0 {
		return nil, ErrNoHolders
	}
	p := &Pipeline{Holders: rb.Holders, Verify: rb.Verify, Gateways: rb.Gateways, Gate: rb.Gate, Name: rb.Name,
		Records: rb.Records, Tool: rb.Tool, Commit: rb.Commit, Events: rb.Events, Now: rb.Now}
	rec, t := p.newRecord(KindRollback), p.clock()
	target, current, source, err := rb.choose(ctx)
	if err != nil {
		return nil, err
	}
	rec.CID = target.String()
	if current.Defined() {
		rec.Previous = &Previous{CID: current.String(), Source: source}
	}
	if r := rb.recordOf(target); r != nil {
		rec.Profile, rec.PieceCID = r.Profile, r.PieceCID
	}
	p.event("pack", "", fmt.Sprintf("rolling %s back to %s (from %s)", rb.Name.Name(), target, source))
	plan, err := p.plan(ctx, target, rec)
	rec.Timings.NameMS = t.lap()
	if err != nil {
		return p.finish(rec, t, err)
	}
	rec.Receipts = p.statuses(ctx, &Bundle{Root: target}) // no CAR: nothing is priced
	rec.Timings.StoreMS = t.lap()
	return p.verifyAndName(ctx, rec, target, plan, t)
}

// choose finds the version to return to: To, or the newest earlier value
// of the name in its history, or in the Records. It also returns the
// current value and where the choice came from.
func (rb *Rollback) choose(ctx context.Context) (target, current cid.Cid, source string, err error) {
	var hist []NameChange
	if rb.History != nil {
		if hist, err = rb.History(ctx); err != nil {
			return cid.Undef, cid.Undef, "", fmt.Errorf("%w %s: its history: %w", ErrNameCheck, rb.Name.Name(), err)
		}
	}
	records := rb.published()
	switch {
	case len(hist) > 0:
		current = rootOf(hist[len(hist)-1], records)
	case len(records) > 0:
		current, _ = cid.Decode(records[len(records)-1].CID)
	}
	if rb.To.Defined() {
		return rb.To, current, "--to", nil
	}
	for i := len(hist) - 1; i >= 0; i-- {
		if c := rootOf(hist[i], records); c.Defined() && !sameCID(c, current) {
			return c, current, "ens", nil
		}
	}
	for i := len(records) - 1; i >= 0; i-- {
		if c, err := cid.Decode(records[i].CID); err == nil && !sameCID(c, current) {
			return c, current, "record", nil
		}
	}
	return cid.Undef, current, "", fmt.Errorf("%w: %s has no earlier IPFS value in its history or in the records", ErrNoPrevious, rb.Name.Name())
}

// rootOf is the IPFS root a past value of the name stands for: its CID, or,
// for a value a holder made (ar://<manifest> with ens.content: arweave), the
// root of the published Record that pointed the name there.
func rootOf(nc NameChange, records []*Record) cid.Cid {
	if nc.CID.Defined() {
		return nc.CID
	}
	for i := len(records) - 1; i >= 0; i-- {
		if r := records[i]; r.ENS != nil && r.ENS.New == nc.Value {
			if c, err := cid.Decode(r.CID); err == nil {
				return c
			}
		}
	}
	return cid.Undef
}

// published lists the published Records of the name, oldest first.
func (rb *Rollback) published() []*Record {
	if rb.Records == nil {
		return nil
	}
	list, err := rb.Records.List()
	if err != nil {
		return nil
	}
	var out []*Record
	for _, r := range list {
		if r.Published() && recordName(r) == rb.Name.Name() {
			out = append(out, r)
		}
	}
	return out
}

func (rb *Rollback) recordOf(c cid.Cid) *Record {
	for _, r := range rb.published() {
		if r.CID == c.String() {
			return r
		}
	}
	return nil
}

// sameCID compares content (codec and multihash), whatever the CID version.
func sameCID(a, b cid.Cid) bool {
	return a.Defined() && b.Defined() && a.Type() == b.Type() && string(a.Hash()) == string(b.Hash())
}
