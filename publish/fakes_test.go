package publish_test

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/dapp-publish/dapp-publish/publish"
	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"
)

// The pipeline's own tests use these small in-memory stages; the real ones
// (pin providers, verify, ENS on anvil) are tested end to end in
// cmd/dapp-publish/testdata/peerscript/publish.

func testCID(s string) cid.Cid {
	h, _ := multihash.Sum([]byte(s), multihash.SHA2_256, -1)
	return cid.NewCidV1(cid.DagProtobuf, h)
}

type fakePacker struct{ b *publish.Bundle }

func (p fakePacker) Pack(_ context.Context, onlyHash bool) (*publish.Bundle, error) {
	b := *p.b
	if onlyHash {
		b.CAR = ""
	}
	return &b, nil
}

type fakeHolder struct {
	name, network string
	incremental   bool
	failStore     error
	corrupt       bool // serves bytes that do not hash to their CIDs
	unreachable   bool

	mu      sync.Mutex
	held    map[string]bool
	uploads []publish.Upload
}

func newHolder(name string) *fakeHolder {
	return &fakeHolder{name: name, network: publish.NetworkIPFS, held: map[string]bool{}}
}

func (h *fakeHolder) Name() string      { return h.name }
func (h *fakeHolder) Type() string      { return "fake" }
func (h *fakeHolder) Network() string   { return h.network }
func (h *fakeHolder) Incremental() bool { return h.incremental }

func (h *fakeHolder) receipt(root cid.Cid) publish.Receipt {
	t := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return publish.Receipt{Holder: h.name, Type: "fake", Network: h.network, CID: root.String(), Started: t, Finished: t.Add(time.Second)}
}

func (h *fakeHolder) Store(_ context.Context, up publish.Upload) publish.Receipt {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.receipt(up.Bundle.Root)
	h.uploads = append(h.uploads, up)
	if h.failStore != nil {
		r.Status, r.Err, r.Error = publish.StatusFailed, h.failStore, h.failStore.Error()
		return r
	}
	r.Status = publish.StatusPinned
	switch {
	case h.held[up.Bundle.Root.String()]:
		r.Skipped = true
	case up.Delta != nil:
		r.BytesSent = up.Delta.Size
		r.Incremental = &publish.Incremental{Base: up.Delta.Base.String(), CARSize: up.Delta.Size, Blocks: up.Delta.Blocks}
	default:
		r.BytesSent = up.Bundle.CARSize
	}
	h.held[up.Bundle.Root.String()] = true
	r.Endpoints = []string{"https://" + h.name + ".example/ipfs/" + up.Bundle.Root.String()}
	return r
}

func (h *fakeHolder) Status(_ context.Context, root cid.Cid) publish.Receipt {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.receipt(root)
	switch {
	case h.unreachable:
		r.Status, r.Error = publish.StatusFailed, "connection refused"
	case h.held[root.String()]:
		r.Status = publish.StatusPinned
	default:
		r.Status = publish.StatusNotFound
	}
	return r
}

type fakeVerifier struct{}

func (fakeVerifier) VerifyHolder(_ context.Context, root cid.Cid, h publish.Holder, _ publish.Receipt) []publish.Verification {
	fh := h.(*fakeHolder)
	fh.mu.Lock()
	defer fh.mu.Unlock()
	v := publish.Verification{Holder: fh.name, Source: "https://" + fh.name + ".example", Mode: "car", Reachable: true, Bytes: 1000, Blocks: 4, LatencyMS: 12, Seconds: 0.5}
	switch {
	case !fh.held[root.String()]:
		v.Error = "HTTP 404 Not Found"
	case fh.corrupt:
		v.Complete, v.Error = true, "block does not match its CID"
	default:
		v.OK, v.Complete, v.Verified = true, true, true
	}
	return []publish.Verification{v}
}

func (fakeVerifier) VerifyGateway(_ context.Context, _ cid.Cid, url string) publish.Verification {
	return publish.Verification{Source: url, Mode: "car", OK: true, Reachable: true, Complete: true, Verified: true, Blocks: 4, Bytes: 1000}
}

type fakeNamer struct {
	name     string
	current  cid.Cid
	history  []publish.NameChange
	planErr  error
	applyErr error
	applied  int
}

func (n *fakeNamer) Name() string { return n.name }

func (n *fakeNamer) Plan(_ context.Context, root cid.Cid) (*publish.NamePlan, error) {
	if n.planErr != nil {
		return nil, n.planErr
	}
	old := "unset"
	if n.current.Defined() {
		old = "ipfs://" + n.current.String()
	}
	res := publish.ENSResult{Name: n.name, ChainID: 31337, Via: "key", Old: old, New: "ipfs://" + root.String(), Contenthash: "0xe301", Calldata: "0x304e6ade"}
	return &publish.NamePlan{Current: n.current, NoOp: n.current.Equals(root), Result: res, Impl: root}, nil
}

func (n *fakeNamer) Apply(_ context.Context, p *publish.NamePlan) (*publish.ENSResult, error) {
	n.applied++
	if n.applyErr != nil {
		return nil, n.applyErr
	}
	root := p.Impl.(cid.Cid)
	n.current = root
	n.history = append(n.history, publish.NameChange{CID: root, Value: "ipfs://" + root.String(), Block: uint64(len(n.history) + 10), Tx: "0xtx"})
	res := p.Result
	res.Tx, res.Block = "0xtx", 12
	return &res, nil
}

type memRecords struct {
	mu   sync.Mutex
	list []*publish.Record
}

func (m *memRecords) Save(r *publish.Record) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := *r
	m.list = append(m.list, &c)
	return "mem", nil
}

func (m *memRecords) List() ([]*publish.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*publish.Record(nil), m.list...), nil
}

// fixedClock ticks one second per call, from a fixed start.
func fixedClock() func() time.Time {
	t := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return func() time.Time {
		t = t.Add(time.Second)
		return t
	}
}

var errDown = errors.New("cluster: add: HTTP 503 Service Unavailable")
