package arweave

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strconv"

	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/dapp-publish/dapp-publish/pin/arweave/arapi"
	"github.com/dapp-publish/dapp-publish/pin/arweave/artx"
)

// turboClient posts signed data items to a Turbo upload service
// (ardriveapp/turbo-upload-service docs/openapi.yaml): POST /v1/tx with
// the item as application/octet-stream; 200 with a signed receipt, 202 if
// the item was posted before, 400 for an invalid item, 402 for an
// insufficient balance, 403 for a blocked owner, 503 when a service it
// depends on is down.
type turboClient struct {
	base string
	hc   *http.Client
}

// TurboReceipt is the upload service's signed promise to bundle an item.
type TurboReceipt struct {
	ID                  string   `json:"id"`
	Owner               string   `json:"owner"`
	DataCaches          []string `json:"dataCaches"`
	FastFinalityIndexes []string `json:"fastFinalityIndexes"`
	DeadlineHeight      int64    `json:"deadlineHeight"`
	Timestamp           int64    `json:"timestamp"`
	Version             string   `json:"version"`
	Winc                string   `json:"winc"`
	Signature           string   `json:"signature"`
	Public              string   `json:"public"`
}

// ErrBadReceipt means the upload service's receipt is not for our item or
// is not signed by the key it carries.
var ErrBadReceipt = errors.New("the upload service's receipt does not verify")

// Verify checks the receipt is for id and its signature is the service
// key's over deepHash(["Bundlr", version, id, deadlineHeight, timestamp])
// (turbo-upload-service src/utils/signReceipt.ts).
func (r *TurboReceipt) Verify(id string) error {
	if r.ID != id {
		return fmt.Errorf("%w: it is for %.60q, not %s", ErrBadReceipt, r.ID, id)
	}
	pub, err1 := base64.RawURLEncoding.DecodeString(r.Public)
	sig, err2 := base64.RawURLEncoding.DecodeString(r.Signature)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("%w: its key or signature is not base64url", ErrBadReceipt)
	}
	msg := artx.DeepHash([]any{"Bundlr", r.Version, r.ID, strconv.FormatInt(r.DeadlineHeight, 10), strconv.FormatInt(r.Timestamp, 10)})
	if err := artx.VerifySignature(pub, msg[:], sig); err != nil {
		return fmt.Errorf("%w: %w", ErrBadReceipt, err)
	}
	return nil
}

// post sends one data item of size bytes; existed is true for 202.
func (t *turboClient) post(ctx context.Context, body io.Reader, size int64) (rc *TurboReceipt, existed bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.base+"/v1/tx", body)
	if err != nil {
		return nil, false, err
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", "application/octet-stream")
	hc := t.hc
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, false, context.Cause(ctx)
		}
		return nil, false, &arapi.NetError{Op: "POST /v1/tx " + t.base, Err: err}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	switch resp.StatusCode {
	case http.StatusOK:
		var rc TurboReceipt
		if err := json.Unmarshal(b, &rc); err != nil {
			return nil, false, fmt.Errorf("%w: %v", ErrBadReceipt, err)
		}
		return &rc, false, nil
	case http.StatusAccepted:
		return nil, true, nil
	}
	return nil, false, &arapi.Error{Op: "POST /v1/tx", Status: resp.StatusCode, Body: string(bytes.TrimSpace(b[:min(len(b), 200)]))}
}

// storeItem stores an item as a data item signed by the wallet and posted
// to the Turbo service. The signed header is journaled first: a retry
// posts the same item (the service answers 202), never a second one.
func (p *Provider) storeItem(ctx context.Context, it *item) error {
	key := journalKey(UploaderTurbo, it.sum, it.size, it.tags)
	hdr, d := p.resumeItem(key)
	if hdr == nil {
		var err error
		if hdr, d, err = artx.SignDataItem(p.wallet, it.tags, nil, *it.dig); err != nil {
			return pin.Permanent(fmt.Errorf("%s: %s: %w", p.name, it.what, err))
		}
		_ = p.jr.put(key, &entry{Item: hdr})
	}
	it.id = d.IDString()
	var rc *TurboReceipt
	err := p.do(ctx, func() error {
		r, err := it.open()
		if err != nil {
			return pin.Permanent(err)
		}
		if it.sent != nil {
			r = &progressReader{r: r, fn: it.sent}
		}
		rc, _, err = p.turbo.post(ctx, io.MultiReader(bytes.NewReader(hdr), r), int64(len(hdr))+it.size)
		return err
	})
	if err != nil {
		return p.turboError(it, err)
	}
	if rc != nil {
		if err := rc.Verify(it.id); err != nil {
			return pin.Permanent(fmt.Errorf("%s: %s: %w", p.name, it.what, err))
		}
		it.cost, _ = new(big.Int).SetString(rc.Winc, 10)
	}
	return nil
}

// resumeItem returns the header signed by an earlier attempt, if any.
func (p *Provider) resumeItem(key string) ([]byte, *artx.DataItem) {
	e := p.jr.get(key)
	if e == nil || e.Item == nil {
		return nil, nil
	}
	d, err := artx.ReadDataItem(bytes.NewReader(e.Item))
	if err != nil || d.HeaderLen != int64(len(e.Item)) || !bytes.Equal(d.Owner, p.wallet.Owner()) {
		return nil, nil
	}
	return e.Item, d
}

// turboError words the upload service's refusals.
func (p *Provider) turboError(it *item, err error) error {
	var ae *arapi.Error
	if errors.As(err, &ae) {
		switch ae.Status {
		case http.StatusPaymentRequired:
			return pin.Permanent(fmt.Errorf("%s: Turbo (%s) has too few credits for wallet %s to store %s (%d bytes): top up Turbo credits for this wallet: %w: %w",
				p.name, p.cfg.Endpoint, p.wallet.Address(), it.what, it.size, ErrInsufficientFunds, err))
		case http.StatusForbidden:
			return pin.Permanent(fmt.Errorf("%s: Turbo (%s) refuses uploads from wallet %s: %w", p.name, p.cfg.Endpoint, p.wallet.Address(), err))
		case http.StatusBadRequest:
			return pin.Permanent(fmt.Errorf("%s: Turbo (%s) rejected the data item for %s: %w", p.name, p.cfg.Endpoint, it.what, err))
		}
	}
	var ne *arapi.NetError
	if errors.As(err, &ne) {
		return p.classify(fmt.Errorf("%s: cannot reach the Turbo upload service %s; check endpoint: in the config: %w", p.name, p.cfg.Endpoint, err))
	}
	return p.classify(fmt.Errorf("%s: storing %s with Turbo: %w", p.name, it.what, err))
}

type progressReader struct {
	r  io.Reader
	fn func(int64)
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.fn(int64(n))
	}
	return n, err
}
