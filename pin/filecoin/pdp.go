package filecoin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/dapp-publish/dapp-publish/pin"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

// pdpClient talks to a storage provider's PDP HTTP API (Curio,
// pdp/handlers*.go; documented in Curio's PDP API page).
type pdpClient struct {
	base string // the provider's serviceURL
	cfg  pin.Config
}

func (c *pdpClient) do(ctx context.Context, method, p string, body io.Reader, size int64, hdr http.Header, op string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+p, body)
	if err != nil {
		return nil, pin.Permanent(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if size >= 0 {
		req.ContentLength = size
	}
	cfg := c.cfg
	cfg.Token = "" // the wallet signs; no bearer token goes to a storage provider
	return cfg.Do(req, op, nil)
}

func (c *pdpClient) postJSON(ctx context.Context, p string, v any, op string) (*http.Response, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, pin.Permanent(err)
	}
	return c.do(ctx, http.MethodPost, p, bytes.NewReader(b), int64(len(b)), http.Header{"Content-Type": {"application/json"}}, op)
}

// startUpload announces a piece: stored already (true), or the upload path.
func (c *pdpClient) startUpload(ctx context.Context, pieceCID string, dataSetID uint64) (bool, string, error) {
	body := map[string]any{"pieceCid": pieceCID}
	if dataSetID != 0 {
		body["dataSetId"] = dataSetID
	}
	resp, err := c.postJSON(ctx, "/pdp/piece", body, "announce piece")
	if err != nil {
		return false, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		return true, "", nil
	}
	loc, err := uploadPath(resp.Header.Get("Location"))
	return false, loc, err
}

// uploadPath checks a Location header (outside bytes) and returns the
// upload path on this provider: /pdp/piece/upload/{uuid}.
func uploadPath(loc string) (string, error) {
	u, err := url.Parse(loc)
	if err != nil || loc == "" {
		return "", pin.Permanent(fmt.Errorf("storage provider gave no usable upload Location (%q)", loc))
	}
	const prefix = "/pdp/piece/upload/"
	id, ok := strings.CutPrefix(u.EscapedPath(), prefix)
	if !ok || !isUUID(id) {
		return "", pin.Permanent(fmt.Errorf("storage provider gave an unexpected upload Location %q", loc))
	}
	return prefix + id, nil
}

// isUUID accepts the upload ids Curio makes: hex digits and dashes.
func isUUID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F' || r == '-') {
			return false
		}
	}
	return true
}

// findPiece reports whether the provider has the piece parked: 200 yes, 202
// still processing (false, nil), 404 not found.
func (c *pdpClient) findPiece(ctx context.Context, pieceCID string) (bool, error) {
	resp, err := c.do(ctx, http.MethodGet, "/pdp/piece?"+url.Values{"pieceCid": {pieceCID}}.Encode(), nil, -1, nil, "find piece")
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusAccepted {
		return false, nil
	}
	var out struct {
		PieceCid string `json:"pieceCid"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&out); err != nil {
		return false, pin.ReadError(c.cfg.Name, "find piece", err)
	}
	if out.PieceCid != pieceCID {
		return false, pin.Permanent(fmt.Errorf("storage provider found piece %q when asked for %s", out.PieceCid, pieceCID))
	}
	return true, nil
}

// txPath checks a Location header naming a transaction status path.
func txPath(loc, prefix string) (string, error) {
	u, err := url.Parse(loc)
	if err != nil || !strings.HasPrefix(u.Path, prefix) {
		return "", pin.Permanent(fmt.Errorf("storage provider gave an unexpected status Location %q", loc))
	}
	h := strings.TrimPrefix(u.Path, prefix)
	if b, err := hexutil.Decode(h); err != nil || len(b) != 32 {
		return "", pin.Permanent(fmt.Errorf("storage provider gave a bad transaction hash in %q", loc))
	}
	return u.Path, nil
}

// createDataSet asks the provider to create a data set; it returns the
// status path /pdp/data-sets/created/{txHash}.
func (c *pdpClient) createDataSet(ctx context.Context, recordKeeper string, extra []byte) (string, error) {
	resp, err := c.postJSON(ctx, "/pdp/data-sets", map[string]string{"recordKeeper": recordKeeper, "extraData": hexutil.Encode(extra)}, "create data set")
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	return txPath(resp.Header.Get("Location"), "/pdp/data-sets/created/")
}

// addPieces asks the provider to add a piece; it returns the status path
// /pdp/data-sets/{id}/pieces/added/{txHash}.
func (c *pdpClient) addPieces(ctx context.Context, dataSetID uint64, pieceCID string, extra []byte) (string, error) {
	body := map[string]any{
		"pieces":    []any{map[string]any{"pieceCid": pieceCID, "subPieces": []any{map[string]string{"subPieceCid": pieceCID}}}},
		"extraData": hexutil.Encode(extra),
	}
	p := fmt.Sprintf("/pdp/data-sets/%d/pieces", dataSetID)
	resp, err := c.postJSON(ctx, p, body, "add piece")
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	return txPath(resp.Header.Get("Location"), p+"/added/")
}

// txState is a creation or addition status: 200 answers can still be
// pending, so done means the provider saw the result on chain.
type txState struct {
	Done, Failed bool
	DataSetID    uint64
	PieceIDs     []uint64
	TxHash       string // confirmedTxHash when given (the transaction may have been replaced)
	Status       string
}

func (c *pdpClient) status(ctx context.Context, p string) (txState, error) {
	resp, err := c.do(ctx, http.MethodGet, p, nil, -1, nil, "transaction status")
	if err != nil {
		return txState{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusAccepted {
		return txState{Status: "pending"}, nil
	}
	st, err := decodeStatus(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return st, pin.ReadError(c.cfg.Name, "transaction status", err)
	}
	return st, nil
}

// decodeStatus reads a data set creation or piece addition status (outside
// bytes): GET /pdp/data-sets/created/{tx} and .../pieces/added/{tx}.
func decodeStatus(r io.Reader) (txState, error) {
	var s struct {
		TxStatus          string   `json:"txStatus"`
		TxHash            string   `json:"txHash"`
		CreateMessageHash string   `json:"createMessageHash"`
		ConfirmedTxHash   string   `json:"confirmedTxHash"`
		DataSetCreated    *bool    `json:"dataSetCreated"`
		PiecesAdded       *bool    `json:"piecesAdded"`
		OK                *bool    `json:"ok"`
		AddMessageOK      *bool    `json:"addMessageOk"`
		DataSetID         *uint64  `json:"dataSetId"`
		ConfirmedPieceIDs []uint64 `json:"confirmedPieceIds"`
	}
	if err := json.NewDecoder(r).Decode(&s); err != nil {
		return txState{}, fmt.Errorf("malformed status: %w", err)
	}
	st := txState{Status: s.TxStatus, PieceIDs: s.ConfirmedPieceIDs}
	for _, h := range []string{s.ConfirmedTxHash, s.TxHash, s.CreateMessageHash} {
		if b, err := hexutil.Decode(h); err == nil && len(b) == 32 {
			st.TxHash = h
			break
		}
	}
	okFalse := s.OK != nil && !*s.OK || s.AddMessageOK != nil && !*s.AddMessageOK
	switch {
	case s.TxStatus == "rejected" || s.TxStatus == "failed" || okFalse:
		st.Failed = true
	case s.DataSetCreated != nil:
		st.Done = *s.DataSetCreated && s.DataSetID != nil
	case s.PiecesAdded != nil:
		st.Done = *s.PiecesAdded && len(s.ConfirmedPieceIDs) > 0
	}
	if s.DataSetID != nil {
		st.DataSetID = *s.DataSetID
	}
	return st, nil
}

// dataSetPieces lists the pieces of a data set on the provider.
func (c *pdpClient) dataSetPieces(ctx context.Context, id uint64) (map[string]uint64, error) {
	resp, err := c.do(ctx, http.MethodGet, fmt.Sprintf("/pdp/data-sets/%d", id), nil, -1, nil, "data set")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return decodeDataSet(io.LimitReader(resp.Body, 16<<20))
}

func decodeDataSet(r io.Reader) (map[string]uint64, error) {
	var ds struct {
		Pieces []struct {
			PieceID  uint64 `json:"pieceId"`
			PieceCid string `json:"pieceCid"`
		} `json:"pieces"`
	}
	if err := json.NewDecoder(r).Decode(&ds); err != nil {
		return nil, fmt.Errorf("malformed data set: %w", err)
	}
	out := map[string]uint64{}
	for _, p := range ds.Pieces {
		out[p.PieceCid] = p.PieceID
	}
	return out, nil
}
