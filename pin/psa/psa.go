// Package psa stores bundles on any service that implements the IPFS
// Pinning Service API v1 (Pinata, Filebase, IPFS Cluster, ...). The API
// pins by reference: the service fetches the DAG from the network, helped by
// origins (the multiaddrs of holders that already have it, e.g. our Kubo).
// Pins are named; once a new bundle is pinned it replaces the previous pin
// of the same name, or, with Keep, the last Keep pins are kept and older
// ones removed.
package psa

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/ipfs/go-cid"
)

// Type is the registered provider type.
const Type = "psa"

// Defaults for polling.
const (
	DefaultPollInterval = 2 * time.Second
	DefaultWaitTimeout  = 10 * time.Minute
)

const allStatuses = "queued,pinning,pinned,failed"

// Provider is a Pinning Service API holder.
type Provider struct {
	name string
	cfg  Config
	base string
}

var (
	_ pin.Provider = (*Provider)(nil)
	_ pin.Unpinner = (*Provider)(nil)
)

// New returns a provider named name for the Pinning Service API at
// cfg.Endpoint (the base that /pins hangs off, e.g.
// https://api.pinata.cloud/psa); see Config.
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

// Pin implements pin.Provider. A root the service already has pinned is not
// requested again; one it is still fetching is waited for.
func (p *Provider) Pin(ctx context.Context, b pin.Bundle) (pin.Receipt, error) {
	rec := pin.NewReceipt(p, b.Root)
	existing, err := p.byCID(ctx, b.Root)
	if err != nil {
		return rec, err
	}
	st, found := pick(existing)
	switch {
	case found && st.Status == "pinned":
		rec.Skipped = true
	case found && st.Status != "failed":
		// queued or pinning from an earlier run: wait for it.
	default:
		if st, err = p.request(ctx, b.Root); err != nil {
			return rec, err
		}
	}
	rec.SetID("requestid", st.RequestID)
	if st, err = p.wait(ctx, st); err != nil {
		return rec, err
	}
	p.fill(&rec, st)
	if err := p.prune(ctx, b.Root); err != nil {
		rec.Warnings = append(rec.Warnings, err.Error())
	}
	return rec.Done(pin.StatusPinned), nil
}

// pick prefers a pinned request, then one in progress.
func pick(sts []PinStatus) (PinStatus, bool) {
	for _, want := range []string{"pinned", "pinning", "queued"} {
		for _, st := range sts {
			if st.Status == want {
				return st, true
			}
		}
	}
	return PinStatus{}, false
}

// request asks the service to pin root and checks it acknowledged our CID.
// The previous pin of the same name is removed by prune only once the new
// one is pinned: the spec's replace (POST /pins/{requestid}) drops the old
// pin at once, which would leave nothing pinned if the new one fails.
func (p *Provider) request(ctx context.Context, root cid.Cid) (PinStatus, error) {
	st, err := p.post(ctx, "/pins", Pin{Cid: root.String(), Name: p.cfg.PinName, Origins: p.cfg.Origins, Meta: p.cfg.Meta})
	if err != nil {
		return st, err
	}
	return st, p.checkCID(st, root)
}

func (p *Provider) checkCID(st PinStatus, root cid.Cid) error {
	got, err := cid.Decode(st.Pin.Cid)
	if err != nil || !pin.SameCID(got, root) {
		return pin.Permanent(fmt.Errorf("%s: the service acknowledged pin %q, not our root %s: %w", p.name, st.Pin.Cid, root, pin.ErrWrongCID))
	}
	return nil
}

// wait polls /pins/{requestid} until pinned or failed, or WaitTimeout.
func (p *Provider) wait(ctx context.Context, st PinStatus) (PinStatus, error) {
	deadline := time.Now().Add(p.cfg.WaitTimeout)
	for {
		switch st.Status {
		case "pinned":
			return st, nil
		case "failed":
			return st, pin.Permanent(fmt.Errorf("%s: the service could not pin %s (status failed%s): %w", p.name, st.Pin.Cid, details(st), pin.ErrNotPinned))
		}
		if time.Now().After(deadline) {
			return st, pin.Transient(fmt.Errorf("%s: %s still %s after %s (the service may not reach any holder of the DAG; set origins): %w", p.name, st.Pin.Cid, st.Status, p.cfg.WaitTimeout, pin.ErrTimeout), 0)
		}
		select {
		case <-time.After(p.cfg.PollInterval):
		case <-ctx.Done():
			return st, fmt.Errorf("%s: waiting for %s to be pinned: %w", p.name, st.Pin.Cid, context.Cause(ctx))
		}
		next, err := p.get(ctx, st.RequestID)
		if err != nil {
			return st, err
		}
		st = next
	}
}

func details(st PinStatus) string {
	if d, ok := st.Info["status_details"].(string); ok && d != "" {
		return ": " + d
	}
	return ""
}

// Status implements pin.Provider.
func (p *Provider) Status(ctx context.Context, root cid.Cid) (pin.Receipt, error) {
	rec := pin.NewReceipt(p, root)
	sts, err := p.byCID(ctx, root)
	if err != nil {
		return rec, err
	}
	st, found := pick(sts)
	if !found {
		if len(sts) > 0 {
			return rec.Done(pin.StatusFailed), nil
		}
		return rec.Done(pin.StatusNotFound), nil
	}
	rec.SetID("requestid", st.RequestID)
	p.fill(&rec, st)
	return rec.Done(pin.Status(st.Status)), nil
}

// Unpin implements pin.Unpinner: it removes every request for root.
func (p *Provider) Unpin(ctx context.Context, root cid.Cid) error {
	sts, err := p.byCID(ctx, root)
	if err != nil {
		return err
	}
	for _, st := range sts {
		if err := p.delete(ctx, st.RequestID); err != nil {
			return err
		}
	}
	return nil
}

// prune removes pins of our name beyond the newest Keep (1 when Keep is 0:
// the new pin replaces the previous one), never root's. Services report
// `created` with varying precision (IPFS Cluster: whole seconds), so a pin
// is removed only when it is strictly older than every pin kept: a tie
// keeps both rather than risk removing the newer one.
func (p *Provider) prune(ctx context.Context, root cid.Cid) error {
	keep := max(p.cfg.Keep, 1)
	sts, err := p.byName(ctx) // newest first
	if err != nil {
		return err
	}
	var others []PinStatus
	for _, st := range sts {
		if c, _ := cid.Decode(st.Pin.Cid); !pin.SameCID(c, root) {
			others = append(others, st)
		}
	}
	for _, st := range toRemove(others, keep) {
		if err := p.delete(ctx, st.RequestID); err != nil {
			return fmt.Errorf("removing old pin %s of %q: %w", st.Pin.Cid, p.cfg.PinName, err)
		}
	}
	return nil
}

// toRemove picks, from the other pins of our name (newest first), those
// beyond the keep-1 newest that are strictly older than all of those.
func toRemove(others []PinStatus, keep int) []PinStatus {
	if len(others) <= keep-1 {
		return nil
	}
	var out []PinStatus
	for _, st := range others[keep-1:] {
		if keep == 1 || st.Created.Before(others[keep-2].Created) {
			out = append(out, st)
		}
	}
	return out
}

func (p *Provider) fill(rec *pin.Receipt, st PinStatus) {
	rec.Endpoints = p.cfg.Endpoints(rec.CID)
	if len(st.Delegates) > 0 {
		rec.SetID("delegates", strings.Join(st.Delegates, ","))
	}
}

// byCID lists the requests for root, in any status.
func (p *Provider) byCID(ctx context.Context, root cid.Cid) ([]PinStatus, error) {
	return p.list(ctx, url.Values{"cid": {root.String()}, "status": {allStatuses}})
}

// byName lists the requests named PinName, newest first.
func (p *Provider) byName(ctx context.Context) ([]PinStatus, error) {
	sts, err := p.list(ctx, url.Values{"name": {p.cfg.PinName}, "match": {"exact"}, "status": {allStatuses}, "limit": {"1000"}})
	if err != nil {
		return nil, err
	}
	// Services may answer a name filter loosely: keep exact matches only.
	var out []PinStatus
	for _, st := range sts {
		if st.Pin.Name == p.cfg.PinName {
			out = append(out, st)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, nil
}

func (p *Provider) list(ctx context.Context, q url.Values) ([]PinStatus, error) {
	resp, err := p.do(ctx, http.MethodGet, "/pins?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	res, err := decodeResults(resp.Body)
	if err != nil {
		return nil, pin.ReadError(p.name, "list pins", err)
	}
	return res.Results, nil
}

func (p *Provider) get(ctx context.Context, id string) (PinStatus, error) {
	resp, err := p.do(ctx, http.MethodGet, "/pins/"+url.PathEscape(id), nil)
	if err != nil {
		return PinStatus{}, err
	}
	defer resp.Body.Close()
	st, err := decodeStatus(resp.Body)
	if err != nil {
		return st, pin.ReadError(p.name, "pin status", err)
	}
	return st, nil
}

func (p *Provider) post(ctx context.Context, path string, body Pin) (PinStatus, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return PinStatus{}, pin.Permanent(err)
	}
	resp, err := p.do(ctx, http.MethodPost, path, bytes.NewReader(data))
	if err != nil {
		return PinStatus{}, err
	}
	defer resp.Body.Close()
	st, err := decodeStatus(resp.Body)
	if err != nil {
		return st, pin.ReadError(p.name, "add pin", err)
	}
	return st, nil
}

func (p *Provider) delete(ctx context.Context, id string) error {
	resp, err := p.do(ctx, http.MethodDelete, "/pins/"+url.PathEscape(id), nil)
	var he *pin.HTTPError
	if errors.As(err, &he) && he.StatusCode == http.StatusNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return nil
}

func (p *Provider) do(ctx context.Context, method, path string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, p.base+path, body)
	if err != nil {
		return nil, pin.Permanent(fmt.Errorf("%s: %w", p.name, err))
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	op := method + " /pins"
	return p.cfg.Do(p.name, req, op, failureMessage)
}
