package publish

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/dapp-publish/dapp-publish/internal/atomicfile"
	"github.com/ipfs/go-cid"
)

// Pipeline is one publish: pack, store on every holder at once, verify each
// copy, the quorum gate, the name, the Record. Fields left nil switch their
// stage off where that makes sense (no Namer: nothing is named; no Recorder:
// nothing is saved).
type Pipeline struct {
	Pack     Packer
	Holders  []Holder
	Verify   Verifier
	Gateways []string // trustless gateways to check besides the holders
	Gate     Gate     // nil: Quorum{} (every holder of every network)
	Name     Namer
	Records  Recorder
	// PreviousBlocks, if set, returns where to read the DAG of a previous
	// root (checked against its CIDs), for incremental uploads to the
	// holders that still hold it. Nil sends every holder the whole CAR.
	PreviousBlocks func(ctx context.Context, base cid.Cid, holders []Holder) (BlockGetter, error)
	DryRun         bool
	Tool           string
	Commit         string
	TempDir        string // for the delta CAR ("" = os.TempDir())
	Events         func(Event)
	// Progress, if set, is called with each holder's CAR bytes just sent.
	Progress func(holder string, n int64)
	Now      func() time.Time
}

// Run publishes. It returns the Record of what happened even when it fails
// after packing; err wraps ErrQuorumNotMet (the name was not touched) or
// ErrNameFailed (copies verified, the name update failed), or is the
// pack's, the name check's or the Recorder's error.
func (p *Pipeline) Run(ctx context.Context) (*Record, error) {
	if len(p.Holders) == 0 {
		return nil, ErrNoHolders
	}
	rec, t := p.newRecord(KindPublish), p.clock()
	// A dry run only hashes, unless a holder prices storing (it needs the
	// CAR's bytes).
	b, err := p.Pack.Pack(ctx, p.DryRun && !p.quotes())
	rec.Timings.PackMS = t.lap()
	if err != nil {
		return nil, err
	}
	p.fillBundle(rec, b)
	p.event("pack", "", fmt.Sprintf("packed %d files (%s): root %s", b.Files, byteCount(b.Bytes), b.Root))
	plan, err := p.plan(ctx, b.Root, rec)
	rec.Timings.NameMS = t.lap()
	if err != nil {
		return p.finish(rec, t, err)
	}
	if p.DryRun {
		return p.dryRun(ctx, rec, b, plan, t)
	}
	delta := p.prepareDelta(ctx, rec, b, plan)
	if delta != nil {
		defer atomicfile.RemoveTemp(delta.CAR)
	}
	rec.Receipts = p.store(ctx, b, delta)
	rec.Timings.StoreMS = t.lap()
	return p.verifyAndName(ctx, rec, b.Root, plan, t)
}

// verifyAndName is the end of a publish and of a rollback: fetch the copies
// back, the quorum gate, the name, the Record.
func (p *Pipeline) verifyAndName(ctx context.Context, rec *Record, root cid.Cid, plan *NamePlan, t *clock) (*Record, error) {
	rec.Verification = p.verify(ctx, root, rec.Receipts)
	rec.Timings.VerifyMS = t.lap()
	if err := p.gate(rec); err != nil {
		return p.finish(rec, t, err)
	}
	plan, err := p.retarget(ctx, rec, plan)
	if err != nil {
		return p.finish(rec, t, err)
	}
	err = p.name(ctx, rec, plan)
	rec.Timings.NameMS += t.lap()
	if err == nil {
		rec.Outcome = outcome(rec, plan)
	}
	return p.finish(rec, t, err)
}

func (p *Pipeline) newRecord(kind string) *Record {
	return &Record{Schema: RecordSchema, Kind: kind, Tool: p.Tool, Commit: p.Commit, Receipts: []Receipt{}, Verification: []Verification{}}
}

func (p *Pipeline) fillBundle(rec *Record, b *Bundle) {
	rec.CID, rec.Profile, rec.PieceCID = b.Root.String(), b.Profile, b.PieceCID
	rec.Site = &Site{Files: b.Files, Bytes: b.Bytes, CARSize: b.CARSize, Blocks: b.Blocks, Lint: []LintFinding{}}
	for _, f := range b.Lint {
		rec.Site.Lint = append(rec.Site.Lint, LintFinding{Code: f.Code, Path: f.Path, Line: f.Line, Message: f.Message})
	}
}

// plan checks the name before anything is uploaded: a name the signer may
// not write fails the run at once, not after minutes of uploads.
func (p *Pipeline) plan(ctx context.Context, root cid.Cid, rec *Record) (*NamePlan, error) {
	if p.Name == nil {
		return nil, nil
	}
	plan, err := p.Name.Plan(ctx, root)
	if err != nil {
		rec.ENS = &ENSResult{Name: p.Name.Name(), Error: err.Error()}
		rec.Outcome = OutcomeFailed
		return nil, fmt.Errorf("%w %s: %w", ErrNameCheck, p.Name.Name(), err)
	}
	p.planned(rec, plan)
	return plan, nil
}

// planned records what a plan will do to the name.
func (p *Pipeline) planned(rec *Record, plan *NamePlan) {
	res := plan.Result
	res.NoOp = plan.NoOp
	rec.ENS = &res
	if plan.NoOp {
		p.event("name", "", fmt.Sprintf("%s already points at %s", res.Name, res.New))
	}
}

// dryRun asks every holder whether it is reachable with our credentials
// (and already holds the root), and whether those that are could meet the
// quorum; the name was checked by plan. Nothing is stored or sent.
func (p *Pipeline) dryRun(ctx context.Context, rec *Record, b *Bundle, plan *NamePlan, t *clock) (*Record, error) {
	rec.Outcome = OutcomeDryRun
	rec.Receipts = p.statuses(ctx, b)
	rec.Timings.StoreMS = t.lap()
	if rec.ENS != nil {
		rec.ENS.DryRun = true
	}
	var reachable []Verification
	for _, r := range rec.Receipts {
		if r.Status != StatusFailed {
			reachable = append(reachable, Verification{Holder: r.Holder, Source: "status", OK: true})
		}
	}
	q := p.gateOrDefault().Decide(p.Holders, nil, reachable)
	rec.Quorum = q
	if !q.OK {
		err := fmt.Errorf("%w: too few holders are reachable: %s", ErrQuorumNotMet, strings.Join(q.SummaryAs("reachable"), "; "))
		rec.Timings.finish(t)
		rec.Error = err.Error()
		return rec, err
	}
	rec.Timings.finish(t)
	return rec, nil
}

// statuses asks every holder about b's root, concurrently, and a Quoter
// that does not hold it yet what storing it would cost.
func (p *Pipeline) statuses(ctx context.Context, b *Bundle) []Receipt {
	return forHolders(p.Holders, func(h Holder) Receipt {
		r := h.Status(ctx, b.Root)
		if q, ok := h.(Quoter); ok && r.Status == StatusNotFound && b.CAR != "" {
			quote, err := q.Quote(ctx, b)
			if err != nil {
				r.Status, r.Err, r.Error = StatusFailed, err, err.Error()
			}
			r.Quote = quote
		}
		p.event("store", h.Name(), reachLine(r))
		return r
	})
}

// quotes reports whether a holder prices storing (a dry run then writes
// the CAR).
func (p *Pipeline) quotes() bool {
	for _, h := range p.Holders {
		if _, ok := h.(Quoter); ok {
			return true
		}
	}
	return false
}

// prepareDelta builds, once, the CAR of the blocks that holders of the
// previous root lack. Any problem only costs the optimisation: the holders
// then get the whole CAR.
func (p *Pipeline) prepareDelta(ctx context.Context, rec *Record, b *Bundle, plan *NamePlan) *Delta {
	base, source := p.previous(plan)
	if !base.Defined() || base.Equals(b.Root) {
		return nil
	}
	rec.Previous = &Previous{CID: base.String(), Source: source}
	if p.PreviousBlocks == nil || b.CAR == "" {
		return nil
	}
	holders := p.holdersOf(ctx, base)
	if len(holders) == 0 {
		return nil
	}
	d, err := p.writeDelta(ctx, b, base, holders)
	if err != nil {
		p.event("store", "", "incremental upload not possible, sending the whole CAR: "+err.Error())
		return nil
	}
	p.event("store", "", fmt.Sprintf("incremental: %d of %d blocks (%s) are new since %s", d.Blocks, d.Blocks+d.Skipped, byteCount(d.Size), base))
	return d
}

// previous is the root the name or the last Record points at.
func (p *Pipeline) previous(plan *NamePlan) (cid.Cid, string) {
	if p.Records != nil {
		if last := lastPublished(p.Records, p.nameOf()); last != nil {
			if c, err := cid.Decode(last.CID); err == nil {
				return c, "record"
			}
		}
	}
	if plan != nil && plan.Current.Defined() {
		return plan.Current, "ens"
	}
	return cid.Undef, ""
}

func (p *Pipeline) nameOf() string {
	if p.Name == nil {
		return ""
	}
	return p.Name.Name()
}

// holdersOf returns the incremental holders that report holding base.
func (p *Pipeline) holdersOf(ctx context.Context, base cid.Cid) []Holder {
	var inc []Holder
	for _, h := range p.Holders {
		if h.Incremental() {
			inc = append(inc, h)
		}
	}
	st := forHolders(inc, func(h Holder) Receipt { return h.Status(ctx, base) })
	var out []Holder
	for i, r := range st {
		if r.Status == StatusPinned {
			out = append(out, inc[i])
		}
	}
	return out
}

func (p *Pipeline) writeDelta(ctx context.Context, b *Bundle, base cid.Cid, holders []Holder) (*Delta, error) {
	prev, err := p.PreviousBlocks(ctx, base, holders)
	if err != nil {
		return nil, err
	}
	in, err := os.Open(b.CAR)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	out, err := atomicfile.Temp(p.TempDir, "dapp-publish-delta-*.car")
	if err != nil {
		return nil, err
	}
	st, err := WriteDelta(ctx, in, b.Root, base, prev, out)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		atomicfile.RemoveTemp(out.Name())
		return nil, err
	}
	d := &Delta{Base: base, CAR: out.Name(), Size: st.Size, Blocks: st.Blocks, Skipped: st.Skipped}
	for _, h := range holders {
		d.holders = append(d.holders, h.Name())
	}
	return d, nil
}

// store uploads to every holder at once; the delta goes to the holders
// that hold its base.
func (p *Pipeline) store(ctx context.Context, b *Bundle, d *Delta) []Receipt {
	return forHolders(p.Holders, func(h Holder) Receipt {
		up := Upload{Bundle: b}
		if d != nil && d.sentTo(h.Name()) {
			up.Delta = d
		}
		if p.Progress != nil {
			up.Progress = func(n int64) { p.Progress(h.Name(), n) }
		}
		r := h.Store(ctx, up)
		p.event("store", h.Name(), statusLine(r))
		return r
	})
}

// verify fetches the bundle back from every holder that stored it and from
// every gateway, all at once.
func (p *Pipeline) verify(ctx context.Context, root cid.Cid, receipts []Receipt) []Verification {
	var mu sync.Mutex
	var wg sync.WaitGroup
	per := make([][]Verification, len(p.Holders)+len(p.Gateways))
	for i, h := range p.Holders {
		if receipts[i].Status != StatusPinned {
			continue
		}
		wg.Go(func() {
			vs := p.Verify.VerifyHolder(ctx, root, h, receipts[i])
			mu.Lock()
			per[i] = vs
			mu.Unlock()
			for _, v := range vs {
				p.event("verify", h.Name(), verifyLine(v))
			}
		})
	}
	for j, g := range p.Gateways {
		wg.Go(func() {
			v := p.Verify.VerifyGateway(ctx, root, g)
			mu.Lock()
			per[len(p.Holders)+j] = []Verification{v}
			mu.Unlock()
			p.event("verify", "", verifyLine(v))
		})
	}
	wg.Wait()
	out := []Verification{}
	for _, vs := range per {
		out = append(out, vs...)
	}
	return out
}

func (p *Pipeline) gateOrDefault() Gate {
	if p.Gate == nil {
		return Quorum{}
	}
	return p.Gate
}

// gate applies the quorum; when it is not met the name is not touched.
func (p *Pipeline) gate(rec *Record) error {
	rec.Quorum = p.gateOrDefault().Decide(p.Holders, rec.Receipts, rec.Verification)
	for _, l := range rec.Quorum.Summary() {
		p.event("gate", "", l)
	}
	if rec.Quorum.OK {
		return nil
	}
	rec.Outcome = OutcomeQuorumNotMet
	var why []string
	for _, n := range rec.Quorum.Networks {
		for _, f := range n.Failed {
			why = append(why, f.Holder+": "+f.Reason)
		}
	}
	return fmt.Errorf("%w: %s (failed: %s); the name was not changed", ErrQuorumNotMet, strings.Join(rec.Quorum.Summary(), "; "), strings.Join(why, "; "))
}

// retarget lets a Retargeter choose the content among the verified
// holders' receipts (see Retargeter); other Namers keep their plan.
func (p *Pipeline) retarget(ctx context.Context, rec *Record, plan *NamePlan) (*NamePlan, error) {
	rt, ok := p.Name.(Retargeter)
	if plan == nil || !ok {
		return plan, nil
	}
	var verified []Receipt
	for _, r := range rec.Receipts {
		if failure(r.Holder, rec.Receipts, rec.Verification) == "" {
			verified = append(verified, r)
		}
	}
	np, err := rt.Retarget(ctx, plan, verified)
	if err != nil {
		if rec.ENS != nil {
			rec.ENS.Error = err.Error()
		}
		if errors.Is(err, ErrQuorumNotMet) {
			rec.Outcome = OutcomeQuorumNotMet
			return nil, fmt.Errorf("%w; the name was not changed", err)
		}
		rec.Outcome = OutcomeNameFailed
		return nil, fmt.Errorf("%w: %w", ErrNameFailed, err)
	}
	p.planned(rec, np)
	return np, nil
}

// name points the name at the verified bundle.
func (p *Pipeline) name(ctx context.Context, rec *Record, plan *NamePlan) error {
	if plan == nil || plan.NoOp {
		return nil
	}
	res, err := p.Name.Apply(ctx, plan)
	if res != nil {
		rec.ENS = res
	}
	if err != nil {
		if rec.ENS != nil {
			rec.ENS.Error = err.Error()
		}
		if errors.Is(err, ErrNamePending) {
			rec.Outcome = OutcomeNamePending
			return err
		}
		rec.Outcome = OutcomeNameFailed
		return fmt.Errorf("%w: %w", ErrNameFailed, err)
	}
	p.event("name", "", nameLine(rec.ENS))
	return nil
}

// outcome: unchanged when nothing had to be sent anywhere.
func outcome(rec *Record, plan *NamePlan) string {
	if rec.Kind == KindRollback {
		if plan != nil && plan.NoOp {
			return OutcomeUnchanged
		}
		return OutcomePublished
	}
	for _, r := range rec.Receipts {
		if !r.Skipped {
			return OutcomePublished
		}
	}
	if plan != nil && !plan.NoOp {
		return OutcomePublished
	}
	return OutcomeUnchanged
}

// finish stamps the timings, saves the Record (not for a dry run, nor when
// nothing changed, nor when the name's checks failed before any upload) and
// returns it with err.
func (p *Pipeline) finish(rec *Record, t *clock, err error) (*Record, error) {
	rec.Timings.finish(t)
	if err != nil {
		rec.Error = err.Error()
	}
	if p.Records == nil || rec.Outcome == OutcomeFailed || rec.Outcome == OutcomeDryRun || rec.Outcome == OutcomeUnchanged {
		return rec, err
	}
	path, serr := p.Records.Save(rec)
	if serr != nil {
		return rec, errors.Join(err, fmt.Errorf("failed to save the record: %w", serr))
	}
	p.event("record", "", "record "+filepath.ToSlash(path))
	return rec, err
}

func (p *Pipeline) event(stage, holder, text string) {
	if p.Events != nil {
		p.Events(Event{Stage: stage, Holder: holder, Text: text})
	}
}

func (p *Pipeline) clock() *clock {
	now := p.Now
	if now == nil {
		now = time.Now
	}
	return newClock(now)
}

// forHolders runs fn for every holder concurrently and returns the results
// in the holders' order.
func forHolders(hs []Holder, fn func(Holder) Receipt) []Receipt {
	out := make([]Receipt, len(hs))
	var wg sync.WaitGroup
	for i, h := range hs {
		wg.Go(func() { out[i] = fn(h) })
	}
	wg.Wait()
	return out
}
