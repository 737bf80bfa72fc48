package kubo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/ipfs/go-cid"
)

// importCAR streams the CAR to dag/import and checks Kubo's answer: exactly
// our root, pinned without error.
func (p *Provider) importCAR(ctx context.Context, b pin.Bundle) error {
	q := url.Values{"pin-roots": {"true"}, "stats": {"true"}}
	body, size, ct := pin.MultipartCAR(b, "bundle.car")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.base+"/api/v0/dag/import?"+q.Encode(), body)
	if err != nil {
		return pin.Permanent(fmt.Errorf("%s: %w", p.name, err))
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", ct)
	resp, err := p.cfg.Do(p.name, req, "dag/import", kuboMessage)
	if err != nil {
		return reclassify(err)
	}
	defer resp.Body.Close()
	res, err := decodeImport(resp.Body)
	if err != nil {
		return pin.ReadError(p.name, "dag/import", err)
	}
	if msg := resp.Trailer.Get("X-Stream-Error"); msg != "" {
		return pin.Permanent(fmt.Errorf("%s: dag/import failed: %s", p.name, msg))
	}
	return p.checkImport(res, b.Root)
}

// importResult is what dag/import reported.
type importResult struct {
	Roots     []cid.Cid
	PinErrors []string
	Blocks    int64
	Bytes     int64
	HaveStats bool
}

// importLine is one NDJSON line of dag/import's answer.
type importLine struct {
	Root *struct {
		Cid struct {
			Root string `json:"/"`
		}
		PinErrorMsg string
	}
	Stats *struct{ BlockCount, BlockBytesCount int64 }
}

// decodeImport reads dag/import's NDJSON answer. It is outside input: every
// field is checked, nothing is trusted.
func decodeImport(r io.Reader) (importResult, error) {
	var res importResult
	dec := json.NewDecoder(io.LimitReader(r, 16<<20))
	for {
		var line importLine
		err := dec.Decode(&line)
		if errors.Is(err, io.EOF) {
			return res, nil
		}
		if err != nil {
			return res, fmt.Errorf("malformed dag/import answer: %w", err)
		}
		if line.Root != nil {
			c, err := cid.Decode(line.Root.Cid.Root)
			if err != nil {
				return res, fmt.Errorf("dag/import reported an invalid root %q: %w", line.Root.Cid.Root, err)
			}
			res.Roots = append(res.Roots, c)
			if line.Root.PinErrorMsg != "" {
				res.PinErrors = append(res.PinErrors, line.Root.PinErrorMsg)
			}
		}
		if line.Stats != nil {
			res.Blocks, res.Bytes, res.HaveStats = line.Stats.BlockCount, line.Stats.BlockBytesCount, true
		}
	}
}

// checkImport accepts the import only if Kubo pinned exactly our root.
func (p *Provider) checkImport(res importResult, root cid.Cid) error {
	if len(res.PinErrors) > 0 {
		return pin.Permanent(fmt.Errorf("%s: dag/import could not pin the root: %s: %w", p.name, res.PinErrors[0], pin.ErrNotPinned))
	}
	switch {
	case len(res.Roots) == 0:
		return pin.Permanent(fmt.Errorf("%s: dag/import reported no root: %w", p.name, pin.ErrNotPinned))
	case len(res.Roots) > 1:
		return pin.Permanent(fmt.Errorf("%s: dag/import reported %d roots, want only %s: %w", p.name, len(res.Roots), root, pin.ErrWrongCID))
	case !pin.SameCID(res.Roots[0], root):
		return pin.Permanent(fmt.Errorf("%s: dag/import pinned %s, not our root %s: %w", p.name, res.Roots[0], root, pin.ErrWrongCID))
	}
	return nil
}
