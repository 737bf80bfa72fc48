// Package pinata stores bundles on Pinata through its v3 Files API: the CAR
// is uploaded as is (car=true, which Pinata only allows on the public
// network) and the CID Pinata reports must equal our root.
package pinata

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/ipfs/go-cid"
)

// Type is the registered provider type.
const Type = "pinata"

// Pinata's hosts. A configured endpoint replaces both (the fake serves both
// APIs from one address).
const (
	DefaultUploads = "https://uploads.pinata.cloud"
	DefaultAPI     = "https://api.pinata.cloud"
)

// Provider is a Pinata account.
type Provider struct {
	name         string
	cfg          Config
	uploads, api string
}

var (
	_ pin.Provider = (*Provider)(nil)
	_ pin.Unpinner = (*Provider)(nil)
)

// New returns a provider named name for the Pinata account whose JWT is
// cfg.Token; see Config.
func New(name string, cfg *Config) (pin.Provider, error) {
	c := *cfg
	if err := c.Validate(); err != nil {
		return nil, err
	}
	p := &Provider{name: name, cfg: c, uploads: DefaultUploads, api: DefaultAPI}
	if c.Endpoint != "" {
		p.uploads = strings.TrimRight(c.Endpoint, "/")
		p.api = p.uploads
	}
	return p, nil
}

// Name implements pin.Provider.
func (p *Provider) Name() string { return p.name }

// Type implements pin.Provider.
func (p *Provider) Type() string { return Type }

// Pin implements pin.Provider. Pinata stores the upload before it answers,
// so a successful answer with our CID means pinned.
func (p *Provider) Pin(ctx context.Context, b pin.Bundle) (pin.Receipt, error) {
	rec := pin.NewReceipt(p, b.Root)
	files, err := p.files(ctx, b.Root)
	if err != nil {
		return rec, err
	}
	var f file
	if len(files) > 0 {
		f, rec.Skipped = files[0], true
	} else if f, err = p.upload(ctx, b); err != nil {
		return rec, err
	}
	p.fill(&rec, f)
	return rec.Done(pin.StatusPinned), nil
}

// Status implements pin.Provider.
func (p *Provider) Status(ctx context.Context, root cid.Cid) (pin.Receipt, error) {
	rec := pin.NewReceipt(p, root)
	files, err := p.files(ctx, root)
	if err != nil {
		return rec, err
	}
	if len(files) == 0 {
		return rec.Done(pin.StatusNotFound), nil
	}
	p.fill(&rec, files[0])
	return rec.Done(pin.StatusPinned), nil
}

// Unpin implements pin.Unpinner: it deletes every public file with root.
func (p *Provider) Unpin(ctx context.Context, root cid.Cid) error {
	files, err := p.files(ctx, root)
	if err != nil {
		return err
	}
	for _, f := range files {
		resp, err := p.do(ctx, http.MethodDelete, p.api+"/v3/files/public/"+url.PathEscape(f.ID), nil, "", -1, "delete file")
		if err != nil {
			return err
		}
		resp.Body.Close()
	}
	return nil
}

func (p *Provider) fill(rec *pin.Receipt, f file) {
	rec.SetID("file_id", f.ID)
	rec.Endpoints = p.cfg.Endpoints(rec.CID)
}

func (p *Provider) upload(ctx context.Context, b pin.Bundle) (file, error) {
	name := p.cfg.PinName
	if name == "" {
		name = "dapp-publish " + b.Root.String()
	}
	body, size, ct := pin.MultipartCAR(b, "bundle.car", [2]string{"network", "public"}, [2]string{"car", "true"}, [2]string{"name", name})
	resp, err := p.do(ctx, http.MethodPost, p.uploads+"/v3/files", body, ct, size, "upload")
	if err != nil {
		return file{}, err
	}
	defer resp.Body.Close()
	f, err := decodeUpload(resp.Body)
	if err != nil {
		return f, pin.ReadError(p.name, "upload", err)
	}
	got, err := cid.Decode(f.CID)
	if err != nil || !pin.SameCID(got, b.Root) {
		return f, pin.Permanent(fmt.Errorf("%s: Pinata stored the upload as %q, not our root %s: %w", p.name, f.CID, b.Root, pin.ErrWrongCID))
	}
	return f, nil
}

// files lists the account's public files with root's CID.
func (p *Provider) files(ctx context.Context, root cid.Cid) ([]file, error) {
	resp, err := p.do(ctx, http.MethodGet, p.api+"/v3/files/public?"+url.Values{"cid": {root.String()}}.Encode(), nil, "", -1, "list files")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	fs, err := decodeList(resp.Body)
	if err != nil {
		return nil, pin.ReadError(p.name, "list files", err)
	}
	var out []file
	for _, f := range fs {
		if c, err := cid.Decode(f.CID); err == nil && pin.SameCID(c, root) {
			out = append(out, f)
		}
	}
	return out, nil
}

func (p *Provider) do(ctx context.Context, method, u string, body io.Reader, ct string, size int64, op string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, pin.Permanent(fmt.Errorf("%s: %w", p.name, err))
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if size >= 0 {
		req.ContentLength = size
	}
	return p.cfg.Do(p.name, req, op, errorMessage)
}

// file is Pinata's file object, reduced to what we use.
type file struct {
	ID  string `json:"id"`
	CID string `json:"cid"`
}

func decodeUpload(r io.Reader) (file, error) {
	var out struct{ Data *file }
	if err := json.NewDecoder(io.LimitReader(r, 1<<20)).Decode(&out); err != nil {
		return file{}, fmt.Errorf("malformed upload answer: %w", err)
	}
	if out.Data == nil || out.Data.CID == "" {
		return file{}, fmt.Errorf("malformed upload answer: no data.cid")
	}
	return *out.Data, nil
}

func decodeList(r io.Reader) ([]file, error) {
	var out struct {
		Data *struct{ Files []file }
	}
	if err := json.NewDecoder(io.LimitReader(r, 8<<20)).Decode(&out); err != nil {
		return nil, fmt.Errorf("malformed file list: %w", err)
	}
	if out.Data == nil {
		return nil, fmt.Errorf("malformed file list: no data")
	}
	return out.Data.Files, nil
}

// errorMessage reads Pinata's error bodies: {"error":{"reason","details"}}
// and the {"error":{"code","message"}} and {"error":"..."} shapes some
// endpoints use.
func errorMessage(body []byte) string {
	var e struct{ Error json.RawMessage }
	if json.Unmarshal(body, &e) != nil || len(e.Error) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(e.Error, &s) == nil {
		return s
	}
	var o struct {
		Reason, Details, Message string
	}
	if json.Unmarshal(e.Error, &o) != nil {
		return ""
	}
	parts := []string{}
	for _, x := range []string{o.Reason, o.Details, o.Message} {
		if x != "" {
			parts = append(parts, x)
		}
	}
	return strings.Join(parts, ": ")
}
