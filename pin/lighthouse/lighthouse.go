// Package lighthouse stores bundles with Lighthouse (lighthouse.storage):
// unless GET /api/lighthouse/file_info says Lighthouse holds the root
// already, the CAR is imported as is (POST /api/v0/dag/import on its node, as the
// Lighthouse SDK's CAR upload does), the root Lighthouse reports must equal
// ours, and Lighthouse then makes Filecoin deals for it, which
// GET /api/lighthouse/deal_status?cid= lists. The receipt records the
// bundle's own piece CID and the deal ids, miners and deal piece CIDs
// (Lighthouse aggregates uploads, so a deal's piece is an aggregate that
// contains ours).
package lighthouse

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
	"strconv"
	"strings"
	"time"

	"github.com/dapp-publish/dapp-publish/bundle/piece"
	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/ipfs/go-cid"
)

// Type is the registered provider type.
const Type = "lighthouse"

// Provider is a Lighthouse account.
type Provider struct {
	name string
	cfg  Config
	node string
}

var (
	_ pin.Provider  = (*Provider)(nil)
	_ pin.Networker = (*Provider)(nil)
)

// New returns a provider named name for the account whose API key is
// cfg.Token; it contacts nothing.
func New(name string, cfg *Config) (pin.Provider, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	node, err := cfg.Base("the Lighthouse upload node")
	if err != nil {
		return nil, err
	}
	return &Provider{name: name, cfg: *cfg, node: node}, nil
}

// Name implements pin.Provider.
func (p *Provider) Name() string { return p.name }

// Type implements pin.Provider.
func (p *Provider) Type() string { return Type }

// Network implements pin.Networker: the point of the service is the Filecoin deals it makes for the CAR.
func (p *Provider) Network() string { return pin.NetworkFilecoin }

// Pin implements pin.Provider: import the CAR, check the root, record the
// deals (waiting up to deal_wait for the first).
func (p *Provider) Pin(ctx context.Context, b pin.Bundle) (pin.Receipt, error) {
	rec := pin.NewReceipt(p, b.Root)
	pc, err := piece.Sum(ctx, b.CAR, b.Size, 0)
	if err != nil {
		return rec, pin.Permanent(fmt.Errorf("%s: piece CID of the CAR: %w", p.name, err))
	}
	rec.SetID("piece_cid", pc.CID().String())
	rec.SetID("piece_cid_v1", pc.CIDv1().String())
	rec.SetID("padded_piece_size", strconv.FormatUint(pc.PaddedSize(), 10))
	have, err := p.has(ctx, b.Root)
	if err != nil {
		return rec, err
	}
	if have {
		rec.Skipped = true
	} else if err := p.importCAR(ctx, b); err != nil {
		return rec, err
	} else {
		rec.BytesSent = b.Size
	}
	rec.Endpoints = p.cfg.Endpoints(b.Root.String())
	deals, err := p.waitDeals(ctx, b.Root)
	if err != nil {
		return rec, err
	}
	recordDeals(&rec, deals)
	if len(deals) == 0 {
		rec.Warnings = append(rec.Warnings, "no Filecoin deal yet: Lighthouse makes them within hours; `pin` again later records them")
	}
	return rec.Done(pin.StatusPinned), nil
}

// importCAR uploads the CAR and checks the root Lighthouse reports.
func (p *Provider) importCAR(ctx context.Context, b pin.Bundle) error {
	body, size, ct := pin.MultipartCAR(b, "bundle.car")
	resp, err := p.do(ctx, http.MethodPost, p.node+"/api/v0/dag/import", body, ct, size, "import CAR")
	if err != nil {
		return err
	}
	root, err := decodeImport(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		return pin.ReadError(p.name, "import CAR", err)
	}
	if !pin.SameCID(root, b.Root) {
		return pin.Permanent(fmt.Errorf("%s: Lighthouse imported the CAR as %s, not our root %s: %w", p.name, root, b.Root, pin.ErrWrongCID))
	}
	return nil
}

// has reports whether Lighthouse holds root (GET /api/lighthouse/file_info,
// which answers 400 or 404 for a CID it does not know).
func (p *Provider) has(ctx context.Context, root cid.Cid) (bool, error) {
	u := p.cfg.API + "/api/lighthouse/file_info?" + url.Values{"cid": {root.String()}}.Encode()
	resp, err := p.do(ctx, http.MethodGet, u, nil, "", -1, "file info")
	var he *pin.HTTPError
	if errors.As(err, &he) && (he.StatusCode == http.StatusBadRequest || he.StatusCode == http.StatusNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	got, err := decodeFileInfo(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return false, pin.ReadError(p.name, "file info", err)
	}
	return pin.SameCID(got, root), nil
}

// decodeFileInfo reads file_info (outside bytes): {cid, fileSizeInBytes,
// ...}, possibly under "data".
func decodeFileInfo(r io.Reader) (cid.Cid, error) {
	var fi struct {
		CID  string `json:"cid"`
		Data *struct {
			CID string `json:"cid"`
		}
	}
	if err := json.NewDecoder(r).Decode(&fi); err != nil {
		return cid.Undef, fmt.Errorf("malformed file info: %w", err)
	}
	s := fi.CID
	if s == "" && fi.Data != nil {
		s = fi.Data.CID
	}
	return cid.Decode(s)
}

// Status implements pin.Provider: file_info says whether Lighthouse holds
// root, deal_status which deals it made.
func (p *Provider) Status(ctx context.Context, root cid.Cid) (pin.Receipt, error) {
	rec := pin.NewReceipt(p, root)
	have, err := p.has(ctx, root)
	if err != nil || !have {
		return rec.Done(pin.StatusNotFound), err
	}
	deals, err := p.deals(ctx, root)
	if err != nil {
		return rec, err
	}
	recordDeals(&rec, deals)
	return rec.Done(pin.StatusPinned), nil
}

func (p *Provider) waitDeals(ctx context.Context, root cid.Cid) ([]Deal, error) {
	deadline := time.Now().Add(p.cfg.DealWait)
	for {
		deals, err := p.deals(ctx, root)
		if err != nil || len(deals) > 0 || !time.Now().Before(deadline) {
			return deals, err
		}
		t := time.NewTimer(min(p.cfg.Poll, time.Until(deadline)))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

func (p *Provider) deals(ctx context.Context, root cid.Cid) ([]Deal, error) {
	u := p.cfg.API + "/api/lighthouse/deal_status?" + url.Values{"cid": {root.String()}}.Encode()
	resp, err := p.do(ctx, http.MethodGet, u, nil, "", -1, "deal status")
	var he *pin.HTTPError
	if errors.As(err, &he) && he.StatusCode == http.StatusBadRequest {
		return nil, nil // Lighthouse answers 400 for a CID it has no deals for
	}
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	deals, err := decodeDeals(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, pin.ReadError(p.name, "deal status", err)
	}
	return deals, nil
}

func recordDeals(rec *pin.Receipt, deals []Deal) {
	var ids, miners, pieces []string
	for _, d := range deals {
		ids = append(ids, strconv.FormatUint(d.ID, 10))
		if d.Miner != "" {
			miners = append(miners, d.Miner)
		}
		if d.PieceCID != "" {
			pieces = append(pieces, d.PieceCID)
		}
	}
	for k, v := range map[string][]string{"deal_ids": ids, "deal_miners": miners, "deal_piece_cids": pieces} {
		if len(v) > 0 {
			sort.Strings(v)
			rec.SetID(k, strings.Join(v, ","))
		}
	}
}

func (p *Provider) do(ctx context.Context, method, u string, body io.Reader, ct string, size int64, op string) (*http.Response, error) {
	return p.cfg.Send(ctx, p.name, method, u, body, ct, size, op, errorMessage)
}

// decodeImport reads the answer to a CAR import (outside bytes): Kubo's
// dag/import NDJSON ({"Root":{"Cid":{"/":...},"PinErrorMsg":...}}), or the
// {"Name","Hash","Size"} of an add, possibly under "data".
func decodeImport(r io.Reader) (cid.Cid, error) {
	dec := json.NewDecoder(r)
	for {
		var line struct {
			Root *struct {
				Cid struct {
					Slash string `json:"/"`
				}
				PinErrorMsg string
			}
			Hash string
			Data *struct{ Hash string }
		}
		if err := dec.Decode(&line); err != nil {
			if err == io.EOF {
				return cid.Undef, errors.New("malformed import answer: no root")
			}
			return cid.Undef, fmt.Errorf("malformed import answer: %w", err)
		}
		var s string
		switch {
		case line.Root != nil:
			if line.Root.PinErrorMsg != "" {
				return cid.Undef, pin.Permanent(fmt.Errorf("the root was not pinned: %q", line.Root.PinErrorMsg))
			}
			s = line.Root.Cid.Slash
		case line.Hash != "":
			s = line.Hash
		case line.Data != nil && line.Data.Hash != "":
			s = line.Data.Hash
		default:
			continue // stats lines
		}
		return cid.Decode(s)
	}
}

// Deal is one Filecoin deal Lighthouse reports.
type Deal struct {
	ID       uint64
	Miner    string
	PieceCID string
	Status   string
}

// decodeDeals reads deal_status (outside bytes), coding defensively for
// both forms Lighthouse answers with: the long one (dealId, miner or
// storageProvider, pieceCID, dealStatus, ...) and the short one
// ({DealID, Provider}); the list may sit under "data".
func decodeDeals(r io.Reader) ([]Deal, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	raw = bytes.TrimSpace(raw)
	if bytes.HasPrefix(raw, []byte("{")) {
		var wrap struct{ Data json.RawMessage }
		if err := json.Unmarshal(raw, &wrap); err != nil || len(wrap.Data) == 0 {
			return nil, fmt.Errorf("malformed deal status: %v", err)
		}
		raw = wrap.Data
	}
	var items []struct {
		DealID, DealId, ChainDealID json.Number
		Miner, StorageProvider      string
		Provider                    json.Number
		PieceCID, DealStatus        string
	}
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("malformed deal status: %w", err)
	}
	var out []Deal
	for _, it := range items {
		var d Deal
		for _, n := range []json.Number{it.DealId, it.DealID, it.ChainDealID} {
			if v, err := strconv.ParseUint(n.String(), 10, 64); err == nil && v > 0 {
				d.ID = v
				break
			}
		}
		if d.ID == 0 {
			continue // not on chain yet
		}
		d.Miner = firstOf(it.Miner, it.StorageProvider)
		if d.Miner == "" && it.Provider != "" {
			d.Miner = "f0" + it.Provider.String()
		}
		if c, err := cid.Decode(it.PieceCID); err == nil {
			d.PieceCID = c.String()
		}
		d.Status = it.DealStatus
		if !printable(d.Miner) || !printable(d.Status) || len(d.Miner) > 64 || len(d.Status) > 128 {
			return nil, errors.New("malformed deal status: unprintable miner or status")
		}
		out = append(out, d)
	}
	return out, nil
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// errorMessage reads Lighthouse's error bodies: {"error": "..."} or
// {"error": {"message": "..."}} or {"message": "..."}.
func errorMessage(body []byte) string {
	var e struct {
		Error   json.RawMessage
		Message string
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	var s string
	if json.Unmarshal(e.Error, &s) == nil && s != "" {
		return s
	}
	var o struct{ Message string }
	if json.Unmarshal(e.Error, &o) == nil && o.Message != "" {
		return o.Message
	}
	return e.Message
}
