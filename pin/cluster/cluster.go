// Package cluster stores bundles on an IPFS Cluster through its REST API:
// the CAR is streamed to POST /add?format=car with a pin name and
// replication factors, then the pin is polled until at least
// replication-min peers report it pinned.
package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/ipfs/go-cid"
)

// Type is the registered provider type.
const Type = "cluster"

// Defaults for polling.
const (
	DefaultPollInterval = time.Second
	DefaultWaitTimeout  = 10 * time.Minute
)

// Provider is an IPFS Cluster holder.
type Provider struct {
	name string
	cfg  Config
	base string
}

var (
	_ pin.Provider        = (*Provider)(nil)
	_ pin.Unpinner        = (*Provider)(nil)
	_ pin.PartialCARTaker = (*Provider)(nil)
)

// New returns a provider named name for the cluster REST API at
// cfg.Endpoint (e.g. http://127.0.0.1:9094); see Config.
func New(name string, cfg *Config) (pin.Provider, error) {
	c := *cfg
	if err := c.Validate(); err != nil {
		return nil, err
	}
	base, err := c.Base("")
	if err != nil {
		return nil, err
	}
	return &Provider{name: name, cfg: c, base: base}, nil
}

// Name implements pin.Provider.
func (p *Provider) Name() string { return p.name }

// Type implements pin.Provider.
func (p *Provider) Type() string { return Type }

// TakesPartialCAR implements pin.PartialCARTaker: add?format=car
// block-puts what the CAR holds and pins the root on the cluster's peers,
// whose Kubo nodes keep the blocks of earlier versions.
func (p *Provider) TakesPartialCAR() bool { return true }

// Pin implements pin.Provider.
func (p *Provider) Pin(ctx context.Context, b pin.Bundle) (pin.Receipt, error) {
	rec := pin.NewReceipt(p, b.Root)
	st, err := p.status(ctx, b.Root)
	if err != nil {
		return rec, err
	}
	if st.enough(p.cfg.ReplicationMin) {
		rec.Skipped = true
	} else {
		if err := p.add(ctx, b); err != nil {
			return rec, err
		}
		if st, err = p.wait(ctx, b.Root); err != nil {
			return rec, err
		}
	}
	p.fill(&rec, st)
	return rec.Done(pin.StatusPinned), nil
}

// Status implements pin.Provider.
func (p *Provider) Status(ctx context.Context, root cid.Cid) (pin.Receipt, error) {
	rec := pin.NewReceipt(p, root)
	st, err := p.status(ctx, root)
	if err != nil {
		return rec, err
	}
	p.fill(&rec, st)
	switch {
	case st.enough(p.cfg.ReplicationMin):
		return rec.Done(pin.StatusPinned), nil
	case st.known():
		return rec.Done(pin.StatusPinning), nil
	}
	return rec.Done(pin.StatusNotFound), nil
}

// Unpin implements pin.Unpinner.
func (p *Provider) Unpin(ctx context.Context, root cid.Cid) error {
	resp, err := p.do(ctx, http.MethodDelete, "/pins/"+root.String(), nil, nil, "", -1)
	var he *pin.HTTPError
	if errors.As(err, &he) && he.StatusCode == http.StatusNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

func (p *Provider) fill(rec *pin.Receipt, st pinInfo) {
	rec.Endpoints = p.cfg.Endpoints(rec.CID)
	rec.SetID("peers_pinned", strconv.Itoa(st.pinned()))
	if len(st.Allocations) > 0 {
		rec.SetID("allocations", strings.Join(st.Allocations, ","))
	}
}

// add streams the CAR to POST /add?format=car and checks the root the
// cluster reports.
func (p *Provider) add(ctx context.Context, b pin.Bundle) error {
	q := url.Values{
		"format":          {"car"},
		"name":            {p.cfg.PinName},
		"stream-channels": {"false"}, // one JSON answer, errors as a status code
	}
	if p.cfg.ReplicationMin != 0 || p.cfg.ReplicationMax != 0 {
		q.Set("replication-min", strconv.Itoa(p.cfg.ReplicationMin))
		q.Set("replication-max", strconv.Itoa(p.cfg.ReplicationMax))
	}
	body, size, ct := pin.MultipartCAR(b, "bundle.car")
	resp, err := p.do(ctx, http.MethodPost, "/add?"+q.Encode(), body, nil, ct, size)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	added, err := decodeAdded(resp.Body)
	if err != nil {
		return pin.ReadError(p.name, "add", err)
	}
	return p.checkAdded(added, b.Root)
}

func (p *Provider) checkAdded(added []addedOutput, root cid.Cid) error {
	if len(added) == 0 {
		return pin.Permanent(fmt.Errorf("%s: add reported nothing: %w", p.name, pin.ErrNotPinned))
	}
	// The last entry is the root of what was added.
	got, err := cid.Decode(added[len(added)-1].Cid)
	if err != nil {
		return pin.Permanent(fmt.Errorf("%s: add reported an invalid CID %q: %w", p.name, added[len(added)-1].Cid, err))
	}
	if !pin.SameCID(got, root) {
		return pin.Permanent(fmt.Errorf("%s: add pinned %s, not our root %s: %w", p.name, got, root, pin.ErrWrongCID))
	}
	return nil
}

// wait polls the pin until enough peers hold it, a peer reports an error
// that leaves too few, or WaitTimeout passes.
func (p *Provider) wait(ctx context.Context, root cid.Cid) (pinInfo, error) {
	deadline := time.Now().Add(p.cfg.WaitTimeout)
	for {
		st, err := p.status(ctx, root)
		if err != nil {
			return st, err
		}
		if st.enough(p.cfg.ReplicationMin) {
			return st, nil
		}
		if msg := st.failed(p.cfg.ReplicationMin); msg != "" {
			return st, pin.Permanent(fmt.Errorf("%s: %s: %w", p.name, msg, pin.ErrNotPinned))
		}
		if time.Now().After(deadline) {
			return st, pin.Transient(fmt.Errorf("%s: %d peer(s) pinned %s after %s, need %s: %w", p.name, st.pinned(), root, p.cfg.WaitTimeout, need(p.cfg.ReplicationMin, st), pin.ErrTimeout), 0)
		}
		select {
		case <-time.After(p.cfg.PollInterval):
		case <-ctx.Done():
			return st, fmt.Errorf("%s: waiting for %s to be pinned: %w", p.name, root, context.Cause(ctx))
		}
	}
}

// status reads GET /pins/<cid>. A cluster that does not track the CID
// answers 404 or a map of "unpinned" peers; both mean not held.
func (p *Provider) status(ctx context.Context, root cid.Cid) (pinInfo, error) {
	resp, err := p.do(ctx, http.MethodGet, "/pins/"+root.String(), nil, nil, "", -1)
	var he *pin.HTTPError
	if errors.As(err, &he) && he.StatusCode == http.StatusNotFound {
		return pinInfo{}, nil
	}
	if err != nil {
		return pinInfo{}, err
	}
	defer resp.Body.Close()
	st, err := decodePinInfo(resp.Body)
	if err != nil {
		return st, pin.ReadError(p.name, "pins", err)
	}
	return st, nil
}

func (p *Provider) do(ctx context.Context, method, path string, body io.Reader, _ http.Header, ct string, size int64) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, p.base+path, body)
	if err != nil {
		return nil, pin.Permanent(fmt.Errorf("%s: %w", p.name, err))
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if size >= 0 {
		req.ContentLength = size
	}
	op := strings.TrimPrefix(strings.SplitN(path, "?", 2)[0], "/")
	if strings.HasPrefix(op, "pins/") {
		op = "pins"
	}
	return p.cfg.Do(p.name, req, op, clusterMessage)
}

// clusterMessage decodes the cluster's error body {"code":..., "message":...}.
func clusterMessage(body []byte) string {
	var e struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &e) == nil {
		return e.Message
	}
	return ""
}
